"""Chapter 11's figures: the spread of per-test rates over the replicates, and the power per planted difference.

* :func:`rate_histogram` — one histogram per comparison, stacked, of a per-test share over the
  replicates (the rejection rate under the global null, the coverage of the effect intervals),
  with the nominal value as a dashed line and, hatched, the range in which 95 % of the rates of
  a correct test would fall with this many replicates (binomial quantiles); each axis title is
  written once.
* :func:`power_figure` — the power of each planted difference, unadjusted and after
  Benjamini–Hochberg, each with its exact 95 % Monte Carlo interval
  (:func:`sosiale_kommuner.report.charts.point_interval`), in parts of at most
  :data:`~sosiale_kommuner.report.tables.MAX_ROWS` rows (:func:`power_parts`).

Words come from the chapter's texts (``axis.*``, ``legend.*``) and ``tables.yaml``; numbers on
the axes follow the reader's locale.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sosiale_kommuner.data.codebook import Codebook
from sosiale_kommuner.report import labels, tables, text

from . import item_test_figures as itf
from .item_tests import ColumnSpec
from .simulation_page import STEM
from .simulation_summaries import binom_interval

#: Most bars a histogram draws (several counts share a bar beyond that).
MAX_BARS = 60


def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def expected_range(n: int, p: float, level: float = 0.95) -> tuple[float, float]:
    """Where ``level`` of the rates ``k / n`` of a correct procedure with probability ``p`` fall:
    the binomial ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles over ``n``."""
    lo, hi = stats.binom.ppf([(1 - level) / 2, (1 + level) / 2], int(n), p)
    return float(lo) / n, float(hi) / n


def bin_edges(rates: np.ndarray, n: int, extra: tuple[float, ...] = ()) -> np.ndarray:
    """Edges of bars centred on the attainable rates ``k / n``, several counts per bar when the
    rates span more than :data:`MAX_BARS` counts; covering ``rates`` and ``extra``."""
    values = np.concatenate([np.asarray(rates, float), np.asarray(extra, float)])
    kmin, kmax = int(np.floor(np.nanmin(values) * n)), int(np.ceil(np.nanmax(values) * n))
    step = max(1, int(np.ceil((kmax - kmin + 1) / MAX_BARS)))
    return (np.arange(kmin, kmax + step + 1, step) - 0.5) / n


def tick_step(limits: tuple[float, float], most: int = 8) -> float:
    """The smallest round step (0.5, 1, 2, 5, 10 or 20 percentage points) that puts at most
    ``most`` ticks on a rate axis spanning ``limits`` (so every tick reads as a round per cent)."""
    span = abs(limits[1] - limits[0])
    for step in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2):
        if span / step <= most:
            return step
    return 0.25


def rate_histogram(df: pd.DataFrame, lang: str, *, rate: str, nominal: float, axis: str, count_axis: str,
                   n: str = "replicates", level: float = 0.95):
    """Histograms of ``df[rate]`` (0–1), one panel per ``comparison`` (stacked, same x axis).

    ``nominal``: the rate of a correct procedure (5 % rejections, 95 % coverage), drawn dashed;
    the hatched band is where ``level`` of a correct test's rates fall with the median ``n``
    replicates. ``axis``/``count_axis``: the chapter's ``axis.*`` keys of the x and y titles."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MultipleLocator
    from matplotlib.patches import Patch

    from sosiale_kommuner.report import figures

    parts = [(cmp, d) for cmp, d in df.groupby("comparison", sort=False)]
    reps = int(df[n].median())
    lo, hi = expected_range(reps, nominal, level)
    edges = bin_edges(df[rate].to_numpy(float), reps, (lo, hi, nominal))
    narrow = figures.layout_name() == "narrow"
    fig, axes = plt.subplots(len(parts), 1, figsize=(figures.width(), 1.3 + 1.9 * len(parts)), sharex=True,
                             layout="constrained", squeeze=False)
    band_colour, line_colour = figures.OKABE_ITO["orange"], figures.OKABE_ITO["vermilion"]
    for ax, (cmp, d) in zip(axes[:, 0], parts):
        ax.axvspan(lo, hi, facecolor="none", edgecolor=band_colour, hatch="///", linewidth=0, zorder=0)
        ax.hist(d[rate].to_numpy(float), bins=edges, color=figures.OKABE_ITO["blue"], edgecolor="white",
                linewidth=0.6, zorder=2)
        ax.axvline(nominal, color=line_colour, lw=1.8, ls="--", zorder=3)
        ax.set_title(figures.wrap(labels.comparison(cmp, lang), 40 if narrow else 80), loc="left",
                     fontsize=figures.MIN_TEXT_PT + 1)
        ax.grid(axis="x", visible=False)
        ax.yaxis.get_major_locator().set_params(integer=True)
        figures.locale_axis(ax, lang, "y", "int")
    bottom = axes[-1, 0]
    bottom.set_xlim(max(edges[0], -0.01), min(edges[-1], 1.01))   # a rate lies in 0-100 %
    step = tick_step(bottom.get_xlim())
    bottom.xaxis.set_major_locator(MultipleLocator(step))
    figures.locale_axis(bottom, lang, "x", "pct", 0 if step >= 0.01 else 1)
    bottom.set_xlabel(figures.wrap(_t(f"axis.{axis}", lang, n=reps), 46 if narrow else 90))
    fig.supylabel(_t(f"axis.{count_axis}", lang), fontsize=figures.MIN_TEXT_PT + 1)
    handles = [Line2D([], [], color=line_colour, lw=1.8, ls="--", label=_t("legend.nominal", lang, x=nominal)),
               Patch(facecolor="white", edgecolor=band_colour, hatch="///",
                     label=_t("legend.expected", lang, level=level, n=reps))]
    figures.legend_above(fig, handles, ncols=1)
    return fig


def power_rows(power: pd.DataFrame, specs: list[ColumnSpec]) -> pd.DataFrame:
    """:func:`.simulation_summaries.power` with each row's ``effect_measure`` and questionnaire
    ``area`` (for its label and parts), and the exact interval of the power after BH, in the
    questionnaire's order within each comparison."""
    by = {s.column: s for s in specs}
    order = {s.column: i for i, s in enumerate(specs)}
    d = power.assign(effect_measure=[by[i].effect_measure for i in power["item"]],
                     area=[by[i].area for i in power["item"]], _order=[order[i] for i in power["item"]])
    k = np.round(d["power_bh"].to_numpy(float) * d["replicates"].to_numpy(float))
    d["ci_low_bh"], d["ci_high_bh"] = binom_interval(k, d["replicates"].to_numpy(float))
    cmp_order = {c: i for i, c in enumerate(dict.fromkeys(d["comparison"]))}
    d = d.assign(_cmp=d["comparison"].map(cmp_order)).sort_values(["_cmp", "_order"], kind="stable")
    return d.drop(columns=["_cmp", "_order"]).reset_index(drop=True)


@dataclass(frozen=True)
class PowerPart:
    """One power figure: its ``label``, the ``rows`` it draws and its caption's values."""

    label: str
    comparison: str
    rows: pd.DataFrame
    values: dict[str, Any]


def power_parts(rows: pd.DataFrame, codebook: Codebook, max_rows: int = tables.MAX_ROWS) -> list[PowerPart]:
    """The power figures of :func:`power_rows`: per comparison, whole questionnaire areas packed
    into parts of at most ``max_rows`` rows (:func:`item_test_figures.area_parts`), the caption's
    ``comparison`` and ``areas`` and the alt text's ``readout``."""
    out = []
    for cmp, d in rows.groupby("comparison", sort=False):
        for i, (areas, part) in enumerate(itf.area_parts(d, max_rows), start=1):
            part = itf.headers_last(part)
            values = {"comparison": text.Localized(lambda lang, c=cmp: _t(f"comparison.{c}", lang)),
                      "areas": itf.areas_words(codebook, areas), "readout": power_readout(part, codebook)}
            out.append(PowerPart(f"power_{cmp}_{i}", cmp, part, values))
    return out


def power_figure(part: pd.DataFrame, lang: str, codebook: Codebook):
    """The power of each planted difference in ``part`` (rows of :func:`power_rows`), unadjusted
    and after BH, each with its exact 95 % Monte Carlo interval, on a 0–100 % axis."""
    from sosiale_kommuner.report import charts

    label = [itf.row_label(codebook, c, m, lang, question=not itf.is_option(c))
             for c, m in zip(part["item"], part["effect_measure"])]
    twice = pd.Series(label).duplicated(keep=False).to_numpy()   # the same option under two questions
    label = [itf.row_label(codebook, c, m, lang) if dup else words
             for c, m, dup, words in zip(part["item"], part["effect_measure"], twice, label)]
    section = [itf.row_section(codebook, c, lang) for c in part["item"]]
    base = pd.DataFrame({"label": label, "section": section})
    long = pd.concat([
        base.assign(group="raw", estimate=part["power"].to_numpy(), ci_low=part["ci_low"].to_numpy(),
                    ci_high=part["ci_high"].to_numpy()),
        base.assign(group="bh", estimate=part["power_bh"].to_numpy(), ci_low=part["ci_low_bh"].to_numpy(),
                    ci_high=part["ci_high_bh"].to_numpy())]).sort_index(kind="stable")
    return charts.point_interval(long, lang, label="label", group="group", groups=("raw", "bh"),
                                 group_name=lambda g, lang: _t(f"legend.power_{g}", lang), n=None,
                                 suppressed=None, section="section",
                                 axis=text.Localized(lambda lang: _t("axis.power", lang)))


def power_readout(part: pd.DataFrame, codebook: Codebook) -> text.Localized:
    """Every drawn power in words, for the figure's alt text."""
    def make(lang: str) -> str:
        return "; ".join(
            f"{itf.row_label(codebook, r.item, r.effect_measure, lang)}: "
            f"{tables.estimate_text(r.power, r.ci_low, r.ci_high, 'pct', lang)}, "
            f"{_t('alt_after_bh', lang)} {tables.estimate_text(r.power_bh, r.ci_low_bh, r.ci_high_bh, 'pct', lang)}"
            for r in part.itertuples())

    return text.Localized(make)


def histogram_readout(df: pd.DataFrame, rate: str, nominal: float, count: str = "tests",
                      level: float = 0.95) -> dict[str, Any]:
    """Values of a histogram's alt text: per comparison the number of ``count`` (``tests`` or
    ``columns``), the median rate, the range, and how many fall outside the band of a correct
    procedure (``readout``); and the ``nominal`` rate."""
    reps = int(df["replicates"].median())
    lo, hi = expected_range(reps, nominal, level)

    def make(lang: str) -> str:
        parts = []
        for cmp, d in df.groupby("comparison", sort=False):
            r = d[rate].to_numpy(float)
            parts.append(_t(f"alt_panel.{count}", lang, comparison=labels.comparison(cmp, lang), count=len(r),
                            median=float(np.median(r)), low=float(r.min()), high=float(r.max()),
                            outside=int(((r < lo) | (r > hi)).sum())))
        return " ".join(parts)

    return {"readout": text.Localized(make), "nominal": nominal}


__all__ = ["expected_range", "bin_edges", "tick_step", "rate_histogram", "power_rows", "PowerPart", "power_parts", "power_figure",
           "power_readout", "histogram_readout", "MAX_BARS"]
