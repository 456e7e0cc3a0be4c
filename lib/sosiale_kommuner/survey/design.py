"""Survey designs, their domains (``subset``) and Taylor-linearisation variances (docs/contracts.md §7).

A :class:`SurveyDesign` is a one-stage stratified (optionally clustered) design with
weights, an optional finite population correction and optional calibration information.
It mirrors R's

.. code-block:: r

    d <- svydesign(id = ~psu, strata = ~strata, weights = ~w, fpc = ~N_h, data = x)
    sub <- subset(d, region == "north")            # design.subset("region == 'north'")
    degf(sub)                                      # sub.degf()

A calibrated design (:func:`~sosiale_kommuner.survey.weighting.rake`,
:func:`~sosiale_kommuner.survey.weighting.calibrate`,
:func:`~sosiale_kommuner.survey.weighting.poststratify`) carries a
:class:`~sosiale_kommuner.survey.calibration.Calibration`; its standard errors use the
residuals of the influence values on the calibration margins.

Conventions (the same as R's survey package):

* ``fpc`` is the stratum **population count** N_h (number of PSUs in the population of
  the stratum), not a sampling fraction: R's ``fpc = ~fpc``. The correction is
  ``1 - n_h / N_h`` with n_h the number of sampled PSUs in stratum h.
* The variance of a total of weighted scores ``x`` (R's ``svyrecvar(x, ...)``) is
  ``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - mean_h z)^2``, with ``z_hi`` the PSU
  totals of ``x``.
* A stratum with a single PSU raises :class:`LonelyPSUError` (R's
  ``options(survey.lonely.psu = "fail")``, the default).
* **Domains** (R ``subset(design, ...)``): the subset keeps the whole design — strata, PSUs,
  fpc, calibration — and only its units contribute to an estimate (the others get influence
  0), so variances are those of domain estimation. Its degrees of freedom are the PSUs that
  remain minus the strata that remain (R ``degf(subset(...))``).
* Design degrees of freedom: number of PSUs minus number of strata (R ``degf()``).

Weights are never changed in place: every weighting step yields a new design, and a
design holds exactly one weight vector.
"""
from __future__ import annotations

import copy
from typing import Mapping

import numpy as np
import pandas as pd

from .calibration import Calibration, ProjectedCalibration
from .errors import DesignError, LonelyPSUError


# ---------------------------------------------------------------------------------------
# The design
# ---------------------------------------------------------------------------------------
def _column_or_array(data: pd.DataFrame, value, what: str) -> np.ndarray:
    if isinstance(value, str):
        if value not in data.columns:
            raise DesignError(f"{what} column not in the data", where="SurveyDesign",
                              expected=f"a column {value!r}", got=f"columns {list(data.columns)}")
        return data[value].to_numpy()
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.repeat(arr, len(data))
    if len(arr) != len(data):
        raise DesignError(f"{what} do not fit the data", where="SurveyDesign",
                          expected=f"{len(data)} values (one per row)", got=f"{len(arr)} values")
    return arr


class SurveyDesign:
    """A one-stage stratified, optionally clustered, survey design.

    Parameters
    ----------
    data : DataFrame, one row per responding unit.
    weights : column name or array of sampling/calibrated weights (units per respondent;
        they sum to the population size). Must be finite and > 0.
    strata : column name or array, optional (one stratum if omitted).
    fpc : optional finite population correction as stratum population counts N_h: a
        column name, an array, a scalar, or a mapping ``{stratum: N_h}`` (R ``fpc = ~fpc``).
    psu : column name or array of cluster ids, optional (each row its own PSU if omitted).
        PSU ids are nested in strata (R ``nest = TRUE``).
    calibration : :class:`Calibration`, optional; then variances account for the
        calibration (R ``rake``/``calibrate``/``postStratify`` designs).

    R: ``svydesign(id = ~psu, strata = ~strata, weights = ~weights, fpc = ~fpc, data = data)``.
    """

    def __init__(self, data: pd.DataFrame, weights, strata=None, fpc=None, psu=None,
                 calibration: Calibration | None = None):
        self.data = data.reset_index(drop=True)
        n = len(self.data)
        if n == 0:
            raise DesignError("the design's data has no rows", where="SurveyDesign",
                              expected="one row per responding unit", got="0 rows")
        w = _column_or_array(self.data, weights, "weights").astype(float)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
            raise DesignError("weights must be finite and > 0", where="SurveyDesign",
                              expected="positive weights (population units per respondent)",
                              got=f"{len(bad)} rows with a missing, infinite or non-positive weight "
                                  f"(first row positions {bad[:5].tolist()})")
        self.weights = w
        self.weights_name = weights if isinstance(weights, str) else None
        s = np.zeros(n, dtype=int) if strata is None else _column_or_array(self.data, strata, "strata")
        if pd.isna(pd.Series(s)).any():
            raise DesignError("strata have missing values", where=f"strata {strata!r}",
                              expected="a stratum for every row", got=f"{int(pd.isna(pd.Series(s)).sum())} missing")
        self.strata_labels, self.strata = np.unique(np.asarray(s).astype(str), return_inverse=True)
        p = np.arange(n) if psu is None else _column_or_array(self.data, psu, "psu")
        if pd.isna(pd.Series(p)).any():
            raise DesignError("PSU ids have missing values", where=f"psu {psu!r}",
                              expected="a PSU id for every row", got=f"{int(pd.isna(pd.Series(p)).sum())} missing")
        # PSUs nested within strata
        key = pd.Series(self.strata.astype(str)) + "\x1f" + pd.Series(np.asarray(p).astype(str))
        _, self.psu = np.unique(key.to_numpy(), return_inverse=True)
        self.n_psu = int(self.psu.max()) + 1
        self.psu_stratum = np.zeros(self.n_psu, dtype=int)
        self.psu_stratum[self.psu] = self.strata
        self.n_h = np.bincount(self.psu_stratum, minlength=len(self.strata_labels))
        lonely = [str(self.strata_labels[h]) for h in np.flatnonzero(self.n_h < 2)]
        if lonely:
            raise LonelyPSUError("a stratum holds a single PSU, so its variance cannot be estimated "
                                 "(R survey.lonely.psu = 'fail')", where=f"strata {strata!r}",
                                 expected="at least 2 PSUs per stratum", got=f"1 PSU in {lonely}",
                                 hint="merge the stratum with a neighbouring one")
        self.N_h = None if fpc is None else self._fpc_counts(fpc)
        if calibration is not None and calibration.model_matrix.shape[0] != n:
            raise DesignError("the calibration does not fit the data", where="SurveyDesign",
                              expected=f"a model matrix with {n} rows", got=f"{calibration.model_matrix.shape[0]} rows")
        self.calibration = calibration
        #: the domain of a :meth:`subset` (boolean per row), None for the whole design
        self.domain: np.ndarray | None = None
        self._spec = dict(weights=weights, strata=strata, fpc=fpc, psu=psu)

    # -- construction helpers ---------------------------------------------------------
    def _fpc_counts(self, fpc) -> np.ndarray:
        """Population PSU counts N_h per stratum, validated against n_h."""
        H = len(self.strata_labels)
        if isinstance(fpc, Mapping):
            missing = [h for h in self.strata_labels if h not in {str(k) for k in fpc}]
            if missing:
                raise DesignError("the fpc mapping lacks strata", where="fpc", expected="a count N_h for every stratum",
                                  got=f"no count for strata {missing}")
            lookup = {str(k): float(v) for k, v in fpc.items()}
            N = np.array([lookup[h] for h in self.strata_labels])
        else:
            vals = _column_or_array(self.data, fpc, "fpc").astype(float)
            N = np.full(H, np.nan)
            for h in range(H):
                v = np.unique(vals[self.strata == h])
                if len(v) != 1:
                    raise DesignError("fpc varies within a stratum", where=f"fpc {fpc!r}",
                                      expected="one population count per stratum",
                                      got=f"{len(v)} different values in stratum {self.strata_labels[h]!r}")
                N[h] = v[0]
        if np.any(N < 1):
            raise DesignError("fpc must be population counts N_h, not sampling fractions", where="fpc",
                              expected="counts >= 1 (R fpc = ~N_h)", got=f"{N.tolist()}")
        over = [str(self.strata_labels[h]) for h in range(H) if self.n_h[h] > N[h]]
        if over:
            raise DesignError("more sampled PSUs than the population count", where="fpc",
                              expected="n_h <= N_h in every stratum", got=f"n_h > N_h in strata {over}")
        return N

    def without_fpc(self) -> "SurveyDesign":
        """The same design without the finite population correction (docs/contracts.md §7, for tests/models)."""
        out = self._copy()
        out.N_h = None
        return out

    def with_weights(self, weights, calibration: Calibration | None = None) -> "SurveyDesign":
        """A new design with other weights (and calibration info); this one is unchanged."""
        spec = dict(self._spec, weights=weights)
        out = SurveyDesign(self.data, calibration=calibration, **spec)
        out.N_h = self.N_h
        out.domain = self.domain
        return out

    def _copy(self) -> "SurveyDesign":
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        return out

    # -- domains -----------------------------------------------------------------------
    def subset(self, condition) -> "SurveyDesign":
        """The design restricted to a domain: R ``subset(design, condition)``.

        ``condition``: a boolean array or Series (one value per row; missing counts as
        False) or a string evaluated on the data (``DataFrame.eval``, e.g.
        ``"stype == 'H'"``; back-quote names with dots: ``"`sch.wide` == 'Yes'"``). The
        whole design is kept for the variance; only the domain's units contribute to an
        estimate, and :meth:`degf` counts the PSUs and strata that remain. A subset of a
        subset is the intersection.
        """
        if isinstance(condition, str):
            try:
                cond = self.data.eval(condition)
            except Exception as exc:  # pandas raises many kinds; name the expression, not the data
                raise DesignError("cannot evaluate the subset condition", where="SurveyDesign.subset",
                                  expected="an expression of the data's columns",
                                  got=f"{condition!r} ({type(exc).__name__})",
                                  hint="back-quote column names with dots or spaces") from None
        else:
            cond = condition
        mask = pd.Series(np.asarray(cond)).fillna(False).to_numpy(dtype=bool) if not isinstance(cond, pd.Series) \
            else cond.fillna(False).to_numpy(dtype=bool)
        if mask.shape != (self.n,):
            raise DesignError("the subset condition does not fit the design", where="SurveyDesign.subset",
                              expected=f"{self.n} values (one per row)", got=f"shape {mask.shape}")
        out = self._copy()
        out.domain = mask & self.in_domain
        return out

    @property
    def in_domain(self) -> np.ndarray:
        """Boolean per row: in the design's domain (all True unless this is a :meth:`subset`)."""
        return np.ones(self.n, dtype=bool) if self.domain is None else self.domain

    def used(self, mask) -> np.ndarray:
        """``mask`` (boolean per row) restricted to the design's domain."""
        return np.asarray(mask, dtype=bool) & self.in_domain

    def degf(self, mask=None) -> int:
        """Degrees of freedom: PSUs minus strata among the units of the domain (and of ``mask``).

        R ``degf(design)``; for a subset R ``degf(subset(design, ...))``: the PSUs that
        remain minus the strata that remain.
        """
        m = self.in_domain if mask is None else self.used(mask)
        if self.domain is None and mask is None:
            return int(self.n_psu - len(self.strata_labels))
        return int(len(np.unique(self.psu[m])) - len(np.unique(self.strata[m])))

    # -- basic properties ----------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of rows (responding units; a subset keeps all rows)."""
        return len(self.data)

    @property
    def df(self) -> int:
        """Design degrees of freedom, :meth:`degf` (R ``degf(design)``)."""
        return self.degf()

    @property
    def has_fpc(self) -> bool:
        return self.N_h is not None

    def column(self, name: str) -> pd.Series:
        """A column of the design's data (raises naming the column if absent)."""
        if name not in self.data.columns:
            raise DesignError("column not in the design's data", where="SurveyDesign.column",
                              expected=f"a column {name!r}", got=f"columns {list(self.data.columns)}")
        return self.data[name]

    def domain_mask(self, domain: str | None, group) -> np.ndarray:
        """Rows of a domain group (``domain`` column == ``group``) within the design's own domain;
        the design's domain if ``domain`` is None."""
        if domain is None:
            return self.in_domain.copy()
        return self.used((self.column(domain) == group).fillna(False).to_numpy(dtype=bool))

    # -- variance --------------------------------------------------------------------
    def variance(self, scores: np.ndarray) -> np.ndarray:
        """Design covariance matrix of the totals of weighted scores.

        ``scores`` (n, or n x p) are the weighted influence values ``w_i * u_i`` whose column
        sums are the linearised estimators (R's ``x`` in ``svyrecvar(x, ...)``); rows outside
        a subset's domain must hold 0. Calibration residuals are taken first when the design
        is calibrated. Returns a p x p matrix.
        """
        x = np.asarray(scores, dtype=float)
        x = x.reshape(self.n, -1)
        if self.calibration is not None:
            x = self.calibration.residualize(x, self.weights)
        z = np.zeros((self.n_psu, x.shape[1]))
        np.add.at(z, self.psu, x)
        H = len(self.strata_labels)
        sums = np.zeros((H, x.shape[1]))
        np.add.at(sums, self.psu_stratum, z)
        zc = z - (sums / self.n_h[:, None])[self.psu_stratum]
        f = np.zeros(H) if self.N_h is None else self.n_h / self.N_h
        scale = ((1.0 - f) * self.n_h / (self.n_h - 1.0))[self.psu_stratum]
        return zc.T @ (zc * scale[:, None])

    def __repr__(self) -> str:
        dom = "" if self.domain is None else f", domain={int(self.domain.sum())} of {self.n}"
        cal = "none" if self.calibration is None else self.calibration.variance
        return (f"SurveyDesign(n={self.n}, strata={len(self.strata_labels)}, psu={self.n_psu}, "
                f"fpc={self.has_fpc}, calibration={cal}, df={self.df}{dom})")


def svydesign(data: pd.DataFrame, weights, strata=None, fpc=None, ids=None) -> SurveyDesign:
    """R ``svydesign(id = ~ids, strata = ~strata, weights = ~weights, fpc = ~fpc, data = data)``:
    :class:`SurveyDesign` with R's argument names (``ids`` are the PSUs; omit for ``id = ~1``)."""
    return SurveyDesign(data, weights, strata=strata, fpc=fpc, psu=ids)


def degf(x) -> int:
    """R ``degf()``: the degrees of freedom of a design (or subset), or of an estimate
    (:meth:`~sosiale_kommuner.survey.estimate.Estimate.degf`)."""
    return x.degf()


def fast_design(design: SurveyDesign) -> SurveyDesign:
    """A shallow copy of ``design`` whose calibration residuals use a cached projection
    (:class:`ProjectedCalibration`); variances agree with the original to rounding."""
    cal = design.calibration
    if cal is None or isinstance(cal, ProjectedCalibration) or cal.variance != "calibrate":
        return design
    out = copy.copy(design)
    out.calibration = ProjectedCalibration(cal.model_matrix, cal.base_weights, cal.labels, cal.variance,
                                           cal.margins, cal.diagnostics)
    return out


__all__ = ["SurveyDesign", "svydesign", "degf", "fast_design", "Calibration", "DesignError", "LonelyPSUError"]
