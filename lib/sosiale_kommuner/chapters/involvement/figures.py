"""Chapter 10's figures, drawn with the report's charts (:mod:`sosiale_kommuner.report.charts`) or
with its layout helpers (:mod:`sosiale_kommuner.report.figures`): every one the width of the page
column (and a phone layout), Okabe–Ito colours with a marker or hatching as a second cue, legends
above the plot, labels wrapped and in the reader's language.

* :func:`reach_figure` — the headline share by group (municipalities; county municipalities, few
  answers, drawn open and dashed with their n in the legend);
* :func:`ame_figure` — the model's average marginal effects;
* :func:`calibration_figure` — observed share against mean prediction by risk group;
* :func:`typology_figure` — the practice types, stacked, by size class and centrality;
* :func:`simulation_figure` — the appendix's simulated AMEs against their target.

Each ``*_alt`` gives the figure's drawn values in words (a value of the text layer's ``alt.*``).
Suppressed estimates are drawn as ":" or left out of stacked bars.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sosiale_kommuner.config import CENTRALITY_2008, FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.report import charts, figures, labels
from sosiale_kommuner.report.text import Localized, formats

from .labels import group_label, practice_label, t, term_label
from .model import MODEL_NAME
from .variables import INVOLVED_ALL, PRACTICE, PRACTICE_LEVELS

#: Domains of the headline figure, top to bottom.
REACH_DOMAINS = ("all", "size_class", "centrality", "region", "unit_type")


def reach_rows(est: pd.DataFrame, lang: str, item: str = INVOLVED_ALL, level: str = "yes") -> pd.DataFrame:
    """The rows of the headline figure: all municipalities, each size class, centrality class and
    region, then the county municipalities; ``label`` the group, ``section`` its domain, ``unit``
    the unit type (the series)."""
    e = est[(est["item"] == item) & (est["level"].astype(str) == level) & est["domain"].isin(REACH_DOMAINS)]
    e = e[~((e["domain"] == "unit_type") & (e["group"].astype(str) == KOMMUNE))].copy()
    e["_order"] = e["domain"].map({d: i for i, d in enumerate(REACH_DOMAINS)})
    e = e.sort_values("_order", kind="mergesort").reset_index(drop=True)
    e["label"] = [group_label(d, g, lang) for d, g in zip(e["domain"], e["group"])]
    e["section"] = [None if d in ("all", "unit_type") else labels.domain(d, lang) for d in e["domain"]]
    e["unit"] = np.where((e["domain"] == "unit_type") & (e["group"].astype(str) == FYLKESKOMMUNE),
                         FYLKESKOMMUNE, KOMMUNE)
    return e.drop(columns="_order")


def reach_figure(est: pd.DataFrame, lang: str) -> plt.Figure:
    """The headline share with 95 % intervals in every group (see :func:`reach_rows`)."""
    d = reach_rows(est, lang)
    return charts.point_interval(d, lang, label="label", group="unit", section="section",
                                 groups=[g for g in (KOMMUNE, FYLKESKOMMUNE) if (d["unit"] == g).any()],
                                 group_name=lambda g, lang: group_label("unit_type", g, lang), axis="percent")


def reach_alt(est: pd.DataFrame) -> Localized:
    return Localized(lambda lang: charts.readout(reach_rows(est, lang), label="label", estimate="estimate",
                                                 low="ci_low", high="ci_high").localize(lang))


# -- average marginal effects ------------------------------------------------------------------------
def ame_rows(models: pd.DataFrame, lang: str, model: str = MODEL_NAME) -> pd.DataFrame:
    a = models[(models["kind"] == "ame") & (models["model"] == model)].reset_index(drop=True)
    return a.assign(label=[term_label(x, lang) for x in a["term"]])


def _intervals(ax, layout, est, lo, hi, colour, marker, open_=None) -> None:
    open_ = np.zeros(len(est), bool) if open_ is None else open_
    for i in range(len(est)):
        if not (np.isnan(lo[i]) or np.isnan(hi[i])):
            ax.hlines(layout.y[i], lo[i], hi[i], color=colour, lw=1.8)
        if not np.isnan(est[i]):
            ax.plot([est[i]], [layout.y[i]], marker=marker, ls="", markersize=7, color=colour,
                    markerfacecolor="white" if open_[i] else colour, markeredgewidth=1.6, zorder=3)


def ame_figure(models: pd.DataFrame, lang: str, model: str = MODEL_NAME) -> plt.Figure:
    """The average marginal effects (percentage points) with 95 % intervals; an interval that
    excludes zero is drawn filled, one that includes it open."""
    a = ame_rows(models, lang, model)
    est, lo, hi = (100 * a[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
    layout = figures.rows(list(a["label"]))
    colour = figures.SERIES[0]
    handles = [Line2D([], [], marker="o", color=colour, lw=1.8, markersize=7, label=t("legend.ame_excludes", lang)),
               Line2D([], [], marker="o", color=colour, markerfacecolor="white", lw=1.8, markersize=7,
                      label=t("legend.ame_includes", lang))]
    fig, ax = figures.chart_figure(layout, legend_lines=2)
    _intervals(ax, layout, est, lo, hi, colour, "o", open_=(lo <= 0) & (hi >= 0))
    ax.axvline(0, color=figures.INK, lw=0.9)
    layout.place(ax)
    figures.locale_axis(ax, lang, "x", "pp")
    ax.set_xlabel(figures.wrap(t("axis.ame", lang), 46 if figures.layout_name() == "narrow" else 90))
    figures.legend_above(fig, handles, ncols=1)
    return fig


def ame_alt(models: pd.DataFrame, model: str = MODEL_NAME) -> Localized:
    return Localized(lambda lang: charts.readout(ame_rows(models, lang, model), label="label", estimate="estimate",
                                                 low="ci_low", high="ci_high", fmt="pp").localize(lang))


# -- calibration ---------------------------------------------------------------------------------
def calibration_figure(cal: pd.DataFrame, lang: str) -> plt.Figure:
    """Weighted observed share against mean predicted probability, one point per risk group
    (its area by the respondents in it), and the diagonal of perfect calibration."""
    w = figures.width()
    fig = plt.figure(figsize=(w, min(w * 0.7, 5.6)), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color=charts.INK_LINE, lw=1.2, ls="--")
    ax.scatter(cal["mean_predicted"], cal["observed"], s=20 + 2 * cal["n"], color=figures.SERIES[0],
               marker="o", edgecolor=figures.INK, linewidth=0.6, zorder=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    figures.locale_axis(ax, lang, "both", "pct")
    chars = 46 if figures.layout_name() == "narrow" else 90
    ax.set_xlabel(figures.wrap(t("axis.predicted", lang), chars))
    ax.set_ylabel(figures.wrap(t("axis.observed", lang), 30))
    handles = [Line2D([], [], marker="o", ls="", color=figures.SERIES[0], markeredgecolor=figures.INK, markersize=8,
                      label=t("legend.risk_group", lang)),
               Line2D([], [], ls="--", color=charts.INK_LINE, lw=1.2, label=t("legend.perfect", lang))]
    figures.legend_above(fig, handles, ncols=1)
    return fig


def calibration_alt(cal: pd.DataFrame) -> Localized:
    return Localized(lambda lang: "; ".join(
        t("alt_part.calibration", lang, group=int(g), predicted=p, observed=o, n=int(n))
        for g, p, o, n in zip(cal["group"], cal["mean_predicted"], cal["observed"], cal["n"])))


# -- practice types ------------------------------------------------------------------------------
def typology_rows(est: pd.DataFrame) -> pd.DataFrame:
    """Shares of the practice types, one row per group (all, size classes, centrality classes),
    one column per type; suppressed estimates missing."""
    e = est[(est["item"] == PRACTICE) & est["domain"].isin(["all", "size_class", "centrality"])]
    e = e.assign(estimate=e["estimate"].where(~e["suppressed"].astype(bool)))
    order = pd.MultiIndex.from_tuples(list(dict.fromkeys(zip(e["domain"], e["group"].astype(str)))),
                                      names=["domain", "group"])
    wide = (e.assign(group=e["group"].astype(str)).set_index(["domain", "group", "level"])["estimate"]
            .unstack("level").reindex(order))
    return wide[[lv for lv in PRACTICE_LEVELS if lv in wide.columns]]


def typology_figure(est: pd.DataFrame, lang: str) -> plt.Figure:
    """Stacked bars of the practice types (colour and hatching per type) for every group."""
    wide = typology_rows(est)
    names = [group_label(d, g, lang) for d, g in wide.index]
    sections = [None if d == "all" else labels.domain(d, lang) for d, _ in wide.index]
    layout = figures.rows(names, sections, mark=1.3)
    handles = [Patch(facecolor=figures.SERIES[j], edgecolor=figures.INK, linewidth=0.6, hatch=figures.HATCHES[j],
                     label=practice_label(lv, lang)) for j, lv in enumerate(wide.columns)]
    narrow = figures.layout_name() == "narrow"
    fig, ax = figures.chart_figure(layout, legend_lines=len(handles) if narrow else 1)
    for i, (_, row) in enumerate(wide.iterrows()):
        left = 0.0
        if row.isna().all():
            ax.text(0.005, layout.y[i], ":", va="center", fontweight="bold", fontsize=figures.MIN_TEXT_PT + 1)
            continue
        for j, lv in enumerate(wide.columns):
            v = 0.0 if pd.isna(row[lv]) else float(row[lv])
            ax.barh(layout.y[i], v, left=left, height=1.1, color=figures.SERIES[j], edgecolor=figures.INK,
                    linewidth=0.6, hatch=figures.HATCHES[j])
            left += v
    layout.place(ax)
    ax.set_xlim(0, 1)
    figures.locale_axis(ax, lang, "x", "pct")
    ax.set_xlabel(figures.wrap(t("axis.practice", lang), 46 if narrow else 90))
    figures.legend_above(fig, handles, ncols=len(handles))
    return fig


def typology_alt(est: pd.DataFrame) -> Localized:
    wide = typology_rows(est)

    def make(lang: str) -> str:
        return "; ".join(f"{group_label(d, g, lang)}: " + ", ".join(
            f"{practice_label(lv, lang).lower()} {formats.percent(v, 0, lang)}" for lv, v in row.items() if pd.notna(v))
            for (d, g), row in wide.iterrows())
    return Localized(make)


# -- the appendix simulation -----------------------------------------------------------------------
def simulation_figure(reps: pd.DataFrame, truth: pd.DataFrame, lang: str) -> plt.Figure:
    """Box plots of the simulated AMEs per term (percentage points) with the target marked."""
    terms = list(truth["term"])
    data = [100 * reps.loc[reps["term"] == x, "estimate"].dropna().to_numpy() for x in terms]
    layout = figures.rows([term_label(x, lang) for x in terms], mark=1.3)
    handles = [Patch(facecolor="white", edgecolor=figures.INK, label=t("legend.simulated", lang)),
               Line2D([], [], marker="D", ls="", color=figures.SERIES[4], markersize=7, label=t("legend.target", lang))]
    fig, ax = figures.chart_figure(layout, legend_lines=2)
    ok = [i for i, d in enumerate(data) if len(d)]
    if ok:
        ax.boxplot([data[i] for i in ok], positions=layout.y[ok], orientation="horizontal", widths=0.9,
                   showfliers=False, medianprops=dict(color=figures.INK, lw=1.6))
    ax.scatter(100 * truth["truth"].to_numpy(float), layout.y, marker="D", color=figures.SERIES[4], s=40, zorder=3)
    ax.axvline(0, color=figures.INK, lw=0.9)
    layout.place(ax)
    figures.locale_axis(ax, lang, "x", "pp")
    ax.set_xlabel(figures.wrap(t("axis.simulated_ame", lang), 46 if figures.layout_name() == "narrow" else 90))
    figures.legend_above(fig, handles, ncols=1)
    return fig


def simulation_alt(reps: pd.DataFrame, truth: pd.DataFrame) -> Localized:
    def make(lang: str) -> str:
        parts = []
        for x, v in zip(truth["term"], truth["truth"]):
            d = reps.loc[reps["term"] == x, "estimate"].dropna().to_numpy()
            parts.append(t("alt_part.simulation", lang, term=term_label(x, lang), target=float(v),
                           median=float(np.median(d)) if len(d) else float("nan")))
        return "; ".join(parts)
    return Localized(make)


def centrality_classes() -> list[int]:
    """SSB's 2008 centrality classes, least central first."""
    return sorted(CENTRALITY_2008)


__all__ = ["REACH_DOMAINS", "reach_rows", "reach_figure", "reach_alt", "ame_rows", "ame_figure", "ame_alt",
           "calibration_figure", "calibration_alt", "typology_rows", "typology_figure", "typology_alt",
           "simulation_figure", "simulation_alt", "centrality_classes"]
