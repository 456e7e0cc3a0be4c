"""Tables, figures and closing numbers of the population chapter (``00_population``).

All counts are units (municipalities or county municipalities); all populations are
inhabitants on 1 January 2013 unless a column says otherwise. The tables the chapter
writes hold codes and numbers; what a reader sees of them (headers, names, axis titles)
comes from the text layer (``report/text/<lang>/00_population.yaml``) in each language.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import frame
from sosiale_kommuner.report import figures, labels, tables, text
from sosiale_kommuner.report.text import formats

STEM = "00_population"

#: SSB's mid-2011 figures for the three Vestfold municipalities without a 1 January 2013
#: figure (docs/contracts.md §4). They only confirm the size class given by the 2015 figures.
MID_2011_FIGURES = {"0706": 44_008, "0719": 5_408, "0720": 11_214}


def _share(part: pd.Series, whole: float) -> pd.Series:
    """Share on 0–1 (tables show it as a percentage with one decimal)."""
    return part / whole


def frame_checks(population: pd.DataFrame, facts: dict) -> pd.DataFrame:
    """The frame's checked facts (``check``, ``group``, ``value``): ``check`` names the fact,
    ``group`` the size class for the class counts."""
    rows = [
        ("municipalities", "", facts["n_municipalities"]),
        ("county_municipalities", "", facts["n_county_municipalities"]),
        ("municipalities_with_2013", "", facts["n_municipalities"] - facts["n_without_2013"]),
        ("inhabitants_with_2013", "", facts["sum_2013_known"]),
        ("national_total_2013", "", config.NATIONAL_POPULATION_2013),
        ("residual_for_three", "", facts["residual_for_three"]),
    ]
    rows += [("size_class", c, n) for c, n in facts["size_class_counts"].items()]
    return pd.DataFrame(rows, columns=["check", "group", "value"])


def _t(key: str, lang: str, **values) -> str:
    return text.get(STEM, key, lang, **values)


def checks_table(checks: pd.DataFrame, lang: str) -> tables.Table:
    """:func:`frame_checks` for reading: each fact in words, its value in the locale's format."""
    shown = pd.DataFrame({
        "check": [_t(f"check.{c}", lang, size_class=labels.size_class(g, lang)) if g else _t(f"check.{c}", lang)
                  for c, g in zip(checks["check"], checks["group"])],
        "value": checks["value"].astype(int),
    })
    return tables.Table(shown, lang, [tables.text("check"), tables.number("value", fmt="int")], page=STEM)


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
    return g.reset_index().assign(centrality=lambda d: d["centrality"].astype(int))


def _size_short(code: object, lang: str) -> str:
    """A size class in a cell under a header that already says "inhabitants"."""
    return labels.size_class(code, lang, short=True)


def _centrality(code: object, lang: str) -> str:
    """SSB's centrality class with its number (``3 Sentrale kommuner``)."""
    return f"{int(code)} {labels.centrality(code, lang)}"


def _int(name: str) -> tables.Column:
    return tables.number(name, fmt="int")


def vestfold_table(vestfold: pd.DataFrame, lang: str) -> tables.Table:
    """:func:`unclassed_2013` for reading: the class by the 2015 figure beside the class by mid-2011."""
    cols = [tables.text("unit_id"), tables.text("name"), _int("population_2015"),
            tables.coded("size_class", _size_short), _int("population_mid_2011"),
            tables.coded("size_class_mid_2011", _size_short), tables.yes_no("same_class_2011")]
    return tables.Table(vestfold, lang, cols, page=STEM)


def size_class_table(by_size: pd.DataFrame, lang: str) -> tables.Table:
    """:func:`by_size_class` for reading: counts, inhabitants and both shares (one decimal)."""
    cols = [tables.coded("size_class", _size_short), _int("municipalities"), _int("inhabitants_2013"),
            tables.number("share_of_municipalities", fmt="pct1"), tables.number("share_of_inhabitants", fmt="pct1")]
    return tables.Table(by_size, lang, cols, page=STEM)


def region_table(by_reg: pd.DataFrame, lang: str) -> tables.Table:
    """:func:`by_region` for reading."""
    cols = [tables.coded("region", labels.region), _int("municipalities"), _int("county_municipalities"),
            _int("inhabitants_2013")]
    return tables.Table(by_reg, lang, cols, page=STEM)


def centrality_table(by_cent: pd.DataFrame, lang: str) -> tables.Table:
    """:func:`by_centrality` for reading: each class by its number and name."""
    cols = [tables.coded("centrality", _centrality), _int("municipalities"), _int("inhabitants_2013")]
    return tables.Table(by_cent, lang, cols, page=STEM)


def plot_units_and_inhabitants(kommuner: pd.DataFrame, lang: str = "nb") -> plt.Figure:
    """Two panels: municipalities per size class and inhabitants per size class (side by side on
    a page, one above the other on a phone)."""
    tab = by_size_class(kommuner)
    names = [figures.wrap(labels.size_class(c, lang, short=True), 12) for c in tab["size_class"]]
    narrow = figures.layout_name() == "narrow"
    fig, axes = plt.subplots(2 if narrow else 1, 1 if narrow else 2,
                             figsize=(figures.width(), 7.2 if narrow else 4.0), layout="constrained")
    panels = ((axes[0], tab["municipalities"], 0, "units"),
              (axes[1], tab["inhabitants_2013"] / 1e6, 2, "inhabitants"))
    for (ax, values, digits, what), colour in zip(panels, figures.SERIES):
        ax.bar(names, values, color=colour)
        ax.set(title=_t(f"figure.{what}_title", lang), xlabel=_t("figure.size_axis", lang),
               ylabel=_t(f"figure.{what}_axis", lang))
        ax.set_ylim(0, float(values.max()) * 1.15)
        figures.locale_axis(ax, lang, axis="y", digits=digits if what == "inhabitants" else 0)
        for x, v in zip(names, values):
            ax.annotate(formats.number(v, digits, lang), (x, v), ha="center", va="bottom", fontsize=figures.MIN_TEXT_PT)
    return fig


def units_and_inhabitants_values(by_size: pd.DataFrame) -> dict:
    """The numbers the figure's alt text reads out (per language)."""
    def classes(lang: str) -> str:
        return "; ".join(_t("alt.class_part", lang, size_class=labels.size_class(r.size_class, lang),
                            municipalities=int(r.municipalities), inhabitants=int(r.inhabitants_2013))
                         for r in by_size.itertuples())
    return {"classes": text.Localized(classes)}


def closing_values(facts: dict, by_size: pd.DataFrame) -> dict:
    """The numbers of the chapter's closing text, read from the computed tables."""
    first, last = by_size.iloc[0], by_size.iloc[-1]
    return dict(n_municipalities=int(facts["n_municipalities"]),
                n_county=int(facts["n_county_municipalities"]),
                first_n=int(first.municipalities), first_class=labels.Label("size_class", first.size_class),
                first_share_units=float(first.share_of_municipalities),
                first_share_people=float(first.share_of_inhabitants),
                last_n=int(last.municipalities), last_class=labels.Label("size_class", last.size_class),
                last_share_people=float(last.share_of_inhabitants),
                residual=int(facts["residual_for_three"]))


def region_by_size(kommuner: pd.DataFrame) -> pd.DataFrame:
    """Municipalities per NUTS-2 region (rows) and size class (columns)."""
    t = pd.crosstab(kommuner["region"], kommuner["size_class"], dropna=False)
    t.columns = [str(c) for c in t.columns]
    t.index = [str(i) for i in t.index]
    t.index.name = "region"
    return t


def plot_region_by_size(kommuner: pd.DataFrame, lang: str = "nb") -> plt.Figure:
    """Horizontal stacked bars: municipalities per region, split by size class (each class also
    hatched, the legend above the bars)."""
    from matplotlib.patches import Patch

    tab = region_by_size(kommuner).iloc[::-1]
    narrow = figures.layout_name() == "narrow"
    fig, ax = plt.subplots(figsize=(figures.width(), 6.0 if narrow else 4.6), layout="constrained")
    left = np.zeros(len(tab))
    names = [figures.wrap(labels.region(r, lang), 14 if narrow else 24) for r in tab.index]
    handles = []
    for col, colour, hatch in zip(tab.columns, figures.SERIES, figures.HATCHES):
        ax.barh(names, tab[col], left=left, color=colour, hatch=hatch, edgecolor="white", linewidth=0.5)
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="white",
                             label=labels.size_class(col, lang)))
        left += tab[col].to_numpy()
    ax.set(xlabel=_t("figure.units_axis", lang), ylabel="")
    ax.set_title(_t("figure.region_title", lang), loc="left")
    figures.locale_axis(ax, lang, axis="x")
    figures.legend_above(fig, handles, ncols=3)
    return fig


def region_by_size_values(table: pd.DataFrame) -> dict:
    """The numbers the region figure's alt text reads out (per language)."""
    def regions(lang: str) -> str:
        return "; ".join(f"{labels.region(region, lang)}: " + ", ".join(
            f"{formats.integer(n, lang)} {labels.size_class(c, lang, short=True)}" for c, n in row.items())
            for region, row in table.iterrows())
    return {"regions": text.Localized(regions)}

