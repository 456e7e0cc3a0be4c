"""Design-based logistic regression (R ``svyglm(..., family = quasibinomial())``).

* Coefficients: weighted maximum likelihood by R's IRLS (start, stopping rule ``|dev -
  devold| / (|dev| + 0.1) < 1e-14``), weights = the design weights scaled to mean 1.
* As R does, the covariance uses the working weights of the start of the last IRLS
  iteration (``glm``'s ``fit$weights``) and the working residuals at the final
  coefficients; at convergence this differs from the exact sandwich by ~1e-9 relative.
* Covariance: the sandwich ``A^-1 B A^-1`` with ``B`` the design covariance of the
  weighted scores ``x_i w_i (y_i - p_i)`` (calibration residuals and fpc as the design
  says; R ``survey:::svy.varcoef``), ``A = X' diag(w p (1 - p)) X``.
* Residual df = design df - (number of coefficients) + 1 (R ``svyglm``'s
  ``df.residual``); t tests and CIs of coefficients use it; :func:`wald_term_test` gives
  R's ``regTermTest(fit, ~term)`` (Wald F on ``(k, df.residual)``).
* :func:`average_marginal_effects`: weighted average marginal effects (probability scale,
  0–1) with a design-based delta-method SE that includes both the estimation of the
  coefficients and the averaging over the population.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import SurveyDesign
from .errors import DesignError


@dataclass
class LogitFit:
    """A fitted design-based logistic regression.

    ``table``: ``term, estimate, se, t, p_value, ci_low, ci_high`` (log-odds scale);
    ``vcov``: covariance matrix (DataFrame); ``df_resid``; ``terms``: design-matrix column
    names grouped by model term (``{"stype": ["stypeH", "stypeM"], ...}``).
    """

    table: pd.DataFrame
    coef: np.ndarray
    vcov: pd.DataFrame
    df_resid: int
    iterations: int
    terms: dict
    names: list
    X: np.ndarray = field(repr=False)
    mask: np.ndarray = field(repr=False)
    infl: np.ndarray = field(repr=False)
    design: SurveyDesign = field(repr=False)
    factors: dict = field(default_factory=dict, repr=False)
    n: int = 0
    y: np.ndarray | None = field(default=None, repr=False)  # 0/1 response, every design row (NaN if missing)
    converged: bool = True
    separation: bool = False  # a fitted probability within 1e-8 of 0 or 1, or |coefficient| > 15

    @property
    def df_design(self) -> int:
        """Design df over the fitted rows (PSUs - strata; R ``degf`` of the subset)."""
        return int(self.df_resid + len(self.coef) - 1)

    @property
    def se(self) -> np.ndarray:
        return self.table["se"].to_numpy()

    def fitted(self, X: np.ndarray | None = None) -> np.ndarray:
        """Fitted probabilities ``expit(X b)`` for the rows of ``X`` (default: the fitted rows)."""
        X = self.X[self.mask] if X is None else X
        return _expit(X @ self.coef)


class SeparationWarning(UserWarning):
    """The logistic fit shows (quasi-)complete separation: some fitted probabilities are 0 or 1."""


def _expit(eta: np.ndarray) -> np.ndarray:
    # the clip changes nothing representable (expit(-700) ~ 1e-304) and avoids overflow warnings
    return 1 / (1 + np.exp(-np.clip(eta, -700, 700)))


def _response(design: SurveyDesign, y: str, y_level) -> np.ndarray:
    col = design.column(y)
    if y_level is not None:
        out = (col == y_level).astype(float)
        return out.where(col.notna()).to_numpy(dtype=float, na_value=np.nan)
    v = pd.to_numeric(col.astype("float64") if col.dtype == bool else col).to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(v) & ~np.isin(v, [0.0, 1.0])
    if bad.any():
        raise DesignError("the response must be 0/1", where=f"response {y!r}", expected="0/1 or True/False",
                          got=f"{int(bad.sum())} other values", hint="give y_level= to model y == level")
    return v


def design_matrix(data: pd.DataFrame, x: list[str], reference: dict | None = None):
    """Model matrix with an intercept and treatment dummies for non-numeric columns.

    Dummy names follow R (``stypeH``: column ``stype``, level ``H``); the reference level is
    the first level (categorical order, else sorted) unless ``reference[col]`` says otherwise.
    Returns ``(X, names, terms, factors, complete_rows_mask)``.
    """
    reference = reference or {}
    cols, names, terms, factors = [np.ones(len(data))], ["(Intercept)"], {}, {}
    ok = np.ones(len(data), dtype=bool)
    for c in x:
        if c not in data.columns:
            raise DesignError("model term not in the data", where="design_matrix", expected=f"a column {c!r}",
                              got=f"columns {list(data.columns)}")
        s = data[c]
        ok &= s.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(s.to_numpy(dtype=float, na_value=np.nan))
            names.append(c)
            terms[c] = [c]
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [lv for lv in s.cat.categories if (s == lv).any()]
        else:
            levels = sorted(s.dropna().unique().tolist(), key=str)
        ref = reference.get(c, levels[0])
        if ref not in levels:
            raise DesignError("reference level not among the levels", where=f"model term {c!r}",
                              expected=f"one of {levels}", got=repr(ref))
        others = [lv for lv in levels if lv != ref]
        factors[c] = dict(reference=ref, levels=others, columns=[])
        terms[c] = []
        for lv in others:
            cols.append((s == lv).to_numpy(dtype=float))
            nm = f"{c}{lv}"
            names.append(nm)
            terms[c].append(nm)
            factors[c]["columns"].append(len(names) - 1)
    return np.column_stack(cols), names, terms, factors, ok


def irls_logit(X, y, w, tol=1e-14, max_iter=100):
    """R ``glm.fit`` for the binomial family: same start (``mustart = (w y + 0.5) / (w + 1)``),
    same stopping rule (``|dev - devold| / (|dev| + 0.1) < tol``). Returns the coefficients,
    the iteration count, the linear predictor at the start of the last iteration (R's
    ``fit$weights`` and ``cov.unscaled`` come from it) and whether it converged. (Fitted
    probabilities that round to 0 or 1 under separation are guarded; otherwise the
    arithmetic is R's.)"""
    def deviance(mu):
        return 2 * np.sum(w * (y * np.log(np.where(y > 0, y / np.maximum(mu, 1e-300), 1))
                               + (1 - y) * np.log(np.where(y < 1, (1 - y) / np.maximum(1 - mu, 1e-300), 1))))
    mu = (w * y + 0.5) / (w + 1)
    eta = np.log(mu / (1 - mu))
    dev_old = deviance(mu)
    beta, eta_prev = np.zeros(X.shape[1]), eta
    for it in range(1, max_iter + 1):
        eta_prev = eta
        mu = _expit(eta)
        v = mu * (1 - mu)
        wz = w * v
        z = eta + (y - mu) / np.where(v > 0, v, 1e-300)
        beta = np.linalg.solve(X.T @ (X * wz[:, None]), X.T @ (wz * z))
        eta = X @ beta
        dev = deviance(_expit(eta))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            return beta, it, eta_prev, True
        dev_old = dev
    return beta, max_iter, eta_prev, False


def svyglm_logit(design: SurveyDesign, y: str, x: list[str], y_level=None, reference: dict | None = None,
                 level: float = 0.95, epsilon: float = 1e-14, max_iter: int = 100) -> LogitFit:
    """Design-based logistic regression of ``y`` (0/1, bool, or ``y == y_level``) on columns ``x``.

    Rows missing ``y`` or any ``x`` are left out (zero scores; the design's strata, PSUs and
    fpc are kept; df counts only PSUs/strata with used rows, as R's ``degf`` of the subset).
    R: ``svyglm(y ~ x1 + x2, design, family = quasibinomial())`` (run to convergence:
    ``control = glm.control(epsilon = 1e-14, maxit = 100)``).
    """
    yv = _response(design, y, y_level)
    X, names, terms, factors, ok = design_matrix(design.data, list(x), reference)
    mask = design.used(ok & ~np.isnan(yv))
    return _fit(design, X, yv, mask, names, terms, factors, level, epsilon, max_iter, strict=True)


def svyglm_logit_matrix(design: SurveyDesign, X: pd.DataFrame, y, *, mask=None,
                        dummy_groups: dict[str, list[str]] | None = None, level: float = 0.95,
                        epsilon: float = 1e-14, max_iter: int = 100) -> LogitFit:
    """Design-based logistic regression from a prepared model matrix, on a domain.

    ``X``: DataFrame with one row per design row, an ``(Intercept)`` column and the model's
    columns (its column names become ``fit.names``); ``y``: 0/1 per design row. ``mask``
    (boolean, optional) restricts the fit to a domain (complete cases, units the question
    was shown to) while the variance keeps the whole design: R ``svyglm(y ~ ., design =
    subset(d, mask), family = quasibinomial())``. Rows outside the mask may hold NaN;
    missing values inside it raise. ``dummy_groups`` names the 0/1 columns of each
    categorical term (reference = all 0): :func:`average_marginal_effects` switches them
    together (AME rows named by the column) and :func:`wald_term_test` accepts the term name.
    Unlike :func:`svyglm_logit`, non-convergence does not raise: ``fit.converged`` is False;
    ``fit.separation`` flags fitted probabilities within 1e-8 of 0 or 1 or a coefficient
    beyond 15 in absolute value (R: "fitted probabilities numerically 0 or 1 occurred").
    """
    if not isinstance(X, pd.DataFrame):
        raise DesignError("X must be a DataFrame whose columns name the model's coefficients")
    Xa = X.to_numpy(dtype=float, na_value=np.nan)
    ya = np.asarray(y, dtype=float)
    if Xa.shape[0] != design.n or ya.shape[0] != design.n:
        raise DesignError(f"X has {Xa.shape[0]} rows and y {ya.shape[0]}; the design has {design.n}")
    m = design.in_domain.copy() if mask is None else design.used(mask)
    bad = np.isnan(Xa[m]).any(axis=1) | np.isnan(ya[m])
    if bad.any():
        raise DesignError(f"X or y has missing values in {int(bad.sum())} fitted rows (first design row "
                          f"{int(np.flatnonzero(m)[bad][0])}); pass mask= to leave them out")
    if not np.isin(ya[m], (0.0, 1.0)).all():
        raise DesignError("y must be 0/1 in the fitted rows", where="svyglm_logit_matrix", expected="0/1",
                          got=f"{int((~np.isin(ya[m], (0.0, 1.0))).sum())} other values")
    names = [str(c) for c in X.columns]
    groups = dict(dummy_groups or {})
    in_group = {c for cols in groups.values() for c in cols}
    missing = sorted(in_group - set(names))
    if missing:
        raise DesignError(f"dummy_groups name columns not in X: {missing}")
    factors = {g: dict(reference="reference", levels=list(cols), labels=list(cols),
                       columns=[names.index(c) for c in cols]) for g, cols in groups.items()}
    terms = {}
    for c in names:
        if c == "(Intercept)" or c in in_group:
            continue
        terms[c] = [c]
    terms = dict({g: list(cols) for g, cols in groups.items()}, **terms)
    return _fit(design, Xa, np.where(m, ya, np.nan), m, names, terms, factors, level, epsilon, max_iter)


def _fit(design, X, yv, mask, names, terms, factors, level, epsilon, max_iter, strict=False) -> LogitFit:
    idx = np.flatnonzero(mask)
    w = design.weights[idx] / design.weights[idx].mean()
    Xs, ys = X[idx], yv[idx]
    beta, iters, eta_prev, converged = irls_logit(Xs, ys, w, epsilon, max_iter)
    if strict and not converged:
        raise DesignError(f"logistic regression did not converge in {max_iter} iterations (separation?)")
    mu = _expit(Xs @ beta)
    # R (svy.varcoef): working weights and cov.unscaled from the last iteration's start,
    # working residuals (y - mu) / (mu (1 - mu)) at the final coefficients
    mu_prev = _expit(eta_prev)
    wk = w * mu_prev * (1 - mu_prev)
    Ainv = np.linalg.inv(Xs.T @ (Xs * wk[:, None]))
    v = mu * (1 - mu)
    r = np.where(v > 0, wk * (ys - mu) / np.where(v > 0, v, 1.0), w * (ys - mu))
    infl = np.zeros((design.n, len(beta)))
    infl[idx] = (Xs * r[:, None]) @ Ainv
    V = design.variance(infl)
    se = np.sqrt(np.diag(V))
    df_design = int(len(np.unique(design.psu[mask])) - len(np.unique(design.strata[mask])))
    df_resid = df_design + 1 - len(beta)
    t = beta / se
    tq = float(stats.t.isf((1 - level) / 2, df_resid))
    table = pd.DataFrame(dict(term=names, estimate=beta, se=se, t=t,
                              p_value=2 * stats.t.sf(np.abs(t), df_resid),
                              ci_low=beta - tq * se, ci_high=beta + tq * se))
    separation = bool((mu < 1e-8).any() or (mu > 1 - 1e-8).any() or (np.abs(beta) > 15).any())
    return LogitFit(table=table, coef=beta, vcov=pd.DataFrame(V, index=names, columns=names),
                    df_resid=df_resid, iterations=iters, terms=terms, names=names, X=X, mask=mask,
                    infl=infl, design=design, factors=factors, n=int(mask.sum()), y=yv,
                    converged=converged, separation=separation)


def wald_term_test(fit: LogitFit, term: str | list[str]) -> dict:
    """Wald F test that all coefficients of a model term are 0.

    ``term``: a model term (``"stype"``) or a list of coefficient names.
    ``F = b' V^-1 b / k`` on ``(k, df_resid)`` (R ``regTermTest(fit, ~term)``, method "Wald").
    """
    cols = fit.terms[term] if isinstance(term, str) else list(term)
    pos = [fit.names.index(c) for c in cols]
    b = fit.coef[pos]
    V = fit.vcov.to_numpy()[np.ix_(pos, pos)]
    k = len(pos)
    F = float(b @ np.linalg.solve(V, b)) / k
    return dict(test="Wald F (design-based)", statistic=F, ndf=k, ddf=fit.df_resid,
                p_value=float(stats.f.sf(F, k, fit.df_resid)), terms=cols)


def average_marginal_effects(fit: LogitFit, level: float = 0.95, se: bool = True) -> pd.DataFrame:
    """Weighted average marginal effects on the probability scale (0–1), with design-based SEs.

    Numeric terms: ``mean_w(b_j p (1 - p))`` (derivative). Factor levels: ``mean_w(p(level) -
    p(reference))``, switching every unit to the level / reference. The influence of each
    AME is ``w_i (g_i - AME) / W + (dAME/db) . infl_b,i`` and its variance the design
    variance of that (fpc and calibration as the design says). CIs and p-values: t on
    ``df_resid``. (Like R ``marginaleffects::avg_slopes(svyglm_fit, wts = weights)`` but with
    the averaging's own sampling variance included.) Factor levels are named ``<term><level>``
    (:func:`svyglm_logit`) or by their column (:func:`svyglm_logit_matrix`). ``se=False``
    skips the variances (NaN; for very large populations).
    Returns ``term, contrast, kind ("ame"), estimate, se, ci_low, ci_high, p_value, n``.
    """
    d = fit.design
    idx = np.flatnonzero(fit.mask)
    w = d.weights[idx]
    W = w.sum()
    X = fit.X[idx]
    b = fit.coef
    rows = []
    infl_b = fit.infl  # n x p influence of the coefficients (population-unit scale)

    def add(term, contrast, g, grad):
        est = float(np.sum(w * g) / W)
        sc = np.zeros(d.n)
        sc[idx] = w * (g - est) / W
        if not se:
            rows.append(dict(term=term, contrast=contrast, estimate=est, se=np.nan))
            return
        sc = sc + infl_b @ grad
        rows.append(dict(term=term, contrast=contrast, estimate=est, se=float(np.sqrt(d.variance(sc)[0, 0]))))

    factor_cols = {c for f in fit.factors.values() for c in f["columns"]}
    p = _expit(X @ b)
    for j, nm in enumerate(fit.names):
        if j == 0 or j in factor_cols:
            continue
        g = b[j] * p * (1 - p)
        grad = (w[:, None] * (p * (1 - p))[:, None] * (b[j] * (1 - 2 * p))[:, None] * X).sum(axis=0) / W
        grad[j] += np.sum(w * p * (1 - p)) / W
        add(nm, "derivative", g, grad)
    for fac, f in fit.factors.items():
        X0 = X.copy()
        X0[:, f["columns"]] = 0.0
        p0 = _expit(X0 @ b)
        for lv, j, label in zip(f["levels"], f["columns"], f.get("labels", [f"{fac}{lv}" for lv in f["levels"]])):
            X1 = X0.copy()
            X1[:, j] = 1.0
            p1 = _expit(X1 @ b)
            grad = ((w * p1 * (1 - p1))[:, None] * X1 - (w * p0 * (1 - p0))[:, None] * X0).sum(axis=0) / W
            add(label, f"{lv} - {f['reference']}", p1 - p0, grad)
    out = pd.DataFrame(rows)
    tq = float(stats.t.isf((1 - level) / 2, fit.df_resid))
    out["ci_low"] = out.estimate - tq * out.se
    out["ci_high"] = out.estimate + tq * out.se
    out["p_value"] = 2 * stats.t.sf(np.abs(out.estimate / out.se), fit.df_resid)
    out["kind"] = "ame"
    out["n"] = fit.n
    return out[["term", "contrast", "kind", "estimate", "se", "ci_low", "ci_high", "p_value", "n"]]


# ---------------------------------------------------------------------------------------
# Fit and collinearity checks
# ---------------------------------------------------------------------------------------
def hosmer_lemeshow(fit: LogitFit, groups: int = 10) -> tuple[dict, pd.DataFrame]:
    """Design-based Hosmer–Lemeshow-type goodness-of-fit test (Archer, Lemeshow & Hosmer 2007).

    The fitted rows are grouped by weighted quantiles of the fitted probability into
    ``groups`` groups ("deciles of risk"); the model is refitted on the same domain with
    ``groups - 1`` group indicators added (indicators collinear with the model matrix are
    left out), and those are tested jointly = 0 with the design-based Wald statistic ``W``
    and the F correction ``F = W (d - k + 1) / (d k)`` on ``(k, d - k + 1)`` df (k tested
    indicators, d = design df of the fitted rows). A small p-value says the fitted
    probabilities are off in some region.
    R: ``svyglm(update(formula, ~ . + factor(decile)), design)`` and
    ``regTermTest(fit2, ~factor(decile), method = "Wald")`` with that F correction.

    Returns the test (``F, df1, df2, p_value, groups, separation`` — the last of the
    augmented fit) and a calibration table (``group, n, mean_predicted, observed``,
    weighted, 0–1) for a calibration plot.
    """
    idx = np.flatnonzero(fit.mask)
    if fit.y is None:
        raise DesignError("hosmer_lemeshow needs the fit's response (fit.y); refit with this version")
    X = fit.X[idx]
    y = fit.y[idx]
    w = fit.design.weights[idx]
    p = _expit(X @ fit.coef)
    order = np.argsort(p, kind="mergesort")
    cw = np.cumsum(w[order]) / w.sum()
    gi = np.empty(len(p), dtype=int)
    gi[order] = np.minimum((cw * groups - 1e-12).astype(int), groups - 1)
    used = np.unique(gi)
    g = len(used)
    ind = np.column_stack([(gi == k).astype(float) for k in used])
    W_g = (w[:, None] * ind).sum(axis=0)
    table = pd.DataFrame({
        "group": np.arange(1, g + 1),
        "n": [int((gi == k_).sum()) for k_ in used],
        "mean_predicted": (w[:, None] * p[:, None] * ind).sum(axis=0) / W_g,
        "observed": (w[:, None] * y[:, None] * ind).sum(axis=0) / W_g,
    })
    hl_names = [f"_hl_group{k}" for k in range(2, g + 1)]
    keep_X, tested = X, []
    for j, nm in enumerate(hl_names):
        trial = np.column_stack([keep_X, ind[:, j + 1]])
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            keep_X, tested = trial, tested + [nm]
    full = np.full((fit.design.n, keep_X.shape[1]), np.nan)
    full[idx] = keep_X
    aug = svyglm_logit_matrix(fit.design, pd.DataFrame(full, columns=list(fit.names) + tested), fit.y,
                              mask=fit.mask)
    k = len(tested)
    res = wald_term_test(aug, tested)
    d = fit.df_design
    df2 = d - k + 1
    F = res["statistic"] * k * df2 / (d * k)
    return {"F": float(F), "df1": k, "df2": df2, "p_value": float(stats.f.sf(F, k, df2)), "groups": g,
            "separation": aug.separation}, table


def collinearity(fit: LogitFit, term_columns: dict[str, list[str]] | None = None) -> tuple[pd.DataFrame, float]:
    """Generalised variance inflation factors per term and the condition number.

    GVIF (Fox & Monette 1992; R ``car::vif``) from the weighted correlation matrix R of the
    non-intercept columns over the fitted rows: ``det(R_11) det(R_22) / det(R)`` for the
    columns of a term; ``GVIF^(1/(2 df))`` is comparable with sqrt(VIF) across terms.
    ``term_columns`` defaults to ``fit.terms``. The condition number (Belsley) is that of the
    weighted model matrix with columns scaled to unit length, intercept included; above ~30
    signals harmful collinearity. Returns ``(term, df, gvif, gvif_adj)`` and the number.
    """
    term_columns = fit.terms if term_columns is None else term_columns
    idx = np.flatnonzero(fit.mask)
    X = fit.X[idx]
    wd = fit.design.weights[idx]
    w = wd / wd.sum()
    cols = [t for t in fit.names if t != "(Intercept)"]
    Z = X[:, [fit.names.index(c) for c in cols]]
    m = (w[:, None] * Z).sum(axis=0)
    C = (Z - m).T @ ((Z - m) * w[:, None])
    sd = np.sqrt(np.diag(C))
    R = C / np.outer(sd, sd)
    detR = np.linalg.det(R)
    rows = []
    for term, tcols in term_columns.items():
        a = [cols.index(c) for c in tcols]
        b = [i for i in range(len(cols)) if i not in a]
        gvif = np.linalg.det(R[np.ix_(a, a)]) * (np.linalg.det(R[np.ix_(b, b)]) if b else 1.0) / detR
        rows.append({"term": term, "df": len(a), "gvif": float(gvif),
                     "gvif_adj": float(gvif ** (1 / (2 * len(a))))})
    Xs = X * np.sqrt(wd)[:, None]
    Xs = Xs / np.linalg.norm(Xs, axis=0)
    sv = np.linalg.svd(Xs, compute_uv=False)
    return pd.DataFrame(rows), float(sv.max() / sv.min())
