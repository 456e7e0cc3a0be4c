"""Tables, figure and prose of the population chapter (``00_population``).

All counts are units (municipalities or county municipalities); all populations are
inhabitants on 1 January 2013 unless a column says otherwise.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import frame

#: Column headers of the chapter's tables, for display.
HEADERS = {
    "check": "Check", "value": "Value", "unit_id": "Number", "name": "Name",
    "population_2015": "Inhabitants 1 Jan 2015", "size_class": "Size class",
    "population_mid_2011": "Inhabitants mid-2011", "size_class_mid_2011": "Size class by mid-2011",
    "same_class_2011": "Same class", "municipalities": "Municipalities",
    "inhabitants_2013": "Inhabitants 1 Jan 2013", "share_of_municipalities": "Share of municipalities",
    "share_of_inhabitants": "Share of inhabitants", "region": "Region (NUTS-2)",
    "county_municipalities": "County municipalities", "centrality": "Centrality (SSB 2008)",
    "label": "Class",
}

#: SSB's mid-2011 figures for the three Vestfold municipalities without a 1 January 2013
#: figure (docs/contracts.md §4). They only confirm the size class given by the 2015 figures.
MID_2011_FIGURES = {"0706": 44_008, "0719": 5_408, "0720": 11_214}


def _share(part: pd.Series, whole: float) -> pd.Series:
    """Share on 0–1 (tables show it as a percentage with one decimal)."""
    return part / whole


def frame_checks(population: pd.DataFrame, facts: dict) -> pd.DataFrame:
    """The frame's checked facts as a two-column table (``check``, ``value``)."""
    rows = [
        ("municipalities (kommuner)", facts["n_municipalities"]),
        ("county municipalities (fylkeskommuner, Oslo counted as a municipality)", facts["n_county_municipalities"]),
        ("municipalities with a 1 Jan 2013 figure", facts["n_municipalities"] - facts["n_without_2013"]),
        ("their inhabitants, 1 Jan 2013", facts["sum_2013_known"]),
        ("SSB national total, 1 Jan 2013", config.NATIONAL_POPULATION_2013),
        ("left for 0706, 0719 and 0720 together", facts["residual_for_three"]),
    ]
    rows += [(f"municipalities in size class {c}", n) for c, n in facts["size_class_counts"].items()]
    return pd.DataFrame(rows, columns=["check", "value"])


def unclassed_2013(population: pd.DataFrame, boundaries: Sequence[int]) -> pd.DataFrame:
    """The municipalities classed by their 2015 figure, with the class their mid-2011 figure gives."""
    k = population[population["size_basis"] == "2015"]
    ids = list(k["unit_id"])
    cls_2011 = frame.size_class(pd.Series([MID_2011_FIGURES[i] for i in ids]), boundaries)
    out = pd.DataFrame({
        "unit_id": ids,
        "name": list(k["name"]),
        "population_2015": list(k["population_2015"].astype(int)),
        "size_class": [str(c) for c in k["size_class"]],
        "population_mid_2011": [MID_2011_FIGURES[i] for i in ids],
        "size_class_mid_2011": [str(c) for c in cls_2011],
    })
    out["same_class_2011"] = out["size_class"] == out["size_class_mid_2011"]
    return out


def _inhabitants(k: pd.DataFrame) -> pd.Series:
    """1 Jan 2013 inhabitants; the three without a 2013 figure contribute nothing here."""
    return k["population"].astype("float64").fillna(0.0)


def by_size_class(kommuner: pd.DataFrame) -> pd.DataFrame:
    """Municipalities and inhabitants (1 Jan 2013) per size class, with shares on 0–1.

    The three municipalities without a 2013 figure are counted as units but their
    inhabitants are left out (SSB publishes no split of their 61 573 inhabitants).
    """
    k = kommuner.assign(inhabitants=_inhabitants(kommuner))
    g = k.groupby("size_class", observed=False).agg(municipalities=("unit_id", "size"),
                                                     inhabitants_2013=("inhabitants", "sum"))
    g["inhabitants_2013"] = g["inhabitants_2013"].astype("int64")
    g["share_of_municipalities"] = _share(g["municipalities"], g["municipalities"].sum())
    g["share_of_inhabitants"] = _share(g["inhabitants_2013"], g["inhabitants_2013"].sum())
    return g.reset_index().assign(size_class=lambda d: d["size_class"].astype(str))


def by_region(population: pd.DataFrame) -> pd.DataFrame:
    """Municipalities, county municipalities and municipal inhabitants per NUTS-2 region."""
    k = population[population["unit_type"] == config.KOMMUNE]
    f = population[population["unit_type"] == config.FYLKESKOMMUNE]
    out = pd.DataFrame({
        "region": list(config.REGIONS),
        "municipalities": k.groupby("region", observed=False).size().to_numpy(),
        "county_municipalities": f.groupby("region", observed=False).size().to_numpy(),
        "inhabitants_2013": k.assign(i=_inhabitants(k)).groupby("region", observed=False)["i"].sum()
                             .astype("int64").to_numpy(),
    })
    return out


def by_centrality(kommuner: pd.DataFrame) -> pd.DataFrame:
    """Municipalities and inhabitants per SSB 2008 centrality class (3 = central)."""
    k = kommuner.assign(inhabitants=_inhabitants(kommuner))
    g = k.groupby("centrality").agg(municipalities=("unit_id", "size"),
                                    inhabitants_2013=("inhabitants", "sum"))
    g = g.sort_index(ascending=False)
    g["inhabitants_2013"] = g["inhabitants_2013"].astype("int64")
    g.insert(0, "label", [config.CENTRALITY_2008[int(c)] for c in g.index])
    return g.reset_index().assign(centrality=lambda d: d["centrality"].astype(int))


def plot_units_and_inhabitants(kommuner: pd.DataFrame) -> plt.Figure:
    """Two panels: municipalities per size class and inhabitants per size class."""
    t = by_size_class(kommuner)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    axes[0].bar(t["size_class"], t["municipalities"], color="#4C72B0")
    axes[0].set(title="Municipalities by size class", xlabel="Inhabitants, 1 Jan 2013",
                ylabel="Municipalities (count)")
    axes[1].bar(t["size_class"], t["inhabitants_2013"] / 1e6, color="#DD8452")
    axes[1].set(title="Inhabitants by size class", xlabel="Inhabitants, 1 Jan 2013",
                ylabel="Inhabitants (millions)")
    for ax, col, fmt in ((axes[0], "municipalities", "{:.0f}"), (axes[1], "inhabitants_2013", "{:.2f}")):
        vals = t[col] / (1e6 if col == "inhabitants_2013" else 1)
        for x, v in zip(t["size_class"], vals):
            ax.annotate(fmt.format(v), (x, v), ha="center", va="bottom", fontsize=9)
    fig.text(0.99, 0.01, config.SSB_ATTRIBUTION, ha="right", fontsize=8, color="#555555")
    fig.tight_layout()
    return fig


def units_and_inhabitants_alt(by_size: pd.DataFrame) -> str:
    """Alt text for :func:`plot_units_and_inhabitants`, with its numbers."""
    parts = [f"{r.size_class}: {r.municipalities} municipalities, {frame.fmt_thousands(r.inhabitants_2013)} inhabitants"
             for r in by_size.itertuples()]
    return "Bar charts of municipalities and inhabitants by size class. " + "; ".join(parts) + "."


def closing_text(population: pd.DataFrame, facts: dict, by_size: pd.DataFrame) -> str:
    """The chapter's closing paragraph, every number read from the computed tables."""
    first, last = by_size.iloc[0], by_size.iloc[-1]
    return (
        f"The study's populations are **{facts['n_municipalities']} municipalities** and "
        f"**{facts['n_county_municipalities']} county municipalities**. Size is very unevenly "
        f"spread: the {first.municipalities} municipalities in class *{first.size_class}* are "
        f"{100 * first.share_of_municipalities:.1f} % of all municipalities but hold "
        f"{100 * first.share_of_inhabitants:.1f} % of the inhabitants, while the "
        f"{last.municipalities} in class *{last.size_class}* hold "
        f"{100 * last.share_of_inhabitants:.1f} %. A survey that weights every municipality "
        f"equally therefore speaks mostly for small municipalities; estimates are given per "
        f"size class for this reason. The three Vestfold municipalities without a 2013 figure "
        f"(together {frame.fmt_thousands(facts['residual_for_three'])} inhabitants by SSB's national total) are "
        f"classed by their 2015 figures. *{config.SSB_ATTRIBUTION}.*"
    )


def region_by_size(kommuner: pd.DataFrame) -> pd.DataFrame:
    """Municipalities per NUTS-2 region (rows) and size class (columns)."""
    t = pd.crosstab(kommuner["region"], kommuner["size_class"], dropna=False)
    t.columns = [str(c) for c in t.columns]
    t.index = [str(i) for i in t.index]
    t.index.name = "region"
    return t


def plot_region_by_size(kommuner: pd.DataFrame) -> plt.Figure:
    """Horizontal stacked bars: municipalities per region, split by size class."""
    t = region_by_size(kommuner).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 4))
    left = np.zeros(len(t))
    for col in t.columns:
        ax.barh(t.index, t[col], left=left, label=col)
        left += t[col].to_numpy()
    ax.set(title="Municipalities by region and size class", xlabel="Municipalities (count)", ylabel="")
    ax.legend(title="Inhabitants, 1 Jan 2013", loc="lower right", fontsize=9)
    fig.text(0.99, 0.01, config.SSB_ATTRIBUTION, ha="right", fontsize=8, color="#555555")
    fig.tight_layout()
    return fig


def region_by_size_alt(table: pd.DataFrame) -> str:
    """Alt text for :func:`plot_region_by_size`."""
    parts = [f"{region}: " + ", ".join(f"{n} {c}" for c, n in row.items()) for region, row in table.iterrows()]
    return "Stacked bar chart of municipalities per region by size class. " + "; ".join(parts) + "."


def key_number(by_size: pd.DataFrame) -> pd.DataFrame:
    """The chapter's headline for the contents page (``label,value``, value formatted)."""
    first = by_size.iloc[0]
    return pd.DataFrame({
        "label": [f"municipalities under {first.size_class.removeprefix('< ')} inhabitants",
                  "municipalities / county municipalities"],
        "value": [f"{first.municipalities} ({100 * first.share_of_municipalities:.1f} %)",
                  f"{int(by_size['municipalities'].sum())} / {config.N_COUNTY_MUNICIPALITIES}"],
    })
