"""Chapter 10's figures; each function returns ``(fig, alt)`` for ``figures.show(fig, alt=alt)``.

Suppressed estimates are left out of point plots and shown as ":" (SSB's symbol) in the
heatmap; every alt text lists the numbers drawn.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sosiale_kommuner.config import CENTRALITY_2008, FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import Codebook

from .labels import DOMAIN_LABELS, PRACTICE_LABELS, UNIT_LABELS, group_label, pct, pp, term_label
from .model import MODEL_NAME
from .variables import PRACTICE, PRACTICE_LEVELS

def plot_share_by_group(est: pd.DataFrame, item: str, level: str, title: str, lang: str = "en",
                        domains=("all", "size_class", "centrality", "region", "unit_type")):
    """Point-and-interval plot of one level's share in every group of ``domains``."""
    e = est[(est["item"] == item) & (est["level"] == level) & est["domain"].isin(domains)].copy()
    e = e[~((e["domain"] == "unit_type") & (e["group"] == KOMMUNE))]
    e["dom_order"] = e["domain"].map({d: i for i, d in enumerate(domains)})
    e = e.sort_values("dom_order", kind="mergesort").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(e) + 1.2))
    ylab = []
    for i, r in e.iterrows():
        y = len(e) - 1 - i
        lab = group_label(r["domain"], r["group"], lang)
        if r["domain"] not in ("all", "unit_type"):
            lab = f"{DOMAIN_LABELS[lang][r['domain']]}: {lab}"
        ylab.append((y, lab))
        if bool(r["suppressed"]) or pd.isna(r["estimate"]):
            ax.text(0.01, y, ":", va="center")
            continue
        colour = "C1" if r["domain"] == "unit_type" else ("C0" if r["domain"] != "centrality" else "C2")
        ax.errorbar(r["estimate"], y, xerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                    fmt="o", color=colour, capsize=3)
    ax.set_yticks([y for y, _ in ylab], [l for _, l in ylab])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.set_title(title)
    ax.set_xlabel("Weighted share, 95 % CI (synthetic data)" if lang == "en" else "Vektet andel, 95 % KI (syntetiske data)")
    fig.tight_layout()
    alt = (f"{title}: weighted share with 95 % confidence intervals for all municipalities, by size class, "
           f"centrality and region, and for county municipalities; " +
           "; ".join(f"{l} {pct(v)}" for (_, l), v in zip(ylab, e["estimate"]) if pd.notna(v)) + ".")
    return fig, alt


def plot_options(est: pd.DataFrame, codebook: Codebook, items, lang: str = "en"):
    """Shares of the options of multiple-choice items: municipalities (with CI) and county municipalities."""
    fig, axes = plt.subplots(len(items), 1, figsize=(8, 1.2 + sum(0.45 * len(codebook.options(i)) for i in items)),
                             gridspec_kw={"height_ratios": [len(codebook.options(i)) for i in items]})
    axes = np.atleast_1d(axes)
    alts = []
    for ax, it in zip(axes, items):
        opts = [o.key for o in codebook.options(it)]
        labs = [codebook.option_label(f"{it}__{k}", lang) for k in opts]
        y = np.arange(len(opts))[::-1]
        for grp, dy, col, lab in ((KOMMUNE, 0.15, "C0", UNIT_LABELS[lang][KOMMUNE]),
                                  (FYLKESKOMMUNE, -0.15, "C1", UNIT_LABELS[lang][FYLKESKOMMUNE])):
            e = est[(est["item"] == it) & (est["domain"] == "unit_type") & (est["group"] == grp)].set_index("level")
            e = e.reindex(opts)
            ok = ~e["suppressed"].fillna(True).astype(bool) & e["estimate"].notna()
            ax.errorbar(e["estimate"][ok], (y + dy)[ok.to_numpy()],
                        xerr=[(e["estimate"] - e["ci_low"])[ok], (e["ci_high"] - e["estimate"])[ok]],
                        fmt="o", color=col, capsize=2, label=lab)
            if grp == KOMMUNE:
                alts.append(f"{codebook.label(it, lang)}: " + ", ".join(
                    f"{l} {pct(v)}" for l, v in zip(labs, e["estimate"]) if pd.notna(v)))
        ax.set_yticks(y, labs)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
        ax.set_title(codebook.label(it, lang), fontsize=10)
    handles, labels_ = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="lower center", ncol=2, fontsize=9, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig, "Shares ticking each option (municipalities, with 95 % CIs; county municipalities beside): " + "; ".join(alts) + "."


def plot_ame(models: pd.DataFrame, lang: str = "en", model: str = MODEL_NAME):
    """Forest plot of the average marginal effects (percentage points)."""
    a = models[(models["kind"] == "ame") & (models["model"] == model)].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(a) + 1.2))
    y = np.arange(len(a))[::-1]
    ax.errorbar(100 * a["estimate"], y, xerr=[100 * (a["estimate"] - a["ci_low"]), 100 * (a["ci_high"] - a["estimate"])],
                fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, [term_label(t, lang) for t in a["term"]])
    ax.set_xlabel("Average marginal effect, percentage points (95 % CI)" if lang == "en"
                  else "Gj.sn. marginaleffekt, prosentpoeng (95 % KI)")
    ax.set_title("What goes with involvement (associations, not effects)" if lang == "en"
                 else "Hva henger sammen med involvering (samvariasjon, ikke effekter)")
    fig.tight_layout()
    alt = ("Average marginal effects of the involvement model with 95 % confidence intervals: " +
           "; ".join(f"{term_label(t, lang)} {pp(e)} ({pp(lo)} to {pp(hi)})"
                     for t, e, lo, hi in zip(a["term"], a["estimate"], a["ci_low"], a["ci_high"])) + ".")
    return fig, alt


def plot_calibration(cal: pd.DataFrame, lang: str = "en"):
    """Calibration plot: weighted observed share against mean predicted probability by risk group."""
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.scatter(cal["mean_predicted"], cal["observed"], s=20 + 2 * cal["n"])
    ax.set_xlim(0, 1); ax.set_ylim(0, 1)
    ax.set_xlabel("Mean predicted probability" if lang == "en" else "Gjennomsnittlig predikert sannsynlighet")
    ax.set_ylabel("Observed share (weighted)" if lang == "en" else "Observert andel (vektet)")
    ax.set_title("Calibration by risk group" if lang == "en" else "Kalibrering etter risikogruppe")
    fig.tight_layout()
    alt = ("Calibration plot of the involvement model: for each group of respondents by predicted probability, "
           "observed weighted share against mean prediction: " +
           "; ".join(f"group {int(g)}: predicted {pct(p)}, observed {pct(o)}" for g, p, o in
                     zip(cal["group"], cal["mean_predicted"], cal["observed"])) + ".")
    return fig, alt


def plot_typology(est: pd.DataFrame, lang: str = "en"):
    """Stacked bars of the practice types: all municipalities, by size class and by centrality."""
    e = est[(est["item"] == PRACTICE) & est["domain"].isin(["all", "size_class", "centrality"])]
    e = e[~e["suppressed"].astype(bool)]
    wide = e.pivot_table(index=["domain", "group"], columns="level", values="estimate", sort=False)
    wide = wide[[lv for lv in PRACTICE_LEVELS if lv in wide.columns]]
    labels = [group_label(d, g, lang) if d != "size_class" else f"{g}" for d, g in wide.index]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(wide) + 1.5))
    left = np.zeros(len(wide))
    y = np.arange(len(wide))[::-1]
    for j, lv in enumerate(wide.columns):
        ax.barh(y, wide[lv].to_numpy(), left=left, color=f"C{j}", label=PRACTICE_LABELS[lang][lv])
        left += wide[lv].fillna(0).to_numpy()
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.legend(ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=9)
    ax.set_title("Kinds of involvement practice (municipalities, weighted)" if lang == "en"
                 else "Typer involveringspraksis (kommuner, vektet)")
    fig.tight_layout()
    alt = ("Stacked bars of the share of municipalities in each kind of involvement practice (none, informing, "
           "consulting, co-creating), overall, by size class and by centrality: " +
           "; ".join(f"{lab}: " + ", ".join(f"{PRACTICE_LABELS['en'][lv].lower()} {pct(v)}" for lv, v in row.items() if pd.notna(v))
                     for lab, (_, row) in zip(labels, wide.iterrows())) + ".")
    return fig, alt


def plot_simulation(reps: pd.DataFrame, truth: pd.DataFrame, lang: str = "en"):
    """Distribution of the simulated AMEs per term (box plots) with the target marked."""
    terms = list(truth["term"])
    data = [100 * reps.loc[reps["term"] == t, "estimate"].dropna().to_numpy() for t in terms]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(terms) + 1.2))
    y = np.arange(len(terms))[::-1]
    ax.boxplot(data, positions=y, orientation="horizontal", widths=0.5, showfliers=False)
    ax.scatter(100 * truth["truth"].to_numpy(), y, marker="D", color="C3", zorder=3, label="target (100 000-unit population)")
    ax.set_yticks(y, [term_label(t, lang) for t in terms])
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel("Average marginal effect, percentage points")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Simulated estimates against their target")
    fig.tight_layout()
    alt = ("Box plots of the average marginal effects estimated in the simulated surveys, one per model term, with "
           "the target value of the generating process marked: " +
           "; ".join(f"{term_label(t, lang)} target {pp(v, 1)}, median {pp(np.median(d) / 100 if len(d) else np.nan, 1)}"
                     for t, v, d in zip(terms, truth["truth"], data)) + ".")
    return fig, alt


def plot_centrality_heatmap(est: pd.DataFrame, codebook: Codebook, items, lang: str = "en"):
    """Heatmap: options of multiple-choice items (rows) × centrality classes and size classes
    (columns), municipalities; cell = weighted percent ticking the option (":" suppressed)."""
    cols = [("centrality", str(k)) for k in sorted(CENTRALITY_2008)]
    sizes = list(est.loc[est["domain"] == "size_class", "group"].drop_duplicates())
    cols += [("size_class", g) for g in sizes] + [("all", "all")]
    col_labels = [("C" + g if d == "centrality" else (g if d == "size_class" else ("All" if lang == "en" else "Alle")))
                  for d, g in cols]
    rows = [(it, o.key) for it in items for o in codebook.options(it)]
    mat = np.full((len(rows), len(cols)), np.nan)
    e = est.set_index(["item", "level", "domain", "group"])
    for i, (it, lv) in enumerate(rows):
        for j, (d, g) in enumerate(cols):
            key = (it, lv, d, g)
            if key in e.index:
                r = e.loc[key]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                if not bool(r["suppressed"]) and pd.notna(r["estimate"]):
                    mat[i, j] = 100 * r["estimate"]
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(rows) + 1.8))
    cmap = plt.get_cmap("Blues").with_extremes(bad="#dddddd")
    ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = mat[i, j]
            ax.text(j, i, ":" if np.isnan(v) else f"{v:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if (not np.isnan(v) and v > 60) else "black")
    ax.set_xticks(range(len(cols)), col_labels, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [textwrap.shorten(codebook.option_label(f"{it}__{lv}", lang), 44, placeholder="…")
                                          for it, lv in rows], fontsize=8)
    ax.axvline(3.5, color="white", lw=3)
    ax.axvline(3.5 + len(sizes), color="white", lw=3)
    for k in np.cumsum([len(codebook.options(it)) for it in items])[:-1]:
        ax.axhline(k - 0.5, color="white", lw=3)
    ax.grid(False)
    ax.set_title(("Percent of municipalities by centrality class (C0 least – C3 most central) and size class"
                  if lang == "en" else "Prosent av kommunene etter sentralitet (C0 minst – C3 mest sentral) og størrelse"),
                 fontsize=10, pad=28)
    fig.tight_layout()
    alt = ("Heatmap of the weighted percent of municipalities ticking each option of the area-9 multiple-choice "
           "questions, by centrality class 0–3 and by size class: " +
           "; ".join(f"{codebook.option_label(f'{it}__{lv}', 'en')}: " +
                     ", ".join(f"{c} {'suppressed' if np.isnan(v) else f'{v:.0f} %'}" for c, v in zip(col_labels, mat[i]))
                     for i, (it, lv) in enumerate(rows)) + ".")
    return fig, alt
