"""Each question of a findings chapter (04–08) on its page: a heading (its number in the
questionnaire and a short name), its figure (:mod:`.findings_plots`) and its table.

The table of a question has one row per answer and one column per shown group (all
municipalities, each size class, the county municipalities: :func:`.findings_text.shown_groups`),
each cell the weighted share with its 95 % interval, ``81 % (76–86)``; then

* for a Likert question the two highest levels together and the mean score (1–5);
* the row ``Antall svar (n)``: the respondents in the group who answered (the base);
* where the question offers "Vet ikke": the share answering it among all who answered, and
  that larger base — shown apart from the shares, which leave "Vet ikke" out.

A numeric question (a year, a count) has one row per group instead: its mean with the
interval (a year with one decimal and no thousands separator) and n.

A group whose base is below :data:`charts.SMALL_N` (always the county municipalities) is
marked in its column's header as resting on few answers, as the figures mark it. Suppressed
cells show ":" with the note under the table. A chapter calls :func:`show_area` once per
questionnaire area.
"""
from __future__ import annotations

import pandas as pd

from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook
from sosiale_kommuner.report import charts, tables, text
from sosiale_kommuner.report.disclosure import SUPPRESSED_SYMBOL
from sosiale_kommuner.report.editions import ChapterPage
from sosiale_kommuner.report.text import formats

from . import findings_plots as fp
from . import findings_text as ft
from .item_estimates import MEAN, MEAN_SCORE, TOP2, items_of_areas

#: The result table every figure and table of a findings chapter is drawn from.
SOURCE = "estimates"


def _cell(r: pd.Series | None, kind: str, lang: str) -> str:
    """One cell: ``81 % (76–86)``, ``3,42 (3,10–3,74)``, ``2011,1 (2010,8–2011,4)``, ``:`` or ``–``."""
    if r is None:
        return tables.MISSING
    if bool(r["suppressed"]):
        return SUPPRESSED_SYMBOL
    if kind == "year":
        if pd.isna(r["estimate"]):
            return tables.MISSING
        lo, hi = ft.year(r["ci_low"], lang), ft.year(r["ci_high"], lang)
        return f"{ft.year(r['estimate'], lang)} ({lo}{formats.EN_DASH}{hi})"
    return tables.estimate_text(r["estimate"], r["ci_low"], r["ci_high"], kind, lang)


def _kind(cb: Codebook, item: str, level: str) -> str:
    it = cb.item(item)
    if level == MEAN_SCORE:
        return "num2"
    if level == MEAN:
        return "year" if it.type == "year" else "num1"
    return "pct"


def table_rows(table: pd.DataFrame, cb: Codebook, item: str, lang: str) -> pd.DataFrame:
    """The shown table of one question: ``answer`` (the row's words) and one column ``g<i>``
    per shown group, every cell written out in ``lang`` (see the module docstring)."""
    it = cb.item(item)
    groups = ft.shown_groups(table)
    cols = [f"g{i}" for i in range(len(groups))]

    def estimates(level: str, words: str) -> dict[str, str]:
        return {"answer": words, **{c: _cell(ft.row(table, item, level, g), _kind(cb, item, level), lang)
                                    for c, g in zip(cols, groups)}}

    def counts(words: str, level: str | None = None) -> dict[str, str]:
        def n(g):
            if level is None:
                return ft.base_n(table, item, g)
            r = ft.row(table, item, level, g)
            return int(r["n_unweighted"]) if r is not None else 0
        return {"answer": words, **{c: formats.integer(n(g), lang) for c, g in zip(cols, groups)}}

    out = [estimates(level, ft.answer(cb, item, level, lang)) for level in ft.answers(it)]
    if fp.is_likert(cb, item):
        out += [estimates(level, ft.answer(cb, item, level, lang)) for level in (TOP2, MEAN_SCORE)]
    out.append(counts(text.get(ft.FINDINGS, "row.n", lang)))
    if it.has_dont_know:
        out.append(estimates(DONT_KNOW, text.get(ft.FINDINGS, "row.dont_know", lang)))
        out.append(counts(text.get(ft.FINDINGS, "row.n_with_dont_know", lang), DONT_KNOW))
    return pd.DataFrame(out, columns=["answer", *cols])


def _header(group: tuple[str, str], few: bool):
    def title(lang: str) -> str:
        name = ft.group_name(group, lang)
        return text.get(ft.FINDINGS, "header.few", lang, group=name) if few else name
    return title


def mean_rows(table: pd.DataFrame, cb: Codebook, item: str, lang: str) -> pd.DataFrame:
    """The shown table of a numeric question: one row per shown group (``group``, its name
    marked when it has few answers), its mean with the interval (``mean``) and ``n``."""
    out = []
    for g in ft.shown_groups(table):
        n = ft.base_n(table, item, g)
        out.append({"group": _header(g, n < charts.SMALL_N)(lang),
                    "mean": _cell(ft.row(table, item, MEAN, g), _kind(cb, item, MEAN), lang), "n": n})
    return pd.DataFrame(out, columns=["group", "mean", "n"])


def item_table(table: pd.DataFrame, cb: Codebook, item: str, lang: str, k_min: int) -> tables.Table:
    """The table of one question (see the module docstring), for ``page.table``; a numeric
    question's groups are its rows (:func:`mean_rows`)."""
    rows = table[table["item"] == item]
    notes = {"suppressed": {"k": int(k_min)}} if rows["suppressed"].astype(bool).any() else {}
    if cb.item(item).is_numeric:
        columns = [tables.text("group"), tables.formatted("mean"), tables.number("n", fmt="int", header="n")]
        return tables.Table(mean_rows(table, cb, item, lang), lang, columns, notes=notes)
    shown = table_rows(table, cb, item, lang)
    groups = ft.shown_groups(table)
    columns = [tables.text("answer", header="level")]
    columns += [tables.formatted(f"g{i}", title=_header(g, ft.base_n(table, item, g) < charts.SMALL_N))
                for i, g in enumerate(groups)]
    return tables.Table(shown, lang, columns, notes=notes)


def table_caption(table: pd.DataFrame, cb: Codebook, item: str) -> text.Localized:
    """The table's caption (``findings.yaml`` ``caption.table*``): the question, what the cells
    hold, who was asked, and the mark of groups with few answers when the table has one."""
    it = cb.item(item)
    kind = ("numeric" if it.is_numeric else "likert" if fp.is_likert(cb, item) else
            "multiple" if it.is_multiple else "choice")
    few = any(ft.base_n(table, item, g) < charts.SMALL_N for g in ft.shown_groups(table))
    asked = ft.routing(cb, item)

    def make(lang: str) -> str:
        parts = [text.get(ft.FINDINGS, f"caption.table_{kind}", lang, question=ft.question(cb, item, lang)),
                 asked.localize(lang)]
        if few:
            parts.append(text.get(ft.FINDINGS, "caption.few", lang, k=charts.SMALL_N))
        return " ".join(p for p in parts if p)
    return text.Localized(make)


def respondents(table: pd.DataFrame, item: str) -> int:
    """The respondents behind a question's figure and table: the municipalities' and the county
    municipalities' bases together."""
    return ft.base_n(table, item, ft.ALL) + ft.base_n(table, item, ft.COUNTY)


def show_item(page: ChapterPage, table: pd.DataFrame, cb: Codebook, item: str, k_min: int) -> None:
    """One question on the page: its number in the questionnaire and short name as a heading,
    its figure (if it has one) and its table, numbered, captioned from the text layer and
    linked to ``<stem>__estimates.csv``."""
    n = respondents(table, item)
    page.markdown(lambda lang: f"### {cb.item(item).qno} {ft.short_name(cb, item, lang)}")
    if fp.has_chart(cb, item):
        page.figure(lambda lang: fp.item_chart(table, cb, item, lang), label=item, caption="item_figure",
                    n=n, source=SOURCE, caption_words=fp.caption_values(table, cb, item),
                    alt_words=fp.alt_values(table, cb, item))
    page.table(lambda lang: item_table(table, cb, item, lang, k_min), label=f"{item}_table", caption="item_table",
               n=n, source=SOURCE, caption_words=table_caption(table, cb, item))


def area_items(table: pd.DataFrame, cb: Codebook, area: int) -> list[str]:
    """The questions of a questionnaire area that the table has, in questionnaire order."""
    return [it.id for it in items_of_areas(cb, [area]) if (table["item"] == it.id).any()]


def show_area(page: ChapterPage, table: pd.DataFrame, cb: Codebook, area: int, k_min: int) -> None:
    """Every question of a questionnaire area (:func:`area_items`) on the page (:func:`show_item`)."""
    for item in area_items(table, cb, area):
        show_item(page, table, cb, item, k_min)


__all__ = ["table_rows", "mean_rows", "item_table", "table_caption", "respondents", "show_item", "area_items",
           "show_area", "SOURCE"]
