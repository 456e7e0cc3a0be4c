"""Contrasts of two domains with honest small-group inference.

:func:`domain_difference` is ``mean(y | a) - mean(y | b)`` with its linearised standard
error (R ``svycontrast(svyby(~y, ~g, design, svymean, covmat = TRUE), c(a = 1, b = -1))``)
and two choices that matter when one group is small (11 county municipalities):

* **degrees of freedom** — R uses the design's ``degf`` (207 here) whatever the group
  sizes; ``df_method="satterthwaite"`` uses Satterthwaite's effective df of the contrast
  (:func:`satterthwaite_df`), capped at the smaller group's respondents minus 1
  (Welch–Hsu);
* **the interval of a difference of proportions** — Newcombe's hybrid score interval from
  each group's Wilson interval with its design-based effective sample size
  (:func:`wilson_interval`), which does not collapse when a small group answers all alike.

The per-stratum pieces of a design variance (:func:`stratum_covariance`) feed the
Satterthwaite df.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .design import SurveyDesign
from .errors import SurveyError
from .estimation import mean_scores


def stratum_variances(design: SurveyDesign, scores: np.ndarray) -> np.ndarray:
    """Each stratum's contribution to the design variance of the total of ``scores`` (n,).

    The same formula as :meth:`SurveyDesign.variance` (calibration residuals first, PSU
    totals centred within strata, ``(1 - f_h) n_h / (n_h - 1)``), kept apart by stratum;
    their sum is ``design.variance(scores)``.
    """
    cov = stratum_covariance(design, np.asarray(scores, dtype=float).reshape(design.n, 1))
    return cov[:, 0, 0]


def stratum_covariance(design: SurveyDesign, x: np.ndarray, residualized: bool = False) -> np.ndarray:
    """Per-stratum contributions (H x p x p) to the design covariance of the totals of the
    columns of ``x`` (n x p); their sum over strata is ``design.variance(x)``."""
    if design.calibration is not None and not residualized:
        x = design.calibration.residualize(x, design.weights)
    p = x.shape[1]
    z = np.zeros((design.n_psu, p))
    np.add.at(z, design.psu, x)
    H = len(design.strata_labels)
    sums = np.zeros((H, p))
    np.add.at(sums, design.psu_stratum, z)
    zc = z - (sums / design.n_h[:, None])[design.psu_stratum]
    f = np.zeros(H) if design.N_h is None else design.n_h / design.N_h
    scale = (1.0 - f) * design.n_h / (design.n_h - 1.0)
    out = np.zeros((H, p, p))
    np.add.at(out, design.psu_stratum, zc[:, :, None] * zc[:, None, :])
    return out * scale[:, None, None]


def satterthwaite_from_strata(design: SurveyDesign, v: np.ndarray, domain: np.ndarray) -> float:
    m = np.bincount(design.strata[np.asarray(domain, bool)], minlength=len(v)).astype(float)
    m = np.maximum(m, 2.0)
    den = float(np.sum(v ** 2 / (m - 1.0)))
    if not den > 0:
        return float(design.df)
    return float(min(v.sum() ** 2 / den, design.df))


def satterthwaite_df(design: SurveyDesign, scores: np.ndarray, domain: np.ndarray) -> float:
    """Effective degrees of freedom of a linearised variance (Satterthwaite 1946).

    ``df = (sum_h v_h)^2 / sum_h v_h^2 / (m_h - 1)``, with ``v_h`` stratum h's contribution
    (:func:`stratum_variances`) and ``m_h`` the number of the domain's respondents in stratum
    h (the units that carry the information; at least 2). Capped at the design df. With 11
    county municipalities in one stratum this is about 10 for a county-versus-municipality
    contrast, where the design df (207) would make tests and intervals too liberal.
    """
    return satterthwaite_from_strata(design, stratum_variances(design, scores), domain)


def wilson_interval(p: float, n_eff: float, q: float) -> tuple[float, float]:
    """Wilson score interval for a proportion with (effective) sample size ``n_eff``, quantile ``q``."""
    den = 1.0 + q * q / n_eff
    mid = (p + q * q / (2 * n_eff)) / den
    half = q * np.sqrt(p * (1 - p) / n_eff + q * q / (4 * n_eff * n_eff)) / den
    return max(mid - half, 0.0), min(mid + half, 1.0)


def domain_difference(design: SurveyDesign, y: np.ndarray, ok: np.ndarray, g: np.ndarray, a: int, b: int,
                    ci_level: float = 0.95, df_method: str = "design", proportion: bool = False) -> dict:
    """``mean(y | a) - mean(y | b)`` with its linearised SE (as :func:`.estimation.difference`).

    ``df_method``: ``"design"`` (R's ``degf(design)``) or ``"satterthwaite"``
    (:func:`satterthwaite_df`, but at most the smaller group's respondents minus 1: when the
    small group's answers happen to cluster, its variance is underestimated and Satterthwaite's
    df grows exactly then, so the bound keeps the tails honest) for the t quantile and p-value.

    ``proportion=True`` (``y`` is 0/1): the interval is Newcombe's hybrid score interval
    (Newcombe 1998, method 10) built from each group's Wilson interval with its design-based
    effective sample size ``n_eff = p (1 - p) / var(p)`` (the respondents ``n`` when the
    group's proportion is 0 or 1 and its variance vanishes), quantile ``t_{df}``. Unlike the
    Wald interval ``d ± t se`` it does not collapse when one small group (11 county
    municipalities) answers all alike. The SE, t and p stay the linearised ones.
    """
    ma, mb = design.used(ok & (g == a)), design.used(ok & (g == b))
    if not ma.any() or not mb.any():
        return dict(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, t=np.nan, df=float(design.df),
                    p_value=np.nan, n_a=int(ma.sum()), n_b=int(mb.sum()))
    yz = np.where(ok, y, 0.0)
    ea, sa, _ = mean_scores(design, yz, ma)
    eb, sb, _ = mean_scores(design, yz, mb)
    est = float(ea[0] - eb[0])
    if df_method not in ("design", "satterthwaite"):
        raise SurveyError("unknown df method", where="domain_difference", expected="'design' or 'satterthwaite'",
                          got=repr(df_method))
    cov = stratum_covariance(design, np.column_stack([sa[:, 0], sb[:, 0]]))  # one residualisation
    vh = cov[:, 0, 0] + cov[:, 1, 1] - 2 * cov[:, 0, 1]
    var = float(vh.sum())
    vab = cov.sum(axis=0)
    if df_method == "satterthwaite":
        # never more than the smaller group's respondents - 1 (Welch-Hsu's conservative bound)
        df = min(satterthwaite_from_strata(design, vh, ma | mb), float(min(ma.sum(), mb.sum()) - 1))
    else:
        df = float(design.df)
    se = float(np.sqrt(max(var, 0.0)))
    tq = float(special.stdtrit(df, 1.0 - (1.0 - ci_level) / 2.0))
    tval = est / se if se > 0 else np.nan
    p = float(2 * special.stdtr(df, -abs(tval))) if se > 0 else np.nan
    lo, hi = est - tq * se, est + tq * se
    if proportion:
        lims = []
        for e, v, n in ((ea[0], vab[0, 0], ma.sum()), (eb[0], vab[1, 1], mb.sum())):
            n_eff = e * (1 - e) / v if (v > 0 and 0 < e < 1) else float(n)
            lims.append(wilson_interval(float(e), max(n_eff, 1e-9), tq))
        (la, ua), (lb, ub) = lims
        lo = est - np.sqrt((ea[0] - la) ** 2 + (ub - eb[0]) ** 2)
        hi = est + np.sqrt((ua - ea[0]) ** 2 + (eb[0] - lb) ** 2)
    return dict(estimate=est, se=se, ci_low=float(lo), ci_high=float(hi), t=tval, df=df,
                p_value=p, n_a=int(ma.sum()), n_b=int(mb.sum()))
