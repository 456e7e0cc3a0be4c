"""The figure of each question of a findings chapter (04–08), drawn from its published estimates.

One figure per question, for the groups of :func:`.findings_text.shown_groups` (all
municipalities, each size class, the county municipalities) with the charts of
:mod:`sosiale_kommuner.report.charts`:

* a single- or multiple-choice question: :func:`charts.point_interval` — one row per answer
  (or option), one colour and marker per group, 95 % intervals; the county municipalities,
  resting on few respondents, drawn open with dashed intervals, each group's n in the legend;
* a Likert question: :func:`charts.likert` — one diverging bar per group, n in its label,
  groups with few respondents hatched;
* a numeric question (a year, a count) has no figure: its table says it (:mod:`.findings_items`).

"Vet ikke" is left out of the shares (the note under the figure says so) and shown in the
question's table. Suppressed estimates are drawn as ":".
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from sosiale_kommuner.data.codebook import Codebook
from sosiale_kommuner.report import charts, figures, text

from . import findings_text as ft


def has_chart(cb: Codebook, item: str) -> bool:
    """Does ``item`` get a figure (every question but the numeric ones)?"""
    it = cb.item(item)
    return it.is_categorical or it.is_multiple


def is_likert(cb: Codebook, item: str) -> bool:
    return cb.item(item).type == "likert5"


def chart_rows(table: pd.DataFrame, cb: Codebook, item: str, lang: str) -> pd.DataFrame:
    """The drawn rows: each answer of ``item`` (questionnaire order) for each shown group, with
    ``label`` (the answer's words), ``series`` (the group, ``domain:group``) and ``group_label``."""
    it = cb.item(item)
    rows = []
    for group in ft.shown_groups(table):
        for level in ft.answers(it):
            r = ft.row(table, item, level, group)
            if r is None:
                continue
            rows.append(dict(level=level, label=ft.answer(cb, item, level, lang), series=":".join(group),
                             group_label=ft.group_name(group, lang), estimate=r["estimate"], ci_low=r["ci_low"],
                             ci_high=r["ci_high"], n_unweighted=int(r["n_unweighted"]),
                             suppressed=bool(r["suppressed"])))
    return pd.DataFrame(rows, columns=["level", "label", "series", "group_label", "estimate", "ci_low", "ci_high",
                                       "n_unweighted", "suppressed"])


def _series_name(series: str, lang: str) -> str:
    domain, _, code = series.partition(":")
    return ft.group_name((domain, code), lang)


def item_chart(table: pd.DataFrame, cb: Codebook, item: str, lang: str) -> plt.Figure:
    """The figure of one question (see the module docstring)."""
    it = cb.item(item)
    d = chart_rows(table, cb, item, lang)
    order = [":".join(g) for g in ft.shown_groups(table)]
    if is_likert(cb, item):
        return charts.likert(d, lang, bar="group_label", level="level", share="estimate",
                             levels=list(it.substantive_keys),
                             level_names=[it.level_label(k, lang) for k in it.substantive_keys])
    fig = charts.point_interval(d, lang, label="label", group="series", groups=order, group_name=_series_name,
                                axis="percent")
    if it.has_dont_know:
        figures.add_note(fig, "dont_know")
    return fig


def alt_values(table: pd.DataFrame, cb: Codebook, item: str) -> text.Localized:
    """The figure's alt text (``findings.yaml`` ``alt.*``): what it shows and every drawn value."""
    kind = "likert" if is_likert(cb, item) else "choice"

    def make(lang: str) -> str:
        d = chart_rows(table, cb, item, lang)
        values = charts.readout(d, label="label", estimate="estimate", low="ci_low", high="ci_high",
                                group="group_label").localize(lang)
        return text.get(ft.FINDINGS, f"alt.{kind}", lang, question=ft.question(cb, item, lang), values=values)
    return text.Localized(make)


def caption_values(table: pd.DataFrame, cb: Codebook, item: str) -> text.Localized:
    """The figure's caption (``findings.yaml`` ``caption.*``): the question and what is drawn."""
    it = cb.item(item)
    kind = "likert" if is_likert(cb, item) else "multiple" if it.is_multiple else "choice"
    has_county = ft.COUNTY in ft.shown_groups(table)

    def make(lang: str) -> str:
        return text.get(ft.FINDINGS, f"caption.figure_{kind}", lang, question=ft.question(cb, item, lang),
                        groups=text.get(ft.FINDINGS, "groups" if has_county else "groups_no_county", lang))
    return text.Localized(make)


__all__ = ["has_chart", "is_likert", "chart_rows", "item_chart", "alt_values", "caption_values"]
