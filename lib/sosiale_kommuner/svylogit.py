"""Design-based logistic regression with average marginal effects (AMEs).

A small, self-contained quasi-binomial survey GLM used by the involvement chapter
(chapter 10) and its simulation (``ame_simulation``). It mirrors R's

.. code-block:: r

    fit <- svyglm(y ~ x1 + x2, design = d, family = quasibinomial())
    # AMEs with design-based SEs (R: marginaleffects::avg_slopes(fit, wts = weights(d)))

* Coefficients: weighted maximum likelihood by Newton–Raphson / IRLS (weights = the
  design weights, population units per respondent).
* Covariance: the sandwich ``A^-1 V(U) A^-1`` with ``A = X' diag(w p (1-p)) X`` and
  ``V(U)`` the design covariance (``SurveyDesign.variance``: strata, fpc, calibration) of
  the weighted score totals ``U_i = w_i x_i (y_i - p_i)`` (R ``svy.varcoef``). Residual
  degrees of freedom ``degf(design) - p + 1`` as R's ``svyglm`` (``degf`` counted over the
  fitted rows, as for an R ``subset()`` design); intervals and p-values use
  Student's t on those df.
* AMEs: for a 0/1 column (a dummy of a categorical term) the weighted mean over
  respondents of ``P(y=1 | x, dummy=1, other dummies of the term 0) - P(y=1 | x, reference)``;
  for a numeric column the weighted mean of ``beta_j p_i (1 - p_i)`` (derivative, per unit
  of the column). Standard errors by linearisation: the influence of respondent i is
  ``w_i (g_i - AME) / W + J · infl_beta_i``, with ``J = dAME/dbeta`` (numerical) and
  ``infl_beta_i`` the coefficient influence above; the design variance of these totals.

This module does not replace ``inference.py`` (the statistics core); it exists so that the
involvement chapter and its simulation need only ``design.SurveyDesign``. It is checked
against R's ``svyglm`` on the ``api`` oracle in ``tests/test_involvement.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import SurveyDesign


class SeparationWarning(UserWarning):
    """The logistic fit shows (quasi-)complete separation: some fitted probabilities are 0 or 1."""


@dataclass
class LogitFit:
    """A fitted design-based logistic regression (see module docstring)."""

    terms: list[str]
    coef: np.ndarray
    vcov: np.ndarray
    influence: np.ndarray  # n x p weighted influence totals of the coefficients
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    design: SurveyDesign
    converged: bool
    iterations: int
    separation: bool
    dummy_groups: dict[str, list[str]] = field(default_factory=dict)
    mask: np.ndarray | None = None  # rows in the fitted domain (w is 0 outside)
    df_design: int | None = None  # PSUs - strata among the fitted rows (R degf of the subset)

    @property
    def n(self) -> int:
        """Respondents in the fit (the domain)."""
        return int(len(self.y) if self.mask is None else self.mask.sum())

    @property
    def df_resid(self) -> int:
        """R ``svyglm``: ``degf(design) + 1 - p``, ``degf`` of the fitted rows (R ``subset``)."""
        d = self.design.df if self.df_design is None else self.df_design
        return int(d + 1 - len(self.coef))

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    def fitted(self, X: np.ndarray | None = None, coef: np.ndarray | None = None) -> np.ndarray:
        X = self.X if X is None else X
        b = self.coef if coef is None else coef
        return _expit(X @ b)

    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        """``term, estimate, se, ci_low, ci_high, t, p_value`` (t on ``df_resid``)."""
        se = self.se
        t = self.coef / np.where(se > 0, se, np.nan)
        q = stats.t.isf((1 - level) / 2, self.df_resid)
        return pd.DataFrame({
            "term": self.terms, "estimate": self.coef, "se": se,
            "ci_low": self.coef - q * se, "ci_high": self.coef + q * se, "t": t,
            "p_value": 2 * stats.t.sf(np.abs(t), self.df_resid),
        })

    def wald_test(self, columns: list[str]) -> dict:
        """Wald F test that the coefficients of ``columns`` are all 0.

        R ``regTermTest(fit, ~term)`` default (``method = "Wald"``): ``F = W / q`` on
        ``(q, df_resid)`` degrees of freedom.
        """
        idx = [self.terms.index(c) for c in columns]
        b = self.coef[idx]
        V = self.vcov[np.ix_(idx, idx)]
        W = float(b @ np.linalg.solve(V, b))
        q = len(idx)
        F = W / q
        return {"F": F, "df1": q, "df2": self.df_resid, "p_value": float(stats.f.sf(F, q, self.df_resid))}


def _expit(eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(eta, -700, 700)))


def fit_logit(design: SurveyDesign, X: pd.DataFrame, y, *, mask=None, tol: float = 1e-12, max_iter: int = 100,
              dummy_groups: dict[str, list[str]] | None = None) -> LogitFit:
    """Fit ``logit P(y=1) = X b`` with the design's weights; rows are the design's rows.

    ``X`` holds the model matrix (with an ``(Intercept)`` column) for every row of
    ``design.data``; ``y`` is 0/1. ``mask`` (boolean, optional) restricts the fit to a domain
    (e.g. complete cases, or units the question was shown to) while the variance keeps the
    full design — R ``svyglm(..., design = subset(d, mask))``; rows outside the mask may hold
    NaN. Without a mask, missing values raise. ``dummy_groups`` names the dummy columns of
    each categorical term, so that AMEs switch them together.

    Convergence: relative change of the deviance below ``tol`` (R ``glm.control(epsilon)``).
    ``separation`` is set when a fitted probability is within 1e-8 of 0 or 1 or a
    coefficient exceeds 15 in absolute value (R warns "fitted probabilities numerically 0 or 1").
    """
    Xa = np.asarray(X, dtype=float).copy()
    ya = np.asarray(y, dtype=float).copy()
    if Xa.shape[0] != design.n or ya.shape[0] != design.n:
        raise ValueError(f"X has {Xa.shape[0]} rows and y {ya.shape[0]}, the design {design.n}")
    m = np.ones(design.n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if np.isnan(Xa[m]).any() or np.isnan(ya[m]).any():
        raise ValueError("X or y has missing values inside the fitted rows; pass mask= to exclude them")
    Xa[~m] = 0.0
    ya[~m] = 0.0
    if not np.isin(ya, (0.0, 1.0)).all():
        raise ValueError("y must be 0/1")
    w = np.where(m, design.weights, 0.0)
    # start like R's binomial()$initialize: mu = (w y + 0.5) / (w + 1) with prior weights,
    # eta = logit(mu); the stopping rule of glm.fit: |dev - devold| / (|dev| + 0.1) < tol
    ws = w / w[m].mean()
    mu = (ws * ya + 0.5) / (ws + 1.0)
    eta = np.log(mu / (1 - mu))

    def deviance(pp):
        return -2 * np.sum(ws * (ya * np.log(np.maximum(pp, 1e-300)) + (1 - ya) * np.log(np.maximum(1 - pp, 1e-300))))

    dev_old = deviance(mu)
    converged = False
    it = 0
    b = np.zeros(Xa.shape[1])
    for it in range(1, max_iter + 1):
        p = _expit(eta)
        W = ws * p * (1 - p)
        z = eta + (ya - p) / np.where(p * (1 - p) > 0, p * (1 - p), 1e-300)
        A = Xa.T @ (Xa * W[:, None])
        try:
            b = np.linalg.solve(A, Xa.T @ (W * z))
        except np.linalg.LinAlgError:
            b = np.linalg.lstsq(A, Xa.T @ (W * z), rcond=None)[0]
        eta = Xa @ b
        dev = deviance(_expit(eta))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            converged = True
            break
        dev_old = dev
    # As R's glm.fit/svyglm: the information matrix and the working weights come from the
    # last IRLS iteration (fitted values p_prev before the final update), the working
    # residuals from the final fit; at convergence the difference is ~1e-9 relative.
    p_prev = p
    p = _expit(Xa @ b)
    v_prev = p_prev * (1 - p_prev)
    v = p * (1 - p)
    A = Xa.T @ (Xa * (w * v_prev)[:, None])
    try:
        Ainv = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        Ainv = np.linalg.pinv(A)
    ratio = np.divide(v_prev, v, out=np.ones_like(v), where=v > 0)
    infl = (w * (ya - p) * ratio)[:, None] * Xa @ Ainv  # n x p, Ainv symmetric
    vcov = design.variance(infl)
    separation = bool((p[m] < 1e-8).any() or (p[m] > 1 - 1e-8).any() or (np.abs(b) > 15).any())
    terms = list(X.columns) if isinstance(X, pd.DataFrame) else [f"x{j}" for j in range(Xa.shape[1])]
    return LogitFit(terms=terms, coef=b, vcov=vcov, influence=infl, X=Xa, y=ya, w=w, design=design,
                    converged=converged, iterations=it, separation=separation,
                    dummy_groups=dict(dummy_groups or {}), mask=m,
                    df_design=int(len(np.unique(design.psu[m])) - len(np.unique(design.strata[m]))))


def _ame_parts(fit: LogitFit, columns: list[str]):
    """Per-respondent marginal effects ``g`` (n x k) and the gradients of their weighted
    means with respect to the coefficients (k x p), analytically."""
    X, w, b = fit.X, fit.w, fit.coef
    W = w.sum()
    col_group = {c: g for g, cols in fit.dummy_groups.items() for c in cols}
    g = np.zeros((len(X), len(columns)))
    J = np.zeros((len(columns), len(b)))
    p = _expit(X @ b)
    cache: dict[str, tuple] = {}
    for k, c in enumerate(columns):
        j = fit.terms.index(c)
        if c in col_group:
            grp = col_group[c]
            if grp not in cache:
                sibs = [fit.terms.index(s_) for s_ in fit.dummy_groups[grp]]
                X0 = X.copy()
                X0[:, sibs] = 0.0
                p0 = _expit(X0 @ b)
                cache[grp] = (X0, p0)
            X0, p0 = cache[grp]
            eta1 = X0 @ b + b[j]
            p1 = _expit(eta1)
            g[:, k] = p1 - p0
            X1 = X0.copy()
            X1[:, j] = 1.0
            J[k] = ((w * p1 * (1 - p1)) @ X1 - (w * p0 * (1 - p0)) @ X0) / W
        else:
            v = p * (1 - p)
            g[:, k] = b[j] * v
            J[k] = (w * v * (1 - 2 * p) * b[j]) @ X / W
            J[k, j] += (w * v).sum() / W
    return g, J


def ame(fit: LogitFit, columns: list[str] | None = None, level: float = 0.95, se: bool = True) -> pd.DataFrame:
    """Average marginal effects (probability scale, 0–1) with design-based SEs.

    Returns ``term, estimate, se, ci_low, ci_high, t, p_value`` for each non-intercept
    column (or ``columns``). See the module docstring for definitions; the gradient
    ``dAME/dbeta`` is analytic. ``se=False`` skips the variance (large populations).
    """
    if columns is None:
        columns = [t for t in fit.terms if t != "(Intercept)"]
    g, J = _ame_parts(fit, columns)
    W = fit.w.sum()
    est = (fit.w[:, None] * g).sum(axis=0) / W
    if se:
        scores = np.where((fit.w > 0)[:, None], fit.w[:, None] * (g - est) / W, 0.0) + fit.influence @ J.T
        V = fit.design.variance(scores)
        sd = np.sqrt(np.clip(np.diag(V), 0, None))
    else:
        sd = np.full(len(columns), np.nan)
    q = stats.t.isf((1 - level) / 2, fit.df_resid)
    t = est / np.where(sd > 0, sd, np.nan)
    return pd.DataFrame({"term": columns, "estimate": est, "se": sd, "ci_low": est - q * sd,
                         "ci_high": est + q * sd, "t": t,
                         "p_value": 2 * stats.t.sf(np.abs(t), fit.df_resid)})


# ---------------------------------------------------------------------------------------
# Fit and collinearity checks
# ---------------------------------------------------------------------------------------
def hosmer_lemeshow(fit: LogitFit, groups: int = 10) -> tuple[dict, pd.DataFrame]:
    """Design-based Hosmer–Lemeshow-type goodness-of-fit test (Archer, Lemeshow & Hosmer 2007).

    Respondents are grouped by weighted quantiles of the fitted probability into ``groups``
    groups ("deciles of risk"); the model is refitted with ``groups - 1`` group indicators
    added, and those are tested jointly = 0 with the design-based Wald statistic ``W`` and
    the F correction ``F = W (d - k + 1) / (d k)`` on ``(k, d - k + 1)`` df (k = groups - 1,
    d = design df). A small p-value says the fitted probabilities are off in some region.
    R: ``svyglm(update(formula, ~ . + factor(decile)), design)`` and
    ``regTermTest(fit2, ~factor(decile), method = "Wald")`` with that F correction.

    Returns the test (``F, df1, df2, p_value, groups, separation``) and a calibration table
    (``group, n, mean_predicted, observed``, weighted) for a calibration plot.
    """
    p = fit.fitted()
    w = fit.w
    inside = w > 0
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
        "n": [int(((gi == k_) & inside).sum()) for k_ in used],
        "mean_predicted": (w[:, None] * p[:, None] * ind).sum(axis=0) / W_g,
        "observed": (w[:, None] * fit.y[:, None] * ind).sum(axis=0) / W_g,
    })
    names = [f"_hl_group{k}" for k in range(2, g + 1)]
    Xa = pd.DataFrame(np.column_stack([fit.X, ind[:, 1:]]), columns=list(fit.terms) + names)
    # drop indicators that are collinear with the model matrix (e.g. a group = a dummy level)
    keep = list(fit.terms)
    for nm in names:
        trial = Xa[keep + [nm]].to_numpy()
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            keep.append(nm)
    tested = [c for c in keep if c.startswith("_hl_group")]
    aug = fit_logit(fit.design, Xa[keep], fit.y, mask=fit.mask)
    res = aug.wald_test(tested)
    d = fit.df_design if fit.df_design is not None else fit.design.df
    k = len(tested)
    df2 = d - k + 1
    F = res["F"] * k * df2 / (d * k)
    return {"F": float(F), "df1": k, "df2": df2, "p_value": float(stats.f.sf(F, k, df2)), "groups": g,
            "separation": aug.separation}, table


def collinearity(fit: LogitFit, term_columns: dict[str, list[str]]) -> tuple[pd.DataFrame, float]:
    """Generalised variance inflation factors per term and the condition number.

    GVIF (Fox & Monette 1992; R ``car::vif``) from the weighted correlation matrix R of the
    non-intercept columns: ``det(R_11) det(R_22) / det(R)`` for the columns of a term;
    ``GVIF^(1/(2 df))`` is comparable with sqrt(VIF) across terms. The condition number
    (Belsley) is that of the weighted model matrix with columns scaled to unit length,
    intercept included; above ~30 signals harmful collinearity.
    """
    X = fit.X
    w = fit.w / fit.w.sum()
    cols = [t for t in fit.terms if t != "(Intercept)"]
    idx = [fit.terms.index(c) for c in cols]
    Z = X[:, idx]
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
    Xs = X * np.sqrt(fit.w)[:, None]
    Xs = Xs / np.linalg.norm(Xs, axis=0)
    sv = np.linalg.svd(Xs, compute_uv=False)
    return pd.DataFrame(rows), float(sv.max() / sv.min())
