"""The charts chapters call: forest plots, points with intervals by group, diverging Likert bars
and grouped bars, each readable at the size shown, colour-blind safe and in the reader's language.

Every function takes a tidy table (one row per drawn value), the language and the names of
its columns, and returns a matplotlib figure for :meth:`ChapterPage.figure
<sosiale_kommuner.report.editions.ChapterPage.figure>`; what the caption must explain
(significance from a global test, small groups, suppressed cells, "Vet ikke" left out) is
attached to the figure (:func:`figures.notes`) and written under it from ``tables.yaml``::

    from sosiale_kommuner.report import charts, labels, tables
    for area, part in tables.split_rows(size_tests, by="area"):          # <= 25 rows each
        page.figure(lambda lang, part=part: charts.forest(
                        part.assign(label=...), lang, scale=100, axis="difference_pp",
                        global_test=True),                              # 3 groups, 1 contrast
                    label=f"forest_size_{area}", caption="forest_size",
                    area=labels.Localized(lambda lang, a=area: labels.area(book, a, lang)))

    page.figure(lambda lang: charts.point_interval(est, lang, label="label", group="group",
                                                   group_name=lambda g, lang: labels.group("unit_type", g, lang)),
                label="adoption")
    page.figure(lambda lang: charts.likert(shares, lang, levels=keys,
                                           level_names=[item.level_label(k, lang) for k in keys]),
                label="benefit")
    page.figure(lambda lang: charts.grouped_bars(tab, lang, category="label", series="group"),
                label="channels")

Rules every chart keeps: labels are wrapped, never cut; legends sit above the plot, never on
the data; each series has a colour *and* a marker or hatching; estimates resting on fewer
than :data:`SMALL_N` answers (the county municipalities) are drawn open and dashed, with
their n in the legend; a chart of more than :data:`~sosiale_kommuner.report.tables.MAX_ROWS`
rows is refused (split it with :func:`tables.split_rows`).

Switching from the chapters' own figures: ``findings_plots.point_interval`` ->
:func:`point_interval` (rows of the estimates table with a ``label`` column made from
:func:`labels.item`/:func:`labels.level`); ``findings_plots.likert_diverging`` -> :func:`likert`
(``levels=item.substantive_keys``); ``findings_plots.option_heatmap`` -> :func:`grouped_bars` or
:func:`point_interval` of options x groups, or a :class:`tables.Table` of estimate cells;
``item_tests.forest`` -> :func:`forest` per part of ``tables.split_rows(tests, by="area")``,
with ``global_test=True`` for the size classes, the question as ``section`` and the title in
the caption.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import figures, labels, tables
from .text import formats

#: Fewer answers than this and an estimate is drawn as uncertain (open symbol, dashed interval).
SMALL_N = 30
#: Diverging colours of Likert levels (ColorBrewer BrBG, colour-blind safe): low ... high.
LIKERT_LOW = ("#8C510A", "#BF812D", "#DFC27D")
LIKERT_HIGH = ("#80CDC1", "#35978F", "#01665E")
#: The middle level: light grey, 1.9:1 against the page, and every segment is outlined.
NEUTRAL = "#BDBDBD"
SIGNIFICANT = figures.OKABE_ITO["blue"]
#: Intervals and open points that are not a series of their own.
INK_LINE = "#4D4D4D"
NOT_TESTED = "#767676"


def _text(value: Any, lang: str, section: str) -> str:
    """An axis title: a key of ``tables.yaml`` ``<section>.*``, a localized value, or the words."""
    if value is None:
        return ""
    localize = getattr(value, "localize", None)
    if callable(localize):
        return localize(lang)
    key = f"{section}.{value}"
    return labels.vocab(key, lang) if labels.text.has(labels.TABLES, key, lang) else str(value)


def _xlabel(ax: plt.Axes, words: str) -> None:
    ax.set_xlabel(figures.wrap(words, 46 if figures.layout_name() == "narrow" else 90))


def _check_rows(n: int, max_rows: int) -> None:
    if n > max_rows:
        raise ValueError(f"{n} rows are too many for one readable figure (at most {max_rows}): "
                         "split the table with tables.split_rows(df, by='area') and draw one figure per part")


def _sections(d: pd.DataFrame, section: str | None) -> list | None:
    return None if section is None else [None if pd.isna(v) else str(v) for v in d[section]]


def _small(values: pd.Series, small_n: int) -> np.ndarray:
    """Rows resting on fewer than ``small_n`` answers (``values``: n, or booleans)."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).to_numpy(bool)
    return (pd.to_numeric(values, errors="coerce") < small_n).fillna(False).to_numpy(bool)


def _digits(lo: float, hi: float) -> int:
    span = abs(hi - lo)
    return 0 if span >= 5 or span == 0 else (1 if span >= 0.5 else 2)


def _n_range(values: Sequence[Any], lang: str) -> str:
    v = [int(x) for x in pd.to_numeric(pd.Series(list(values)), errors="coerce").dropna()]
    if not v:
        return formats.EN_DASH
    a, b = min(v), max(v)
    return formats.integer(a, lang) if a == b else f"{formats.integer(a, lang)}–{formats.integer(b, lang)}"


def _group_namer(df: pd.DataFrame, group: str, group_name: Callable | None) -> Callable[[Any, str], str]:
    if group_name is not None:
        return group_name
    if "domain" in df.columns:
        domains = dict(zip(df[group].astype(str), df["domain"]))
        return lambda code, lang: labels.group(domains[str(code)], code, lang)
    return lambda code, lang: str(code)


def _suppressed(d: pd.DataFrame, column: str | None) -> pd.Series:
    if column and column in d.columns:
        return d[column].fillna(False).astype(bool)
    return pd.Series(False, index=d.index)


# -- forest plot -----------------------------------------------------------------------------
def forest(df: pd.DataFrame, lang: str, *, label: str = "label", estimate: str = "effect_size",
           low: str = "effect_ci_low", high: str = "effect_ci_high", p_adjusted: str | None = "p_adjusted",
           alpha: float = 0.05, global_test: bool = False, scale: float = 1.0, axis: Any = "difference",
           section: str | None = None, small: str | None = None, small_n: int = SMALL_N,
           max_rows: int = tables.MAX_ROWS) -> plt.Figure:
    """Effects with their intervals, one row each, top to bottom in ``df``'s order.

    ``scale=100`` shows differences of proportions in percentage points. ``p_adjusted``: a row
    below ``alpha`` is drawn filled (significant), above it open, empty as "not tested".
    ``global_test=True`` says the p-value tests *all* groups at once while the interval is one
    contrast (size classes: largest minus smallest), so a filled point may have an interval
    crossing zero; the caption then says why (``note.global_vs_pairwise``). ``section``: a column
    (the question of an option) printed once as a bold header over its rows. ``small``: a
    column of n (or booleans) marking rows resting on fewer than ``small_n`` answers.
    ``axis``: a ``tables.yaml`` ``axis.*`` key or the axis title itself.
    """
    d = df.reset_index(drop=True)
    _check_rows(len(d), max_rows)
    est, lo, hi = (pd.to_numeric(d[c], errors="coerce").to_numpy(float) * scale for c in (estimate, low, high))
    p = (pd.to_numeric(d[p_adjusted], errors="coerce").to_numpy(float) if p_adjusted and p_adjusted in d.columns
         else np.full(len(d), np.nan))
    tested, uncertain = ~np.isnan(p), (_small(d[small], small_n) if small else np.zeros(len(d), bool))
    sig = tested & (p < alpha)
    layout = figures.rows([str(s) for s in d[label]], _sections(d, section))
    handles = []
    if sig.any():
        handles.append(Line2D([], [], marker="o", ls="", color=SIGNIFICANT, markersize=7, label=labels.vocab(
            "legend.significant_global" if global_test else "legend.significant", lang, alpha=alpha)))
    if (tested & ~sig).any():
        handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor=INK_LINE,
                              markersize=7, label=labels.vocab("legend.not_significant", lang)))
    if p_adjusted and (~tested).any():
        handles.append(Line2D([], [], marker="x", ls="", color=NOT_TESTED, markersize=7,
                              label=labels.vocab("legend.not_tested", lang)))
    if uncertain.any():
        handles.append(Line2D([], [], ls="--", color=INK_LINE, lw=1.6,
                              label=labels.vocab("legend.small_n", lang, k=small_n)))
    fig, ax = figures.chart_figure(layout, legend_lines=max(1, len(handles)))
    for i in range(len(d)):
        if not (np.isnan(lo[i]) or np.isnan(hi[i])):
            ax.hlines(layout.y[i], lo[i], hi[i], color=INK_LINE, lw=1.6, linestyles="--" if uncertain[i] else "-")
    ok = ~np.isnan(est)
    ax.scatter(est[ok & sig], layout.y[ok & sig], s=46, color=SIGNIFICANT, zorder=3)
    ax.scatter(est[ok & tested & ~sig], layout.y[ok & tested & ~sig], s=40, facecolor="white",
               edgecolor=INK_LINE, linewidth=1.4, zorder=3)
    ax.scatter(est[ok & ~tested], layout.y[ok & ~tested], s=40, marker="x", color=NOT_TESTED, zorder=3)
    ax.axvline(0, color=figures.INK, lw=0.9)
    layout.place(ax)
    finite = np.concatenate([v[~np.isnan(v)] for v in (lo, hi, est)] + [np.zeros(1)])
    pad = 0.05 * (finite.max() - finite.min() or 1.0)
    ax.set_xlim(finite.min() - pad, finite.max() + pad)
    figures.locale_axis(ax, lang, "x", "pp" if scale == 100 else "num",
                        0 if scale == 100 else _digits(finite.min(), finite.max()))
    _xlabel(ax, _text(axis, lang, "axis"))
    figures.legend_above(fig, handles)
    if tested.any():
        figures.add_note(fig, "bh")
    if global_test and sig.any():
        figures.add_note(fig, "global_vs_pairwise")
    if p_adjusted and (~tested).any():
        figures.add_note(fig, "not_tested")
    if uncertain.any():
        figures.add_note(fig, "small_n", k=small_n)
    return fig


# -- points with intervals by group ----------------------------------------------------------------
def point_interval(df: pd.DataFrame, lang: str, *, label: str = "label", group: str = "group",
                   estimate: str = "estimate", low: str = "ci_low", high: str = "ci_high",
                   n: str | None = "n_unweighted", suppressed: str | None = "suppressed",
                   groups: Sequence[Any] | None = None, group_name: Callable[[Any, str], str] | None = None,
                   section: str | None = None, percent: bool = True, axis: Any = "percent",
                   small_n: int = SMALL_N, max_rows: int = tables.MAX_ROWS) -> plt.Figure:
    """Points with 95 % intervals: one row per ``label`` (in order of appearance), one colour
    *and* marker per ``group``; proportions (``percent=True``) on a 0–100 % axis.

    ``group_name(code, lang)`` names a group (default: :func:`labels.group` of the row's
    ``domain``). Points resting on fewer than ``small_n`` answers (``n``) are open with a
    dashed interval, and each group's n stands in the legend. Suppressed rows show ``:``.
    """
    d = df.reset_index(drop=True)
    names = list(dict.fromkeys(d[label].astype(str)))
    _check_rows(len(names), max_rows)
    order = list(groups) if groups is not None else list(dict.fromkeys(d[group]))
    namer, k = _group_namer(d, group, group_name), len(order)
    first = d.drop_duplicates(label)
    layout = figures.rows(names, _sections(first, section), mark=max(1.0, 0.55 * k))
    offsets = (np.arange(k) - (k - 1) / 2) * 0.5
    sup = _suppressed(d, suppressed)
    few_rows = _small(d[n], small_n) if n and n in d.columns else np.zeros(len(d), bool)
    handles = []
    for j, g in enumerate(order):
        part = d[d[group].astype(str) == str(g)]
        words = namer(g, lang)
        if n and n in d.columns:
            words = labels.vocab("legend.group_n", lang, group=words, n=_n_range(part[n], lang))
        handles.append(Line2D([], [], marker=figures.MARKERS[j % 7], color=figures.SERIES[j % 7], markersize=7,
                              lw=1.8, label=words))
    if few_rows.any():
        handles.append(Line2D([], [], marker="o", color=INK_LINE, markerfacecolor="white", ls="--", lw=1.6,
                              markersize=7, label=labels.vocab("legend.small_n", lang, k=small_n)))
    fig, ax = figures.chart_figure(layout, legend_lines=-(-len(handles) // (1 if figures.layout_name() == "narrow" else 2)))
    for j, g in enumerate(order):
        colour, marker = figures.SERIES[j % 7], figures.MARKERS[j % 7]
        for i in np.flatnonzero((d[group].astype(str) == str(g)).to_numpy()):
            r, yi = d.iloc[i], layout.y[names.index(str(d.iloc[i][label]))] + offsets[j]
            if sup.iloc[i] or pd.isna(r[estimate]):
                ax.text(0.005, yi, ":", va="center", ha="left", color=colour, fontsize=figures.MIN_TEXT_PT + 1,
                        fontweight="bold", transform=ax.get_yaxis_transform())
                continue
            ax.hlines(yi, r[low], r[high], color=colour, lw=1.8, linestyles="--" if few_rows[i] else "-")
            ax.plot([r[estimate]], [yi], marker=marker, ls="", markersize=7, color=colour,
                    markerfacecolor="white" if few_rows[i] else colour, markeredgewidth=1.6, zorder=3)
    layout.place(ax)
    if percent:
        ax.set_xlim(0, 1)
        figures.locale_axis(ax, lang, "x", "pct")
    else:
        figures.locale_axis(ax, lang, "x", "num", 1)
    _xlabel(ax, _text(axis, lang, "axis"))
    figures.legend_above(fig, handles)
    if few_rows.any():
        figures.add_note(fig, "small_n", k=small_n)
    if sup.any():
        figures.add_note(fig, "suppressed", k=3)
    return fig


# -- diverging Likert bars ------------------------------------------------------------------------
def likert_colours(k: int) -> list[str]:
    """Colours of ``k`` ordered levels, low to high; an odd ``k`` has the grey middle level."""
    side = k // 2
    if side > len(LIKERT_LOW):
        raise ValueError(f"at most {2 * len(LIKERT_LOW) + 1} levels, got {k}")
    return list(LIKERT_LOW[len(LIKERT_LOW) - side:]) + ([NEUTRAL] if k % 2 else []) + list(LIKERT_HIGH[:side])


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB`` (0 black, 1 white)."""
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def likert(df: pd.DataFrame, lang: str, *, bar: str = "label", level: str = "level", share: str = "estimate",
           levels: Sequence[Any], level_names: Sequence[str], n: str | None = "n_unweighted",
           suppressed: str | None = "suppressed", section: str | None = None, small_n: int = SMALL_N,
           max_rows: int = tables.MAX_ROWS) -> plt.Figure:
    """Diverging stacked bars of ordered answers: the lower levels (and half the middle one) left
    of zero, the rest right; one bar per ``bar`` (in order of appearance).

    ``df`` has one row per bar and level with the ``share`` (0–1) among substantive answers
    ("Vet ikke" left out, which the caption says). ``levels`` are the level keys low to high,
    ``level_names`` their words. Every bar's label carries its n; a bar resting on fewer than
    ``small_n`` answers is hatched. Each segment is outlined, so the grey middle level stays
    visible against the page.
    """
    d = df.reset_index(drop=True)
    bars = list(dict.fromkeys(d[bar].astype(str)))
    _check_rows(len(bars), max_rows)
    k, colours = len(levels), likert_colours(len(levels))
    parts = {b: d[d[bar].astype(str) == b] for b in bars}
    names = [f"{b} (n = {_n_range(parts[b][n], lang)})" if n and n in d.columns else b for b in bars]
    layout = figures.rows(names, _sections(d.drop_duplicates(bar), section), mark=1.5)
    few = {b: bool(n and n in d.columns and _small(parts[b][n], small_n).any()) for b in bars}
    handles = [Patch(facecolor=c, edgecolor=figures.INK, linewidth=0.6, label=str(nm))
               for c, nm in zip(colours, level_names)]
    if any(few.values()):
        handles.append(Patch(facecolor="white", edgecolor=figures.INK, hatch="///",
                             label=labels.vocab("legend.small_n", lang, k=small_n)))
    ncols = 2 if figures.layout_name() == "narrow" else min(len(handles), 3)
    fig, ax = figures.chart_figure(layout, legend_lines=-(-len(handles) // ncols) + 1)
    threshold = 0.08 if figures.layout_name() == "wide" else 0.12
    any_sup = False
    for i, b in enumerate(bars):
        part = parts[b].assign(_key=parts[b][level].astype(str)).set_index("_key")
        vals = np.array([float(part[share].get(str(key), np.nan)) for key in levels])
        if _suppressed(part, suppressed).any() or np.isnan(vals).any():
            any_sup = any_sup or bool(_suppressed(part, suppressed).any())
            ax.text(0, layout.y[i], ":", ha="center", va="center", fontsize=figures.MIN_TEXT_PT + 1,
                    fontweight="bold")
            continue
        left = -(vals[: k // 2].sum() + (vals[k // 2] / 2 if k % 2 else 0.0))
        for j in range(k):
            ax.barh(layout.y[i], vals[j], left=left, height=1.2, color=colours[j], edgecolor=figures.INK,
                    linewidth=0.6, hatch="///" if few[b] else None)
            if vals[j] >= threshold:
                ink = "white" if luminance(colours[j]) < 0.3 else figures.INK
                ax.text(left + vals[j] / 2, layout.y[i], formats.percent(vals[j], 0, lang, sign=False),
                        ha="center", va="center", fontsize=figures.MIN_TEXT_PT, color=ink,
                        bbox=dict(boxstyle="square,pad=0.1", fc=colours[j], ec="none") if few[b] else None)
            left += vals[j]
    ax.axvline(0, color=figures.INK, lw=1.0)
    layout.place(ax)
    ax.set_xlim(-1, 1)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: formats.percent(abs(v), 0, lang)))
    _xlabel(ax, labels.vocab("axis.share", lang))
    figures.legend_above(fig, handles, ncols=ncols)
    figures.add_note(fig, "dont_know")
    if any(few.values()):
        figures.add_note(fig, "small_n", k=small_n)
    if any_sup:
        figures.add_note(fig, "suppressed", k=3)
    return fig


# -- grouped bars -------------------------------------------------------------------------------------
def grouped_bars(df: pd.DataFrame, lang: str, *, category: str = "label", series: str = "group",
                 value: str = "estimate", low: str | None = None, high: str | None = None,
                 n: str | None = None, suppressed: str | None = "suppressed",
                 series_order: Sequence[Any] | None = None, series_name: Callable[[Any, str], str] | None = None,
                 section: str | None = None, percent: bool = True, axis: Any = "share", small_n: int = SMALL_N,
                 max_rows: int = tables.MAX_ROWS) -> plt.Figure:
    """Horizontal bars: one group of bars per ``category`` (in order of appearance), one bar per
    ``series`` with its own colour, and its own hatching when more than two series share the
    figure; intervals when ``low``/``high`` are given; proportions (``percent``) on 0–100 %."""
    d = df.reset_index(drop=True)
    cats = list(dict.fromkeys(d[category].astype(str)))
    _check_rows(len(cats), max_rows)
    order = list(series_order) if series_order is not None else list(dict.fromkeys(d[series]))
    namer, k = _group_namer(d, series, series_name), len(order)
    layout = figures.rows(cats, _sections(d.drop_duplicates(category), section), mark=max(1.0, 0.7 * k))
    h = 0.62
    offsets = (np.arange(k) - (k - 1) / 2) * h
    sup = _suppressed(d, suppressed)
    few_rows = _small(d[n], small_n) if n and n in d.columns else np.zeros(len(d), bool)
    handles = []
    for j, s in enumerate(order):
        words = namer(s, lang)
        if n and n in d.columns:
            words = labels.vocab("legend.group_n", lang, group=words,
                                 n=_n_range(d.loc[d[series].astype(str) == str(s), n], lang))
        handles.append(Patch(facecolor=figures.SERIES[j % 7], edgecolor=figures.INK, linewidth=0.6,
                             hatch=figures.HATCHES[j % 7] if k > 2 else "", label=words))
    if few_rows.any():
        handles.append(Patch(facecolor="white", edgecolor=INK_LINE, linestyle="--",
                             label=labels.vocab("legend.small_n", lang, k=small_n)))
    fig, ax = figures.chart_figure(layout, legend_lines=-(-len(handles) // (1 if figures.layout_name() == "narrow" else 2)))
    for i in range(len(d)):
        r = d.iloc[i]
        j = [str(x) for x in order].index(str(r[series]))
        yi = layout.y[cats.index(str(r[category]))] + offsets[j]
        if sup.iloc[i] or pd.isna(r[value]):
            ax.text(0, yi, " :", va="center", ha="left", fontsize=figures.MIN_TEXT_PT, fontweight="bold")
            continue
        colour = figures.SERIES[j % 7]
        ax.barh(yi, r[value], height=h * 0.9, color="white" if few_rows[i] else colour,
                edgecolor=colour if few_rows[i] else figures.INK, linewidth=1.4 if few_rows[i] else 0.6,
                hatch=figures.HATCHES[j % 7] if k > 2 else None, linestyle="--" if few_rows[i] else "-")
        if low and high and pd.notna(r[low]) and pd.notna(r[high]):
            ax.hlines(yi, r[low], r[high], color=figures.INK, lw=1.2)
    layout.place(ax)
    if percent:
        ax.set_xlim(0, 1)
        figures.locale_axis(ax, lang, "x", "pct")
    else:
        figures.locale_axis(ax, lang, "x", "num", 0)
    _xlabel(ax, _text(axis, lang, "axis"))
    figures.legend_above(fig, handles)
    if few_rows.any():
        figures.add_note(fig, "small_n", k=small_n)
    if sup.any():
        figures.add_note(fig, "suppressed", k=3)
    return fig


def readout(df: pd.DataFrame, *, label: str, estimate: str, low: str | None = None, high: str | None = None,
            fmt: str = "pct", group: str | None = None, group_name: Callable[[Any, str], str] | None = None) -> Any:
    """Every drawn value in words, for a figure's alt text (a value of its ``alt.<label>`` text):
    ``label (group): 81 % (76–86); ...`` in the reader's language."""
    def make(lang: str) -> str:
        parts = []
        for _, r in df.iterrows():
            head = str(r[label])
            if group:
                head += f" ({group_name(r[group], lang) if group_name else r[group]})"
            parts.append(f"{head}: {tables.estimate_text(r[estimate], r[low] if low else None, r[high] if high else None, fmt, lang)}")
        return "; ".join(parts)

    return labels.text.Localized(make)


__all__ = ["forest", "point_interval", "likert", "grouped_bars", "likert_colours", "luminance", "readout",
           "SMALL_N", "NEUTRAL", "LIKERT_LOW", "LIKERT_HIGH"]
