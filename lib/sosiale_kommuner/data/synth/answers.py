"""The answers of every unit: item models, the latent factor, routing.

Every unit of both populations answers every non-text item of the pre-survey and the main
survey, as if all had answered (:func:`draw_answers`): each column from its item model
(:func:`~.params.item_spec`) with the planted effects of size class, region, centrality and
unit type, a latent "digital maturity" ``u ~ N(0, 1)`` (:func:`latent_factor`, independent of
all covariates) that correlates the items, and "Vet ikke" at random. The involvement item
also depends on the unit's own answers on strategy, formalisation, leadership and staff
(:func:`involvement_covariates`). Routing (:func:`apply_routing`, the codebook's filters)
then blanks questions a unit would not have been shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from sosiale_kommuner import config

from .. import codebook as cbm
from .params import Covariates, SynthError, covariates, item_spec, linear_predictor, stream


def binary_codes(yes: np.ndarray, item: cbm.Item, spec: dict, uniform) -> np.ndarray:
    """The codes of a binary draw ``yes`` (any shape): 1/0 for an option of a multiple-choice
    item; else the item's "yes" code, and for "no" its "no" code or, when the model splits the
    non-users (``no_codes``), one of those codes drawn with ``uniform()`` (called only then,
    so the random stream is used exactly as the generator always has)."""
    if item.is_multiple:
        return yes.astype(float)
    k2c = item.key_to_code
    out = np.where(yes, float(k2c["yes"]), np.nan)
    no_codes = spec.get("no_codes")
    if not no_codes:
        return np.where(yes, out, float(k2c["no"]))
    codes = np.asarray([float(c) for c in no_codes], dtype=float)
    p = np.asarray(list(no_codes.values()), dtype=float)
    idx = np.minimum(np.searchsorted(np.cumsum(p / p.sum()), uniform(), side="right"), len(codes) - 1)
    return np.where(yes, out, codes[idx])


def _draw_column(item: cbm.Item, column: str, spec: dict, cov: Covariates, u: np.ndarray,
                 rng: np.random.Generator, defaults: dict, facebook: np.ndarray | None,
                 answers: dict[str, np.ndarray]) -> np.ndarray:
    model = spec.get("model")
    n = cov.n
    out = np.full(n, np.nan)
    if model == "categorical":
        subs = item.substantive_codes
        probs = spec.get("probs", {})
        for utype, mask in ((config.KOMMUNE, ~cov.county), (config.FYLKESKOMMUNE, cov.county)):
            p = np.asarray(probs.get(utype, [1.0 / len(subs)] * len(subs)), dtype=float)
            if len(p) != len(subs):
                raise SynthError(f"{column}: probs for {utype} need {len(subs)} values")
            cum = np.cumsum(p / p.sum())
            idx = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(subs) - 1)
            out[mask] = np.asarray(subs, dtype=float)[idx[mask]]
    elif model in ("binary", "involvement"):
        eta = linear_predictor(spec, cov, u, defaults)
        if model == "involvement":
            b = spec.get("coefficients", {})
            x = involvement_covariates(answers)
            for name, coef in b.items():
                if name not in x:
                    raise SynthError(f"{column}: unknown involvement covariate {name!r}; known {sorted(x)}")
                eta = eta + float(coef) * x[name]
        yes = rng.random(n) < expit(eta)
        if spec.get("facebook_forces_yes") and facebook is not None:
            yes = yes | facebook
        out = binary_codes(yes, item, spec, lambda: rng.random(n))
    elif model == "ordinal":
        subs = np.asarray(item.substantive_codes, dtype=float)
        k = len(subs)
        cuts = spec.get("cutpoints")
        if cuts is None:
            cuts = logit(np.arange(1, k) / k) * float(defaults.get("cut_spread", 1.0))
        cuts = np.asarray(cuts, dtype=float)
        eta = linear_predictor(spec, cov, u, defaults)
        r = rng.random(n)
        level = (r[:, None] < expit(eta[:, None] - cuts[None, :])).sum(axis=1)
        out = subs[level]
    elif model == "count":
        eta = linear_predictor(spec, cov, u, defaults)
        out = rng.poisson(np.exp(eta)).astype(float)
        out = np.clip(out, item.min if item.min is not None else 0, item.max if item.max is not None else np.inf)
    elif model == "lognormal":
        eta = linear_predictor(spec, cov, u, defaults)
        val = np.exp(eta + float(spec.get("sigma", 0.5)) * rng.standard_normal(n))
        step = float(spec.get("round_to", 0.1))
        out = np.round(val / step) * step
        out = np.clip(out, item.min if item.min is not None else 0, item.max if item.max is not None else np.inf)
    elif model == "year":
        eta = linear_predictor(spec, cov, u, defaults)
        hi, lo = int(item.max), int(item.min)
        out = (hi - np.minimum(rng.poisson(np.exp(eta)), hi - lo)).astype(float)
    else:
        raise SynthError(f"{column}: unknown model {model!r}")
    if item.has_dont_know and not item.is_multiple:
        p_dk = float(spec.get("dont_know", defaults.get("dont_know", 0.0)))
        if p_dk > 0:
            out = np.where(rng.random(n) < p_dk, float(item.dont_know), out)
    return out


def involvement_covariates(answers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Covariates of the involvement model from a unit's (unrouted) answers.

    ``strategy_adopted`` = 1 if ``a3_strategy_status`` is 4 (adopted), else 0;
    ``formal_elements`` = number of ``a4_formal_elements`` options ticked;
    ``admin_leadership`` = ``a5_admin_leadership`` score 1-5 ("Vet ikke" counts as 3);
    ``comm_fte`` = ``bg_comm_fte``.
    """
    st = answers["a3_strategy_status"]
    formal = sum(np.nan_to_num(v) for k, v in answers.items() if k.startswith("a4_formal_elements__"))
    lead = answers["a5_admin_leadership"]
    lead = np.where((lead >= 1) & (lead <= 5), lead, 3.0)
    return {
        "strategy_adopted": (st == 4).astype(float),
        "formal_elements": np.asarray(formal, dtype=float),
        "admin_leadership": lead,
        "comm_fte": np.nan_to_num(answers["bg_comm_fte"]),
    }


def latent_factor(seed: int, n: int, salt: str = "answers") -> np.ndarray:
    """The units' latent "digital maturity" ``u ~ N(0, 1)``."""
    return stream(seed, salt, "__u__").standard_normal(n)


def draw_answers(population: pd.DataFrame, params: dict, codebook: cbm.Codebook, seed: int,
                 facebook_page: np.ndarray | None = None, salt: str = "answers",
                 u: np.ndarray | None = None, routed: bool = False) -> pd.DataFrame:
    """Coded answers (float codes; options 1/0) of every unit to every non-text item of the
    pre-survey and main survey, *before* routing (``routed=True``: after). Background
    ``bg_unit_type`` is the unit's own type; ``bg_kommunenummer`` and free texts are left to
    the exports."""
    cov = covariates(population)
    defaults = params.get("defaults", {})
    if u is None:
        u = latent_factor(seed, cov.n)
    fb = None if facebook_page is None else np.asarray(facebook_page, dtype=bool)
    answers: dict[str, np.ndarray] = {}
    seen = set()
    for survey in ("main", "presurvey"):
        for it in codebook.items(survey=survey):
            if it.id in seen or it.type == "text":
                continue
            seen.add(it.id)
            if it.id == "bg_unit_type":
                answers[it.id] = np.where(cov.county, 2.0, 1.0)
                continue
            for col in it.columns:
                spec = item_spec(params, it, col)
                answers[col] = _draw_column(it, col, spec, cov, u, stream(seed, salt, col),
                                            defaults, fb, answers)
    if routed:
        answers = _route(answers, codebook)
    return pd.DataFrame(answers, index=population.index)


def _route(answers: dict[str, np.ndarray], codebook: cbm.Codebook) -> dict[str, np.ndarray]:
    out = dict(answers)
    for it in codebook.items_by_id.values():
        if it.filter_item is None or it.filter_item not in out:
            continue
        hidden = ~np.isin(out[it.filter_item], it.filter_codes)
        if not hidden.any():
            continue
        for col in it.columns:
            if col in out:
                out[col] = np.where(hidden, np.nan, out[col])
    return out


def apply_routing(coded: pd.DataFrame, codebook: cbm.Codebook) -> pd.DataFrame:
    """Blank (NaN) the columns of items a unit would not be shown (codebook filters), in
    codebook order so that chained filters work."""
    arrays = {c: coded[c].to_numpy(dtype=float) for c in coded.columns}
    return pd.DataFrame(_route(arrays, codebook), index=coded.index)
