"""Figures of the findings chapters (04-08), drawn from an ``estimates`` table.

Every function takes the chapter's estimates table (``item_estimates.estimate_items``,
after or before disclosure control), the codebook for labels and ``lang``, and returns
``(figure, alt_text)`` for ``plots.show(fig, alt=alt)``. Suppressed or missing estimates
are left out of point plots and shown as ":" (SSB's symbol) in heatmaps.

* :func:`point_interval` — point and 95 % interval per (item, level), one colour per group
  (default: municipalities vs county municipalities);
* :func:`option_heatmap` — a multiple-choice item: options × (size classes, all
  municipalities, county municipalities), cells annotated with the percentage;
* :func:`likert_diverging` — Likert items as diverging stacked bars centred on the middle
  level ("Vet ikke" excluded, as in the percentages).
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook

from .item_estimates import MEAN_SCORE, TOP2

UNIT_LABELS = {
    "kommune": {"en": "Municipalities", "nb": "Kommuner"},
    "fylkeskommune": {"en": "County municipalities", "nb": "Fylkeskommuner"},
    "all": {"en": "All municipalities", "nb": "Alle kommuner"},
}
#: (domain, group) pairs drawn by default: the two populations.
UNIT_GROUPS = (("unit_type", "kommune"), ("unit_type", "fylkeskommune"))
TEXT = {
    "percent": {"en": "Per cent (weighted, 95 % CI)", "nb": "Prosent (vektet, 95 % KI)"},
    "share": {"en": "Share of respondents, per cent", "nb": "Andel av respondentene, prosent"},
    "suppressed": {"en": "':' = suppressed (fewer than k respondents)",
                   "nb": "':' = undertrykt (færre enn k respondenter)"},
    "dont_know": {"en": "Don't know", "nb": "Vet ikke"},
    "top2": {"en": "Two highest levels", "nb": "To høyeste nivåer"},
}


def _t(key: str, lang: str) -> str:
    return TEXT[key][lang]


def group_label(domain: str, group: str, lang: str = "en") -> str:
    """Readable label of a (domain, group): unit types translated, size classes as they are."""
    if domain in ("unit_type", "all") and group in UNIT_LABELS:
        return UNIT_LABELS[group][lang]
    return str(group)


def level_label(cb: Codebook, item: str, level: str, lang: str = "en") -> str:
    """Label of an estimates-table level (level key, option key, ``top2``, ``dont_know``)."""
    if level == DONT_KNOW:
        return _t("dont_know", lang)
    if level == TOP2:
        return _t("top2", lang)
    if level == MEAN_SCORE:
        return {"en": "Mean score (1-5)", "nb": "Gjennomsnitt (1-5)"}[lang]
    return cb.item(item).level_label(level, lang)


def row_label(cb: Codebook, item: str, level: str, lang: str = "en", with_item: bool = True) -> str:
    lab = level_label(cb, item, level, lang)
    return f"{cb.item(item).label(lang)}: {lab}" if with_item else lab


def _rows(table, item, level, domain, group):
    t = table
    hit = t[(t["item"] == item) & (t["level"].astype(str) == str(level)) & (t["domain"] == domain)
            & (t["group"].astype(str) == str(group))]
    return hit.iloc[0] if len(hit) else None


def _ok(r) -> bool:
    return r is not None and not bool(r["suppressed"]) and pd.notna(r["estimate"])


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _sentence(title: str) -> str:
    """``title`` as the first sentence of an alt text ("" if empty)."""
    t = title.strip()
    if not t:
        return ""
    return t + (" " if t[-1] in ".?!" else ". ")


def _wrap(s: str, width: int = 42) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(s, width)) or s


# ---------------------------------------------------------------------------------------
def point_interval(table: pd.DataFrame, rows: Sequence[tuple[str, str]], cb: Codebook,
                   lang: str = "en", groups: Sequence[tuple[str, str]] = UNIT_GROUPS,
                   title: str = "", with_item: bool = True):
    """Points with 95 % intervals (percent) for ``rows`` = [(item, level), ...] by ``groups``.

    Returns ``(fig, alt)``. The alt text lists every drawn estimate with its interval.
    """
    labels = [_wrap(row_label(cb, i, lv, lang, with_item)) for i, lv in rows]
    n, k = len(rows), len(groups)
    fig, ax = plt.subplots(figsize=(8.0, max(2.2, 0.45 * n * max(1, k * 0.7) + 1.2)))
    offs = (np.arange(k) - (k - 1) / 2) * (0.7 / max(k, 1)) if k > 1 else np.zeros(1)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    alt_parts = []
    for j, (dom, grp) in enumerate(groups):
        xs, ys, lo, hi = [], [], [], []
        for i, (item, level) in enumerate(rows):
            r = _rows(table, item, level, dom, grp)
            if _ok(r):
                xs.append(100 * r["estimate"]); ys.append(i + offs[j])
                lo.append(100 * r["ci_low"]); hi.append(100 * r["ci_high"])
                alt_parts.append(f"{row_label(cb, item, level, lang, with_item)}, {group_label(dom, grp, lang)}: "
                                 f"{_pct(r['estimate'])} ({_pct(r['ci_low'])}–{_pct(r['ci_high'])})")
        if xs:
            ax.errorbar(xs, ys, xerr=[np.subtract(xs, lo), np.subtract(hi, xs)], fmt="o",
                        color=colours[j % len(colours)], capsize=3, label=group_label(dom, grp, lang))
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(_t("percent", lang))
    if title:
        ax.set_title(title)
    if k > 1:
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    alt = (f"{_sentence(title)}Dot plot with 95 % intervals: " + "; ".join(alt_parts)
           if alt_parts else f"{title}: no estimates to show (all suppressed)")
    return fig, alt


def option_heatmap(table: pd.DataFrame, cb: Codebook, item: str, lang: str = "en", title: str = ""):
    """Heatmap of a multiple-choice item: options (rows) × size classes, all municipalities,
    county municipalities (columns); cell = weighted percent ticking the option."""
    it = cb.item(item)
    t = table[table["item"] == item]
    sizes = [g for g in t.loc[t["domain"] == "size_class", "group"].drop_duplicates()]
    cols = [("size_class", g) for g in sizes] + [("all", "all"), ("unit_type", "fylkeskommune")]
    col_labels = [group_label(d, g, lang) for d, g in cols]
    opts = [o.key for o in it.options]
    mat = np.full((len(opts), len(cols)), np.nan)
    for i, o in enumerate(opts):
        for j, (d, g) in enumerate(cols):
            r = _rows(t, item, o, d, g)
            if _ok(r):
                mat[i, j] = 100 * r["estimate"]
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * len(opts) + 2.2))
    masked = np.ma.masked_invalid(mat)
    cmap = plt.get_cmap("Blues").with_extremes(bad="#dddddd")
    im = ax.imshow(masked, cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(len(opts)):
        for j in range(len(cols)):
            v = mat[i, j]
            ax.text(j, i, ":" if np.isnan(v) else f"{v:.0f}", ha="center", va="center",
                    color="white" if (not np.isnan(v) and v > 60) else "black", fontsize=9)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(col_labels, fontsize=9, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(opts)))
    ax.set_yticklabels([_wrap(it.level_label(o, lang), 34) for o in opts])
    ax.axvline(len(sizes) - 0.5, color="white", lw=3)
    ax.grid(False)
    ax.set_title(title or _wrap(it.label(lang), 70))
    fig.colorbar(im, ax=ax, label=_t("percent", lang).split(" (")[0], fraction=0.04)
    fig.tight_layout()
    parts = []
    for j, (d, g) in enumerate(cols):
        vals = mat[:, j]
        if np.all(np.isnan(vals)):
            parts.append(f"{group_label(d, g, lang)}: suppressed")
            continue
        top = int(np.nanargmax(vals))
        parts.append(f"{group_label(d, g, lang)}: most often {it.level_label(opts[top], lang)} "
                     f"({vals[top]:.0f} %)")
    alt = (f"Heatmap of the weighted percentage ticking each option of '{it.label(lang)}' by size "
           f"class, for all municipalities and for county municipalities. " + "; ".join(parts))
    return fig, alt


def likert_diverging(table: pd.DataFrame, cb: Codebook, items: Sequence[str], lang: str = "en",
                     groups: Sequence[tuple[str, str]] = UNIT_GROUPS, title: str = ""):
    """Diverging stacked bars of Likert items: the two low levels and half the middle level
    to the left of 0, the rest to the right; one bar per item × group ("Vet ikke" excluded)."""
    scales = {tuple(cb.item(i).substantive_keys) for i in items}
    if len(scales) != 1:
        raise ValueError(f"likert_diverging: items {list(items)} use different answer scales; "
                         "draw one figure per scale")
    bars, alt_parts = [], []
    for item in items:
        it = cb.item(item)
        keys = it.substantive_keys
        for d, g in groups:
            vals = []
            for key in keys:
                r = _rows(table, item, key, d, g)
                vals.append(100 * r["estimate"] if _ok(r) else np.nan)
            bars.append((f"{_wrap(it.label(lang), 38)}\n({group_label(d, g, lang)})", vals, keys, it))
            if not np.any(np.isnan(vals)):
                alt_parts.append(f"{it.label(lang)} ({group_label(d, g, lang)}): "
                                 + ", ".join(f"{it.level_label(k, lang)} {v:.0f} %" for k, v in zip(keys, vals)))
    fig, ax = plt.subplots(figsize=(8.0, 0.62 * len(bars) + 1.6))
    colours = plt.get_cmap("RdBu")(np.linspace(0.1, 0.9, 5))
    legend_done = False
    for i, (lab, vals, keys, it) in enumerate(bars):
        if np.any(np.isnan(vals)):
            ax.text(0, i, ":", ha="center", va="center")
            continue
        v = np.asarray(vals)
        left = -(v[0] + v[1] + v[2] / 2)
        for k in range(5):
            ax.barh(i, v[k], left=left, color=colours[k], edgecolor="white",
                    label=it.level_label(keys[k], lang) if not legend_done else None)
            if v[k] >= 8:
                ax.text(left + v[k] / 2, i, f"{v[k]:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if k in (0, 4) else "black")
            left += v[k]
        legend_done = True
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([b[0] for b in bars], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100])
    ax.set_xticklabels(["100", "50", "0", "50", "100"])
    ax.set_xlabel(_t("share", lang))
    if title:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize="small", frameon=False)
    fig.tight_layout()
    alt = (f"{_sentence(title)}Diverging stacked bars of the answer levels "
           "(\"Don't know\" excluded): " + "; ".join(alt_parts)) if alt_parts else f"{title}: all suppressed"
    return fig, alt


def item_levels(cb: Codebook, item: str) -> list[tuple[str, str]]:
    """[(item, level)] for the substantive levels of a categorical item, in codebook order."""
    return [(item, k) for k in cb.item(item).substantive_keys]


def size_and_unit_groups(table: pd.DataFrame) -> list[tuple[str, str]]:
    """Size classes (in table order), then municipalities and county municipalities."""
    sizes = table.loc[table["domain"] == "size_class", "group"].drop_duplicates().tolist()
    return [("size_class", g) for g in sizes] + list(UNIT_GROUPS)


__all__ = ["point_interval", "option_heatmap", "likert_diverging", "item_levels",
           "size_and_unit_groups", "group_label", "level_label", "row_label", "UNIT_GROUPS", "UNIT_LABELS"]
