"""Chapter 09's tables for readers: words for codes, effects as ``+12 (3–21)``, p-values in the locale.

Each function takes a language-neutral table of :mod:`.size_differences` (or a ``tests`` table)
and returns a :class:`sosiale_kommuner.report.tables.Table` for
:meth:`ChapterPage.table <sosiale_kommuner.report.editions.ChapterPage.table>`; headers come from
the chapter's texts (``header.*``) or ``tables.yaml``.

A tests table mixes effects of three kinds, so the effect and MDD cells follow each row's
``effect_measure`` (:class:`ByMeasure`): differences of proportions in signed percentage points
(``+12 (3–21)``, ``−5 (−12 til 2)``), of mean scores with two decimals, of means with one; a
``unit`` column says which (*prosentpoeng*, *skår 1–5*, *år*, *antall*).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sosiale_kommuner.data.codebook import Codebook
from sosiale_kommuner.report import labels, tables, text
from sosiale_kommuner.report.text import formats

from . import item_test_figures as fig

STEM = fig.STEM


def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def _namer(prefix: str):
    """Names the codes of a column by the chapter's ``<prefix>.<code>`` texts."""
    return lambda code, lang: _t(f"{prefix}.{code}", lang)


@dataclass(frozen=True)
class ByMeasure(tables.Column):
    """A column whose number format follows each row's effect measure: ``kind="estimate"`` for an
    effect with its interval (:data:`item_test_figures.EFFECT_FORMATS`), ``kind="number"`` for an
    MDD (:data:`item_test_figures.MDD_FORMATS`)."""

    measure: str = "effect_measure"

    def cell(self, row: pd.Series, lang: str) -> str:
        kind = fig.measure_kind(row[self.measure])
        if self.kind == "estimate":
            return tables.estimate_text(row[self.name], row[self.low], row[self.high], fig.EFFECT_FORMATS[kind], lang)
        x = row[self.name]
        if x is None or pd.isna(x):
            return tables.MISSING
        return formats.fmt(x, fig.MDD_FORMATS[kind], lang)


def effect_column(header: str = "effect") -> ByMeasure:
    return ByMeasure("effect_size", "estimate", header, low="effect_ci_low", high="effect_ci_high")


def mdd_column() -> ByMeasure:
    return ByMeasure("mdd", "number", "mdd")


def unit_code(codebook: Codebook, column: str, measure: Any) -> str:
    """``points``, ``score``, ``years`` or ``count``: the scale of a row's effect."""
    kind = fig.measure_kind(measure)
    if kind == fig.PROPORTION:
        return "points"
    if kind == fig.SCORE:
        return "score"
    return "years" if codebook.item(column.split("__")[0]).type == "year" else "count"


def question_text(codebook: Codebook, column: str, measure: Any, lang: str) -> str:
    """A row's question as a table shows it: :func:`item_test_figures.row_label`, and the scale of
    an effect that is not in percentage points (``Grad av formalisering (skår 1–5)``)."""
    label = fig.row_label(codebook, column, measure, lang)
    unit = unit_code(codebook, column, measure)
    return label if unit == "points" else f"{label} ({_t(f'unit.{unit}', lang)})"


def _shown(df: pd.DataFrame, codebook: Codebook, lang: str) -> pd.DataFrame:
    """``df`` with the reader's ``question`` and the ``unit`` code of each row."""
    return df.assign(question=[question_text(codebook, c, m, lang) for c, m in zip(df["item"], df["effect_measure"])],
                     unit=[unit_code(codebook, c, m) for c, m in zip(df["item"], df["effect_measure"])])


#: The columns of each table of effects (names of :func:`effects_table`'s ``columns``). The scale
#: of an effect stands after its question (:func:`question_text`), and the tables of every
#: unit-type row read each one against its MDD instead of repeating its adjusted p-value (the
#: significant rows have a table of their own, every p-value is in the CSV): so each table is
#: read whole at 1280 px, numbers and their headers being kept on one line.
SIGNIFICANT_SIZE = ("question", "test", "effect", "p_adjusted", "cramers_v", "n")
SIGNIFICANT_UNIT = ("question", "test", "effect", "p_adjusted", "n_a")
UNIT_BY_AREA = ("question", "effect", "mdd", "reading", "n_a")
NUMERIC = ("question", "effect", "p_adjusted", "n")


def _column(name: str) -> tables.Column:
    return {
        "question": tables.text("question"),
        "test": tables.coded("test", labels.test_name),
        "effect": effect_column(),
        "p_adjusted": tables.number("p_adjusted", "p"),
        "p_value": tables.number("p_value", "p"),
        "p_exact": tables.number("p_exact", "p"),
        "cramers_v": tables.number("cramers_v", "num2"),
        "n": tables.number("n", "int"),
        "n_a": tables.number("n_a", "int"),
        "mdd": mdd_column(),
        "reading": tables.coded("reading", _namer("reading")),
        "pair": tables.coded("pair", labels.pair),
    }[name]


def effects_table(df: pd.DataFrame, lang: str, codebook: Codebook, columns=SIGNIFICANT_SIZE) -> tables.Table:
    """Rows of a (decorated) tests table for reading: the ``columns`` named above."""
    return tables.Table(_shown(df, codebook, lang), lang, [_column(c) for c in columns], page=STEM)


def pairwise_table(pair: pd.DataFrame, lang: str, codebook: Codebook) -> tables.Table:
    """The pairwise follow-ups: question, pair of size classes, difference, Holm-adjusted p."""
    d = _shown(pair, codebook, lang).assign(pair=pair["effect_measure"].str.extract(r"\[(.*)\]")[0].to_numpy())
    cols = [_column("question"), _column("pair"), effect_column(), tables.number("p_adjusted", "p", header="p_holm")]
    return tables.Table(d, lang, cols, page=STEM)


def method_table(rows: pd.DataFrame, lang: str) -> tables.Table:
    """Kinds of column: what they are, how many, their test and their effect."""
    cols = [tables.coded("kind", _namer("kind")), tables.number("columns", "int"),
            tables.coded("test", labels.test_name), tables.coded("kind", _namer("kind_effect"), header="effect_kind")]
    return tables.Table(rows, lang, cols, page=STEM)


#: The rows of the table of tests per comparison (columns of :func:`item_test_figures.summary_counts`).
COUNT_ROWS = ("columns", "tested", "not_testable", "significant_raw", "significant_bh")


def counts_table(counts: pd.DataFrame, lang: str) -> tables.Table:
    """Tests per comparison, one column per comparison and one row per count: variables, tested,
    not tested, significant before and after Benjamini–Hochberg."""
    c = counts.set_index("comparison")
    d = pd.DataFrame({"count": [_t(f"count_row.{k}", lang) for k in COUNT_ROWS],
                      **{cmp: [int(c.loc[cmp, k]) for k in COUNT_ROWS] for cmp in c.index}})
    cols = [tables.text("count")] + [tables.number(cmp, "int", header=f"comparison_{cmp}") for cmp in c.index]
    return tables.Table(d, lang, cols, page=STEM)


def mdd_overview_table(table: pd.DataFrame, lang: str) -> tables.Table:
    """The MDD near 50 % at each design effect (:func:`size_differences.mdd_overview`)."""
    cols = [tables.coded("deff_basis", _namer("deff_basis")), tables.number("deff", "num2"),
            tables.number("mdd", "pctn", header="mdd_points")]
    return tables.Table(table, lang, cols, page=STEM)


def exact_table(exact: pd.DataFrame, lang: str, codebook: Codebook) -> tables.Table:
    """Columns whose design-based and exact unweighted tests disagree."""
    cols = [_column("question"), tables.number("p_value", "p", header="p_design"),
            tables.number("p_exact", "p", header="p_exact")]
    return tables.Table(exact.assign(question=fig.label_rows(exact, codebook, lang).to_numpy()), lang, cols,
                        page=STEM)


__all__ = ["ByMeasure", "effect_column", "mdd_column", "unit_code", "question_text", "COUNT_ROWS", "SIGNIFICANT_SIZE", "SIGNIFICANT_UNIT",
           "UNIT_BY_AREA", "NUMERIC", "effects_table", "pairwise_table", "method_table", "counts_table",
           "mdd_overview_table", "exact_table"]
