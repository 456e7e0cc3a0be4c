"""What chapter 09 (``09_size_differences``) computes beside the tests, and the numbers of its texts.

The tests are :func:`sosiale_kommuner.chapters.item_tests.run_tests` (one ``tests`` row per
analysable column and comparison, docs/contracts.md §6); this module adds what the chapter
reads them with, in language-neutral tables:

* :func:`decorate`: Cramér's V (descriptive), each row's minimum detectable difference from its
  own standard error and degrees of freedom (docs/methods.md §8), the smaller compared group's
  answers, and how the row reads (:data:`READINGS`: significant after Benjamini–Hochberg; a
  non-significant row that rules out a difference as large as its MDD; one that is
  inconclusive; not tested);
* :func:`mdd_result`: ``09_size_differences__mdd.csv`` (``comparison, item, effect_se,
  effect_df, mdd``), which the contents page's key findings read
  (:mod:`sosiale_kommuner.report.key_findings`);
* :func:`mdd_overview`: the MDD of a difference near 50 % at the measured design effects;
* :func:`exact_check`: the sensitivity check with Fisher's exact test on unweighted counts;
* the values of the chapter's texts (``report/text/<lang>/09_size_differences.yaml``), every
  one computed here from the data at hand.

What a reader sees of these tables (words for codes, numbers in the locale) is
:mod:`.size_difference_tables`; the forest plots are :mod:`.item_test_figures`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data.codebook import Codebook
from sosiale_kommuner.report import labels, text
from sosiale_kommuner.survey import power
from sosiale_kommuner.survey.design import SurveyDesign

from . import item_test_figures as fig
from . import item_tests
from .item_tests import ColumnSpec

STEM = fig.STEM
#: The kinds of analysable column, in the order the method table lists them.
KINDS = ("binary", "categorical", "ordinal", "numeric")
#: How a row of a tests table reads (``reading`` column of :func:`decorate`).
SIGNIFICANT, NOT_TESTED = "significant", "not_tested"
READINGS = (SIGNIFICANT, power.RULES_OUT, power.INCONCLUSIVE, NOT_TESTED)
#: The comparisons of the chapter, in the order the page shows them.
COMPARISONS = ("size_class", "unit_type")


def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def _words(key: str, **values: Any) -> text.Localized:
    """A text of the chapter as a value of another text (filled in for each language)."""
    return text.Localized(lambda lang: _t(key, lang, **values))


# -- what is tested ------------------------------------------------------------------------------
def method_rows(specs: list[ColumnSpec]) -> pd.DataFrame:
    """The analysable columns by kind: ``kind, test, columns, questions`` (counts of this codebook)."""
    rows = []
    for kind in KINDS:
        part = [s for s in specs if s.kind == kind]
        rows.append(dict(kind=kind, test=item_tests.TEST_NAMES[kind], columns=len(part),
                         questions=len({s.item for s in part})))
    return pd.DataFrame(rows)


def setup_values(specs: list[ColumnSpec], data: pd.DataFrame, design: SurveyDesign, *, alpha: float,
                 min_group_n: int, power_target: float) -> dict[str, Any]:
    """The numbers of the introduction and the method: respondents, columns, questions, df."""
    n_k = int((data["unit_type"] == config.KOMMUNE).sum())
    n_f = int((data["unit_type"] == config.FYLKESKOMMUNE).sum())
    a, b = item_tests.CONTRASTS["size_class"]
    return dict(n_k=n_k, n_f=n_f, n_f_df=max(n_f - 1, 0), n_columns=len(specs),
                n_questions=len({s.item for s in specs}), design_df=int(design.df),
                min_group_n=int(min_group_n), alpha=float(alpha), power=float(power_target),
                largest=labels.Label("size_class", a), smallest=labels.Label("size_class", b))


def method_values(setup: dict[str, Any], df_method: str, fpc_in_tests: bool) -> dict[str, Any]:
    """The method's text with the rules this run used (the chapter's parameters)."""
    if df_method not in ("satterthwaite", "design"):
        raise ValueError(f"df_method must be 'satterthwaite' or 'design', not {df_method!r}")
    return dict(setup, df_rule=_words(f"method_df.{df_method}", **setup),
                fpc_rule=_words("method_fpc.with" if fpc_in_tests else "method_fpc.without"))


# -- the tests, read --------------------------------------------------------------------------------
def tests_table(*tests: pd.DataFrame) -> pd.DataFrame:
    """The chapter's ``tests`` table: the comparisons' rows one after the other, schema columns."""
    return item_tests.to_schema(pd.concat(tests, ignore_index=True))


def reading(tests: pd.DataFrame, alpha: float) -> np.ndarray:
    """Each row's reading (:data:`READINGS`): significant after Benjamini–Hochberg, else read
    against its MDD (:func:`power.read_against_mdd`), or not tested."""
    against = power.read_against_mdd(tests["effect_ci_low"], tests["effect_ci_high"], tests["mdd"])
    tested = tests["p_value"].notna().to_numpy()
    sig = (tests["p_adjusted"] < alpha).to_numpy()
    return np.where(~tested, NOT_TESTED, np.where(sig, SIGNIFICANT, against)).astype(object)


def decorate(tests: pd.DataFrame, design: SurveyDesign, specs: list[ColumnSpec], comparison: str,
             alpha: float, power_target: float) -> pd.DataFrame:
    """``run_tests(..., extra=True)`` with ``cramers_v``, ``mdd`` (on the effect's scale), ``n_small``
    (answers in the smaller contrasted group) and ``reading``."""
    by = {s.column: s for s in specs}
    out = tests.reset_index(drop=True).copy()
    out["cramers_v"] = [item_tests.cramers_v(design, by[c], comparison) for c in out["item"]]
    se, df = out["effect_se"].to_numpy(float), out["effect_df"].to_numpy(float)
    ok = np.isfinite(se) & np.isfinite(df) & (df > 0)
    out["mdd"] = np.nan
    out.loc[ok, "mdd"] = power.mdd(se[ok], df[ok], alpha=alpha, power=power_target)
    out["n_small"] = out[["n_a", "n_b"]].min(axis=1).astype(int)
    out["reading"] = reading(out, alpha)
    return out


def mdd_result(*decorated: pd.DataFrame) -> pd.DataFrame:
    """``comparison, item, effect_se, effect_df, mdd`` of every tested row (docs/methods.md §8);
    proportions on 0–1, mean scores on the 1–5 scale, means in the item's units."""
    d = pd.concat(decorated, ignore_index=True)
    d = d[d["p_value"].notna() & d["mdd"].notna()]
    return d[["comparison", "item", "effect_se", "effect_df", "mdd"]].reset_index(drop=True)


def significant(tests: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Rows significant after Benjamini–Hochberg, smallest p-value first."""
    return tests[tests["p_adjusted"] < alpha].sort_values("p_value", kind="stable")


def of_kind(tests: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Rows whose effect is of one kind (``diff_prop``, ``diff_mean_score``, ``diff_mean``)."""
    return tests[[fig.measure_kind(m) == kind for m in tests["effect_measure"]]]


def counts(*decorated: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Tests per comparison (:func:`item_test_figures.summary_counts`)."""
    return fig.summary_counts(pd.concat(decorated, ignore_index=True), alpha)


def counts_values(counts_table: pd.DataFrame, min_group_n: int) -> dict[str, Any]:
    """The numbers of the text over the table of tests per comparison."""
    c = counts_table.set_index("comparison")
    untested = {cmp: int(c.loc[cmp, "not_testable"]) for cmp in COMPARISONS}
    values = dict(tested_size=int(c.loc["size_class", "tested"]), tested_unit=int(c.loc["unit_type", "tested"]),
                  columns=int(c.loc["size_class", "columns"]), untested_size=untested["size_class"],
                  untested_unit=untested["unit_type"], min_group_n=int(min_group_n))
    which = [cmp for cmp in COMPARISONS if untested[cmp]]
    key = ("counts_all_tested" if not which else f"counts_untested.{which[0]}" if len(which) == 1
           else "counts_untested.both")
    values["untested"] = _words(key, **values)
    return values


@dataclass(frozen=True)
class Forest:
    """One forest figure of the page: its label, caption key, rows and caption values."""

    label: str
    caption: str
    kind: str
    part: pd.DataFrame
    values: dict


def forests(tests: pd.DataFrame, codebook: Codebook, name: str, **values: Any) -> list[Forest]:
    """The forest figures of one comparison (``name``: ``size`` or ``unit``): differences of
    proportions by area, at most 25 rows each, then the mean scores of the Likert questions;
    ``values`` are added to each caption's values."""
    out = []
    for kind in (fig.PROPORTION, fig.SCORE):
        rows = fig.forest_rows(tests, kind)
        for i, (areas, part) in enumerate(fig.area_parts(rows), start=1):
            part = fig.headers_last(part)
            out.append(Forest(f"forest_{name}_{kind}_{i}", f"forest_{name}_{kind}", kind, part,
                              {**values, **fig.forest_values(part, codebook, areas)}))
    return out


def size_values(size: pd.DataFrame, setup: dict[str, Any], alpha: float) -> dict[str, Any]:
    """The counts of the size-class results: tested, significant before and after adjustment."""
    sig = int((size["reading"] == SIGNIFICANT).sum())
    values = dict(tested=int(size["p_value"].notna().sum()), sig=sig, raw=int((size["p_value"] < alpha).sum()),
                  alpha=float(alpha), largest=setup["largest"], smallest=setup["smallest"])
    values["found"] = _words("size_found" if sig else "size_none", **values)
    return values


def pairwise_values(pair: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """How many pairs of size classes differ (Holm within each question)."""
    return dict(items=int(pair["item"].nunique()) if len(pair) else 0, pairs=len(pair),
                sig=int((pair["p_adjusted"] < alpha).sum()) if len(pair) else 0, alpha=alpha)


# -- what the county municipalities can show ---------------------------------------------------------
@dataclass(frozen=True)
class Detectable:
    """The MDD of a difference near 50 % (``table``: ``deff_basis, deff, mdd``) and its text values."""

    table: pd.DataFrame
    values: dict


def mdd_overview(unit: pd.DataFrame, design: SurveyDesign, specs: list[ColumnSpec], setup: dict[str, Any],
                 alpha: float, power_target: float) -> Detectable:
    """The MDD near 50 % between the county municipalities and the municipalities at the design
    effects measured on the tested differences of proportions (docs/methods.md §8), on the
    median Satterthwaite df of the tested rows."""
    tested = unit[unit["p_value"].notna()]
    binary = of_kind(tested, fig.PROPORTION)
    props = item_tests.contrast_proportions(design, specs, "unit_type", config.FYLKESKOMMUNE, config.KOMMUNE)
    tb = binary.merge(props, on="item", how="left")
    deffs = power.difference_deffs(tb["p_a"], tb["p_b"], tb["n_a"], tb["n_b"], tb["effect_se"])
    df_typical = float(np.median(tested["effect_df"])) if len(tested) else float(max(setup["n_f"] - 1, 1))
    table = power.mdd_summary(setup["n_f"], setup["n_k"], df_typical, deffs, alpha=alpha, power=power_target)
    at = table.set_index("deff_basis")
    basis = "median" if "median" in at.index else "srs"
    values = dict(n_f=setup["n_f"], n_k=setup["n_k"], power=float(power_target), alpha=float(alpha),
                  df=df_typical, deff=float(at.loc[basis, "deff"]), mdd=float(at.loc[basis, "mdd"]),
                  n_deffs=int(np.isfinite(deffs).sum()))
    values["mdd_basis"] = _words(f"detectable_basis.{basis}", **values)
    return Detectable(table, values)


def unit_values(unit: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """The counts of the unit-type results: tested, significant, and how the others read."""
    r = unit["reading"]
    ns = unit[r.isin([power.RULES_OUT, power.INCONCLUSIVE])]
    props = of_kind(ns, fig.PROPORTION)
    values = dict(tested=int(unit["p_value"].notna().sum()), sig=int((r == SIGNIFICANT).sum()),
                  ns=len(ns), rules_out=int((r == power.RULES_OUT).sum()),
                  inconclusive=int((r == power.INCONCLUSIVE).sum()), alpha=float(alpha),
                  mdd_prop_median=float(props["mdd"].median()) if len(props) else float("nan"))
    values["found"] = _words("unit_found" if values["sig"] else "unit_none", sig=values["sig"])
    return values


# -- the sensitivity check ------------------------------------------------------------------------
def exact_check(design: SurveyDesign, specs: list[ColumnSpec], unit: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Fisher's exact test on the unweighted counts of each tested binary or single-choice
    column's effect level, county municipalities against municipalities, beside the
    design-based p (never in the tests table, docs/contracts.md §6): ``item, effect_measure,
    p_value, p_exact, agree`` (both below ``alpha`` or both not; unadjusted)."""
    by = {s.column: s for s in specs}
    rows = unit[unit["p_value"].notna() & unit["item"].map(lambda c: by[c].kind in ("binary", "categorical"))]
    out = rows[["item", "effect_measure", "p_value"]].reset_index(drop=True).copy()
    out["p_exact"] = [item_tests.exact_unweighted(design, by[c], "unit_type", config.FYLKESKOMMUNE, config.KOMMUNE)
                      for c in out["item"]]
    out["agree"] = (out["p_value"] < alpha) == (out["p_exact"] < alpha)
    return out


def exact_values(exact: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """How often the exact and the design-based test agree."""
    agree = int(exact["agree"].sum())
    values = dict(agree=agree, total=len(exact), disagree=len(exact) - agree, alpha=float(alpha))
    values["disagreement"] = _words("exact_some" if values["disagree"] else "exact_none", **values)
    return values


# -- the closing text -------------------------------------------------------------------------------
def largest_effects(sig: pd.DataFrame, codebook: Codebook, k: int = 3) -> text.Localized:
    """The ``k`` largest significant differences of proportions, in words (for a text)."""
    props = of_kind(sig, fig.PROPORTION)
    top = props.assign(_a=props["effect_size"].abs()).sort_values(["_a", "item"], ascending=[False, True]).head(k)

    def make(lang: str) -> str:
        from sosiale_kommuner.report.text import formats

        return formats.join([_t("closing_effect", lang, label=fig.row_label(codebook, r.item, r.effect_measure, lang),
                                diff=float(r.effect_size), ci=(float(r.effect_ci_low), float(r.effect_ci_high)))
                             for r in top.itertuples()], lang)

    return text.Localized(make)


def closing_values(size: pd.DataFrame, unit: pd.DataFrame, counts_table: pd.DataFrame, detectable: Detectable,
                   codebook: Codebook, setup: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Every number of "Hva dette viser" / "What this shows", from the computed tables."""
    c = counts_table.set_index("comparison")
    sig_size = significant(size, alpha)
    uv = unit_values(unit, alpha)
    n_size, k_size = int(c.loc["size_class", "tested"]), len(sig_size)
    props = of_kind(sig_size, fig.PROPORTION)
    values = dict(n_size=n_size, k_size=k_size, raw_size=int(c.loc["size_class", "significant_raw"]),
                  n_unit=uv["tested"], k_unit=uv["sig"], ns=uv["ns"], rules_out=uv["rules_out"],
                  inconclusive=uv["inconclusive"], alpha=alpha, n_f=setup["n_f"], power=setup["power"],
                  mdd=detectable.values["mdd"], mdd_prop_median=uv["mdd_prop_median"],
                  largest=setup["largest"], smallest=setup["smallest"])
    values["size_effects"] = (_words("closing_size_effects", effects=largest_effects(sig_size, codebook), **values)
                              if len(props) else "")
    values["size_verdict"] = _words("closing_size_some" if k_size else "closing_size_none",
                                    others=n_size - k_size, **values)
    values["unit_verdict"] = _words("closing_unit_some" if uv["sig"] else "closing_unit_none", **values)
    values["ns_reading"] = (_words("closing_ns", **values) if uv["ns"] and np.isfinite(uv["mdd_prop_median"])
                            else _words("closing_ns_plain", **values))
    return values


__all__ = ["STEM", "KINDS", "READINGS", "SIGNIFICANT", "NOT_TESTED", "COMPARISONS", "method_rows", "setup_values",
           "method_values", "tests_table", "reading", "decorate", "mdd_result", "significant", "of_kind", "counts",
           "counts_values", "Forest", "forests", "size_values", "pairwise_values", "Detectable", "mdd_overview", "unit_values",
           "exact_check", "exact_values", "largest_effects", "closing_values"]
