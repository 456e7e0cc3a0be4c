"""Item models of the generator estimated from weighted respondents (:func:`estimate_items`).

For every typed column of the codebook that the respondent table has, the model kind,
routing, "Vet ikke" structure and loading come from a template (``generator_params.yaml``
format) and the rest from the data, by weighted (pseudo-)maximum likelihood with the
respondents' survey weights (normalised to sum to the number of answers used):

* ``binary`` / ``ordinal`` / ``involvement``: a cumulative-logit (proportional-odds) model
  ``P(level >= j) = expit(eta - c_j)``, binary items being the two-level case, with
  ``eta = size_class[k] + centrality * c + fylkeskommune`` (+ the involvement covariates of
  :func:`.answers.involvement_covariates` for ``a9_has_involved``); the group terms carry a
  weak normal penalty (sd :data:`PRIOR_SD` on the logit scale) so that a group whose answers
  all fall on one side (e.g. a handful of county municipalities) gets a finite term.
  The generator adds ``loading * u`` (``u ~ N(0, 1)``) to ``eta``, which attenuates the
  marginal (observed) coefficients by about ``1 / sqrt(1 + 0.346 loading**2)`` (the
  logistic–normal approximation); the estimates are divided by that factor so that the
  generator, with the template's loading, reproduces the observed group shares.
* ``count`` / ``year``: weighted Poisson regression (log link; ``year`` on ``max - year``),
  intercept lowered by ``loading**2 / 2`` (the mean of ``exp(loading * u)``);
* ``lognormal``: weighted least squares of the log value; ``sigma`` from the residual
  variance minus ``loading**2``;
* ``categorical``: weighted shares of the substantive answers per unit type;
* ``dont_know``: the weighted share of "Vet ikke" among the shown answers;
* ``no_codes`` (how a binary item's non-yes answers split): weighted shares.

Region terms are not estimated (set to none) and the loading is kept from the template.
Items with fewer than :data:`MIN_ANSWERS` usable answers, or only one answer level, keep the
template's model; every column gets a row in the ``fitted`` table (:data:`FITTED_COLUMNS`).
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit

from sosiale_kommuner import config

from .. import codebook as cbm
from .answers import involvement_covariates
from .params import item_spec

#: Prior standard deviation of the group terms (logit scale; a weak ridge penalty).
PRIOR_SD = 2.5
#: Fewest usable answers for an item column to be estimated.
MIN_ANSWERS = 10
#: Logistic-normal approximation: marginal logit ~ conditional / sqrt(1 + ATTENUATION * loading**2).
ATTENUATION = (16 * np.sqrt(3) / (15 * np.pi)) ** 2
#: Group terms the generator's linear predictor has and the estimator sets.
GROUP_TERMS = ("size_class", "centrality", "fylkeskommune")
FITTED_COLUMNS = ["item", "model", "n", "source", "terms", "note"]
#: Items the generator sets itself (never estimated).
SKIP_ITEMS = ("bg_unit_type",)


# ---------------------------------------------------------------------------------------
# Data: codes and covariates
# ---------------------------------------------------------------------------------------
def coded(data: pd.DataFrame, item: cbm.Item, column: str) -> np.ndarray:
    """A typed column as float codes (categorical keys -> codebook codes; options 1/0;
    numbers as they are; NaN = missing or not shown)."""
    s = data[column]
    if item.is_categorical:
        k2c = {**item.key_to_code}
        if item.has_dont_know:
            k2c[cbm.DONT_KNOW] = item.dont_know
        return s.astype(object).map(lambda v: np.nan if v is None or v is pd.NA or v != v else k2c.get(v, np.nan)
                                    ).to_numpy(dtype=float)
    if item.is_multiple:
        return s.astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(s, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def group_matrix(data: pd.DataFrame, size_levels: list) -> np.ndarray:
    """Covariates of the group terms, one row per respondent: a dummy per non-reference size
    class (municipalities), centrality 0-3 (municipalities; 0 for counties), a county dummy."""
    county = (data["unit_type"].astype(str) == config.FYLKESKOMMUNE).to_numpy()
    size = data["size_class"].astype(object).to_numpy()
    cols = [((size == lev) & ~county).astype(float) for lev in size_levels[1:]]
    cen = pd.to_numeric(data["centrality"], errors="coerce").astype("float64").to_numpy()
    cols.append(np.where(county, 0.0, np.nan_to_num(cen)))
    cols.append(county.astype(float))
    return np.column_stack(cols)


def _normalised(w: np.ndarray) -> np.ndarray:
    return w * (len(w) / w.sum())


# ---------------------------------------------------------------------------------------
# Fitters
# ---------------------------------------------------------------------------------------
def _cumlogit_nll(theta: np.ndarray, y: np.ndarray, X: np.ndarray, w: np.ndarray, k: int,
                  prior: np.ndarray) -> tuple[float, np.ndarray]:
    m = k - 1
    steps = np.concatenate([theta[:1], np.exp(theta[1:m])])
    cuts = np.cumsum(steps)
    beta = theta[m:]
    eta = X @ beta
    a = eta[:, None] - cuts[None, :]                       # P(level >= j), j = 1..k-1
    F = np.concatenate([np.ones((len(y), 1)), expit(a), np.zeros((len(y), 1))], axis=1)
    f = np.concatenate([np.zeros((len(y), 1)), F[:, 1:-1] * (1 - F[:, 1:-1]), np.zeros((len(y), 1))], axis=1)
    rows = np.arange(len(y))
    p = np.maximum(F[rows, y] - F[rows, y + 1], 1e-300)
    nll = -np.sum(w * np.log(p)) + 0.5 * np.sum(prior * beta ** 2)
    d_eta = (f[rows, y] - f[rows, y + 1]) / p              # d log p / d eta
    g_beta = -(X.T @ (w * d_eta)) + prior * beta
    d_cut = np.zeros((len(y), m))                          # d log p / d c_j
    lo, hi = y - 1, y                                       # c index of F[:, y] and F[:, y + 1]
    ok = lo >= 0
    d_cut[rows[ok], lo[ok]] -= f[rows[ok], y[ok]] / p[ok]
    ok = hi < m
    d_cut[rows[ok], hi[ok]] += f[rows[ok], y[ok] + 1] / p[ok]
    g_cut = -(w @ d_cut)                                    # gradient w.r.t. the cuts
    g_steps = np.cumsum(g_cut[::-1])[::-1]                  # c_j = sum of steps up to j
    g_theta = np.concatenate([g_steps[:1], g_steps[1:] * steps[1:]])
    return float(nll), np.concatenate([g_theta, g_beta])


def fit_cumlogit(y: np.ndarray, X: np.ndarray, w: np.ndarray, k: int,
                 prior_sd: float | np.ndarray = PRIOR_SD) -> tuple[np.ndarray, np.ndarray]:
    """Weighted proportional-odds fit: levels ``y`` in 0..k-1, covariates ``X`` (no
    intercept column), weights ``w``. Returns increasing cut points (k-1) and coefficients."""
    y = np.asarray(y, dtype=int)
    w = _normalised(np.asarray(w, dtype=float))
    cum = np.array([np.sum(w[y >= j]) for j in range(1, k)]) / w.sum()
    cuts0 = -np.log(np.clip(cum, 1e-3, 1 - 1e-3) / (1 - np.clip(cum, 1e-3, 1 - 1e-3)))
    cuts0 = np.maximum.accumulate(cuts0 + np.arange(k - 1) * 1e-3)
    theta0 = np.concatenate([cuts0[:1], np.log(np.maximum(np.diff(cuts0), 1e-2)), np.zeros(X.shape[1])])
    prior = np.broadcast_to(1.0 / np.asarray(prior_sd, dtype=float) ** 2, (X.shape[1],)).copy()
    res = minimize(_cumlogit_nll, theta0, args=(y, X, w, k, prior), jac=True, method="BFGS",
                   options={"maxiter": 500, "gtol": 1e-6})
    th = res.x
    cuts = np.cumsum(np.concatenate([th[:1], np.exp(th[1:k - 1])]))
    return cuts, th[k - 1:]


def fit_poisson(y: np.ndarray, X: np.ndarray, w: np.ndarray, prior_sd: float = PRIOR_SD) -> np.ndarray:
    """Weighted Poisson regression (log link); ``X`` without intercept. Returns the intercept
    followed by the coefficients (the intercept is not penalised)."""
    Z = np.column_stack([np.ones(len(y)), X])
    w = _normalised(np.asarray(w, dtype=float))
    prior = np.concatenate([[0.0], np.full(X.shape[1], 1.0 / prior_sd ** 2)])

    def nll(b):
        eta = np.clip(Z @ b, -30, 30)
        mu = np.exp(eta)
        return float(np.sum(w * (mu - y * eta)) + 0.5 * np.sum(prior * b ** 2)), Z.T @ (w * (mu - y)) + prior * b

    b0 = np.concatenate([[np.log(max(np.average(y, weights=w), 1e-3))], np.zeros(X.shape[1])])
    return minimize(nll, b0, jac=True, method="BFGS", options={"maxiter": 500, "gtol": 1e-6}).x


def fit_wls(y: np.ndarray, X: np.ndarray, w: np.ndarray, prior_sd: float = PRIOR_SD) -> tuple[np.ndarray, float]:
    """Weighted least squares with the same weak penalty; returns (intercept + coefficients,
    weighted residual variance)."""
    Z = np.column_stack([np.ones(len(y)), X])
    w = _normalised(np.asarray(w, dtype=float))
    pen = np.diag(np.concatenate([[0.0], np.full(X.shape[1], 1.0 / prior_sd ** 2)]))
    b = np.linalg.solve(Z.T @ (w[:, None] * Z) + pen, Z.T @ (w * y))
    resid = y - Z @ b
    return b, float(np.sum(w * resid ** 2) / max(w.sum() - Z.shape[1], 1.0))


# ---------------------------------------------------------------------------------------
# One column
# ---------------------------------------------------------------------------------------
def _group_terms(beta: np.ndarray, n_size: int, scale: float = 1.0) -> dict:
    b = np.asarray(beta, dtype=float) * scale
    return {"size_class": [0.0] + [round(float(x), 4) for x in b[:n_size - 1]],
            "centrality": round(float(b[n_size - 1]), 4),
            "fylkeskommune": round(float(b[n_size]), 4)}


def _loading(spec: dict, defaults: dict) -> float:
    return float(spec.get("loading", defaults.get("loading", 0.0)))


def _shares(codes: np.ndarray, w: np.ndarray, levels: list) -> list[float]:
    tot = w.sum()
    return [round(float(w[codes == c].sum() / tot), 4) for c in levels]


def _estimate_column(item: cbm.Item, column: str, spec: dict, codes: np.ndarray, X: np.ndarray,
                     w: np.ndarray, county: np.ndarray, defaults: dict, n_size: int,
                     inv_x: np.ndarray | None) -> tuple[dict, int, str]:
    """The estimated spec of one column (raises ValueError when it cannot be estimated)."""
    model = spec.get("model")
    new = {k: v for k, v in spec.items() if k not in GROUP_TERMS + ("region", "facebook_forces_yes")}
    shown = ~np.isnan(codes)
    notes = []
    if item.has_dont_know and not item.is_multiple and shown.any():
        new["dont_know"] = round(float(w[shown & (codes == item.dont_know)].sum() / w[shown].sum()), 4)
        shown &= codes != item.dont_know
    n = int(shown.sum())
    if n < MIN_ANSWERS:
        raise ValueError(f"{n} usable answers (fewer than {MIN_ANSWERS})")
    y, Xs, ws = codes[shown], X[shown], w[shown]
    for name, col in (("fylkeskommune", Xs[:, -1] > 0),):
        if col.sum() < 3:
            notes.append(f"{name}: {int(col.sum())} answers")
    scale = np.sqrt(1.0 + ATTENUATION * _loading(spec, defaults) ** 2)
    if model in ("binary", "involvement"):
        yes = float(item.key_to_code["yes"]) if not item.is_multiple else 1.0
        yy = (y == yes).astype(int)
        if yy.min() == yy.max():
            raise ValueError("only one answer level")
        Xf = np.column_stack([Xs, inv_x[shown]]) if model == "involvement" else Xs
        cuts, beta = fit_cumlogit(yy, Xf, ws, 2)
        new["intercept"] = round(float(-cuts[0] * scale), 4)
        new.update(_group_terms(beta, n_size, scale))
        if model == "involvement":
            names = list(spec.get("coefficients", {}))
            new["coefficients"] = {nm: round(float(b * scale), 4) for nm, b in zip(names, beta[n_size + 1:])}
        if spec.get("no_codes"):
            no = [float(c) for c in spec["no_codes"]]
            new["no_codes"] = dict(zip([int(c) for c in no], _shares(y[yy == 0], ws[yy == 0], no)))
    elif model == "ordinal":
        subs = list(map(float, item.substantive_codes))
        level = np.array([subs.index(v) for v in y])
        if len(np.unique(level)) < 2:
            raise ValueError("only one answer level")
        cuts, beta = fit_cumlogit(level, Xs, ws, len(subs))
        new["intercept"] = 0.0
        new["cutpoints"] = [round(float(c * scale), 4) for c in cuts]
        new.update(_group_terms(beta, n_size, scale))
    elif model in ("count", "year"):
        yy = (float(item.max) - y) if model == "year" else y
        b = fit_poisson(np.maximum(yy, 0.0), Xs, ws)
        new["intercept"] = round(float(b[0] - _loading(spec, defaults) ** 2 / 2), 4)
        new.update(_group_terms(b[1:], n_size))
    elif model == "lognormal":
        step = float(spec.get("round_to", 0.1))
        b, var = fit_wls(np.log(np.maximum(y, step / 2)), Xs, ws)
        new["intercept"] = round(float(b[0]), 4)
        new.update(_group_terms(b[1:], n_size))
        new["sigma"] = round(float(np.sqrt(max(var - _loading(spec, defaults) ** 2, 0.01))), 4)
    elif model == "categorical":
        subs = list(map(float, item.substantive_codes))
        probs = dict(spec.get("probs", {}))
        for utype, mask in ((config.KOMMUNE, ~county[shown]), (config.FYLKESKOMMUNE, county[shown])):
            if mask.sum() >= 3:
                probs[utype] = _shares(y[mask], ws[mask], subs)
            else:
                notes.append(f"{utype}: {int(mask.sum())} answers, template shares")
        new["probs"] = probs
    else:
        raise ValueError(f"unknown model {model!r}")
    return new, n, "; ".join(notes)


def _terms(new: dict, item: cbm.Item) -> str:
    """The estimated entries of a column's spec, in a fixed order."""
    dk = item.has_dont_know and not item.is_multiple
    keys = [k for k in ("intercept", "cutpoints", *GROUP_TERMS, "coefficients", "sigma", "probs", "no_codes",
                        "dont_know") if k in new and not (k == "intercept" and "cutpoints" in new)
            and (k != "dont_know" or dk)]
    return ", ".join(keys)


# ---------------------------------------------------------------------------------------
# All columns
# ---------------------------------------------------------------------------------------
def _involvement_x(data: pd.DataFrame, codebook: cbm.Codebook, names: list[str]) -> np.ndarray | None:
    need = {"a3_strategy_status", "a5_admin_leadership", "bg_comm_fte"}
    if not need <= set(data.columns):
        return None
    arrays = {}
    for col in data.columns:
        if col == "a3_strategy_status" or col == "a5_admin_leadership" or col == "bg_comm_fte" \
                or col.startswith("a4_formal_elements__"):
            it = codebook.item(col.split("__")[0])
            arrays[col] = coded(data, it, col)
    x = involvement_covariates(arrays)
    return np.column_stack([x[nm] for nm in names]) if names else np.zeros((len(data), 0))


def estimate_items(template: dict, data: pd.DataFrame, codebook: cbm.Codebook,
                   size_levels: list, weight: str = "weight",
                   columns: list[str] | None = None) -> tuple[dict, pd.DataFrame]:
    """Item models estimated from ``data`` (respondents with ``unit_type``, ``size_class``,
    ``centrality``, ``weight`` and typed item columns): the template's ``items`` section with
    the estimated terms, and the fitted table (one row per item column). ``columns``: only
    these item columns (default: every column of the codebook)."""
    defaults = template.get("defaults", {})
    X = group_matrix(data, size_levels)
    w = pd.to_numeric(data[weight], errors="coerce").astype(float).to_numpy()
    county = X[:, -1] > 0
    items = copy.deepcopy(template.get("items", {}))
    rows, seen = [], set()
    for survey in ("main", "presurvey"):
        for it in codebook.items(survey=survey):
            if it.id in seen or it.type == "text" or it.id in SKIP_ITEMS:
                continue
            seen.add(it.id)
            for col in it.columns:
                if columns is not None and col not in columns:
                    continue
                spec = copy.deepcopy(item_spec(template, it, col))
                row = dict(item=col, model=spec.get("model"), n=0, source="template", terms="", note="")
                if col not in data.columns:
                    row["note"] = "column not in the data"
                else:
                    inv_x = None
                    if spec.get("model") == "involvement":
                        inv_x = _involvement_x(data, codebook, list(spec.get("coefficients", {})))
                    try:
                        if spec.get("model") == "involvement" and inv_x is None:
                            raise ValueError("involvement covariates not in the data")
                        new, n, note = _estimate_column(it, col, spec, coded(data, it, col), X, w, county,
                                                        defaults, len(size_levels), inv_x)
                    except ValueError as exc:
                        row["note"] = str(exc)
                    else:
                        items[col] = new
                        row.update(n=n, source="estimated", terms=_terms(new, it), note=note)
                rows.append(row)
    return items, pd.DataFrame(rows, columns=FITTED_COLUMNS)
