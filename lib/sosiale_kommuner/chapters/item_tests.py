"""Design-based tests of every analysable item across groups, with effect sizes (docs/contracts.md §6, §7).

One row per analysable column and comparison, in the ``tests`` schema of docs/contracts.md §6:
``item, area, comparison, test, statistic, df1, df2, p_value, p_adjusted, effect_measure,
effect_size, effect_ci_low, effect_ci_high, n``.

Analysable columns (docs/contracts.md §6, :meth:`Codebook.analysable_items`): each option of a
multiple-choice question, and every single-choice, Likert and numeric question of areas 1-9.
"Vet ikke" is excluded from every test and effect (substantive answers only), and so is item
nonresponse; a filtered question is analysed among the units it was shown to (domain
estimation on the full design, as R's ``svyby``/``subset`` do).

Which test fits which column (``kind``):

============  ==========================================  =====================================
kind          test (``test`` column)                       effect (``effect_measure``)
============  ==========================================  =====================================
binary        ``rao_scott_f``: Rao-Scott second-order F    ``diff_prop:<level>`` difference in
              (R ``svychisq(~y + g, design)``)             the proportion of ``<level>`` (0-1)
categorical   ``rao_scott_f`` (k x G table)                ``diff_prop:<level>`` for the key
                                                          level (see :func:`key_level`)
ordinal       ``rank_test``: design-based rank test        ``diff_mean_score`` (1-5 scale)
              (R ``svyranktest(y ~ g, design)``)
numeric       ``wald_f``: Wald F of equal domain means     ``diff_mean`` (units of the item)
              (R ``regTermTest(svyglm(y ~ g), ~g)``)
============  ==========================================  =====================================

Effects are a pre-specified contrast of two groups (:data:`CONTRASTS`): for size classes the
largest class minus the smallest (``≥ 20 000`` minus ``< 5 000``); for unit types county
municipalities minus municipalities. Their standard errors are design-based (as
:func:`sosiale_kommuner.survey.estimation.difference`, R ``svycontrast(svyby(...))``); intervals of
differences of proportions are Newcombe hybrid score intervals from design-effective Wilson
limits, those of means ``estimate ± t se``.

Degrees of freedom (``df_method``): ``"satterthwaite"`` (default) uses Satterthwaite's
effective df of the effect contrast, capped at the smaller contrasted group's respondents
minus 1, as the denominator df of every test and for the t quantile; ``"design"`` uses R's
defaults (``degf(design)`` for Rao-Scott; for the rank and Wald tests ``degf`` of the
complete cases minus ``G - 1``), with which the tests equal R's ``svychisq`` /
``svyranktest`` / ``regTermTest`` exactly (checked against the R oracle). The statistics
themselves are :mod:`sosiale_kommuner.survey.inference`'s (:func:`inference.rao_scott_cells`,
:func:`inference.rank_test_codes`, :func:`inference.group_means_wald`); this module only
chooses their denominator df. Chapter 11 shows why the default is
needed with 11 county municipalities. Items with fewer than ``min_group_n`` answers in a
compared group are not tested.

Tests answer analytic questions, so they use the design without the finite population
correction unless ``fpc_in_tests`` is true (docs/contracts.md §7).

The matching R session for one binary row::

    d <- svydesign(id = ~1, strata = ~stratum, weights = ~w, data = x)   # no fpc
    d <- rake(d, ...)                                                   # calibration
    svychisq(~y + size_class, d)            # statistic = "F"; rows missing y left out, df = degf(d)
    svycontrast(svyby(~I(y == "yes"), ~size_class, d, svymean, na.rm = TRUE, covmat = TRUE),
                c(`≥ 20 000` = 1, `< 5 000` = -1))
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook, Item
from sosiale_kommuner.report.results import TESTS_COLUMNS, check_schema
from sosiale_kommuner.survey import contrasts, inference
from sosiale_kommuner.survey.design import SurveyDesign, fast_design

from .item_test_figures import ALPHA, label_rows, summary_counts

#: Comparisons and their effect contrast ``(a, b)``: effect = estimate(a) - estimate(b).
CONTRASTS: dict[str, tuple[str, str]] = {
    "size_class": ("≥ 20 000", "< 5 000"),
    "unit_type": ("fylkeskommune", "kommune"),
}
#: Test names used in the ``test`` column.
TEST_NAMES = {
    "binary": "rao_scott_f",
    "categorical": "rao_scott_f",
    "ordinal": "rank_test",
    "numeric": "wald_f",
}
PAIRWISE_TEST = "design_t_difference"
#: Fewer answers than this in a compared group: the item is not tested (see :func:`test_column`).
MIN_GROUP_N = 5


class ItemTestError(ValueError):
    """An item could not be tested (names the item, the comparison and why)."""


# ---------------------------------------------------------------------------------------
# Which columns, and how each is analysed
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnSpec:
    """One analysable column: ``column`` is the typed column (``<item>`` or ``<item>__<option>``)."""

    column: str
    item: str
    area: int
    kind: str  # binary | categorical | ordinal | numeric
    levels: tuple[str, ...] = ()  # substantive levels (categorical kinds)
    effect_level: str | None = None  # level whose proportion is the effect (binary/categorical)

    @property
    def test(self) -> str:
        return TEST_NAMES[self.kind]

    @property
    def effect_measure(self) -> str:
        if self.kind in ("binary", "categorical"):
            return f"diff_prop:{self.effect_level}"
        return "diff_mean_score" if self.kind == "ordinal" else "diff_mean"


def key_level(item: Item) -> str:
    """The level whose proportion is a single-choice item's effect (a documented rule).

    ``"yes"`` where the item has it; else the highest substantive level of an ordered item
    (e.g. ``adopted``, ``daily``); else the first listed level of a nominal item.
    """
    keys = item.substantive_keys
    if "yes" in keys:
        return "yes"
    if item.is_ordered:
        return keys[-1]
    return keys[0]


def analysable(codebook: Codebook, columns=None) -> list[ColumnSpec]:
    """The analysable columns of the main survey, in codebook order (docs/contracts.md §6).

    ``columns`` (optional): only those present in this collection (e.g. a data frame's
    columns), so that a subset of items can be tested.
    """
    have = None if columns is None else set(columns)
    out: list[ColumnSpec] = []
    for it in codebook.analysable_items():
        if it.is_multiple:
            for o in it.options:
                out.append(ColumnSpec(o.column, it.id, it.area, "binary", ("True", "False"), "True"))
        elif it.type == "likert5":
            out.append(ColumnSpec(it.id, it.id, it.area, "ordinal", tuple(it.substantive_keys)))
        elif it.is_categorical:
            keys = tuple(it.substantive_keys)
            kind = "binary" if len(keys) == 2 else "categorical"
            out.append(ColumnSpec(it.id, it.id, it.area, kind, keys, key_level(it)))
        elif it.is_numeric:
            out.append(ColumnSpec(it.id, it.id, it.area, "numeric"))
    if have is not None:
        out = [s for s in out if s.column in have]
    return out


def group_codes(series: pd.Series, groups=None) -> tuple[np.ndarray, list]:
    """Integer codes (-1 = missing) of a grouping column and the group labels in order
    (categorical order, else sorted; or ``groups`` as given)."""
    if groups is None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            present = set(series.dropna().unique())
            groups = [c for c in series.cat.categories if c in present]
        else:
            groups = sorted(series.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
    groups = list(groups)
    codes = pd.Categorical(series.astype(object).where(series.notna(), None), categories=groups).codes
    return np.asarray(codes, dtype=np.int64), groups


def analysis_array(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    """The analysis variable of one column as numpy: "Vet ikke" and missing excluded.

    binary/categorical -> int codes into ``spec.levels`` (-1 = excluded; options: ``True`` is
    code 0, ``False`` code 1); ordinal -> float scores 1..5 (NaN excluded); numeric -> float.
    """
    if spec.kind in ("binary", "categorical"):
        if spec.column != spec.item or pd.api.types.is_bool_dtype(series.dtype):
            v = series.to_numpy(dtype=float, na_value=np.nan) if not pd.api.types.is_object_dtype(series.dtype) \
                else pd.to_numeric(series.astype("boolean"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            return np.where(np.isnan(v), -1, np.where(v == 1.0, 0, 1)).astype(np.int64)
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = list(series.cat.categories)
            bad = [c for c in cats if c not in spec.levels and c != DONT_KNOW]
            if bad and series.isin(bad).any():
                raise ItemTestError(f"column {spec.column!r}: levels {bad} not among {list(spec.levels)}")
            lookup = np.array([spec.levels.index(c) if c in spec.levels else -1 for c in cats] + [-1])
            return lookup[series.cat.codes.to_numpy()]  # code -1 (missing) -> last entry, -1
        s = series.astype(object)
        s = s.where(s.notna() & (s != DONT_KNOW), None)
        bad = set(s.dropna().unique()) - set(spec.levels)
        if bad:
            raise ItemTestError(f"column {spec.column!r}: levels {sorted(map(str, bad))} not among {list(spec.levels)}")
        return np.asarray(pd.Categorical(s, categories=list(spec.levels)).codes, dtype=np.int64)
    if spec.kind == "ordinal":
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = [c for c in series.cat.categories if c != DONT_KNOW]
            codes = series.cat.codes.to_numpy()
            return np.where((codes >= 0) & (codes < len(cats)), codes + 1.0, np.nan)
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def analysis_values(series: pd.Series, spec: ColumnSpec) -> pd.Series:
    """:func:`analysis_array` as a Series: level labels (NA excluded) or float values."""
    arr = analysis_array(series, spec)
    if spec.kind in ("binary", "categorical"):
        lv = np.array(spec.levels, dtype=object)
        return pd.Series(np.where(arr >= 0, lv[np.maximum(arr, 0)], None), index=series.index,
                         dtype="string", name=series.name)
    return pd.Series(arr, index=series.index, name=series.name)


# ---------------------------------------------------------------------------------------
# The tests, on numpy arrays: the statistics are :mod:`sosiale_kommuner.survey.inference`'s (checked
# against R there); these wrappers only choose the denominator df and map failures to NaN.
# ---------------------------------------------------------------------------------------
_NAN_TEST = dict(statistic=np.nan, df1=np.nan, df2=np.nan, p_value=np.nan)


def _group_ddf(g: np.ndarray, ok: np.ndarray, nu: float | None) -> float | None:
    """Denominator df of a K-group Wald/rank F given the contrast df ``nu``: ``nu - K + 2``
    (with two groups ``nu`` itself, the df of the t whose square the F is), at least 1;
    ``None`` (R's default, :func:`inference.group_means_wald`) when ``nu`` is None."""
    if nu is None:
        return None
    K = len(np.unique(g[ok]))
    return max(nu - (K - 2), 1.0)


def _wald_means_arr(design: SurveyDesign, y: np.ndarray, g: np.ndarray, G: int, nu: float | None = None) -> dict:
    ok = ~np.isnan(y) & (g >= 0)
    if len(np.unique(g[ok])) < 2:
        return dict(_NAN_TEST, wald=np.nan)
    try:
        r = inference.group_means_wald(design, y, np.where(ok, g, -1), ddf=_group_ddf(g, ok, nu))
    except np.linalg.LinAlgError:
        return dict(_NAN_TEST, wald=np.nan)
    return dict(statistic=r["statistic"], df1=float(r["ndf"]), df2=float(r["ddf"]), p_value=r["p_value"],
                wald=r["chisq"])


def _rao_scott_arr(design: SurveyDesign, y: np.ndarray, g: np.ndarray, nu: float | None = None) -> dict:
    ok = (y >= 0) & (g >= 0)
    rows = np.unique(y[ok])
    cols = np.unique(g[ok])
    nr, nc = len(rows), len(cols)
    if nr < 2 or nc < 2:
        return dict(statistic=0.0 if nc >= 2 else np.nan, df1=np.nan, df2=np.nan,
                    p_value=1.0 if nc >= 2 else np.nan)
    ind = np.column_stack([((y == r) & (g == c)).astype(float) for c in cols for r in rows])
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = inference.rao_scott_cells(design, ind, ok, nr, nc, nu=nu)
    except np.linalg.LinAlgError:
        return dict(_NAN_TEST)
    tr = r["trace_delta"]
    if not (tr > 0 and np.isfinite(r["ndf"]) and r["ndf"] > 0):
        return dict(_NAN_TEST)
    return dict(statistic=r["statistic"], df1=r["ndf"], df2=r["ddf"], p_value=r["p_value"],
                pearson=r["pearson_X2"], trace_delta=tr)


def _rank_test_arr(design: SurveyDesign, y: np.ndarray, g: np.ndarray, G: int, nu: float | None = None) -> dict:
    ok = ~np.isnan(y) & (g >= 0)
    if len(np.unique(g[ok])) < 2:
        return dict(_NAN_TEST, chisq=np.nan)
    try:
        r = inference.rank_test_codes(design, y, np.where(ok, g, -1), ddf=_group_ddf(g, ok, nu))
    except np.linalg.LinAlgError:
        return dict(_NAN_TEST, chisq=np.nan)
    # an F throughout (two groups: the square of R's t, same p)
    return dict(statistic=r["chisq"] / r["ndf"], df1=float(r["ndf"]), df2=float(r["ddf"]), p_value=r["p_value"],
                chisq=r["chisq"])


#: Multiplicity adjustment: :func:`inference.p_adjust` (R ``p.adjust``; ``"BH"`` or ``"holm"``).
p_adjust = inference.p_adjust


# ---------------------------------------------------------------------------------------
# One column, one comparison
# ---------------------------------------------------------------------------------------
def effect_values(arr: np.ndarray, spec: ColumnSpec) -> tuple[np.ndarray, np.ndarray]:
    """(values, ok): the variable whose domain means are the effect; 0/1 of the effect level."""
    if spec.kind in ("binary", "categorical"):
        k = spec.levels.index(spec.effect_level)
        return (arr == k).astype(float), arr >= 0
    return np.where(np.isnan(arr), 0.0, arr), ~np.isnan(arr)


def test_column(design: SurveyDesign, spec: ColumnSpec, comparison: str, group: str | None = None,
                contrast: tuple | None = None, df_method: str = "satterthwaite",
                min_group_n: int = MIN_GROUP_N, _groups: tuple | None = None) -> dict:
    """Test one analysable column across the groups of ``comparison`` (one ``tests`` row).

    ``design`` is used as given (pass it without fpc for analytic tests, docs/contracts.md §7);
    ``design.data`` holds the typed column and the grouping column (``group``, default the
    comparison's name).

    ``df_method``: the denominator degrees of freedom ``nu`` of the test and the t quantile
    of the effect's interval. ``"design"`` is R's default, ``degf(design)`` (#PSUs -
    #strata), which treats every group as if it had as many respondents as the whole
    design; ``"satterthwaite"`` (default) uses :func:`~sosiale_kommuner.survey.contrasts.satterthwaite_df` of the effect
    contrast, capped at the smaller contrasted group's respondents minus 1 (Welch-Hsu), which
    is what keeps comparisons with the 11 county municipalities honest (chapter 11). The Rao-Scott F then has ``(d0, d0 * nu)`` df, the rank and Wald tests
    ``(G - 1, nu - G + 2)`` (for two groups the square of Welch's t).

    ``min_group_n``: a group with fewer respondents answering the item than this makes the
    item "not testable" (NaN statistics, ``note`` says why): linearised variances from a
    handful of units, often all giving the same answer, are not a basis for a test.

    Returns a dict with the schema's columns (``p_adjusted`` NaN) plus ``effect_se``,
    ``effect_df``, ``n_a``/``n_b`` (respondents in the two contrasted groups) and ``note``.
    """
    group = group or comparison
    a, b = contrast or CONTRASTS[comparison]
    g, labels = _groups if _groups is not None else group_codes(design.column(group))
    arr = analysis_array(design.column(spec.column), spec)
    ok = (arr >= 0) if spec.kind in ("binary", "categorical") else ~np.isnan(arr)
    ok = ok & (g >= 0)
    row = dict(item=spec.column, area=spec.area, comparison=comparison, test=spec.test,
               statistic=np.nan, df1=np.nan, df2=np.nan, p_value=np.nan, p_adjusted=np.nan,
               effect_measure=spec.effect_measure, effect_size=np.nan, effect_ci_low=np.nan,
               effect_ci_high=np.nan, n=int(ok.sum()), effect_se=np.nan, effect_df=np.nan,
               n_a=int((ok & (g == labels.index(a))).sum()) if a in labels else 0,
               n_b=int((ok & (g == labels.index(b))).sum()) if b in labels else 0, note="")
    counts = np.bincount(g[ok], minlength=len(labels))
    if (counts > 0).sum() < 2:
        row["note"] = "answers in fewer than two groups"
        return row
    if counts.min() < min_group_n:
        small = [str(labels[k]) for k in np.flatnonzero(counts < min_group_n)]
        row["note"] = f"not tested: fewer than {min_group_n} answers in {', '.join(small)}"
        return row
    nu = None
    if a in labels and b in labels:
        vals, vok = effect_values(arr, spec)
        d = contrasts.domain_difference(design, vals, vok & ok, g, labels.index(a), labels.index(b), df_method=df_method,
                            proportion=spec.kind in ("binary", "categorical"))
        row.update(effect_size=d["estimate"], effect_ci_low=d["ci_low"], effect_ci_high=d["ci_high"],
                   effect_se=d["se"], effect_df=d["df"])
        if df_method == "satterthwaite":
            nu = d["df"]
    if spec.kind in ("binary", "categorical"):
        r = _rao_scott_arr(design, np.where(ok, arr, -1), g, nu)
    elif spec.kind == "ordinal":
        r = _rank_test_arr(design, np.where(ok, arr, np.nan), g, len(labels), nu)
    else:
        r = _wald_means_arr(design, np.where(ok, arr, np.nan), g, len(labels), nu)
    row.update({k: r[k] for k in ("statistic", "df1", "df2", "p_value")})
    return row


# ---------------------------------------------------------------------------------------
# Whole tables
# ---------------------------------------------------------------------------------------
def run_tests(design: SurveyDesign, specs: list[ColumnSpec], comparison: str, group: str | None = None,
              contrast: tuple | None = None, fpc_in_tests: bool = False, extra: bool = False,
              df_method: str = "satterthwaite", min_group_n: int = MIN_GROUP_N) -> pd.DataFrame:
    """The ``tests`` table of one comparison: every column in ``specs``, BH across its rows.

    ``fpc_in_tests=False`` (default) drops the design's fpc first (docs/contracts.md §7).
    ``df_method`` and ``min_group_n``: see :func:`test_column`; untestable rows keep NaN
    p-values and do not count in Benjamini-Hochberg's number of tests.
    ``extra=True`` keeps ``effect_se, effect_df, n_a, n_b, note``; the published table has
    only the schema's columns (:func:`to_schema`).
    """
    d = design if fpc_in_tests else design.without_fpc()
    d = fast_design(d)
    gg = group_codes(d.column(group or comparison))
    rows = [test_column(d, s, comparison, group, contrast, df_method, min_group_n, _groups=gg) for s in specs]
    out = pd.DataFrame(rows)
    out["p_adjusted"] = p_adjust(out["p_value"].to_numpy(), "BH")
    return out if extra else to_schema(out)


def to_schema(df: pd.DataFrame) -> pd.DataFrame:
    """Only the ``tests`` columns, in order, validated (:func:`tables.check_schema`)."""
    return check_schema(df[TESTS_COLUMNS].reset_index(drop=True), "tests", where="item_tests")


def pairwise(design: SurveyDesign, specs: list[ColumnSpec], items, group: str = "size_class",
             groups=None, fpc_in_tests: bool = False, df_method: str = "satterthwaite") -> pd.DataFrame:
    """Exploratory pairwise follow-ups (``comparison = <group>_pairwise``).

    For each column in ``items`` (those whose global test was significant after BH) and each
    pair of groups ``(a, b)``, ``a`` the later (larger) class: the design-based t test of the
    effect difference ``a - b`` (as :func:`estimation.difference`; ``test =
    design_t_difference``, ``statistic`` = t, ``df1`` = 1, ``df2`` = its df, ``df_method`` as
    in :func:`test_column`), with
    ``p_adjusted`` Holm within the item (R ``p.adjust(p, "holm")``).
    """
    d = fast_design(design if fpc_in_tests else design.without_fpc())
    by_col = {s.column: s for s in specs}
    g, labels = group_codes(d.column(group), groups)
    rows = []
    for col in items:
        spec = by_col[col]
        arr = analysis_array(d.column(spec.column), spec)
        vals, ok = effect_values(arr, spec)
        item_rows = []
        for i in range(len(labels)):
            for j in range(i):
                r = contrasts.domain_difference(d, vals, ok & (g >= 0), g, i, j, df_method=df_method,
                                    proportion=spec.kind in ("binary", "categorical"))
                item_rows.append(dict(
                    item=spec.column, area=spec.area, comparison=f"{group}_pairwise", test=PAIRWISE_TEST,
                    statistic=r["t"], df1=1.0, df2=float(r["df"]), p_value=r["p_value"], p_adjusted=np.nan,
                    effect_measure=f"{spec.effect_measure} [{labels[i]} - {labels[j]}]",
                    effect_size=r["estimate"], effect_ci_low=r["ci_low"], effect_ci_high=r["ci_high"],
                    n=int(r["n_a"] + r["n_b"])))
        for r, q in zip(item_rows, p_adjust([r["p_value"] for r in item_rows], "holm")):
            r["p_adjusted"] = q
        rows += item_rows
    if not rows:
        return pd.DataFrame(columns=TESTS_COLUMNS)
    return to_schema(pd.DataFrame(rows))


def cramers_v(design: SurveyDesign, spec: ColumnSpec, group: str) -> float:
    """Cramér's V of the weighted ``y x group`` table rescaled to the respondents: descriptive only.

    ``V = sqrt(X^2 / (n (min(r, c) - 1)))``, ``X^2`` Pearson's statistic on the weighted table
    scaled to the ``n`` respondents answering (R: the unadjusted statistic of
    ``svychisq(..., statistic = "Chisq")``). No CI. NaN for ordinal and numeric columns.
    """
    if spec.kind not in ("binary", "categorical"):
        return float("nan")
    arr = analysis_array(design.column(spec.column), spec)
    g, _ = group_codes(design.column(group))
    ok = (arr >= 0) & (g >= 0)
    if not ok.any():
        return float("nan")
    rows, cols = np.unique(arr[ok]), np.unique(g[ok])
    if min(len(rows), len(cols)) < 2:
        return float("nan")
    tab = np.array([[design.weights[ok & (arr == r) & (g == c)].sum() for c in cols] for r in rows])
    n = float(ok.sum())
    t = tab / tab.sum() * n
    e = t.sum(axis=1, keepdims=True) * t.sum(axis=0, keepdims=True) / n
    x2 = float(((t - e) ** 2 / e).sum())
    return float(np.sqrt(x2 / (n * (min(len(rows), len(cols)) - 1))))


def exact_unweighted(design: SurveyDesign, spec: ColumnSpec, group: str, a, b) -> float:
    """Sensitivity check only: Fisher's exact p on UNWEIGHTED counts of groups ``a`` vs ``b``
    for the effect level of a binary/categorical column (NaN otherwise). Never a row of the
    ``tests`` table (docs/contracts.md §6).
    """
    if spec.kind not in ("binary", "categorical"):
        return float("nan")
    arr = analysis_array(design.column(spec.column), spec)
    g, labels = group_codes(design.column(group))
    if a not in labels or b not in labels:
        return float("nan")
    k = spec.levels.index(spec.effect_level)
    tab = np.array([[int(((g == labels.index(x)) & (arr == k)).sum()),
                     int(((g == labels.index(x)) & (arr >= 0) & (arr != k)).sum())] for x in (a, b)])
    if tab.sum(axis=1).min() == 0:
        return float("nan")
    return float(stats.fisher_exact(tab).pvalue)


def contrast_proportions(design: SurveyDesign, specs: list[ColumnSpec], group: str, a, b) -> pd.DataFrame:
    """Weighted proportion of each binary/categorical column's effect level in groups ``a``
    and ``b`` of ``group`` (substantive answers; 0-1): columns ``item, p_a, p_b``. Used for
    the design effects of the differences (:func:`power.difference_deffs`)."""
    g, labels = group_codes(design.column(group))
    rows = []
    for s in specs:
        if s.kind not in ("binary", "categorical"):
            continue
        v, ok = effect_values(analysis_array(design.column(s.column), s), s)
        out = {"item": s.column}
        for key, lab in (("p_a", a), ("p_b", b)):
            m = ok & (g == labels.index(lab)) if lab in labels else np.zeros(design.n, bool)
            w = design.weights[m]
            out[key] = float(np.sum(w * v[m]) / np.sum(w)) if m.any() else np.nan
        rows.append(out)
    return pd.DataFrame(rows, columns=["item", "p_a", "p_b"])


__all__ = ["CONTRASTS", "TEST_NAMES", "PAIRWISE_TEST", "MIN_GROUP_N", "ALPHA", "ItemTestError", "ColumnSpec",
           "key_level", "analysable", "group_codes", "analysis_array", "analysis_values", "p_adjust",
           "test_column", "run_tests", "to_schema", "pairwise", "cramers_v", "exact_unweighted",
           "contrast_proportions", "label_rows", "summary_counts"]
