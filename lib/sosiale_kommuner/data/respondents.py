"""The respondent table of the main survey and the survey designs the findings chapters use.

:func:`load` merges three processed files of one output root into one table with a row
per responding unit:

* ``data/processed/responses.parquet`` (notebook 02): ``unit_id, unit_type,
  respondent_id`` and the typed item columns of the codebook (``typed.to_typed``);
* ``data/processed/population.parquet`` (notebook 00): the unit's ``size_class``,
  ``region`` and ``centrality`` (empty for county municipalities);
* ``data/processed/weights.parquet`` (notebook 03): ``weight`` (population units per
  respondent, calibrated) and, if present, ``base_weight`` (the weight before raking)
  and ``stratum``.

:func:`design_for` builds the design of ONE population, as docs/contracts.md §7 prescribes for
descriptive estimates:

* municipalities (``"kommune"``): strata = size class; finite population correction from
  the stratum population counts N_h of ``population.parquet`` (228 / 147 / 53 with the
  default boundaries); calibration = the raking margins, so standard errors use the
  residuals on the margins (R ``rake()``). Which margins the weights were raked to is read
  from the weights themselves (:func:`calibrated_margins`): a candidate margin (size class,
  region, centrality) is taken as calibrated when the weighted respondent counts of every
  category equal the population counts to a relative 1e-6. Pass ``margins=`` to override.
* county municipalities (``"fylkeskommune"``): one stratum, N = 18, calibration on the
  single cell (the weights sum to 18).

R equivalent for municipalities::

    d <- svydesign(id = ~1, strata = ~size_class, fpc = ~N_h, weights = ~base_weight, data = k)
    d <- rake(d, list(~size_class, ~region), list(pop_size, pop_region))

:func:`combined_design` stacks both populations as separate strata (municipal size
classes + one county stratum) for comparisons between unit types; its calibration holds
the municipal margins and the county cell (R: ``calibrate`` on ``~unit_type + size_class +
region`` with municipal dummies zero on county rows).

Assumptions (documented here once):

* The base weight before raking is ``base_weight`` from weights.parquet if present;
  otherwise the stratum expansion weight N_h / n_h (the weight a stratified simple random
  sample would have). It only enters the calibration residuals' least-squares projection.
* Respondents whose unit is not in the population frame or has no weight stop the load
  with an error naming the units: they cannot be estimated for.
"""
from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE, Paths
from sosiale_kommuner.survey.design import Calibration, SurveyDesign

RESPONSES_FILE = "responses.parquet"
POPULATION_FILE = "population.parquet"
WEIGHTS_FILE = "weights.parquet"

#: Population attributes merged onto respondents.
POPULATION_COLUMNS = ("size_class", "region", "centrality")
#: Margins the municipal weights may have been raked to, in raking order.
CANDIDATE_MARGINS = ("size_class", "region", "centrality")
#: Relative tolerance for "the weights reproduce this margin".
MARGIN_TOL = 1e-6
#: Column holding the design stratum in designs built here.
STRATUM_COLUMN = "design_stratum"


class SurveyDataError(ValueError):
    """The processed survey files are missing or do not fit together."""


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------
def _read(path: Path, producer: str) -> pd.DataFrame:
    if not path.exists():
        raise SurveyDataError(f"{path.name} not found in {path.parent.name}/: run notebook {producer} first")
    return pd.read_parquet(path)


def load_population(paths: Paths) -> pd.DataFrame:
    """``population.parquet`` (446 units), ``unit_type`` as plain strings."""
    pop = _read(paths.processed / POPULATION_FILE, "00_population")
    pop = pop.copy()
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    return pop


def load_weights(paths: Paths) -> pd.DataFrame:
    """``weights.parquet``: ``unit_id, unit_type, weight[, base_weight, stratum]``."""
    w = _read(paths.processed / WEIGHTS_FILE, "03_weighting").copy()
    for col in ("unit_id", "weight"):
        if col not in w.columns:
            raise SurveyDataError(f"{WEIGHTS_FILE}: column {col!r} missing (columns: {list(w.columns)})")
    w["unit_id"] = w["unit_id"].astype(str)
    if "unit_type" in w.columns:
        w["unit_type"] = w["unit_type"].astype(str)
    return w


def merge(responses: pd.DataFrame, population: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent: responses + population attributes + weights.

    Keys are (``unit_id``, ``unit_type``): a two-digit county number never collides with a
    four-digit municipality number, but the pair is used anyway. Raises
    :class:`SurveyDataError` naming units without a frame row or a weight.
    """
    r = responses.copy()
    r["unit_id"] = r["unit_id"].astype(str)
    r["unit_type"] = r["unit_type"].astype(str)
    dup = r["unit_id"][r.duplicated(["unit_id", "unit_type"])]
    if len(dup):
        raise SurveyDataError(f"{RESPONSES_FILE}: units answered more than once: {sorted(dup)[:10]}")
    pop = population[["unit_id", "unit_type", *POPULATION_COLUMNS]]
    out = r.merge(pop, on=["unit_id", "unit_type"], how="left", indicator=True, validate="one_to_one")
    missing = out.loc[out["_merge"] != "both", "unit_id"].tolist()
    if missing:
        raise SurveyDataError(f"{RESPONSES_FILE}: units not in {POPULATION_FILE}: {missing[:10]}")
    out = out.drop(columns="_merge")
    wcols = ["unit_id", "weight"] + [c for c in ("base_weight", "stratum") if c in weights.columns]
    keys = ["unit_id"]
    if "unit_type" in weights.columns:
        wcols.insert(1, "unit_type")
        keys.append("unit_type")
    drop = [c for c in ("weight", "base_weight", "stratum") if c in out.columns]
    out = out.drop(columns=drop).merge(weights[wcols], on=keys, how="left", validate="one_to_one")
    nw = out.loc[out["weight"].isna(), "unit_id"].tolist()
    if nw:
        raise SurveyDataError(f"{WEIGHTS_FILE}: no weight for respondents of units {nw[:10]}")
    return out


def load(paths: Paths, provisional_weights: bool = False) -> pd.DataFrame:
    """The merged respondent table of an output root (see module docstring).

    ``provisional_weights=True`` computes raked weights with :func:`provisional_weights`
    when ``weights.parquet`` does not exist yet (for development only; the chapters always
    read the file that notebook 03 wrote).
    """
    responses = _read(paths.processed / RESPONSES_FILE, "02_cleaning")
    population = load_population(paths)
    if not (paths.processed / WEIGHTS_FILE).exists() and provisional_weights:
        weights = provisional_weights_for(responses, population)
    else:
        weights = load_weights(paths)
    return merge(responses, population, weights)


# ---------------------------------------------------------------------------------------
# Provisional weights (development only; notebook 03 owns the real ones)
# ---------------------------------------------------------------------------------------
def population_margins(population: pd.DataFrame, columns: Sequence[str] = ("size_class", "region")) -> dict:
    """Municipal population counts ``{column: {category: N}}`` (categories with N > 0)."""
    k = population[population["unit_type"] == KOMMUNE]
    out = {}
    for col in columns:
        counts = k[col].astype(object).value_counts(sort=False)
        if isinstance(k[col].dtype, pd.CategoricalDtype):
            order = [c for c in k[col].cat.categories if c in counts.index]
        else:
            order = sorted(counts.index, key=str)
        out[col] = {c: int(counts[c]) for c in order}
    return out


def provisional_weights_for(responses: pd.DataFrame, population: pd.DataFrame,
                            margins: Sequence[str] = ("size_class", "region")) -> pd.DataFrame:
    """Raked weights in the layout of ``weights.parquet`` (development stand-in for notebook 03).

    Municipalities: base weight N_h / n_h by size class, raked to size class and region
    (sparse region cells merged below 3 respondents). Counties: 18 / n each.
    """
    from sosiale_kommuner.survey.weighting import rake

    r = responses[["unit_id", "unit_type"]].astype(str).merge(
        population[["unit_id", "unit_type", *POPULATION_COLUMNS]], on=["unit_id", "unit_type"], how="left")
    parts = []
    k = r[r["unit_type"] == KOMMUNE].reset_index(drop=True)
    if len(k):
        N_h = population_margins(population, ["size_class"])["size_class"]
        n_h = k["size_class"].astype(object).value_counts()
        base = k["size_class"].astype(object).map(lambda c: N_h[c] / n_h[c]).to_numpy(dtype=float)
        kk = k.copy()
        for col in margins:
            kk[col] = kk[col].astype(object)
        res = rake(kk, base, population_margins(population, margins), min_cell=3)
        parts.append(pd.DataFrame({"unit_id": k["unit_id"], "unit_type": KOMMUNE,
                                   "weight": res.weights.to_numpy(), "base_weight": base,
                                   "stratum": k["size_class"].astype(str)}))
    c = r[r["unit_type"] == FYLKESKOMMUNE].reset_index(drop=True)
    if len(c):
        N = int((population["unit_type"] == FYLKESKOMMUNE).sum())
        parts.append(pd.DataFrame({"unit_id": c["unit_id"], "unit_type": FYLKESKOMMUNE,
                                   "weight": N / len(c), "base_weight": N / len(c),
                                   "stratum": FYLKESKOMMUNE}))
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------
# Designs
# ---------------------------------------------------------------------------------------
def calibration_cells(data: pd.DataFrame, population: pd.DataFrame,
                      candidates: Sequence[str] = CANDIDATE_MARGINS, weight: str = "weight") -> dict[str, pd.Series]:
    """The municipal margins the weights reproduce, with each respondent's calibration cell.

    A candidate margin counts as calibrated when, for every category of the municipal
    population, the sum of ``weight`` over the respondents in it equals the population count
    to a relative ``MARGIN_TOL``. If only some categories miss but together they match
    (notebook 03 merged sparse cells) while the others match, those categories form one merged cell
    (``"a + b"``); the union is implied by the actual merges, so the standard errors are at
    worst slightly conservative. Returns ``{margin: cell labels}`` for the municipal rows of
    ``data`` (index as in ``data``), in ``candidates`` order.
    """
    k = data[data["unit_type"].astype(str) == KOMMUNE]
    pop = population_margins(population, candidates)
    out: dict[str, pd.Series] = {}
    for col in candidates:
        if col not in k.columns or k[col].isna().any():
            continue
        cats = k[col].astype(object)
        target = pd.Series(pop[col], dtype=float)
        if not set(cats.unique()) <= set(target.index):
            continue
        ach = k.groupby(cats)[weight].sum().reindex(target.index).fillna(0.0)
        ok = np.abs(ach - target) <= MARGIN_TOL * target
        if ok.all():
            out[col] = cats
            continue
        bad = list(target.index[~ok])
        if ok.any() and len(bad) >= 2 and abs(ach[bad].sum() - target[bad].sum()) <= MARGIN_TOL * target[bad].sum():
            label = " + ".join(map(str, bad))
            out[col] = cats.map(lambda c: label if c in bad else c)
    return out


def calibrated_margins(data: pd.DataFrame, population: pd.DataFrame,
                       candidates: Sequence[str] = CANDIDATE_MARGINS, weight: str = "weight") -> list[str]:
    """Names of the margins the municipal weights reproduce (see :func:`calibration_cells`).

    Pass ``margins=`` to :func:`design_for` to state them explicitly instead.
    """
    return list(calibration_cells(data, population, candidates, weight))


def _base_weights(d: pd.DataFrame, strata: pd.Series, N_h: dict) -> np.ndarray:
    if "base_weight" in d.columns and d["base_weight"].notna().all():
        return d["base_weight"].to_numpy(dtype=float)
    n_h = strata.value_counts()
    return strata.map(lambda h: N_h[h] / n_h[h]).to_numpy(dtype=float)


def stratum_counts(population: pd.DataFrame) -> dict[str, int]:
    """Population counts N_h of the design strata: municipal size classes and the county stratum."""
    out = {str(k): int(v) for k, v in population_margins(population, ["size_class"])["size_class"].items()}
    out[FYLKESKOMMUNE] = int((population["unit_type"].astype(str) == FYLKESKOMMUNE).sum())
    return out


def _with_strata(d: pd.DataFrame) -> pd.DataFrame:
    d = d.reset_index(drop=True).copy()
    ut = d["unit_type"].astype(str)
    d[STRATUM_COLUMN] = np.where(ut == FYLKESKOMMUNE, FYLKESKOMMUNE, d["size_class"].astype(object).astype(str))
    return d


def _cells(d: pd.DataFrame, population: pd.DataFrame, margins: Sequence[str] | None) -> dict[str, pd.Series]:
    """Calibration cells of the municipal rows of ``d``: detected, or for the given margins
    (detected merges kept; a given margin the weights do not reproduce is used as it is)."""
    if margins is None:
        return calibration_cells(d, population)
    found = calibration_cells(d, population, candidates=list(margins))
    k = d[d["unit_type"].astype(str) == KOMMUNE]
    return {m: found.get(m, k[m].astype(object)) for m in margins}


def design_for(data: pd.DataFrame, population: pd.DataFrame, unit_type: str = KOMMUNE,
               fpc: bool = True, margins: Sequence[str] | None = None) -> SurveyDesign:
    """The design of one population (``"kommune"`` or ``"fylkeskommune"``); see module docstring.

    ``fpc=False`` drops the finite population correction (tests and models, docs/contracts.md §7).
    ``margins``: municipal calibration margins; default :func:`calibrated_margins`.
    """
    if unit_type not in config.UNIT_TYPES:
        raise ValueError(f"unit_type must be one of {config.UNIT_TYPES}, got {unit_type!r}")
    d = _with_strata(data[data["unit_type"].astype(str) == unit_type])
    if d.empty:
        raise SurveyDataError(f"no respondents of unit type {unit_type!r}")
    N_h = stratum_counts(population)
    strata = d[STRATUM_COLUMN]
    base = _base_weights(d, strata, N_h)
    if unit_type == KOMMUNE:
        cells = _cells(d, population, margins)
        if margins is None and "size_class" not in cells:
            warnings.warn("municipal weights do not reproduce the size-class counts of the "
                          "population; the design is not treated as calibrated on size class",
                          stacklevel=2)
        cal = Calibration.from_columns(pd.DataFrame(cells), list(cells), base) if cells else None
    else:
        cal = Calibration(np.ones((len(d), 1)), base, ("unit_type=fylkeskommune",))
    return SurveyDesign(d, "weight", strata=STRATUM_COLUMN,
                        fpc={h: N_h[h] for h in strata.unique()} if fpc else None,
                        calibration=cal)


def combined_design(data: pd.DataFrame, population: pd.DataFrame, fpc: bool = True,
                    margins: Sequence[str] | None = None) -> SurveyDesign:
    """Both populations in one design: strata = municipal size classes + one county stratum.

    For comparisons between municipalities and county municipalities (domain
    ``unit_type``). Estimates over the whole design mix the two populations (428 + 18
    units) and should not be published as such.
    """
    d = _with_strata(data)
    cells = _cells(d, population, margins)
    N_h = stratum_counts(population)
    strata = d[STRATUM_COLUMN]
    base = _base_weights(d, strata, N_h)
    frame = pd.DataFrame({"unit_type": d["unit_type"].astype(str)})
    for m, c in cells.items():
        frame[m] = c.reindex(d.index)      # empty on county rows: zero dummies there
    cal = Calibration.from_columns(frame, list(frame.columns), base)
    return SurveyDesign(d, "weight", strata=STRATUM_COLUMN,
                        fpc={h: N_h[h] for h in strata.unique()} if fpc else None,
                        calibration=cal)


def with_columns(design: SurveyDesign, **columns) -> SurveyDesign:
    """A shallow copy of ``design`` whose data has extra (derived) columns; same rows and weights.

    A thin helper for estimating derived variables (e.g. an item with "Vet ikke" set to
    missing) without rebuilding the design.
    """
    out = copy.copy(design)
    out.data = design.data.assign(**columns)
    return out


__all__ = ["load", "load_population", "load_weights", "merge", "provisional_weights_for",
           "population_margins", "calibrated_margins", "calibration_cells", "stratum_counts", "design_for",
           "combined_design", "with_columns", "SurveyDataError"]
