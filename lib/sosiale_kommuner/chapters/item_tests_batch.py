"""Chapter 09's item tests for every column of one design at once (batched arrays).

:func:`sosiale_kommuner.chapters.item_tests.run_tests` tests one column at a time. This
module computes the same table — every statistic, df, p-value, effect and interval, the
same "not testable" rules and Benjamini–Hochberg across the tested rows — with all
columns of a comparison in a few array operations
(:mod:`sosiale_kommuner.survey.batch`), which is what makes chapter 11's thousands of
replicates affordable. The numbers agree with :func:`item_tests.run_tests` to rounding
(tests/chapters/test_item_tests_batch.py checks ~1e-10 on simulated replicates).

Inputs are arrays, not data frames:

* ``values`` (n, m): the analysis variable of each column as
  :func:`item_tests.analysis_array` gives it, as floats — level codes of binary and
  categorical columns (NaN instead of -1 for excluded answers), scores of ordinal columns,
  values of numeric ones (:func:`analysis_matrix` builds it from a typed table);
* ``g`` (n,): group codes (-1 missing) and ``labels`` (:func:`item_tests.group_codes`);
* ``design``: a :class:`~sosiale_kommuner.survey.batch.ArrayDesign` (rows are PSUs), used
  as given — pass it without fpc for analytic tests (docs/contracts.md §7).

Restriction: ``min_group_n`` must be at least 1 (then every tested column has all groups).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from sosiale_kommuner.survey import batch
from sosiale_kommuner.survey.design import SurveyDesign

from . import item_tests
from .item_tests import CONTRASTS, MIN_GROUP_N, ColumnSpec

#: Columns of :func:`run_tests`'s result (``item_tests.run_tests(..., extra=True)``).
RESULT_COLUMNS = ("item", "area", "comparison", "test", "statistic", "df1", "df2", "p_value", "p_adjusted",
                  "effect_measure", "effect_size", "effect_ci_low", "effect_ci_high", "n", "effect_se",
                  "effect_df", "n_a", "n_b", "note")
NUMBERS = ("statistic", "df1", "df2", "p_value", "p_adjusted", "effect_size", "effect_ci_low", "effect_ci_high",
           "effect_se", "effect_df")


def analysis_matrix(frame: pd.DataFrame, specs: list[ColumnSpec]) -> np.ndarray:
    """``values`` (n, m) of a typed table: :func:`item_tests.analysis_array` per column, as floats."""
    out = np.empty((len(frame), len(specs)))
    for j, s in enumerate(specs):
        a = item_tests.analysis_array(frame[s.column], s)
        out[:, j] = np.where(a >= 0, a, np.nan) if s.kind in ("binary", "categorical") else a
    return out


class Plan:
    """What does not change between replicates: the columns' kinds and effect levels."""

    def __init__(self, specs: list[ColumnSpec]):
        self.specs = list(specs)
        kinds = np.array([s.kind for s in self.specs])
        self.categorical = np.flatnonzero((kinds == "binary") | (kinds == "categorical"))
        self.ordinal = np.flatnonzero(kinds == "ordinal")
        self.numeric = np.flatnonzero(kinds == "numeric")
        self.is_prop = np.isin(kinds, ("binary", "categorical"))
        self.effect_code = np.array([s.levels.index(s.effect_level) if s.kind in ("binary", "categorical") else -1
                                     for s in self.specs], dtype=float)
        self.n_levels = np.array([len(s.levels) for s in self.specs])


def _ddf_groups(nu: np.ndarray, K: int) -> np.ndarray:
    """:func:`item_tests._group_ddf` with every group present: ``max(nu - (K - 2), 1)``."""
    return np.maximum(nu - (K - 2), 1.0)


def _each(fn, idx: np.ndarray, *args):
    """``fn(idx, *args)`` for a batch; on a singular matrix, column by column (NaN rows)."""
    try:
        return fn(idx, *args)
    except np.linalg.LinAlgError:
        parts = []
        for j in idx:
            try:
                parts.append(fn(np.array([j]), *args))
            except np.linalg.LinAlgError:
                parts.append(None)
        keys = next((p.keys() for p in parts if p is not None), ())
        return {k: np.array([np.nan if p is None else p[k][0] for p in parts]) for k in keys}


def test_columns(design: batch.ArrayDesign, plan: Plan, values: np.ndarray, g: np.ndarray, labels: list,
                 comparison: str, contrast: tuple | None = None, df_method: str = "satterthwaite",
                 min_group_n: int = MIN_GROUP_N) -> dict[str, np.ndarray]:
    """One comparison's tests of every column: arrays of the :data:`RESULT_COLUMNS` numbers
    plus ``n``, ``n_a``, ``n_b``, ``tested`` and ``note`` (a list); see the module docstring.
    The same rules as :func:`item_tests.test_column`."""
    if min_group_n < 1:
        raise ValueError("the batched tests need min_group_n >= 1")
    n, m = values.shape
    G = len(labels)
    a, b = contrast or CONTRASTS[comparison]
    ia = labels.index(a) if a in labels else -1
    ib = labels.index(b) if b in labels else -1
    ok = ~np.isnan(values) & (g >= 0)[:, None]
    onehot = (g[:, None] == np.arange(G)[None, :]).astype(float)
    counts = (ok.T.astype(float) @ onehot).astype(int)            # (m, G)
    out = {k: np.full(m, np.nan) for k in NUMBERS}
    out["n"] = ok.sum(axis=0)
    out["n_a"] = counts[:, ia] if ia >= 0 else np.zeros(m, dtype=int)
    out["n_b"] = counts[:, ib] if ib >= 0 else np.zeros(m, dtype=int)
    few_groups = (counts > 0).sum(axis=1) < 2
    small = ~few_groups & (counts.min(axis=1) < min_group_n)
    notes = [""] * m
    for j in np.flatnonzero(few_groups):
        notes[j] = "answers in fewer than two groups"
    for j in np.flatnonzero(small):
        notes[j] = (f"not tested: fewer than {min_group_n} answers in "
                    + ", ".join(str(labels[k]) for k in np.flatnonzero(counts[j] < min_group_n)))
    tested = ~few_groups & ~small
    out["note"], out["tested"] = notes, tested
    idx = np.flatnonzero(tested)
    if not len(idx):
        return out
    nu = np.full(m, np.nan)
    if ia >= 0 and ib >= 0:
        v = values[:, idx]
        code = plan.effect_code[idx]
        prop = plan.is_prop[idx]
        vals = np.where(prop[None, :], (v == code[None, :]).astype(float), np.where(np.isnan(v), 0.0, v))
        d = batch.domain_difference(design, vals, ok[:, idx], g, ia, ib, df_method=df_method, proportion=prop)
        for key, src in (("effect_size", "estimate"), ("effect_ci_low", "ci_low"), ("effect_ci_high", "ci_high"),
                         ("effect_se", "se"), ("effect_df", "df")):
            out[key][idx] = d[src]
        if df_method == "satterthwaite":
            nu[idx] = d["df"]
    design_nu = np.isnan(nu)                                        # R's defaults for these columns
    _rao_scott(design, plan, values, g, ok, np.intersect1d(idx, plan.categorical), nu, G, out)
    _group_tests(design, values, g, ok, np.intersect1d(idx, plan.ordinal), nu, design_nu, G, out, rank=True)
    _group_tests(design, values, g, ok, np.intersect1d(idx, plan.numeric), nu, design_nu, G, out, rank=False)
    out["p_adjusted"] = item_tests.p_adjust(out["p_value"], "BH")
    return out


def _rao_scott(design, plan, values, g, ok, idx, nu, G, out) -> None:
    """Rao–Scott F of the categorical columns ``idx``, grouped by their number of levels
    answered (tables of one shape go through :func:`batch.rao_scott_f` together)."""
    if not len(idx):
        return
    present = np.zeros((len(idx), plan.n_levels[idx].max()), dtype=bool)
    for k in range(present.shape[1]):
        present[:, k] = ((values[:, idx] == k) & ok[:, idx]).any(axis=0)
    nr_all = present.sum(axis=1)
    one = nr_all < 2                                                # one level answered: X2 = 0, p = 1
    out["statistic"][idx[one]] = 0.0
    out["p_value"][idx[one]] = 1.0
    gcode = np.where(g >= 0, g, 0)
    for nr in np.unique(nr_all[~one]):
        sel = np.flatnonzero(nr_all == nr)
        cols = idx[sel]
        # level code -> position among the answered levels of that column
        rank = np.cumsum(present[sel], axis=1) - 1
        vi = np.where(ok[:, cols], values[:, cols], 0).astype(int)
        row = rank[np.arange(len(cols))[None, :], vi]
        cell = np.where(ok[:, cols], gcode[:, None] * nr + row, -1)

        def run(sub, cell=cell, cols=cols, nr=nr):
            nus = nu[cols[sub]]
            return batch.rao_scott_f(design, cell[:, sub], int(nr), G, nu=np.where(np.isnan(nus), float(design.df), nus))

        r = _each(run, np.arange(len(cols)))
        good = (r["trace_delta"] > 0) & np.isfinite(r["ndf"]) & (r["ndf"] > 0)
        for key in ("statistic", "p_value"):
            out[key][cols] = np.where(good, r[key], np.nan)
        out["df1"][cols] = np.where(good, r["ndf"], np.nan)
        out["df2"][cols] = np.where(good, r["ddf"], np.nan)


def _group_tests(design, values, g, ok, idx, nu, design_nu, G, out, rank: bool) -> None:
    """Rank tests (``rank=True``, ordinal columns) or Wald tests of means (numeric columns)."""
    if not len(idx):
        return
    y = np.where(ok[:, idx], values[:, idx], np.nan)
    if rank:
        y = batch.rank_scores(y, design.weights, ok[:, idx])
    # R's default (degf of the complete rows minus G - 1) where there is no contrast df
    ddf = np.where(design_nu[idx], design.subset_df(ok[:, idx]) - (G - 1.0), _ddf_groups(nu[idx], G))
    codes = np.where(g >= 0, g, -1)

    def run(sub):
        return batch.group_means_wald(design, y[:, sub], codes, G, ddf=ddf[sub])

    r = _each(run, np.arange(len(idx)))
    if rank and G == 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = r["estimate"] / r["se"]
        p = 2 * special.stdtr(r["ddf"], -np.abs(t))
    else:
        p = r["p_value"]
    out["statistic"][idx] = r["chisq"] / r["ndf"]
    out["df1"][idx] = r["ndf"]
    out["df2"][idx] = r["ddf"]
    out["p_value"][idx] = p


def run_tests(design: SurveyDesign, specs: list[ColumnSpec], comparison: str, group: str | None = None,
              contrast: tuple | None = None, fpc_in_tests: bool = False, df_method: str = "satterthwaite",
              min_group_n: int = MIN_GROUP_N) -> pd.DataFrame:
    """:func:`item_tests.run_tests` (``extra=True``) computed in batch: same arguments, same
    table (``design`` must have one PSU per row)."""
    d = design if fpc_in_tests else design.without_fpc()
    g, labels = item_tests.group_codes(d.column(group or comparison))
    res = test_columns(batch.ArrayDesign.from_design(d), Plan(specs), analysis_matrix(d.data, specs), g, labels,
                       comparison, contrast, df_method, min_group_n)
    return to_frame(res, specs, comparison)


def to_frame(res: dict, specs: list[ColumnSpec], comparison: str) -> pd.DataFrame:
    """The arrays of :func:`test_columns` as the table :func:`item_tests.run_tests` returns."""
    df = pd.DataFrame({
        "item": [s.column for s in specs], "area": [s.area for s in specs], "comparison": comparison,
        "test": [s.test for s in specs], "effect_measure": [s.effect_measure for s in specs],
        **{k: res[k] for k in NUMBERS}, "n": res["n"].astype(int), "n_a": np.asarray(res["n_a"]).astype(int),
        "n_b": np.asarray(res["n_b"]).astype(int), "note": res["note"]})
    return df[list(RESULT_COLUMNS)]
