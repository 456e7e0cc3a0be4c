"""Design-based means, proportions and totals with Taylor-linearised standard errors.

Every function takes a :class:`~sosiale_kommuner.survey.design.SurveyDesign` and returns a tidy
DataFrame with one row per domain group (and per level, for proportions), in the column
names of the docs/contracts.md §6 ``estimates`` table where they overlap:
``domain, group, [level], estimate, se, ci_low, ci_high, df, n_unweighted, n_weighted``.

Domain estimation keeps the full design (R ``svyby(~y, ~g, design, svymean)``): units
outside the domain get influence 0, the strata/PSU counts and the fpc of the full design
are kept, and calibration residuals are taken over all units. Missing values of ``y`` are
treated as outside the domain (R ``na.rm = TRUE``).

Confidence intervals use Student's t with the design degrees of freedom of the full
design (R ``degf(design)``): for means/totals ``estimate ± t * se`` (R
``confint(svymean(...), df = degf(design))``); for proportions a logit interval (R
``svyciprop(~I(y == level), design, method = "logit")``) or Korn–Graubard (R
``method = "beta"``), both inside [0, 1].
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special, stats

from .design import DesignError, SurveyDesign

ALL = "all"


# ---------------------------------------------------------------------------------------
# Building blocks (also used by inference.py)
# ---------------------------------------------------------------------------------------
def kish_n(w) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum(w^2)`` (units: respondents)."""
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum())


@lru_cache(maxsize=256)
def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided Student-t quantile ``qt(1 - (1 - level)/2, df)``."""
    return float(special.stdtrit(df, 1.0 - (1.0 - level) / 2.0))


def mean_scores(design: SurveyDesign, y: np.ndarray, mask: np.ndarray):
    """Weighted mean(s) of ``y`` (n or n x p) over ``mask`` and their weighted influence scores.

    Returns ``(estimate[p], scores[n, p], weight_total)``; ``scores`` are zero outside the
    mask, and ``design.variance(scores)`` is the covariance matrix of the estimate
    (R ``svymean``: ``svyrecvar(w * (y - ybar) / sum(w), ...)``).
    """
    y = np.asarray(y, dtype=float).reshape(design.n, -1)
    w = np.where(mask, design.weights, 0.0)
    wt = w.sum()
    if wt <= 0:
        raise DesignError("domain has no respondents with a non-missing value")
    yz = np.where(mask[:, None], y, 0.0)
    est = (w[:, None] * yz).sum(axis=0) / wt
    scores = np.where(mask[:, None], w[:, None] * (yz - est) / wt, 0.0)
    return est, scores, wt


def _numeric(design: SurveyDesign, y: str) -> np.ndarray:
    col = design.column(y)
    try:
        return pd.to_numeric(col).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DesignError(f"column {y!r} is not numeric: {exc}") from exc


def _groups(design: SurveyDesign, domain: str | None) -> list:
    """The domain's groups in display order (categorical order, else sorted); [ALL] for None."""
    if domain is None:
        return [ALL]
    col = design.column(domain)
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in present]
    return sorted(col.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _levels(col: pd.Series, levels=None) -> list:
    if levels is not None:
        return list(levels)
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _deff(design, y, mask, variance, kind, total=False):
    """Design effect of a mean/total (R ``svymean(..., deff = TRUE | "replace")``).

    Denominator: ``svyvar(y) * (N - n) / (N * n)`` (``deff=TRUE``: SRS without replacement,
    N = sum of weights in the domain, n = respondents in it) or ``svyvar(y) / n``
    (``"replace"``); ``svyvar`` is the weighted variance times n / (n - 1). For totals the
    denominator is multiplied by N^2.
    """
    n = int(mask.sum())
    w = np.where(mask, design.weights, 0.0)
    N = w.sum()
    yz = np.where(mask[:, None], y, 0.0)
    ybar = (w[:, None] * yz).sum(axis=0) / N
    svyvar = (w[:, None] * (yz - ybar) ** 2).sum(axis=0) / N * n / (n - 1)
    if kind in (True, "wor"):
        vsrs = svyvar * (N - n) / (N * n)
    elif kind == "replace":
        vsrs = svyvar / n
    else:
        raise ValueError(f"deff kind must be True/'wor' or 'replace', not {kind!r}")
    if total:
        vsrs = vsrs * N ** 2
    return variance / vsrs


# ---------------------------------------------------------------------------------------
# Public estimators
# ---------------------------------------------------------------------------------------
def _numeric_estimate(design, y, domain, level, deff, total):
    yv = _numeric(design, y)
    rows = []
    for g in _groups(design, domain):
        mask = design.domain_mask(domain, g) & ~np.isnan(yv)
        est, scores, wt = mean_scores(design, yv, mask)
        if total:
            est = est * wt
            scores = np.where(mask[:, None], design.weights[:, None] * yv[:, None], 0.0)
        var = design.variance(scores)[0, 0]
        se = float(np.sqrt(var))
        t = t_quantile(design.df, level)
        row = dict(domain=domain or ALL, group=g, estimate=float(est[0]), se=se,
                   ci_low=float(est[0] - t * se), ci_high=float(est[0] + t * se), df=design.df,
                   n_unweighted=int(mask.sum()), n_weighted=float(wt))
        if deff:
            row["deff"] = float(_deff(design, yv[:, None], mask, var, deff, total=total)[0])
        rows.append(row)
    return pd.DataFrame(rows)


def mean(design: SurveyDesign, y: str, domain: str | None = None, level: float = 0.95,
         deff=False) -> pd.DataFrame:
    """Weighted mean of numeric column ``y`` (units of ``y``), overall or by ``domain``.

    R: ``svymean(~y, design, na.rm = TRUE)`` / ``svyby(~y, ~domain, design, svymean)``;
    ``deff=True`` or ``"replace"`` adds R's ``deff`` column. CI: ``estimate ± t_{df} se``.
    """
    return _numeric_estimate(design, y, domain, level, deff, total=False)


def total(design: SurveyDesign, y: str, domain: str | None = None, level: float = 0.95,
          deff=False) -> pd.DataFrame:
    """Weighted population total of numeric ``y`` (units of ``y`` × population units).

    R: ``svytotal(~y, design, na.rm = TRUE)`` / ``svyby(~y, ~domain, design, svytotal)``.
    """
    return _numeric_estimate(design, y, domain, level, deff, total=True)


def _prop_ci(p, se, n, df, level, method):
    """CI for a proportion inside [0, 1].

    ``logit``: ``expit(logit(p) ± t_df * se / (p (1 - p)))`` (R ``svyciprop(method="logit")``).
    ``korn-graubard``: Clopper–Pearson with effective n ``p (1 - p) / se^2`` times
    ``(qt(a/2, n - 1) / qt(a/2, df))^2`` (R ``svyciprop(method = "beta")``).
    At p = 0 or 1 (se = 0) both fall back to Korn–Graubard with effective n = n.
    """
    alpha = 1.0 - level
    if method == "logit" and 0.0 < p < 1.0 and se > 0:
        t = t_quantile(df, level)
        half = t * se / (p * (1.0 - p))
        lp = np.log(p / (1.0 - p))
        return float(1 / (1 + np.exp(-(lp - half)))), float(1 / (1 + np.exp(-(lp + half))))
    if method not in ("logit", "korn-graubard"):
        raise ValueError(f"ci must be 'logit' or 'korn-graubard', not {method!r}")
    if se > 0 and 0.0 < p < 1.0:
        n_eff = p * (1.0 - p) / se ** 2
        n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    else:
        n_eff = float(n)
    lo = 0.0 if p <= 0 else float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1))
    hi = 1.0 if p >= 1 else float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
    return lo, hi


def proportions(design: SurveyDesign, y: str, domain: str | None = None, ci: str = "logit",
                level: float = 0.95, levels=None, deff=False) -> pd.DataFrame:
    """Proportion (0–1) of each level of categorical ``y``, overall or by ``domain``.

    The denominator is the respondents with a non-missing ``y`` in the domain; drop "don't
    know" first (set it to missing) if it should be excluded. ``levels`` fixes which levels
    are reported and their order (default: categorical order, else sorted); levels not in
    ``levels`` still count in the denominator.

    R: ``svymean(~factor(y), design, na.rm = TRUE)`` (estimate, se) and
    ``svyciprop(~I(y == level), design, method = "logit", df = degf(design))`` (CI);
    ``ci = "korn-graubard"`` is R ``method = "beta"``.
    """
    col = design.column(y)
    levs = _levels(col, levels)
    notna = col.notna().to_numpy()
    vals = col.to_numpy(dtype=object, na_value=None)
    ind = np.column_stack([np.fromiter((v is not None and v == lv for v in vals), dtype=float, count=len(vals))
                           for lv in levs])
    rows = []
    for g in _groups(design, domain):
        mask = design.domain_mask(domain, g) & notna
        est, scores, wt = mean_scores(design, ind, mask)
        var = np.diag(design.variance(scores))
        if deff:
            dd = _deff(design, ind, mask, var, deff)
        for j, lv in enumerate(levs):
            se = float(np.sqrt(max(var[j], 0.0)))
            lo, hi = _prop_ci(float(est[j]), se, int(mask.sum()), design.df, level, ci)
            row = dict(domain=domain or ALL, group=g, level=lv, estimate=float(est[j]), se=se,
                       ci_low=lo, ci_high=hi, df=design.df, n_unweighted=int(mask.sum()),
                       n_level=int((ind[:, j] * mask).sum()), n_weighted=float(wt))
            if deff:
                row["deff"] = float(dd[j])
            rows.append(row)
    return pd.DataFrame(rows)


def deff(design: SurveyDesign, y: str, domain: str | None = None, kind="wor") -> pd.DataFrame:
    """Design effect of the mean of numeric ``y``: ``kind="wor"`` is R ``deff=TRUE``,
    ``"replace"`` is R ``deff="replace"``. Returns ``domain, group, deff, kish_n``.
    """
    m = mean(design, y, domain, deff=kind)
    yv = _numeric(design, y)
    kish = [kish_n(design.weights[design.domain_mask(domain, g) & ~np.isnan(yv)]) for g in m["group"]]
    return m.assign(kish_n=kish)[["domain", "group", "deff", "kish_n"]]


def difference(design: SurveyDesign, y: str, group: str, a, b, level=None, ci_level: float = 0.95) -> dict:
    """Difference between two domains, ``estimate(a) - estimate(b)``, with a design-based SE.

    ``level=None``: difference of means of numeric ``y``; otherwise difference of the
    proportions of ``y == level`` (0–1 scale; percentage points / 100). Both domains keep
    the full design, so their covariance is accounted for.
    R: ``svycontrast(svyby(~y, ~group, design, svymean, covmat = TRUE), c(a = 1, b = -1))``.
    Returns ``estimate, se, ci_low, ci_high, t, df, p_value`` (two-sided t on the design df).
    """
    col = design.column(y)
    if level is None:
        yv = _numeric(design, y)
        ok = ~np.isnan(yv)
    else:
        ok = col.notna().to_numpy()
        yv = (col == level).fillna(False).to_numpy(dtype=float)
    ma = design.domain_mask(group, a) & ok
    mb = design.domain_mask(group, b) & ok
    ea, sa, _ = mean_scores(design, yv, ma)
    eb, sb, _ = mean_scores(design, yv, mb)
    est = float(ea[0] - eb[0])
    se = float(np.sqrt(design.variance(sa - sb)[0, 0]))
    tq = t_quantile(design.df, ci_level)
    tval = est / se if se > 0 else np.nan
    p = float(2 * stats.t.sf(abs(tval), design.df)) if se > 0 else np.nan
    return dict(estimate=est, se=se, ci_low=est - tq * se, ci_high=est + tq * se, t=tval,
                df=design.df, p_value=p, n_a=int(ma.sum()), n_b=int(mb.sum()))
