"""Minimum detectable differences (MDD) of design-based comparisons.

A two-sided test at level ``alpha`` of a difference whose design-based standard error is
``se`` detects a true difference ``delta`` with probability about ``power`` when

    delta >= MDD = (t_{1 - alpha/2, df} + t_{power, df}) * se

(the usual normal-approximation power formula with Student t quantiles on the design
degrees of freedom; the far rejection tail is ignored). For a difference of two
proportions near ``p`` between domains of ``n_a`` and ``n_b`` respondents,

    se = sqrt(deff * p (1 - p) (1 / n_a + 1 / n_b)),

where ``deff`` is the design effect of the difference: the ratio of its design-based
variance to the simple-random-sampling variance ``p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b``.
The design effects used are measured on the data (:func:`difference_deffs`), not assumed.
Units: proportions on 0-1 (multiply by 100 for percentage points), mean scores in scale
points.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mdd(se, df: float, alpha: float = 0.05, power: float = 0.8):
    """Minimum detectable difference for standard error(s) ``se`` (same units as ``se``)."""
    k = stats.t.isf(alpha / 2, df) + stats.t.ppf(power, df)
    return k * np.asarray(se, dtype=float)


def power_of(delta, se, df: float, alpha: float = 0.05):
    """Approximate power of the two-sided t test for a true difference ``delta``."""
    t = stats.t.isf(alpha / 2, df)
    z = np.abs(np.asarray(delta, dtype=float)) / np.asarray(se, dtype=float)
    return stats.t.sf(t - z, df) + stats.t.cdf(-t - z, df)


def difference_deffs(p_a, p_b, n_a, n_b, se) -> np.ndarray:
    """Design effect of each difference of proportions: ``se^2 / (p_a q_a / n_a + p_b q_b / n_b)``.

    NaN where the SRS variance is 0 (both proportions at 0 or 1).
    """
    p_a, p_b = np.asarray(p_a, float), np.asarray(p_b, float)
    n_a, n_b = np.asarray(n_a, float), np.asarray(n_b, float)
    vsrs = p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(vsrs > 0, np.asarray(se, float) ** 2 / vsrs, np.nan)


def mdd_proportion(n_a: float, n_b: float, df: float, deff: float = 1.0, p: float = 0.5,
                   alpha: float = 0.05, power: float = 0.8) -> float:
    """MDD of a difference of two proportions near ``p`` (0-1 scale), given the design effect."""
    se = np.sqrt(deff * p * (1 - p) * (1.0 / n_a + 1.0 / n_b))
    return float(mdd(se, df, alpha, power))


#: Which design effect a row of :func:`mdd_summary` assumes (codes; a report names them).
DEFF_BASES = ("srs", "lower_quartile", "median", "upper_quartile")


def mdd_summary(n_a: float, n_b: float, df: float, deffs, alpha: float = 0.05,
                power: float = 0.8, p: float = 0.5) -> pd.DataFrame:
    """MDD near ``p`` at deff = 1 (simple random sampling, ``deff_basis = "srs"``) and at the
    lower quartile, median and upper quartile of the measured design effects
    (``"lower_quartile"``, ``"median"``, ``"upper_quartile"``; left out when none is finite).
    Columns ``deff_basis, deff, mdd``."""
    d = np.asarray(deffs, float)
    d = d[np.isfinite(d)]
    rows = [("srs", 1.0)]
    if len(d):
        rows += [("lower_quartile", float(np.quantile(d, 0.25))),
                 ("median", float(np.median(d))),
                 ("upper_quartile", float(np.quantile(d, 0.75)))]
    return pd.DataFrame([dict(deff_basis=b, deff=v, mdd=mdd_proportion(n_a, n_b, df, v, p, alpha, power))
                         for b, v in rows])


#: How a non-significant difference reads against its MDD (codes of :func:`read_against_mdd`).
RULES_OUT = "rules_out"
INCONCLUSIVE = "inconclusive"


def read_against_mdd(effect_ci_low, effect_ci_high, mdd_values) -> np.ndarray:
    """How to read a non-significant comparison given its minimum detectable difference: a code.

    :data:`RULES_OUT` (``"rules_out"``) when the interval lies within ``(-MDD, MDD)``: the data
    rule out a difference as large as the MDD, not smaller ones; otherwise
    :data:`INCONCLUSIVE` (``"inconclusive"``): not even a difference as large as the MDD is
    ruled out (also when a limit or the MDD is missing). A report words the codes.
    """
    lo, hi, m = (np.asarray(x, float) for x in (effect_ci_low, effect_ci_high, mdd_values))
    with np.errstate(invalid="ignore"):
        inside = (lo > -np.abs(m)) & (hi < np.abs(m))
    return np.where(inside, RULES_OUT, INCONCLUSIVE).astype(object)
