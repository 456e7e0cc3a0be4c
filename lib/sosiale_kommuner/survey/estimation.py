"""Design-based means, proportions and totals with Taylor-linearised standard errors.

The R-like estimators return an :class:`~sosiale_kommuner.survey.estimate.Estimate`:

=====================================================  ==========================================
Python                                                 R
=====================================================  ==========================================
``svymean(d, "y")``                                    ``svymean(~y, d, na.rm = TRUE)``
``svymean(d, "f")`` (categorical ``f``)                ``svymean(~factor(f), d, na.rm = TRUE)``
``svytotal(d, "y")``                                   ``svytotal(~y, d, na.rm = TRUE)``
``svyciprop(d, "f", "yes")``                           ``svyciprop(~I(f == "yes"), d, method = "logit")``
``svyby(d, "y", "g", svymean)``                        ``svyby(~y, ~g, d, svymean, covmat = TRUE)``
``svycontrast(est, {"a": 1, "b": -1})``                ``svycontrast(est, c(a = 1, b = -1))``
=====================================================  ==========================================

The table functions :func:`mean`, :func:`total`, :func:`proportions` (one row per domain
group and level, the docs/contracts.md §6 ``estimates`` columns where they overlap),
:func:`deff` and :func:`difference` are built on the same code.

**Domains** keep the full design (R ``subset(design, ...)``, ``svyby``): units outside the
domain get influence 0, the strata, PSUs, fpc and calibration of the full design are kept.
Missing values of ``y`` are outside the domain (R ``na.rm = TRUE``).

**Degrees of freedom** (docs/contracts.md §7): every estimate's interval uses the degrees of
freedom of the units it is computed on — the domain's respondents with a non-missing ``y``,
i.e. the PSUs that remain in that subset minus the strata that remain, as R does with
``confint(svymean(~y, sub), df = degf(sub))`` and ``svyciprop(~I(y == k), sub)`` for
``sub <- subset(design, <domain> & !is.na(y))``. Proportions get a logit interval (R
``svyciprop(method = "logit")``) or Korn–Graubard (``method = "beta"``), both inside [0, 1];
means and totals ``estimate ± t_df se``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .design import SurveyDesign
from .errors import DesignError
from .estimate import Estimate, expit, t_quantile
from .regression import irls_logit

ALL = "all"
#: R ``glm.control()``'s default convergence tolerance and iteration cap (``svyciprop``'s fit).
R_GLM_EPSILON, R_GLM_MAXIT = 1e-8, 25


# ---------------------------------------------------------------------------------------
# Building blocks (also used by inference.py and contrasts.py)
# ---------------------------------------------------------------------------------------
def kish_n(w) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum(w^2)`` (units: respondents)."""
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum())


def mean_scores(design: SurveyDesign, y: np.ndarray, mask: np.ndarray):
    """Weighted mean(s) of ``y`` (n or n x p) over ``mask`` (within the design's domain) and
    their weighted influence scores.

    Returns ``(estimate[p], scores[n, p], weight_total)``; ``scores`` are zero outside the
    mask, and ``design.variance(scores)`` is the covariance matrix of the estimate
    (R ``svymean``: ``svyrecvar(w * (y - ybar) / sum(w), ...)``).
    """
    y = np.asarray(y, dtype=float).reshape(design.n, -1)
    mask = design.used(mask)
    w = np.where(mask, design.weights, 0.0)
    wt = w.sum()
    if wt <= 0:
        raise DesignError("the domain has no respondents with a value", where="mean_scores",
                          expected="at least one respondent", got="0")
    yz = np.where(mask[:, None], y, 0.0)
    est = (w[:, None] * yz).sum(axis=0) / wt
    scores = np.where(mask[:, None], w[:, None] * (yz - est) / wt, 0.0)
    return est, scores, wt


def numeric_values(design: SurveyDesign, y: str) -> np.ndarray:
    """Column ``y`` as floats (NaN = missing); a clear error if it is not numeric."""
    col = design.column(y)
    try:
        return pd.to_numeric(col).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DesignError("the column is not numeric", where=f"column {y!r}", expected="numbers",
                          got=f"dtype {col.dtype}", hint="estimate proportions of its levels instead") from None


def levels_of(col: pd.Series, levels=None) -> list:
    """The levels of a categorical column: ``levels`` as given, else categorical order, else sorted."""
    if levels is not None:
        return list(levels)
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def groups_of(design: SurveyDesign, domain: str | None) -> list:
    """The groups of column ``domain`` present in the design's domain, in display order
    (categorical order, else sorted); ``[ALL]`` for None."""
    if domain is None:
        return [ALL]
    col = design.column(domain)[design.in_domain]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in present]
    return sorted(col.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _is_numeric(col: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            and not isinstance(col.dtype, pd.CategoricalDtype))


def _indicators(col: pd.Series, levels) -> np.ndarray:
    vals = col.to_numpy(dtype=object, na_value=None)
    return np.column_stack([np.fromiter((v is not None and v == lv for v in vals), dtype=float, count=len(vals))
                            for lv in levels])


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
        raise DesignError("unknown design-effect kind", where="deff", expected="True/'wor' or 'replace'",
                          got=repr(kind))
    if total:
        vsrs = vsrs * N ** 2
    return variance / vsrs


# ---------------------------------------------------------------------------------------
# R-like estimators
# ---------------------------------------------------------------------------------------
def _svystat(design: SurveyDesign, y: str, total: bool, deff, level: float, levels=None,
             interval: str = "wald") -> Estimate:
    col = design.column(y)
    if _is_numeric(col) and levels is None:
        Y = numeric_values(design, y)[:, None]
        index, ok = pd.Index([y]), ~np.isnan(Y[:, 0])
    else:
        levs = levels_of(col, levels)
        Y, index, ok = _indicators(col, levs), pd.Index(levs, name="level"), col.notna().to_numpy()
    mask = design.used(ok)
    est, scores, wt = mean_scores(design, Y, mask)
    if total:
        est = est * wt
        scores = np.where(mask[:, None], design.weights[:, None] * np.where(mask[:, None], Y, 0.0), 0.0)
    V = design.variance(scores)
    cols = dict(n_unweighted=np.full(len(est), int(mask.sum())), n_weighted=np.full(len(est), float(wt)))
    if index.name == "level":
        cols["n_level"] = (Y * mask[:, None]).sum(axis=0).astype(int)
    if deff:
        cols["deff"] = _deff(design, np.where(mask[:, None], Y, 0.0), mask, np.diag(V), deff, total=total)
    return Estimate(index, est, V, design.degf(mask), statistic="total" if total else "mean", level=level,
                    interval=interval, columns=cols, design_df=design.degf(), scores=scores)


def svymean(design: SurveyDesign, y: str, *, deff=False, level: float = 0.95, levels=None) -> Estimate:
    """Weighted mean of column ``y``; for a categorical ``y``, the proportion of each level.

    R ``svymean(~y, design, na.rm = TRUE)`` (``svymean(~factor(y), ...)``); ``deff=True`` or
    ``"replace"`` adds R's design effect. Intervals: ``estimate ± t_df se`` with ``df`` the
    degrees of freedom of the respondents with a value (module docstring).
    """
    return _svystat(design, y, False, deff, level, levels)


def svytotal(design: SurveyDesign, y: str, *, deff=False, level: float = 0.95, levels=None) -> Estimate:
    """Weighted population total of ``y`` (or of each level's indicator). R ``svytotal(~y, design, na.rm = TRUE)``."""
    return _svystat(design, y, True, deff, level, levels)


def _binary(design: SurveyDesign, y: str, value) -> tuple[np.ndarray, np.ndarray]:
    col = design.column(y)
    ok = col.notna().to_numpy()
    if value is not None:
        return (col == value).fillna(False).to_numpy(dtype=float), ok
    v = numeric_values(design, y) if not pd.api.types.is_bool_dtype(col) else col.to_numpy(dtype=float, na_value=np.nan)
    if not np.isin(v[ok], (0.0, 1.0)).all():
        raise DesignError("a proportion needs a 0/1 variable", where=f"column {y!r}", expected="0/1 or True/False",
                          got=f"{int((~np.isin(v[ok], (0.0, 1.0))).sum())} other values", hint="pass value=")
    return np.where(ok, v, 0.0), ok


def svyciprop(design: SurveyDesign, y: str, value=None, *, method: str = "logit", level: float = 0.95,
              df: float | None = None, glm_epsilon: float | None = None) -> Estimate:
    """Proportion of ``y == value`` (or of a 0/1 ``y``) among respondents with a value, with an
    interval inside [0, 1]: R ``svyciprop(~I(y == value), design, method = "logit")``.

    ``df`` defaults to the degrees of freedom of the respondents with a value (R's default
    ``degf(design)`` on ``subset(design, !is.na(y))``). ``method="korn-graubard"`` is R's
    ``"beta"``. The standard error is ``svymean``'s, as in R.

    ``glm_epsilon``: R fits ``svyglm(y ~ 1, family = quasibinomial)`` with ``glm.control()``'s
    ``epsilon = 1e-8``, which can stop ~1e-9 (relative) short of the exact answer. ``None``
    (default) gives the converged limit exactly (estimate = the weighted proportion, logit
    interval around it); ``glm_epsilon=1e-8`` repeats R's iterations and reproduces R's digits.
    """
    Y, ok = _binary(design, y, value)
    mask = design.used(ok)
    est, scores, wt = mean_scores(design, Y, mask)
    V = design.variance(scores)
    dfs = design.degf(mask) if df is None else df
    n_level, n = int((Y * mask).sum()), int(mask.sum())
    link = None
    if n_level in (0, n):
        # all (or none) of the base chose it: the weighted mean is 1 (0) up to rounding
        est, V = np.array([1.0 if n_level else 0.0]), np.zeros((1, 1))
    elif glm_epsilon is not None and method == "logit":
        link = _r_glm_logit(design, Y, mask, glm_epsilon)
        est = expit(link[:1])
    label = y if value is None else f"{y} == {value}"
    cols = dict(n_unweighted=[n], n_level=[n_level], n_weighted=[float(wt)])
    return Estimate([label], est, V, dfs, statistic="proportion", level=level, interval=method,
                    link=None if link is None else link[None, :], columns=cols, design_df=design.degf(),
                    scores=scores)


def _r_glm_logit(design: SurveyDesign, y: np.ndarray, mask: np.ndarray, epsilon: float) -> np.ndarray:
    """R's ``svyglm(y ~ 1, design, family = quasibinomial)`` as ``svyciprop`` runs it: the logit
    coefficient and its design-based SE (``survey:::svy.varcoef``).

    R scales the weights to mean 1 over the rows of its design object: a subset of a calibrated
    design keeps every row (weight 0 outside the domain), a subset of another design drops
    them. The scale only moves the IRLS start, which matters because R stops at ``epsilon``.
    """
    idx = np.flatnonzero(mask)
    dom = design.in_domain
    rows = design.n if (design.calibration is not None and design.domain is not None) else int(dom.sum())
    w = design.weights[idx] / (design.weights[dom].sum() / rows)
    beta, _, eta_prev, _ = irls_logit(np.ones((len(idx), 1)), y[idx], w, epsilon, R_GLM_MAXIT)
    mu, mu_prev = expit(beta[0]), expit(eta_prev)
    wk = w * mu_prev * (1 - mu_prev)
    infl = np.zeros(design.n)
    infl[idx] = wk * (y[idx] - mu) / (mu * (1 - mu)) / wk.sum()
    return np.array([beta[0], float(np.sqrt(design.variance(infl)[0, 0]))])


def svyby(design: SurveyDesign, y: str, by: str, FUN=None, **kwargs) -> Estimate:
    """``FUN`` (default :func:`svymean`) of ``y`` in each group of column ``by``, with the
    covariance between groups: R ``svyby(~y, ~by, design, FUN, covmat = TRUE)``.

    Each group is ``design.subset(by == group)``, so its interval uses its own degrees of
    freedom (module docstring). The index is ``(by, <FUN's index>)``.
    """
    FUN = svymean if FUN is None else FUN
    parts, keys = [], []
    for g in groups_of(design, by):
        parts.append(FUN(design.subset(design.column(by) == g), y, **kwargs))
        keys.append(g)
    if not parts:
        raise DesignError("no groups to estimate for", where=f"svyby by {by!r}", expected="at least one group",
                          got="no respondents with a group")
    tuples = [(g, *(i if isinstance(i, tuple) else (i,))) for g, p in zip(keys, parts) for i in p.index]
    inner = list(parts[0].index.names)
    index = pd.MultiIndex.from_tuples(tuples, names=[by, *[n or "variable" for n in inner]])
    first = parts[0]
    link = None if all(p.link is None for p in parts) else \
        np.vstack([np.full((len(p), 2), np.nan) if p.link is None else p.link for p in parts])
    scores = np.column_stack([p.scores for p in parts])
    extra = {c: np.concatenate([p.extra[c] for p in parts]) for c in first.extra}
    return Estimate(index, np.concatenate([p.estimate for p in parts]), design.variance(scores),
                    np.concatenate([p.df for p in parts]), statistic=first.statistic, level=first.level,
                    interval=first.interval, link=link, columns=extra, design_df=design.degf(), scores=scores)


def svycontrast(est: Estimate, contrasts) -> Estimate:
    """Linear combinations of estimates with their design-based covariance: R ``svycontrast``.

    ``contrasts``: ``{label: coefficient}`` (one contrast; labels as in ``est.index``, tuples
    for a MultiIndex), ``{name: {label: coefficient}}`` (several), or an array (k,) or
    (m, k). Intervals use ``est.design_df`` (R ``degf(design)`` of the design estimated on).
    """
    if isinstance(contrasts, dict) and contrasts and all(isinstance(v, dict) for v in contrasts.values()):
        names, rows = list(contrasts), list(contrasts.values())
    elif isinstance(contrasts, dict):
        names, rows = ["contrast"], [contrasts]
    else:
        L = np.atleast_2d(np.asarray(contrasts, dtype=float))
        names, rows = [f"contrast{i + 1}" for i in range(len(L))], None
    if rows is not None:
        L = np.zeros((len(rows), len(est)))
        for i, r in enumerate(rows):
            for key, c in r.items():
                if key not in est.index:
                    raise DesignError("contrast names an estimate that is not there", where="svycontrast",
                                      expected=f"labels among {list(est.index)}", got=repr(key))
                L[i, est.index.get_loc(key)] = float(c)
    if L.shape[1] != len(est):
        raise DesignError("contrast weights do not fit the estimates", where="svycontrast",
                          expected=f"{len(est)} weights per contrast", got=f"{L.shape[1]}")
    V = L @ est.vcov().to_numpy() @ L.T
    return Estimate(pd.Index(names, name="contrast"), L @ est.estimate, V, est.design_df, statistic="contrast",
                    level=est.level, design_df=est.design_df)


# ---------------------------------------------------------------------------------------
# Tables (one row per domain group and level)
# ---------------------------------------------------------------------------------------
def _by_groups(design: SurveyDesign, domain: str | None, fn) -> list[tuple[object, Estimate]]:
    if domain is None:
        return [(ALL, fn(design))]
    return [(g, fn(design.subset(design.column(domain) == g))) for g in groups_of(design, domain)]


def _rows(e: Estimate, **head) -> list[dict]:
    """Table rows of an estimate: ``head``, [``level``], estimate, se, limits, df and the extras."""
    lo, hi = e.limits()
    se = e.se
    out = []
    for j in range(len(e)):
        row = dict(head)
        if e.index.name == "level":
            row["level"] = e.index[j]
        row.update(estimate=float(e.estimate[j]), se=float(se[j]), ci_low=float(lo[j]), ci_high=float(hi[j]),
                   df=int(e.df[j]), n_unweighted=int(e.extra["n_unweighted"][j]))
        if "n_level" in e.extra:
            row["n_level"] = int(e.extra["n_level"][j])
        row["n_weighted"] = float(e.extra["n_weighted"][j])
        if "deff" in e.extra:
            row["deff"] = float(e.extra["deff"][j])
        out.append(row)
    return out


def _numeric_table(design, y, domain, level, deff, total) -> pd.DataFrame:
    numeric_values(design, y)
    rows = []
    for g, e in _by_groups(design, domain, lambda d: _svystat(d, y, total, deff, level, None)):
        rows += _rows(e, domain=domain or ALL, group=g)
    return pd.DataFrame(rows)


def mean(design: SurveyDesign, y: str, domain: str | None = None, level: float = 0.95,
         deff=False) -> pd.DataFrame:
    """Weighted mean of numeric column ``y`` (units of ``y``), overall or by ``domain``: one row
    per group with ``domain, group, estimate, se, ci_low, ci_high, df, n_unweighted,
    n_weighted`` [, ``deff``]. R ``svyby(~y, ~domain, design, svymean)``, intervals on each
    group's own df (module docstring).
    """
    return _numeric_table(design, y, domain, level, deff, total=False)


def total(design: SurveyDesign, y: str, domain: str | None = None, level: float = 0.95,
          deff=False) -> pd.DataFrame:
    """Weighted population total of numeric ``y``, as :func:`mean`. R ``svyby(~y, ~domain, design, svytotal)``."""
    return _numeric_table(design, y, domain, level, deff, total=True)


def proportions(design: SurveyDesign, y: str, domain: str | None = None, ci: str = "logit",
                level: float = 0.95, levels=None, deff=False) -> pd.DataFrame:
    """Proportion (0–1) of each level of categorical ``y``, overall or by ``domain``.

    The denominator is the respondents with a non-missing ``y`` in the domain; drop "don't
    know" first (set it to missing) if it should be excluded. ``levels`` fixes which levels
    are reported and their order (default: categorical order, else sorted); levels not in
    ``levels`` still count in the denominator. Columns ``domain, group, level, estimate, se,
    ci_low, ci_high, df, n_unweighted, n_level, n_weighted`` [, ``deff``].

    R: ``svymean(~factor(y), sub)`` (estimate, se) and ``svyciprop(~I(y == level), sub,
    method = "logit")`` (CI) with ``sub`` the group's respondents with a value;
    ``ci = "korn-graubard"`` is R ``method = "beta"``.
    """
    if ci not in ("logit", "korn-graubard"):
        raise DesignError("unknown interval method", where="proportions", expected="'logit' or 'korn-graubard'",
                          got=repr(ci))
    levs = levels_of(design.column(y), levels)
    rows = []
    for g, e in _by_groups(design, domain, lambda d: _svystat(d, y, False, deff, level, levs, ci)):
        rows += _rows(e, domain=domain or ALL, group=g)
    return pd.DataFrame(rows)


def deff(design: SurveyDesign, y: str, domain: str | None = None, kind="wor") -> pd.DataFrame:
    """Design effect of the mean of numeric ``y``: ``kind="wor"`` is R ``deff=TRUE``,
    ``"replace"`` is R ``deff="replace"``. Returns ``domain, group, deff, kish_n``.
    """
    m = mean(design, y, domain, deff=kind)
    yv = numeric_values(design, y)
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
        yv = numeric_values(design, y)
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


__all__ = ["svymean", "svytotal", "svyciprop", "svyby", "svycontrast", "mean", "total", "proportions", "deff",
           "difference", "kish_n", "mean_scores", "numeric_values", "levels_of", "groups_of", "ALL"]
