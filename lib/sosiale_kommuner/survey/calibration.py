"""What a calibrated design carries so that its variances account for the calibration.

A :class:`Calibration` holds the calibration model matrix (one indicator column per cell of
every margin), the weights *before* calibration, and which of R's two variance flavours to
use (docs/contracts.md §7):

* ``variance="calibrate"`` (the default): the influence values are replaced by their
  residuals from a least-squares fit on the model matrix **weighted by the base weights**,
  as ``survey:::svyrecvar`` does for ``calibrate()`` and ``postStratify()`` designs:
  ``qr.resid(qr(mm * sqrt(w0)), x / (g * sqrt(w0))) * g * sqrt(w0)``.
* ``variance="rake"``: R ``rake()``'s projection — ten rounds of sweeping the margins, each
  subtracting the **unweighted** mean of ``x / w`` within the margin's cells
  (``x <- x - w * ave(x / w, margin)``). With equal base weights the two agree; with
  unequal ones they differ (R's ``rake_unequal_base`` and ``calibrate_raking_unequal_base``
  blocks of ``tests/oracle/reference_domains.json``).

``diagnostics`` (optional) carries the weighting step's report — margins achieved,
collapsed cells, iterations — so that it travels with the design.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import DesignError

#: R ``svyrecvar``'s number of sweeps over the margins for ``rake()`` designs.
RAKE_SWEEPS = 10
VARIANCES = ("calibrate", "rake")


@dataclass(frozen=True)
class Calibration:
    """What a calibration (raking, post-stratification) calibrated on.

    ``model_matrix`` (n x k) holds the indicator ("dummy") columns of every category of
    every margin, zero for rows outside the margin's population (e.g. municipal margins on
    county rows); it may be rank deficient (each margin's dummies sum to the same
    intercept). ``base_weights`` are the weights *before* calibration. ``labels`` name the
    columns (``"margin=category"``); ``margins`` gives each column's margin (default: the
    part of its label before ``=``). ``variance``: ``"calibrate"`` or ``"rake"`` (module
    docstring). ``diagnostics``: the weighting report, if any.
    """

    model_matrix: np.ndarray
    base_weights: np.ndarray
    labels: tuple[str, ...] = ()
    variance: str = "calibrate"
    margins: tuple[str, ...] = ()
    diagnostics: object = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.variance not in VARIANCES:
            raise DesignError("unknown calibration variance", where="Calibration",
                              expected=" or ".join(map(repr, VARIANCES)), got=repr(self.variance))
        if self.model_matrix.ndim != 2 or len(self.base_weights) != self.model_matrix.shape[0]:
            raise DesignError("model matrix and base weights do not fit", where="Calibration",
                              expected="an n x k model matrix and n base weights",
                              got=f"shape {self.model_matrix.shape}, {len(self.base_weights)} base weights")

    def with_variance(self, variance: str) -> "Calibration":
        """The same calibration with the other variance flavour."""
        return Calibration(self.model_matrix, self.base_weights, self.labels, variance, self.margins,
                           self.diagnostics)

    def residualize(self, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Replace weighted scores ``x`` (n x p, R's ``x`` in ``svyrecvar``) by calibration residuals.

        ``"calibrate"``: with ``u = x / w``, returns ``w * (u - M b)``, ``b`` the
        least-squares coefficient of ``u`` on ``M`` weighted by ``base_weights``.
        ``"rake"``: R ``rake()``'s ten sweeps of unweighted cell-mean removal.
        """
        w = np.asarray(weights, dtype=float)
        u = np.divide(x, w[:, None], out=np.zeros_like(x), where=w[:, None] != 0)
        if self.variance == "rake":
            return self._rake_residuals(u) * w[:, None]
        sw, q = self._basis
        v = u * sw[:, None]
        resid = (v - q @ (q.T @ v)) / sw[:, None]
        return resid * w[:, None]

    def _rake_residuals(self, u: np.ndarray) -> np.ndarray:
        # x - w * ave(x / w, margin) on u = x / w is u - ave(u, margin); rows outside a
        # margin's population (no category) are left as they are
        for _ in range(RAKE_SWEEPS):
            for codes, k in self._margin_codes:
                inside = codes >= 0
                sums = np.zeros((k, u.shape[1]))
                np.add.at(sums, codes[inside], u[inside])
                counts = np.bincount(codes[inside], minlength=k).astype(float)
                means = sums / np.maximum(counts, 1.0)[:, None]
                u = u - np.where(inside[:, None], means[np.maximum(codes, 0)], 0.0)
        return u

    @cached_property
    def _margin_codes(self) -> list[tuple[np.ndarray, int]]:
        names = self.margins or tuple(lab.split("=", 1)[0] for lab in self.labels)
        if len(names) != self.model_matrix.shape[1]:
            raise DesignError("rake variance needs the margin of every model-matrix column",
                              where="Calibration", expected=f"{self.model_matrix.shape[1]} labels or margins",
                              got=f"{len(names)}", hint="build it with Calibration.from_columns or rake()")
        out = []
        for m in dict.fromkeys(names):
            cols = [j for j, nm in enumerate(names) if nm == m]
            block = self.model_matrix[:, cols]
            codes = np.where(block.sum(axis=1) > 0, block.argmax(axis=1), -1)
            out.append((codes, len(cols)))
        return out

    @cached_property
    def _basis(self):
        """``sqrt(base_weights)`` and an orthonormal basis of the weighted model matrix's columns
        (SVD with numerical rank, so redundant margin dummies are fine); computed once."""
        sw = np.sqrt(np.asarray(self.base_weights, dtype=float))
        u, s, _ = np.linalg.svd(self.model_matrix * sw[:, None], full_matrices=False)
        rank = int(np.sum(s > s.max() * max(self.model_matrix.shape) * np.finfo(float).eps))
        return sw, u[:, :rank]

    @staticmethod
    def from_columns(data: pd.DataFrame, columns: Sequence[str], base_weights,
                     variance: str = "calibrate") -> "Calibration":
        """Build calibration info from categorical columns of ``data``.

        One indicator per observed category of each column; missing values give a row of
        zeros for that column (so municipal margins can be stacked with a county cell:
        pass e.g. ``["unit_type", "size_class", "region"]`` where size class and region are
        empty for counties and ``unit_type`` supplies each population's total).
        """
        mats, labels, margins = [], [], []
        for col in columns:
            if col not in data.columns:
                raise DesignError("calibration column not in the data", where="Calibration.from_columns",
                                  expected=f"a column {col!r}", got=f"columns {list(data.columns)}")
            d = pd.get_dummies(data[col], dtype=float)
            mats.append(d.to_numpy())
            labels += [f"{col}={c}" for c in d.columns]
            margins += [str(col)] * d.shape[1]
        return Calibration(np.column_stack(mats), np.asarray(base_weights, dtype=float), tuple(labels),
                           variance, tuple(margins))


class ProjectedCalibration(Calibration):
    """A :class:`Calibration` whose residualisation reuses one precomputed projection.

    Same result as :meth:`Calibration.residualize` (the weighted least-squares residual on
    the calibration model matrix), computed as ``u - M pinv(M sqrt(w0)) (u sqrt(w0))`` with
    the pseudo-inverse formed once per design instead of one least-squares solve per call.
    Only for ``variance="calibrate"``.
    """

    def residualize(self, x, weights):
        if self.variance != "calibrate":
            return super().residualize(x, weights)
        w = np.asarray(weights, dtype=float)
        u = np.divide(x, w[:, None], out=np.zeros_like(x), where=w[:, None] != 0)
        cache = self.__dict__.get("_proj")
        if cache is None:
            sw = np.sqrt(self.base_weights)
            cache = (self.model_matrix @ np.linalg.pinv(self.model_matrix * sw[:, None]), sw)
            object.__setattr__(self, "_proj", cache)
        proj, sw = cache
        return (u - proj @ (u * sw[:, None])) * w[:, None]


__all__ = ["Calibration", "ProjectedCalibration", "RAKE_SWEEPS"]
