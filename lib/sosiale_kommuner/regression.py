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

from .design import DesignError, SurveyDesign


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


def _response(design: SurveyDesign, y: str, y_level) -> np.ndarray:
    col = design.column(y)
    if y_level is not None:
        out = (col == y_level).astype(float)
        return out.where(col.notna()).to_numpy(dtype=float, na_value=np.nan)
    v = pd.to_numeric(col.astype("float64") if col.dtype == bool else col).to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(v) & ~np.isin(v, [0.0, 1.0])
    if bad.any():
        raise DesignError(f"response {y!r} must be 0/1 (or give y_level=); found {np.unique(v[bad])[:5]}")
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
            raise DesignError(f"model term {c!r} not in data (columns: {list(data.columns)})")
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
            raise DesignError(f"reference level {ref!r} of {c!r} not among its levels {levels}")
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


def _irls(X, y, w, tol=1e-14, max_iter=100):
    """R ``glm.fit`` for the binomial family: same start (``mustart = (w y + 0.5) / (w + 1)``),
    same stopping rule (``|dev - devold| / (|dev| + 0.1) < tol``). Returns the coefficients,
    the iteration count and the linear predictor at the start of the last iteration (R's
    ``fit$weights`` and ``cov.unscaled`` come from it)."""
    def deviance(mu):
        return 2 * np.sum(w * (y * np.log(np.where(y > 0, y / mu, 1))
                               + (1 - y) * np.log(np.where(y < 1, (1 - y) / (1 - mu), 1))))
    mu = (w * y + 0.5) / (w + 1)
    eta = np.log(mu / (1 - mu))
    dev_old = deviance(mu)
    for it in range(1, max_iter + 1):
        eta_prev = eta
        mu = 1 / (1 + np.exp(-eta))
        wz = w * mu * (1 - mu)
        z = eta + (y - mu) / (mu * (1 - mu))
        beta = np.linalg.solve(X.T @ (X * wz[:, None]), X.T @ (wz * z))
        eta = X @ beta
        dev = deviance(1 / (1 + np.exp(-eta)))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            return beta, it, eta_prev
        dev_old = dev
    raise DesignError(f"logistic regression did not converge in {max_iter} iterations (separation?)")


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
    mask = ok & ~np.isnan(yv)
    idx = np.flatnonzero(mask)
    w = design.weights[idx] / design.weights[idx].mean()
    Xs, ys = X[idx], yv[idx]
    beta, iters, eta_prev = _irls(Xs, ys, w, epsilon, max_iter)
    mu = 1 / (1 + np.exp(-(Xs @ beta)))
    # R (svy.varcoef): working weights and cov.unscaled from the last iteration's start,
    # working residuals (y - mu) / (mu (1 - mu)) at the final coefficients
    mu_prev = 1 / (1 + np.exp(-eta_prev))
    wk = w * mu_prev * (1 - mu_prev)
    Ainv = np.linalg.inv(Xs.T @ (Xs * wk[:, None]))
    infl = np.zeros((design.n, len(beta)))
    infl[idx] = (Xs * (wk * (ys - mu) / (mu * (1 - mu)))[:, None]) @ Ainv
    V = design.variance(infl)
    se = np.sqrt(np.diag(V))
    df_design = int(len(np.unique(design.psu[mask])) - len(np.unique(design.strata[mask])))
    df_resid = df_design + 1 - len(beta)
    t = beta / se
    tq = float(stats.t.isf((1 - level) / 2, df_resid))
    table = pd.DataFrame(dict(term=names, estimate=beta, se=se, t=t,
                              p_value=2 * stats.t.sf(np.abs(t), df_resid),
                              ci_low=beta - tq * se, ci_high=beta + tq * se))
    return LogitFit(table=table, coef=beta, vcov=pd.DataFrame(V, index=names, columns=names),
                    df_resid=df_resid, iterations=iters, terms=terms, names=names, X=X, mask=mask,
                    infl=infl, design=design, factors=factors, n=int(mask.sum()))


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


def average_marginal_effects(fit: LogitFit, level: float = 0.95) -> pd.DataFrame:
    """Weighted average marginal effects on the probability scale (0–1), with design-based SEs.

    Numeric terms: ``mean_w(b_j p (1 - p))`` (derivative). Factor levels: ``mean_w(p(level) -
    p(reference))``, switching every unit to the level / reference. The influence of each
    AME is ``w_i (g_i - AME) / W + (dAME/db) . infl_b,i`` and its variance the design
    variance of that (fpc and calibration as the design says). CIs and p-values: t on
    ``df_resid``. (Like R ``marginaleffects::avg_slopes(svyglm_fit, wts = weights)`` but with
    the averaging's own sampling variance included.)
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
        sc = sc + infl_b @ grad
        se = float(np.sqrt(d.variance(sc)[0, 0]))
        rows.append(dict(term=term, contrast=contrast, estimate=est, se=se))

    factor_cols = {c for f in fit.factors.values() for c in f["columns"]}
    p = 1 / (1 + np.exp(-(X @ b)))
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
        p0 = 1 / (1 + np.exp(-(X0 @ b)))
        for lv, j in zip(f["levels"], f["columns"]):
            X1 = X0.copy()
            X1[:, j] = 1.0
            p1 = 1 / (1 + np.exp(-(X1 @ b)))
            grad = ((w * p1 * (1 - p1))[:, None] * X1 - (w * p0 * (1 - p0))[:, None] * X0).sum(axis=0) / W
            add(f"{fac}{lv}", f"{lv} - {f['reference']}", p1 - p0, grad)
    out = pd.DataFrame(rows)
    tq = float(stats.t.isf((1 - level) / 2, fit.df_resid))
    out["ci_low"] = out.estimate - tq * out.se
    out["ci_high"] = out.estimate + tq * out.se
    out["p_value"] = 2 * stats.t.sf(np.abs(out.estimate / out.se), fit.df_resid)
    out["kind"] = "ame"
    out["n"] = fit.n
    return out[["term", "contrast", "kind", "estimate", "se", "ci_low", "ci_high", "p_value", "n"]]
