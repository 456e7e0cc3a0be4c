"""One result type for every estimate, with R's accessors: :class:`Estimate`.

``svymean``, ``svytotal``, ``svyciprop``, ``svyby`` and ``svycontrast``
(:mod:`~sosiale_kommuner.survey.estimation`) all return an :class:`Estimate`: labelled
estimates, their covariance matrix, and the degrees of freedom of each estimate's
interval. The accessors read as in R:

=======================  ==================================  ==============================
Python                   R                                   returns
=======================  ==================================  ==============================
``coef(est)``            ``coef(est)``                       Series of estimates
``SE(est)``              ``SE(est)``                         Series of standard errors
``vcov(est)``            ``vcov(est)``                       DataFrame (covariance matrix)
``confint(est)``         ``confint(est, df = degf(sub))``    DataFrame ``ci_low, ci_high``
``degf(est)``            ``degf(sub)`` of each estimate      Series of degrees of freedom
``est.to_frame()``       ``as.data.frame(est)``              one row per estimate
=======================  ==================================  ==============================

(the same as methods: ``est.coef()``, ``est.SE()``, ...). Intervals use Student's t on the
estimate's own degrees of freedom (docs/contracts.md §7: a domain's PSUs minus its strata);
``svyciprop`` results keep their logit (or Korn–Graubard) intervals, recomputed for another
``level`` or ``df``. Nothing is random: the same inputs give the same object and text.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special, stats

from .errors import SurveyError

INTERVALS = ("wald", "logit", "korn-graubard")


@lru_cache(maxsize=256)
def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided Student-t quantile ``qt(1 - (1 - level)/2, df)``."""
    return float(special.stdtrit(df, 1.0 - (1.0 - level) / 2.0))


def expit(x):
    """The inverse logit ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def prop_ci(p: float, se: float, n: int, df: float, level: float = 0.95, method: str = "logit",
            link: tuple[float, float] | None = None) -> tuple[float, float]:
    """Confidence interval of a proportion, inside [0, 1].

    ``logit``: ``expit(logit(p) ± t_df * se / (p (1 - p)))`` (R ``svyciprop(method = "logit")``);
    ``link = (coefficient, se)`` on the logit scale replaces ``logit(p)`` and
    ``se / (p (1 - p))`` (R's interval from its fitted ``svyglm``). ``korn-graubard``:
    Clopper–Pearson with effective n ``p (1 - p) / se^2`` times ``(qt(a/2, n - 1) /
    qt(a/2, df))^2`` (R ``svyciprop(method = "beta")``). At p = 0 or 1 (se = 0) both fall
    back to Korn–Graubard with effective n = n (the respondents in the base).
    """
    if method not in ("logit", "korn-graubard"):
        raise SurveyError("unknown interval method for a proportion", where="prop_ci",
                          expected="'logit' or 'korn-graubard'", got=repr(method))
    alpha = 1.0 - level
    if method == "logit" and 0.0 < p < 1.0 and se > 0:
        t = t_quantile(df, level)
        b, s = link if link is not None else (np.log(p / (1.0 - p)), se / (p * (1.0 - p)))
        return float(expit(b - t * s)), float(expit(b + t * s))
    if se > 0 and 0.0 < p < 1.0:
        n_eff = p * (1.0 - p) / se ** 2
        n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    else:
        n_eff = float(n)
    lo = 0.0 if p <= 0 else float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1))
    hi = 1.0 if p >= 1 else float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
    return lo, hi


class Estimate:
    """Labelled survey estimates with their covariance and degrees of freedom.

    ``index``: a pandas Index (or MultiIndex, e.g. group and level) naming the estimates;
    ``estimate`` (k,), ``vcov`` (k x k), ``df`` (k,): each estimate's degrees of freedom;
    ``statistic``: what was estimated (``"mean"``, ``"total"``, ``"proportion"``,
    ``"contrast"``); ``interval``: ``"wald"`` (``estimate ± t_df se``), ``"logit"`` or
    ``"korn-graubard"`` (proportions, :func:`prop_ci`); ``link`` (k x 2, optional): the
    logit-scale coefficient and SE of R's fitted ``svyglm`` for ``"logit"``; ``columns``:
    extra per-estimate columns (``{name: values}`` or a DataFrame: ``n_unweighted``,
    ``n_weighted``, ``deff`` ...), kept as :attr:`extra`;
    ``design_df``: the degrees of freedom of the design the estimates came from (used by
    :func:`~sosiale_kommuner.survey.estimation.svycontrast`); ``scores`` (n x k, optional):
    the weighted influence values, from which ``svyby`` forms covariances between groups.
    """

    def __init__(self, index, estimate, vcov, df, *, statistic: str, level: float = 0.95,
                 interval: str = "wald", link=None, columns: pd.DataFrame | None = None,
                 design_df: float | None = None, scores: np.ndarray | None = None):
        self.index = index if isinstance(index, pd.Index) else pd.Index(index)
        self.estimate = np.asarray(estimate, dtype=float).reshape(-1)
        k = len(self.estimate)
        self._vcov = np.asarray(vcov, dtype=float).reshape(k, k)
        self.df = np.broadcast_to(np.asarray(df, dtype=float), (k,)).copy()
        if len(self.index) != k:
            raise SurveyError("labels and estimates do not fit", where="Estimate",
                              expected=f"{k} labels", got=f"{len(self.index)}")
        if interval not in INTERVALS:
            raise SurveyError("unknown interval", where="Estimate", expected=" or ".join(INTERVALS), got=repr(interval))
        self.statistic = statistic
        self.level = level
        self.interval = interval
        self.link = None if link is None else np.asarray(link, dtype=float).reshape(k, 2)
        #: extra per-estimate columns, ``{name: array (k,)}``
        self.extra = {} if columns is None else {c: np.asarray(v) for c, v in dict(columns).items()}
        self.design_df = float(np.max(self.df)) if design_df is None else float(design_df)
        self.scores = scores

    # -- R's accessors ---------------------------------------------------------------
    def coef(self) -> pd.Series:
        """The estimates (R ``coef``)."""
        return pd.Series(self.estimate, index=self.index, name="estimate")

    def SE(self) -> pd.Series:
        """Standard errors (R ``SE``): square roots of the covariance diagonal (0 if rounding makes it negative)."""
        return pd.Series(np.sqrt(np.maximum(np.diag(self._vcov), 0.0)), index=self.index, name="se")

    def vcov(self) -> pd.DataFrame:
        """The covariance matrix of the estimates (R ``vcov``)."""
        return pd.DataFrame(self._vcov, index=self.index, columns=self.index)

    def degf(self) -> pd.Series:
        """Each estimate's degrees of freedom: its domain's PSUs minus strata (R ``degf(sub)``)."""
        return pd.Series(self.df, index=self.index, name="df")

    @property
    def se(self) -> np.ndarray:
        """Standard errors as an array (see :meth:`SE`)."""
        return np.sqrt(np.maximum(np.diag(self._vcov), 0.0))

    def limits(self, level: float | None = None, df=None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper confidence limits as arrays (see :meth:`confint`)."""
        level = self.level if level is None else level
        dfs = self.df if df is None else np.broadcast_to(np.asarray(df, dtype=float), self.df.shape)
        se = self.se
        if self.interval == "wald":
            t = np.array([t_quantile(float(d), level) for d in dfs])
            return self.estimate - t * se, self.estimate + t * se
        n = self.extra.get("n_unweighted", np.zeros(len(se), dtype=int))
        lo, hi = np.empty(len(se)), np.empty(len(se))
        for j, (p, s, d) in enumerate(zip(self.estimate, se, dfs)):
            link = None if self.link is None or np.isnan(self.link[j]).any() else tuple(self.link[j])
            lo[j], hi[j] = prop_ci(float(p), float(s), int(n[j]), float(d), level, self.interval, link)
        return lo, hi

    def confint(self, level: float | None = None, df=None) -> pd.DataFrame:
        """Confidence intervals ``ci_low, ci_high`` (R ``confint(est, level, df = ...)``).

        ``df`` (number or one per estimate) replaces the estimates' own degrees of freedom;
        ``level`` defaults to the level the estimate was made with.
        """
        lo, hi = self.limits(level, df)
        return pd.DataFrame({"ci_low": lo, "ci_high": hi}, index=self.index)

    # -- tables ----------------------------------------------------------------------
    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """One row per estimate: the index as columns, ``estimate, se, ci_low, ci_high, df``
        and the extra columns."""
        lo, hi = self.limits(level)
        out = self.index.to_frame(index=False)
        if list(out.columns) == [0]:
            out.columns = ["variable"]
        cols = dict(estimate=self.estimate, se=self.se, ci_low=lo, ci_high=hi, df=self.df, **self.extra)
        return pd.concat([out, pd.DataFrame(cols)], axis=1)

    def __len__(self) -> int:
        return len(self.estimate)

    def __repr__(self) -> str:
        head = f"Estimate: {self.statistic}, {self.interval} {self.level:.0%} intervals"
        return head + "\n" + self.to_frame().to_string(index=False)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def coef(x) -> pd.Series:
    """R ``coef()`` of an :class:`Estimate` (or any object with a ``coef()`` method)."""
    return x.coef()


def SE(x) -> pd.Series:
    """R ``SE()`` of an :class:`Estimate`."""
    return x.SE()


def vcov(x) -> pd.DataFrame:
    """R ``vcov()`` of an :class:`Estimate`."""
    return x.vcov()


def confint(x, level: float | None = None, df=None) -> pd.DataFrame:
    """R ``confint(x, level = ..., df = ...)`` of an :class:`Estimate`."""
    return x.confint(level=level, df=df)


__all__ = ["Estimate", "coef", "SE", "vcov", "confint", "prop_ci", "t_quantile", "expit"]
