"""How chapter 09 shows the item tests to readers: names of rows, areas packed into parts, forest plots.

The tests themselves are :mod:`sosiale_kommuner.chapters.item_tests` (which re-exports
:func:`label_rows` and :func:`summary_counts`); the chapter's tables and texts are
:mod:`sosiale_kommuner.chapters.size_differences`.

A row of a ``tests`` table is one analysable column (docs/contracts.md §6). Readers meet it by
the question's short name — the codebook's ``header`` in bokmål, its English label in English,
as on the contents page — followed by the option of a multiple-choice question
(``Kanaler: Facebook``) or, for a single-choice question, the level whose share the effect
compares (``Strategi for sosiale medier («Vedtatt»)``).

Forest plots are :func:`sosiale_kommuner.report.charts.forest`, one figure per part of at most
:data:`~sosiale_kommuner.report.tables.MAX_ROWS` rows: whole questionnaire areas, packed in
order (:func:`area_parts`); the options of one question stand under its name as a header.
Differences of proportions and of mean scores are never drawn on one axis.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from sosiale_kommuner.data.codebook import Codebook
from sosiale_kommuner.report import tables, text

STEM = "09_size_differences"
#: Significance level of the chapter's tests (also :data:`item_tests.ALPHA`).
ALPHA = 0.05
#: The kinds of effect (``effect_measure`` without its level or pair).
PROPORTION, SCORE, MEAN = "diff_prop", "diff_mean_score", "diff_mean"
#: How an effect and its interval are written: percentage points, scores with two decimals,
#: means with one.
EFFECT_FORMATS = {PROPORTION: "pp", SCORE: "signed2", MEAN: "signed1"}
#: How a minimum detectable difference is written (unsigned, on the effect's scale).
MDD_FORMATS = {PROPORTION: "pctn", SCORE: "num2", MEAN: "num1"}
#: Each kind of effect on its own axis (``tables.yaml`` ``axis.*``) and scale.
AXES = {PROPORTION: ("difference_pp", 100.0), SCORE: ("difference_score", 1.0)}


def measure_kind(measure: Any) -> str:
    """``diff_prop:yes [a - b]`` -> ``diff_prop``; ``diff_mean_score`` -> itself."""
    base = str(measure).split(" [")[0].split(":")[0]
    if base not in EFFECT_FORMATS:
        raise ValueError(f"unknown effect measure {measure!r} (docs/contracts.md §6)")
    return base


def effect_level(measure: Any) -> str | None:
    """The level of a ``diff_prop:<level>`` measure (``None`` for means and scores)."""
    base = str(measure).split(" [")[0]
    return base.split(":", 1)[1] if base.startswith(PROPORTION + ":") else None


def quoted(words: str, lang: str) -> str:
    """``«Ja»`` in bokmål, ``“Yes”`` in English."""
    return f"«{words}»" if lang == "nb" else f"\u201c{words}\u201d"


def question_name(codebook: Codebook, column: str, lang: str) -> str:
    """The short name of the question of ``column``: its header (nb) or English label (en)."""
    it = codebook.item(column.split("__")[0])
    return it.header if lang == "nb" else it.en


def is_option(column: str) -> bool:
    return "__" in str(column)


def row_label(codebook: Codebook, column: str, measure: Any, lang: str, question: bool = True) -> str:
    """What one row of a tests table is about, in ``lang`` (see the module docstring).

    ``question=False`` leaves the question out of an option's name (under a header that says it).
    """
    if is_option(column):
        option = codebook.option_label(column, lang)
        return f"{question_name(codebook, column, lang)}: {option}" if question else option
    name = question_name(codebook, column, lang)
    level = effect_level(measure)
    if level is None:
        return name
    return f"{name} ({quoted(codebook.level_label(column, level, lang), lang)})"


def row_section(codebook: Codebook, column: str, lang: str) -> str | None:
    """The header an option's row stands under in a figure (its question); ``None`` otherwise."""
    return question_name(codebook, column, lang) if is_option(column) else None


def label_rows(df: pd.DataFrame, codebook: Codebook, lang: str = "en") -> pd.Series:
    """:func:`row_label` of every row of a tests table (columns ``item``, ``effect_measure``)."""
    return pd.Series([row_label(codebook, i, m, lang) for i, m in zip(df["item"], df["effect_measure"])],
                     index=df.index)


def summary_counts(tests: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Per comparison: columns analysed, tested, not testable, rejected at ``alpha`` before and
    after Benjamini-Hochberg."""
    rows = []
    for cmp, d in tests.groupby("comparison", sort=False):
        tested = d["p_value"].notna()
        rows.append(dict(comparison=cmp, columns=len(d), tested=int(tested.sum()),
                         not_testable=int((~tested).sum()),
                         significant_raw=int((d["p_value"] < alpha).sum()),
                         significant_bh=int((d["p_adjusted"] < alpha).sum())))
    return pd.DataFrame(rows)


# -- parts of at most MAX_ROWS rows, by area ------------------------------------------------------
def area_parts(df: pd.DataFrame, max_rows: int = tables.MAX_ROWS) -> list[tuple[tuple[int, ...], pd.DataFrame]]:
    """``df`` (rows in questionnaire order, column ``area``) in parts for one figure or table each:
    whole areas packed in order while a part stays within ``max_rows`` rows; an area longer than
    that is cut into near-equal pieces (:func:`tables.split_rows`). Returns ``(areas, part)``."""
    out: list[tuple[tuple[int, ...], pd.DataFrame]] = []
    areas: list[int] = []
    rows: list[pd.DataFrame] = []

    def flush() -> None:
        if areas:
            out.append((tuple(areas), pd.concat(rows)))
            areas.clear()
            rows.clear()

    for area, part in tables.split_rows(df, by="area", max_rows=max_rows):
        if isinstance(area, tuple):           # one area cut into pieces: each a part of its own
            flush()
            out.append(((int(area[0]),), part))
            continue
        if sum(len(r) for r in rows) + len(part) > max_rows:
            flush()
        areas.append(int(area))
        rows.append(part)
    flush()
    return out


def areas_words(codebook: Codebook, areas: tuple[int, ...]) -> text.Localized:
    """The areas of a part in words, for a caption: ``område 1 (Bruk av sosiale medier)`` or
    ``områdene 3–6 (Strategier; Formalisering; …)`` (area names may hold "og" themselves)."""
    def make(lang: str) -> str:
        names = [codebook.area_label(a, lang) for a in areas]
        if len(areas) == 1:
            return text.get(STEM, "areas.one", lang, a=areas[0], name=names[0])
        return text.get(STEM, "areas.many", lang, a=areas[0], b=areas[-1], names="; ".join(names))

    return text.Localized(make)


# -- forest plots ----------------------------------------------------------------------------------
def forest_rows(tests: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The tested rows of one kind of effect (``diff_prop`` or ``diff_mean_score``), in
    questionnaire order."""
    d = tests[tests["p_value"].notna() & tests["effect_size"].notna()]
    return d[[measure_kind(m) == kind for m in d["effect_measure"]]]


def headers_last(part: pd.DataFrame) -> pd.DataFrame:
    """The rows of one figure with the questions of their own first and the options of
    multiple-choice questions (which stand under their question as a header) after them, each
    in questionnaire order: no question of its own is drawn under another question's header."""
    option = pd.Series([is_option(c) for c in part["item"]], index=part.index)
    return pd.concat([part[~option], part[option]])


def forest_figure(part: pd.DataFrame, lang: str, codebook: Codebook, kind: str, *, global_test: bool,
                  alpha: float = ALPHA, small: str | None = "n_small"):
    """One forest plot of ``part`` (rows of :func:`forest_rows`): each effect with its 95 %
    interval, filled when significant after Benjamini–Hochberg; ``global_test`` when the p-value
    tests all groups at once while the interval is one contrast (the size classes); ``small``
    names a column of the smaller contrasted group's answers (few answers: drawn dashed)."""
    from sosiale_kommuner.report import charts   # matplotlib: only when a figure is drawn

    axis, scale = AXES[kind]
    d = part.assign(label=[row_label(codebook, c, m, lang, question=not is_option(c))
                           for c, m in zip(part["item"], part["effect_measure"])],
                    section=[row_section(codebook, c, lang) for c in part["item"]])
    return charts.forest(d, lang, label="label", section="section", scale=scale, axis=axis,
                         global_test=global_test, alpha=alpha, small=small if small in d.columns else None)


def forest_readout(part: pd.DataFrame, codebook: Codebook) -> text.Localized:
    """Every drawn effect in words, for the figure's alt text."""
    def make(lang: str) -> str:
        return "; ".join(
            f"{row_label(codebook, r.item, r.effect_measure, lang)}: "
            f"{tables.estimate_text(r.effect_size, r.effect_ci_low, r.effect_ci_high, EFFECT_FORMATS[measure_kind(r.effect_measure)], lang)}"
            for r in part.itertuples())

    return text.Localized(make)


def forest_values(part: pd.DataFrame, codebook: Codebook, areas: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The values of a forest figure's caption and alt text: ``areas`` and ``effects``."""
    out: dict[str, Any] = {"effects": forest_readout(part, codebook)}
    if areas is not None:
        out["areas"] = areas_words(codebook, areas)
    return out


def row_name(codebook: Codebook, column: str, measure: Any) -> text.Localized:
    """A row's name as a value of a text (``{label}``)."""
    return text.Localized(lambda lang: row_label(codebook, column, measure, lang))


__all__ = ["ALPHA", "PROPORTION", "SCORE", "MEAN", "EFFECT_FORMATS", "MDD_FORMATS", "AXES", "measure_kind",
           "effect_level", "quoted", "question_name", "is_option", "row_label", "row_section", "label_rows",
           "summary_counts", "area_parts", "areas_words", "forest_rows", "headers_last", "forest_figure", "forest_readout",
           "forest_values", "row_name"]
