"""Survey designs and Taylor-linearisation variances (docs/contracts.md §7).

A :class:`SurveyDesign` is a one-stage stratified (optionally clustered) design with
weights, an optional finite population correction and optional calibration information.
It mirrors R's

.. code-block:: r

    svydesign(id = ~psu, strata = ~strata, weights = ~w, fpc = ~N_h, data = d)

followed, when ``calibration`` is given, by ``rake()`` / ``calibrate()`` /
``postStratify()``: standard errors then use the residuals of the influence values
from a weighted least-squares regression on the calibration model matrix, as
``survey:::svyrecvar`` does for ``calibrate()`` designs (and, to ~1e-12, for ``rake()``).

Conventions (the same as R's survey package):

* ``fpc`` is the stratum **population count** N_h (number of PSUs in the population of
  the stratum), not a sampling fraction: R's ``fpc = ~fpc``. The correction is
  ``1 - n_h / N_h`` with n_h the number of sampled PSUs in stratum h.
* The variance of a total of weighted scores ``x`` (R's ``svyrecvar(x, ...)``) is
  ``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - mean_h z)^2``, with ``z_hi`` the PSU
  totals of ``x``.
* A stratum with a single PSU raises :class:`LonelyPSUError` (R's
  ``options(survey.lonely.psu = "fail")``, the default).
* Design degrees of freedom: number of PSUs minus number of strata (R ``degf()``).

Weights are never changed in place: every weighting step yields a new array, and a
design holds exactly one weight vector.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property
from typing import Mapping, Sequence

import numpy as np
import pandas as pd


class DesignError(ValueError):
    """A survey design was specified inconsistently (names the column and the problem)."""


class LonelyPSUError(DesignError):
    """A stratum holds a single PSU, so its variance cannot be estimated (R: lonely PSU "fail")."""


# ---------------------------------------------------------------------------------------
# Calibration information
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Calibration:
    """What a calibration (raking, post-stratification) calibrated on.

    ``model_matrix`` (n x k) holds the indicator ("dummy") columns of every category of
    every margin, zero for rows outside the margin's population (e.g. municipal margins on
    county rows); it may be rank deficient (each margin's dummies sum to the same
    intercept). ``base_weights`` are the weights *before* calibration; they are the weights
    of the least-squares projection, as in R's ``calibrate()`` (``qr(mm * sqrt(w_old))``).
    ``labels`` name the columns (``"margin=category"``).
    """

    model_matrix: np.ndarray
    base_weights: np.ndarray
    labels: tuple[str, ...] = ()

    def residualize(self, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Replace weighted scores ``x`` (n x p, R's ``x`` in ``svyrecvar``) by calibration residuals.

        With ``u = x / w`` (per-unit influence), returns ``w * (u - M b)`` where ``b`` is the
        weighted least-squares coefficient of ``u`` on ``M`` with weights ``base_weights``:
        R ``qr.resid(qr(mm * whalf), x / (g * whalf)) * g * whalf`` in ``svyrecvar``.
        Rows with weight 0 (outside a domain that was cut out) keep score 0 in ``u``.
        """
        w = np.asarray(weights, dtype=float)
        u = np.divide(x, w[:, None], out=np.zeros_like(x), where=w[:, None] != 0)
        sw, q = self._basis
        v = u * sw[:, None]
        resid = (v - q @ (q.T @ v)) / sw[:, None]
        return resid * w[:, None]

    @cached_property
    def _basis(self):
        """``sqrt(base_weights)`` and an orthonormal basis of the weighted model matrix's columns
        (SVD with numerical rank, so redundant margin dummies are fine); computed once."""
        sw = np.sqrt(np.asarray(self.base_weights, dtype=float))
        u, s, _ = np.linalg.svd(self.model_matrix * sw[:, None], full_matrices=False)
        rank = int(np.sum(s > s.max() * max(self.model_matrix.shape) * np.finfo(float).eps))
        return sw, u[:, :rank]

    @staticmethod
    def from_columns(data: pd.DataFrame, columns: Sequence[str], base_weights) -> "Calibration":
        """Build calibration info from categorical columns of ``data``.

        One indicator per observed category of each column; missing values give a row of
        zeros for that column (so municipal margins can be stacked with a county cell:
        pass e.g. ``["unit_type", "size_class", "region"]`` where size class and region are
        empty for counties and ``unit_type`` supplies each population's total).
        """
        mats, labels = [], []
        for col in columns:
            if col not in data.columns:
                raise DesignError(f"calibration column {col!r} not in data (columns: {list(data.columns)})")
            d = pd.get_dummies(data[col], dtype=float)
            mats.append(d.to_numpy())
            labels += [f"{col}={c}" for c in d.columns]
        return Calibration(np.column_stack(mats), np.asarray(base_weights, dtype=float), tuple(labels))


class ProjectedCalibration(Calibration):
    """A :class:`Calibration` whose residualisation reuses one precomputed projection.

    Same result as :meth:`Calibration.residualize` (the weighted least-squares residual on
    the calibration model matrix), computed as ``u - M pinv(M sqrt(w0)) (u sqrt(w0))`` with
    the pseudo-inverse formed once per design instead of one least-squares solve per call.
    """

    def residualize(self, x, weights):
        w = np.asarray(weights, dtype=float)
        u = np.divide(x, w[:, None], out=np.zeros_like(x), where=w[:, None] != 0)
        cache = self.__dict__.get("_proj")
        if cache is None:
            sw = np.sqrt(self.base_weights)
            cache = (self.model_matrix @ np.linalg.pinv(self.model_matrix * sw[:, None]), sw)
            object.__setattr__(self, "_proj", cache)
        proj, sw = cache
        return (u - proj @ (u * sw[:, None])) * w[:, None]


# ---------------------------------------------------------------------------------------
# The design
# ---------------------------------------------------------------------------------------
def _column_or_array(data: pd.DataFrame, value, what: str) -> np.ndarray:
    if isinstance(value, str):
        if value not in data.columns:
            raise DesignError(f"{what} column {value!r} not in data (columns: {list(data.columns)})")
        return data[value].to_numpy()
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.repeat(arr, len(data))
    if len(arr) != len(data):
        raise DesignError(f"{what} has {len(arr)} values but data has {len(data)} rows")
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
            raise DesignError("design data has no rows")
        w = _column_or_array(self.data, weights, "weights").astype(float)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))[:5].tolist()
            raise DesignError(f"weights must be finite and > 0; bad rows (0-based): {bad}")
        self.weights = w
        self.weights_name = weights if isinstance(weights, str) else None
        s = np.zeros(n, dtype=int) if strata is None else _column_or_array(self.data, strata, "strata")
        if pd.isna(pd.Series(s)).any():
            raise DesignError(f"strata {strata!r} has missing values")
        self.strata_labels, self.strata = np.unique(np.asarray(s).astype(str), return_inverse=True)
        p = np.arange(n) if psu is None else _column_or_array(self.data, psu, "psu")
        if pd.isna(pd.Series(p)).any():
            raise DesignError(f"psu {psu!r} has missing values")
        # PSUs nested within strata
        key = pd.Series(self.strata.astype(str)) + "\x1f" + pd.Series(np.asarray(p).astype(str))
        _, self.psu = np.unique(key.to_numpy(), return_inverse=True)
        self.n_psu = int(self.psu.max()) + 1
        self.psu_stratum = np.zeros(self.n_psu, dtype=int)
        self.psu_stratum[self.psu] = self.strata
        self.n_h = np.bincount(self.psu_stratum, minlength=len(self.strata_labels))
        lonely = [self.strata_labels[h] for h in np.flatnonzero(self.n_h < 2)]
        if lonely:
            raise LonelyPSUError(
                f"stratum/strata {lonely} of {strata!r} hold a single PSU; the variance cannot be "
                "estimated (R survey.lonely.psu='fail'). Merge the stratum with a neighbour.")
        self.N_h = None if fpc is None else self._fpc_counts(fpc)
        if calibration is not None and calibration.model_matrix.shape[0] != n:
            raise DesignError("calibration model matrix has a different number of rows than data")
        self.calibration = calibration
        self._spec = dict(weights=weights, strata=strata, fpc=fpc, psu=psu)

    # -- construction helpers ---------------------------------------------------------
    def _fpc_counts(self, fpc) -> np.ndarray:
        """Population PSU counts N_h per stratum, validated against n_h."""
        H = len(self.strata_labels)
        if isinstance(fpc, Mapping):
            missing = [h for h in self.strata_labels if h not in {str(k) for k in fpc}]
            if missing:
                raise DesignError(f"fpc mapping has no population count for strata {missing}")
            lookup = {str(k): float(v) for k, v in fpc.items()}
            N = np.array([lookup[h] for h in self.strata_labels])
        else:
            vals = _column_or_array(self.data, fpc, "fpc").astype(float)
            N = np.full(H, np.nan)
            for h in range(H):
                v = np.unique(vals[self.strata == h])
                if len(v) != 1:
                    raise DesignError(f"fpc {fpc!r} is not constant within stratum {self.strata_labels[h]!r}: {v}")
                N[h] = v[0]
        if np.any(N < 1):
            raise DesignError(f"fpc must be population counts N_h (>= 1), not sampling fractions; got {N}")
        over = [self.strata_labels[h] for h in range(H) if self.n_h[h] > N[h]]
        if over:
            raise DesignError(f"strata {over}: more sampled PSUs than the population count N_h in fpc")
        return N

    def without_fpc(self) -> "SurveyDesign":
        """The same design without the finite population correction (docs/contracts.md §7, for tests/models)."""
        out = self._copy()
        out.N_h = None
        return out

    def with_weights(self, weights, calibration: Calibration | None = None) -> "SurveyDesign":
        """A new design with other weights (and calibration info); this one is unchanged."""
        spec = dict(self._spec, weights=weights)
        return SurveyDesign(self.data, calibration=calibration, **spec)

    def _copy(self) -> "SurveyDesign":
        out = object.__new__(SurveyDesign)
        out.__dict__.update(self.__dict__)
        return out

    # -- basic properties ----------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of rows (responding units)."""
        return len(self.data)

    @property
    def df(self) -> int:
        """Design degrees of freedom: #PSUs - #strata (R ``degf(design)``)."""
        return int(self.n_psu - len(self.strata_labels))

    @property
    def has_fpc(self) -> bool:
        return self.N_h is not None

    def column(self, name: str) -> pd.Series:
        """A column of the design's data (raises naming the column if absent)."""
        if name not in self.data.columns:
            raise DesignError(f"column {name!r} not in design data (columns: {list(self.data.columns)})")
        return self.data[name]

    def domain_mask(self, domain: str | None, group) -> np.ndarray:
        """Boolean mask of a domain (``domain`` column == ``group``); all rows if ``domain`` is None."""
        if domain is None:
            return np.ones(self.n, dtype=bool)
        return (self.column(domain) == group).fillna(False).to_numpy(dtype=bool)

    # -- variance --------------------------------------------------------------------
    def variance(self, scores: np.ndarray) -> np.ndarray:
        """Design covariance matrix of the totals of weighted scores.

        ``scores`` (n, or n x p) are the weighted influence values ``w_i * u_i`` whose column
        sums are the linearised estimators (R's ``x`` in ``svyrecvar(x, ...)``). Calibration
        residuals are taken first when the design is calibrated. Returns a p x p matrix.
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
        return (f"SurveyDesign(n={self.n}, strata={len(self.strata_labels)}, psu={self.n_psu}, "
                f"fpc={self.has_fpc}, calibrated={self.calibration is not None}, df={self.df})")


def fast_design(design: SurveyDesign) -> SurveyDesign:
    """A shallow copy of ``design`` whose calibration residuals use a cached projection
    (:class:`ProjectedCalibration`); variances agree with the original to rounding."""
    cal = design.calibration
    if cal is None or isinstance(cal, ProjectedCalibration):
        return design
    out = copy.copy(design)
    out.calibration = ProjectedCalibration(cal.model_matrix, cal.base_weights, cal.labels)
    return out
