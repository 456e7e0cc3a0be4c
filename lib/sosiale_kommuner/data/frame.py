"""The population frame: 428 municipalities and 18 county municipalities (docs/contracts.md §4).

Reads SSB's figures from the raw folder's ``frame/`` (``municipalities_2013.csv``,
``counties_2013.csv``, ``centrality_2013.csv``) and builds one row per unit with its
size class, NUTS-2 region and centrality.

Decisions, in one place:

* **Oslo** (0301) is counted once, as a municipality. The county municipalities are the
  19 counties less Oslo (03), so no estimate can count Oslo twice.
* **Size classes** come from the population on 1 January 2013 (inhabitants). The three
  Vestfold municipalities without a 2013 figure (0706, 0719, 0720) are classed by their
  1 January 2015 figure; the ``size_basis`` column records which year was used.
* County municipalities have no size class or centrality (empty values).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sosiale_kommuner import config

MUNICIPALITIES_FILE = "municipalities_2013.csv"
COUNTIES_FILE = "counties_2013.csv"
CENTRALITY_FILE = "centrality_2013.csv"
FRAME_FILES = (MUNICIPALITIES_FILE, COUNTIES_FILE, CENTRALITY_FILE)

#: Columns of ``population.parquet``, in order.
POPULATION_COLUMNS = [
    "unit_id", "unit_type", "name", "fylkesnummer", "county", "population", "population_2015",
    "size_basis", "size_class", "region", "centrality", "centrality_label",
    "centrality_index_2018", "area_km2",
]


class FrameError(ValueError):
    """The population frame files are not as expected."""


def fmt_thousands(n: int) -> str:
    """Thousands with a space, Norwegian style: 20000 -> '20 000'."""
    return f"{n:,}".replace(",", " ")


def size_class_labels(boundaries: Sequence[int] = config.DEFAULT_SIZE_BOUNDARIES) -> list[str]:
    """Labels of the size classes for the given lower bounds (inhabitants).

    ``(5000, 20000)`` gives ``['< 5 000', '5 000–19 999', '≥ 20 000']``.
    """
    b = _check_boundaries(boundaries)
    labels = [f"< {fmt_thousands(b[0])}"]
    labels += [f"{fmt_thousands(lo)}–{fmt_thousands(hi - 1)}" for lo, hi in zip(b[:-1], b[1:])]
    labels.append(f"≥ {fmt_thousands(b[-1])}")
    return labels


def _check_boundaries(boundaries: Sequence[int]) -> list[int]:
    b = [int(x) for x in boundaries]
    if not b or any(x <= 0 for x in b) or any(lo >= hi for lo, hi in zip(b[:-1], b[1:])):
        raise ValueError(f"size-class boundaries must be positive and strictly increasing, got {list(boundaries)}")
    return b


def size_class(population: pd.Series | Sequence[float],
               boundaries: Sequence[int] = config.DEFAULT_SIZE_BOUNDARIES) -> pd.Series:
    """Ordered categorical size class for each population (inhabitants).

    A population ``p`` falls in the class ``[lower, next lower)``: with the default
    boundaries 4 999 is ``< 5 000``, 5 000 and 19 999 are ``5 000–19 999`` and 20 000 is
    ``≥ 20 000``. Missing populations raise: every municipality must be in exactly one class.
    """
    b = _check_boundaries(boundaries)
    pop = pd.Series(population, dtype="float64")
    if pop.isna().any():
        raise FrameError(f"size_class: {int(pop.isna().sum())} population value(s) missing")
    if (pop < 0).any():
        raise FrameError("size_class: negative population")
    codes = np.searchsorted(np.asarray(b, dtype=float), pop.to_numpy(), side="right")
    labels = size_class_labels(b)
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=pop.index)


def region_of(fylkesnummer: str) -> str:
    """NUTS-2 region (landsdel) of a 2-digit fylkesnummer."""
    for region, counties in config.REGIONS.items():
        if fylkesnummer in counties:
            return region
    raise FrameError(f"fylkesnummer {fylkesnummer!r} belongs to no NUTS-2 region")


def _read(frame_dir: Path, name: str, dtype: dict) -> pd.DataFrame:
    path = Path(frame_dir) / name
    if not path.exists():
        raise FrameError(f"{path}: frame file missing")
    return pd.read_csv(path, dtype=dtype, keep_default_na=True, encoding="utf-8")


def load_population(frame_dir: str | Path,
                    boundaries: Sequence[int] = config.DEFAULT_SIZE_BOUNDARIES) -> pd.DataFrame:
    """Build the population table (one row per unit; columns :data:`POPULATION_COLUMNS`).

    ``population`` is the 1 January 2013 figure (empty for the three Vestfold
    municipalities), ``population_2015`` the 1 January 2015 one; ``size_class`` uses the
    first where known and the second otherwise (``size_basis`` says which).
    """
    frame_dir = Path(frame_dir)
    mun = _read(frame_dir, MUNICIPALITIES_FILE, {"kommunenummer": str, "fylkesnummer": str})
    cty = _read(frame_dir, COUNTIES_FILE, {"fylkesnummer": str})
    cen = _read(frame_dir, CENTRALITY_FILE, {"kommunenummer": str, "kommunenummer_2018": str})

    for col in ("kommunenummer", "name", "fylkesnummer", "fylke_name", "population", "population_2015"):
        if col not in mun.columns:
            raise FrameError(f"{frame_dir / MUNICIPALITIES_FILE}: column {col!r} missing")
    if mun["kommunenummer"].duplicated().any():
        dup = mun.loc[mun["kommunenummer"].duplicated(), "kommunenummer"].tolist()
        raise FrameError(f"{frame_dir / MUNICIPALITIES_FILE}: duplicate kommunenummer {dup}")
    bad = ~mun["kommunenummer"].str.fullmatch(r"\d{4}")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FrameError(f"{frame_dir / MUNICIPALITIES_FILE}, row {i + 2}, column 'kommunenummer': "
                         f"expected 4 digits, got {mun['kommunenummer'].iloc[i]!r}")

    missing_2013 = mun["population"].isna()
    unexpected = sorted(set(mun.loc[missing_2013, "kommunenummer"]) - set(config.MUNICIPALITIES_WITHOUT_2013_FIGURE))
    if unexpected:
        raise FrameError(f"{frame_dir / MUNICIPALITIES_FILE}: no 2013 population for {unexpected}; "
                         f"only {list(config.MUNICIPALITIES_WITHOUT_2013_FIGURE)} are expected without one")
    size_pop = mun["population"].where(~missing_2013, mun["population_2015"])

    cen = cen.set_index("kommunenummer")
    if set(cen.index) != set(mun["kommunenummer"]):
        raise FrameError(f"{frame_dir / CENTRALITY_FILE}: kommunenummer set differs from {MUNICIPALITIES_FILE}")
    cen = cen.loc[mun["kommunenummer"]]

    kommuner = pd.DataFrame({
        "unit_id": mun["kommunenummer"],
        "unit_type": config.KOMMUNE,
        "name": mun["name"],
        "fylkesnummer": mun["fylkesnummer"],
        "county": mun["fylke_name"],
        "population": mun["population"].astype("Int64"),
        "population_2015": mun["population_2015"].astype("Int64"),
        "size_basis": np.where(missing_2013, "2015", "2013"),
        "size_class": size_class(size_pop, boundaries).to_numpy(),
        "region": [region_of(f) for f in mun["fylkesnummer"]],
        "centrality": cen["sentralitet_2008"].astype("Int64").to_numpy(),
        "centrality_label": cen["sentralitet_2008_label"].to_numpy(),
        "centrality_index_2018": cen["sentralitetsindeks_2018"].astype("Int64").to_numpy(),
        "area_km2": cen["area_total_km2_2016"].astype(float).to_numpy(),
    })

    cty = cty[cty["fylkesnummer"] != config.OSLO_FYLKESNUMMER]
    fylker = pd.DataFrame({
        "unit_id": cty["fylkesnummer"],
        "unit_type": config.FYLKESKOMMUNE,
        "name": cty["name"],
        "fylkesnummer": cty["fylkesnummer"],
        "county": cty["name"],
        "population": cty["population"].astype("Int64"),
        "population_2015": cty["population_2015"].astype("Int64"),
        "size_basis": "2013",
        "size_class": pd.Categorical([None] * len(cty), categories=size_class_labels(boundaries), ordered=True),
        "region": [region_of(f) for f in cty["fylkesnummer"]],
        "centrality": pd.array([pd.NA] * len(cty), dtype="Int64"),
        "centrality_label": None,
        "centrality_index_2018": pd.array([pd.NA] * len(cty), dtype="Int64"),
        "area_km2": np.nan,
    })
    pop = pd.concat([kommuner, fylker], ignore_index=True)
    pop["size_class"] = pd.Categorical(pop["size_class"], categories=size_class_labels(boundaries), ordered=True)
    pop["region"] = pd.Categorical(pop["region"], categories=list(config.REGIONS), ordered=True)
    pop["unit_type"] = pd.Categorical(pop["unit_type"], categories=list(config.UNIT_TYPES))
    return pop[POPULATION_COLUMNS]


def check_population(pop: pd.DataFrame) -> dict[str, object]:
    """Assert the docs/contracts.md §4 facts about a population table; return the checked figures.

    Raises :class:`FrameError` naming the first check that fails.
    """
    k = pop[pop["unit_type"] == config.KOMMUNE]
    f = pop[pop["unit_type"] == config.FYLKESKOMMUNE]
    facts: dict[str, object] = {
        "n_municipalities": len(k),
        "n_county_municipalities": len(f),
        "sum_2013_known": int(k["population"].sum()),
        "n_without_2013": int(k["population"].isna().sum()),
    }
    facts["residual_for_three"] = config.NATIONAL_POPULATION_2013 - facts["sum_2013_known"]
    if len(k) != config.N_MUNICIPALITIES:
        raise FrameError(f"expected {config.N_MUNICIPALITIES} municipalities, found {len(k)}")
    if len(f) != config.N_COUNTY_MUNICIPALITIES:
        raise FrameError(f"expected {config.N_COUNTY_MUNICIPALITIES} county municipalities, found {len(f)}")
    if pop["unit_id"].duplicated().any():
        raise FrameError("unit_id is not unique")
    if k["size_class"].isna().any():
        raise FrameError("a municipality has no size class")
    if (k["unit_id"] == config.OSLO_KOMMUNENUMMER).sum() != 1 or (f["unit_id"] == config.OSLO_FYLKESNUMMER).any():
        raise FrameError("Oslo must be counted once, as municipality 0301, and not as a county municipality")
    without = sorted(k.loc[k["population"].isna(), "unit_id"])
    if without != sorted(config.MUNICIPALITIES_WITHOUT_2013_FIGURE):
        raise FrameError(f"municipalities without a 2013 figure: {without}")
    if not (k.loc[k["unit_id"].isin(without), "size_basis"] == "2015").all():
        raise FrameError("the municipalities without a 2013 figure must be classed by 2015")
    facts["size_class_counts"] = {str(c): int(n) for c, n in k["size_class"].value_counts(sort=False).items()}
    return facts
