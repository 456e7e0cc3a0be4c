"""Survey weights: base weights, raking, post-stratification, sparse-cell collapsing, trimming.

Two levels, the same arithmetic:

* on a **design** (R's way): :func:`rake`, :func:`calibrate`, :func:`poststratify` and
  :func:`trim_and_rake` take a :class:`~sosiale_kommuner.survey.design.SurveyDesign` and
  return a NEW design with the new weights and the
  :class:`~sosiale_kommuner.survey.calibration.Calibration` inside it, so its standard
  errors account for the calibration; ``calibration.diagnostics`` holds the report
  (margins achieved, collapsed cells, iterations). ``calibrate()``'s variance (least
  squares weighted by the base weights) is the default; R ``rake()``'s is
  ``rake(..., variance="rake")``;
* on **weights** (a data frame and base weights): :func:`rake_weights`,
  :func:`poststratify_weights`, :func:`trim_and_rake_weights` return a
  :class:`WeightingResult` (a new weight Series plus the same report).

Input weights are never modified.

Margins are given as population counts, ``{variable: {category: N}}``. Rules:

* Every respondent must fall in exactly one category of every margin (missing or unknown
  categories raise :class:`WeightingError` naming the margin, the category and the rows).
* The totals of all margins must agree (they describe one population).
* A population category without respondents (or with a population count of 0) raises
  :class:`EmptyCategoryError` naming margin and category, unless collapsing is enabled.
* **Sparse-cell collapsing** (``min_cell=k``): within each margin, the category with the
  fewest respondents (first in the margin's order on ties) is merged with its adjacent
  category (in the order the margin lists its categories) that has fewer respondents
  (the preceding one on ties), and this repeats until every category holds at least ``k``
  respondents. The order of the margin's categories is treated as their adjacency, so
  give ordered margins (size class, centrality) in their natural order. Every merge is
  reported in ``collapses``.
* Raking (iterative proportional fitting) sweeps the margins in the given order until the
  largest relative margin difference ``|achieved - N| / N`` is below ``tol``; if that does
  not happen within ``max_iter`` sweeps, :class:`RakingError` names the margin and
  category furthest off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from .calibration import VARIANCES, Calibration
from .design import SurveyDesign
from .errors import DesignError, EmptyCategoryError, RakingError, WeightingError


@dataclass
class WeightingResult:
    """Weights from one weighting step, with diagnostics.

    ``weights``: new weights (population units per respondent), indexed like the input data.
    ``margins``: one row per (margin, category): ``target, achieved, n_respondents,
    base_total`` (the base weights' total before calibration), ``rel_diff``.
    ``collapses``: one row per merge (``margin, merged, into, n_respondents``).
    ``cells``: the (collapsed) category of each respondent in each margin; ``cell_map``: the
    cell of every population category of each margin.
    ``calibration``: for :class:`SurveyDesign` (``calibration=result.calibration``).
    """

    weights: pd.Series
    margins: pd.DataFrame
    collapses: pd.DataFrame
    cells: pd.DataFrame
    calibration: Calibration
    iterations: int
    converged: bool
    trimming: dict = field(default_factory=dict)
    #: ``{margin: {category: cell}}``: the (collapsed) cell of every population category
    cell_map: dict = field(default_factory=dict)

    def design(self, data: pd.DataFrame, strata=None, fpc=None, psu=None) -> SurveyDesign:
        """The calibrated design of ``data`` (same rows) with these weights."""
        return SurveyDesign(data, self.weights.to_numpy(), strata=strata, fpc=fpc, psu=psu,
                            calibration=self.calibration)


# ---------------------------------------------------------------------------------------
# Margins: validation and collapsing
# ---------------------------------------------------------------------------------------
def collapse_sparse(counts: Mapping, targets: Mapping, min_cell: int, margin: str = ""):
    """Merge adjacent categories until each has >= ``min_cell`` respondents.

    ``counts`` and ``targets`` map category -> respondents / population count, in the
    margin's order (its adjacency). Returns ``(mapping category -> merged label,
    merged targets {label: N}, list of merge records)``. The merged label joins the
    original labels with " + ".
    """
    groups = [[c] for c in counts]
    n = [int(counts[c]) for c in counts]
    records = []
    while len(groups) > 1 and min(n) < min_cell:
        i = int(np.argmin(n))
        if i == 0:
            j = 1
        elif i == len(groups) - 1:
            j = i - 1
        else:
            j = i - 1 if n[i - 1] <= n[i + 1] else i + 1
        lo, hi = min(i, j), max(i, j)
        merged = groups[lo] + groups[hi]
        records.append(dict(margin=margin, merged=" | ".join(" + ".join(map(str, g)) for g in (groups[lo], groups[hi])),
                            into=" + ".join(map(str, merged)), n_respondents=n[lo] + n[hi]))
        groups[lo:hi + 1] = [merged]
        n[lo:hi + 1] = [n[lo] + n[hi]]
    if min(n) < min_cell:
        raise EmptyCategoryError(f"margin {margin!r}: too few respondents even with all categories merged",
                                 where=f"margin {margin!r}", expected=f">= min_cell={min_cell} respondents",
                                 got=f"only {min(n)}", hint="lower min_cell or drop the margin")
    mapping, merged_targets = {}, {}
    for g in groups:
        label = " + ".join(map(str, g)) if len(g) > 1 else g[0]
        merged_targets[label] = float(sum(targets[c] for c in g))
        for c in g:
            mapping[c] = label
    return mapping, merged_targets, records


def _prepare_margins(data: pd.DataFrame, margins: Mapping, min_cell: int | None):
    """Validate margins against the data; collapse sparse cells if asked.

    Returns ``(codes {margin: int array}, targets {margin: array}, labels {margin: list},
    cells DataFrame, collapse records, cell map {margin: {category: cell}})``.
    """
    if not margins:
        raise WeightingError("no margins given", where="rake", expected="{variable: {category: N}}", got="{}")
    codes, targets, labels, cells, records, cell_map = {}, {}, {}, {}, [], {}
    totals = {}
    for var, cats in margins.items():
        if var not in data.columns:
            raise WeightingError(f"margin {var!r} is not a column of the data", where=f"margin {var!r}",
                                 expected=f"a column {var!r}", got=f"columns {list(data.columns)}")
        col = data[var]
        if col.isna().any():
            raise WeightingError(f"margin {var!r}: respondents without a category", where=f"margin {var!r}",
                                 expected="a category for every respondent",
                                 got=f"{int(col.isna().sum())} respondents without one")
        keys = list(cats.keys())
        unknown = sorted(set(col.astype(object).unique()) - set(keys), key=str)
        if unknown:
            raise WeightingError(f"margin {var!r}: respondents in categories {unknown} that the population "
                                 "margin does not have", where=f"margin {var!r}",
                                 expected=f"categories among {keys}", got=f"{unknown}")
        tg = {k: float(v) for k, v in cats.items()}
        bad = [k for k, v in tg.items() if not np.isfinite(v) or v < 0]
        if bad:
            raise WeightingError(f"margin {var!r}: population counts must be finite and >= 0",
                                 where=f"margin {var!r}", expected="counts >= 0", got=f"bad counts for {bad}")
        counts = {k: int((col == k).sum()) for k in keys}
        if min_cell:
            mapping, tg, rec = collapse_sparse(counts, tg, int(min_cell), margin=var)
            records += rec
            col = col.astype(object).map(mapping)
            cell_map[var] = dict(mapping)
        else:
            cell_map[var] = {k: k for k in keys}
            for k in keys:
                if tg[k] == 0 or counts[k] == 0:
                    what = ("has a population count of 0" if tg[k] == 0
                            else f"has population count {tg[k]:g} but no respondents")
                    raise EmptyCategoryError(
                        f"margin {var!r}, category {k!r} {what}; the weight of that cell cannot be computed",
                        where=f"margin {var!r}", expected="respondents and a positive count in every category",
                        got=what, hint="enable collapsing (min_cell=...) or drop/merge the category")
        lab = list(tg.keys())
        lookup = {k: i for i, k in enumerate(lab)}
        codes[var] = col.astype(object).map(lookup).to_numpy(dtype=int)
        targets[var] = np.array([tg[k] for k in lab])
        labels[var] = lab
        cells[var] = col.astype(object).to_numpy()
        totals[var] = targets[var].sum()
    ref_var, ref = next(iter(totals.items()))
    for var, tot in totals.items():
        if abs(tot - ref) > 1e-9 * max(abs(ref), 1.0):
            raise WeightingError("margins disagree on the population size", where=f"margins {ref_var!r}, {var!r}",
                                 expected="the same total in every margin", got=f"{ref:g} and {tot:g}")
    cells = pd.DataFrame(cells, index=data.index)
    return codes, targets, labels, cells, records, cell_map


def _calibration(codes, labels, base) -> Calibration:
    mats, names, margins = [], [], []
    for var, c in codes.items():
        m = np.zeros((len(c), len(labels[var])))
        m[np.arange(len(c)), c] = 1.0
        mats.append(m)
        names += [f"{var}={lab}" for lab in labels[var]]
        margins += [str(var)] * len(labels[var])
    return Calibration(np.column_stack(mats), np.asarray(base, dtype=float), tuple(names), margins=tuple(margins))


def _margin_table(codes, targets, labels, w, base):
    rows = []
    for var, c in codes.items():
        ach = np.bincount(c, weights=w, minlength=len(labels[var]))
        bt = np.bincount(c, weights=base, minlength=len(labels[var]))
        nr = np.bincount(c, minlength=len(labels[var]))
        for k, lab in enumerate(labels[var]):
            rows.append(dict(margin=var, category=lab, target=targets[var][k], achieved=ach[k],
                             base_total=bt[k], n_respondents=int(nr[k]),
                             rel_diff=(ach[k] - targets[var][k]) / targets[var][k]))
    return pd.DataFrame(rows)


def _weights_arg(data, base_weight) -> np.ndarray:
    if isinstance(base_weight, str):
        if base_weight not in data.columns:
            raise WeightingError("base weight column not in the data", where="base weights",
                                 expected=f"a column {base_weight!r}", got=f"columns {list(data.columns)}")
        w = data[base_weight].to_numpy(dtype=float)
    else:
        w = np.asarray(base_weight, dtype=float)
        if w.ndim == 0:
            w = np.full(len(data), float(w))
    if len(w) != len(data):
        raise WeightingError("base weights do not fit the data", where="base weights",
                             expected=f"{len(data)} values", got=f"{len(w)}")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise WeightingError("base weights must be finite and > 0", where="base weights", expected="w > 0",
                             got=f"{int((~np.isfinite(w) | (w <= 0)).sum())} bad values")
    return w


# ---------------------------------------------------------------------------------------
# Raking and post-stratification
# ---------------------------------------------------------------------------------------
def rake_weights(data: pd.DataFrame, base_weight, margins: Mapping[str, Mapping], tol: float = 1e-10,
         max_iter: int = 1000, min_cell: int | None = None, name: str = "w_raked",
         cap: float | None = None) -> WeightingResult:
    """Rake (iterative proportional fitting) base weights to population margins.

    ``base_weight``: column name, array or scalar (population units per respondent).
    ``margins``: ``{variable: {category: population count}}``, swept in this order.
    ``tol``: largest allowed relative margin difference; ``max_iter``: sweep cap.
    ``min_cell``: enable sparse-cell collapsing (see module docstring); None disables it.
    ``cap``: optional upper bound for every weight, enforced after each margin step (capped
    raking; used by :func:`trim_and_rake_weights`).

    R: ``rake(design, list(~a, ~b), list(pop.a, pop.b), control = list(maxit = max_iter,
    epsilon = ...))`` run to convergence (R's default ``epsilon = 1`` stops early; compare
    with ``calibrate(design, ~a + b, pop, calfun = "raking")``).
    """
    base = _weights_arg(data, base_weight)
    codes, targets, labels, cells, records, cell_map = _prepare_margins(data, margins, min_cell)
    w = base.copy()
    converged, it, worst = False, 0, (None, None, np.inf)
    for it in range(1, max_iter + 1):
        for var, c in codes.items():
            sums = np.bincount(c, weights=w, minlength=len(targets[var]))
            w = w * (targets[var] / sums)[c]
            if cap is not None:
                w = np.minimum(w, cap)
        worst = (None, None, 0.0)
        for var, c in codes.items():
            sums = np.bincount(c, weights=w, minlength=len(targets[var]))
            rel = np.abs(sums - targets[var]) / targets[var]
            k = int(np.argmax(rel))
            if rel[k] > worst[2]:
                worst = (var, labels[var][k], float(rel[k]))
        if worst[2] < tol:
            converged = True
            break
    if not converged:
        raise RakingError(f"raking did not converge in {max_iter} sweeps",
                          where=f"margin {worst[0]!r}, category {worst[1]!r}",
                          expected=f"relative difference < tol={tol:g}", got=f"{worst[2]:.3g}",
                          hint="raise max_iter, merge sparse cells (min_cell) or relax a cap")
    return WeightingResult(
        weights=pd.Series(w, index=data.index, name=name),
        margins=_margin_table(codes, targets, labels, w, base),
        collapses=pd.DataFrame(records, columns=["margin", "merged", "into", "n_respondents"]),
        cells=cells, calibration=_calibration(codes, labels, base), iterations=it, converged=True,
        cell_map=cell_map)


def poststratify_weights(data: pd.DataFrame, base_weight, cell: str, totals: Mapping, min_cell: int | None = None,
                 name: str = "w_poststrat") -> WeightingResult:
    """Post-stratify: ``w_i = d_i * N_c / sum_{j in c} d_j`` within each cell ``c`` of ``cell``.

    R: ``postStratify(design, ~cell, data.frame(cell = ..., Freq = N_c))``.
    Same validation and collapsing as :func:`rake_weights`.
    """
    return rake_weights(data, base_weight, {cell: totals}, tol=1e-12, max_iter=2, min_cell=min_cell, name=name)


def trim_and_rake_weights(data: pd.DataFrame, base_weight, margins: Mapping[str, Mapping], cap_ratio: float = 3.5,
                  tol: float = 1e-10, max_iter: int = 1000, min_cell: int | None = None,
                  name: str = "w_trimmed") -> WeightingResult:
    """Rake, then trim large weights and re-calibrate.

    Rule: the cap is ``cap_ratio`` times the median of the untrimmed raked weights. If any
    raked weight exceeds it, raking is repeated from the base weights with every weight
    held at or below the cap after each margin step (capped raking), so the result both
    respects the cap and matches every margin to ``tol``. If the cap makes the margins
    unreachable, :class:`RakingError` names the margin (raise ``cap_ratio``).
    ``trimming`` in the result records ``cap_ratio, cap, n_above_cap_before, n_at_cap``.
    Standard errors treat the result as a raking of the base weights (the usual
    approximation for trimmed weights).
    """
    res = rake_weights(data, base_weight, margins, tol=tol, max_iter=max_iter, min_cell=min_cell, name=name)
    cap = cap_ratio * float(np.median(res.weights))
    above = int((res.weights > cap).sum())
    if above:
        res = rake_weights(data, base_weight, margins, tol=tol, max_iter=max_iter, min_cell=min_cell, name=name,
                           cap=cap)
    res.trimming = dict(cap_ratio=cap_ratio, cap=cap, n_above_cap_before=above,
                        n_at_cap=int((res.weights >= cap * (1 - 1e-12)).sum()))
    return res


# ---------------------------------------------------------------------------------------
# Calibrating a design: a new design with the calibration inside it
# ---------------------------------------------------------------------------------------
def _calibrated(design: SurveyDesign, res: WeightingResult, variance: str, where: str) -> SurveyDesign:
    if variance not in VARIANCES:
        raise DesignError("unknown variance flavour", where=where, expected=" or ".join(map(repr, VARIANCES)),
                          got=repr(variance))
    cal = res.calibration
    cal = Calibration(cal.model_matrix, cal.base_weights, cal.labels, variance, cal.margins, diagnostics=res)
    res.calibration = cal
    return design.with_weights(res.weights.to_numpy(), calibration=cal)


def _check_design(design: SurveyDesign, where: str) -> None:
    if design.domain is not None:
        raise DesignError("cannot calibrate a subset", where=where, expected="the full design",
                          got=f"a subset of {int(design.domain.sum())} of {design.n} rows",
                          hint="calibrate the full design first, then take the subset")
    if design.calibration is not None:
        raise DesignError("the design is already calibrated", where=where, expected="an uncalibrated design",
                          got="a calibrated design", hint="calibrate once, on all margins together")


def rake(design: SurveyDesign, margins: Mapping[str, Mapping], *, variance: str = "calibrate",
         tol: float = 1e-10, max_iter: int = 1000, min_cell: int | None = None) -> SurveyDesign:
    """Rake a design to population margins: a NEW design with raked weights and the calibration.

    ``margins``: ``{variable: {category: population count}}``, swept in this order (validation,
    sparse-cell collapsing with ``min_cell``, convergence: :func:`rake_weights`). The input
    design is unchanged. The result's ``calibration.diagnostics`` is the
    :class:`WeightingResult` (margins achieved, collapsed cells, iterations).

    ``variance``: ``"calibrate"`` (default) projects the influence values on the margins by
    least squares weighted by the base weights, as R's ``calibrate(design, ~a + b, pop,
    calfun = "raking")`` does; ``"rake"`` uses R ``rake()``'s projection (unweighted cell
    means, :mod:`~sosiale_kommuner.survey.calibration`). The two agree when the base weights
    are equal. R: ``rake(design, list(~a, ~b), list(pop.a, pop.b), control = list(maxit =
    max_iter, epsilon = ...))`` run to convergence.
    """
    _check_design(design, "rake")
    res = rake_weights(design.data, design.weights, margins, tol=tol, max_iter=max_iter, min_cell=min_cell,
                       name="weight")
    return _calibrated(design, res, variance, "rake")


def calibrate(design: SurveyDesign, margins: Mapping[str, Mapping], *, calfun: str = "raking",
              tol: float = 1e-10, max_iter: int = 1000, min_cell: int | None = None) -> SurveyDesign:
    """R ``calibrate(design, ~a + b, population, calfun = "raking")``: the raked design with
    ``calibrate()``'s variance (least squares weighted by the base weights). Only the
    raking calibration function is offered; the weights are those of :func:`rake`.
    """
    if calfun != "raking":
        raise DesignError("unsupported calibration function", where="calibrate", expected="'raking'",
                          got=repr(calfun), hint="rake() gives the same weights; other distances are not offered")
    _check_design(design, "calibrate")
    res = rake_weights(design.data, design.weights, margins, tol=tol, max_iter=max_iter, min_cell=min_cell,
                       name="weight")
    return _calibrated(design, res, "calibrate", "calibrate")


def poststratify(design: SurveyDesign, cell: str, totals: Mapping, *, min_cell: int | None = None) -> SurveyDesign:
    """R ``postStratify(design, ~cell, data.frame(cell = ..., Freq = N_c))``: a NEW design whose
    weights are ``w_i N_c / sum_{j in c} w_j``. Its variance removes the base-weighted cell
    means, as R's does for post-stratification."""
    _check_design(design, "poststratify")
    res = poststratify_weights(design.data, design.weights, cell, totals, min_cell=min_cell, name="weight")
    return _calibrated(design, res, "calibrate", "poststratify")


def trim_and_rake(design: SurveyDesign, margins: Mapping[str, Mapping], *, cap_ratio: float = 3.5,
                  variance: str = "calibrate", tol: float = 1e-10, max_iter: int = 1000,
                  min_cell: int | None = None) -> SurveyDesign:
    """:func:`rake`, then trim weights above ``cap_ratio`` x the median and rake again with the
    cap in force (:func:`trim_and_rake_weights`); a NEW design."""
    _check_design(design, "trim_and_rake")
    res = trim_and_rake_weights(design.data, design.weights, margins, cap_ratio=cap_ratio, tol=tol,
                                max_iter=max_iter, min_cell=min_cell, name="weight")
    return _calibrated(design, res, variance, "trim_and_rake")


# ---------------------------------------------------------------------------------------
# Base weights from the two-step selection
# ---------------------------------------------------------------------------------------
def response_base_weights(units: pd.DataFrame, cell: str, mapped: str = "mapped",
                          responded: str = "responded") -> tuple[pd.Series, pd.DataFrame]:
    """Base weights for a two-step selection (contact mapped, then answered) by cells.

    For every unit of the population (``units``: one row each, booleans ``mapped`` and
    ``responded``), estimates in each cell ``c`` of ``cell`` the mapping rate
    ``p_m = mapped_c / N_c`` and the response rate among the mapped ``p_r = responded_c /
    mapped_c``; a respondent's base weight is ``1 / (p_m p_r) = N_c / responded_c``
    (population units per respondent). Nonrespondents get NaN.

    Returns ``(base weights indexed like units, per-cell table N, mapped, responded,
    p_mapped, p_responded, base_weight)``. A cell with no respondents raises
    :class:`EmptyCategoryError` naming it (merge cells first).
    """
    for c in (cell, mapped, responded):
        if c not in units.columns:
            raise WeightingError("column not in the unit table", where="response_base_weights",
                                 expected=f"a column {c!r}", got=f"columns {list(units.columns)}")
    m = units[mapped].astype(bool)
    r = units[responded].astype(bool)
    if (r & ~m).any():
        raise WeightingError("units responded without being mapped", where="response_base_weights",
                             expected="responded only if mapped", got=f"{int((r & ~m).sum())} units")
    if units[cell].isna().any():
        raise WeightingError("the cell column has missing values", where=f"cell column {cell!r}",
                             expected="a cell for every unit", got=f"{int(units[cell].isna().sum())} missing")
    g = pd.DataFrame({"cell": units[cell], "m": m, "r": r}).groupby("cell", observed=True, sort=True)
    tab = pd.DataFrame({"N": g.size(), "mapped": g["m"].sum(), "responded": g["r"].sum()})
    empty = tab.index[tab["responded"] == 0].tolist()
    if empty:
        raise EmptyCategoryError(f"cell column {cell!r}, cells {empty}: no respondents, so no base weight",
                                 where=f"cell column {cell!r}", expected="respondents in every cell",
                                 got=f"none in {empty}", hint="merge them with a neighbouring cell")
    tab["p_mapped"] = tab["mapped"] / tab["N"]
    tab["p_responded"] = tab["responded"] / tab["mapped"]
    tab["base_weight"] = tab["N"] / tab["responded"]
    bw = units[cell].map(tab["base_weight"]).astype(float).where(r)
    tab.index.name = cell
    return bw.rename("w_base"), tab.reset_index()


def population_margins(units: pd.DataFrame, columns) -> dict:
    """Population counts ``{column: {category: N}}`` of ``units`` (one row per unit), in the
    column's categorical order (else sorted); categories with N = 0 are left out."""
    out = {}
    for col in columns:
        s = units[col]
        counts = s.astype(object).value_counts(sort=False)
        order = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else sorted(counts.index, key=str)
        out[col] = {c: float(counts[c]) for c in order if c in counts.index and counts[c] > 0}
    return out
