"""The respondent table of the main survey and the survey designs the chapters use.

:func:`load` merges four processed files of one output root into one table with a row per
responding unit:

* ``data/processed/responses.parquet`` (notebook 02): ``unit_id, unit_type,
  respondent_id`` and the typed item columns of the codebook (``typed.to_typed``);
* ``data/processed/population.parquet`` (notebook 00): the unit's ``size_class``,
  ``region`` and ``centrality`` (empty for county municipalities);
* ``data/processed/weights.parquet`` (notebook 03): ``weight`` (population units per
  respondent, calibrated);
* ``data/processed/calibration.json`` (notebook 03): what the weights were calibrated on —
  per population the design strata and their population counts (the fpc), the base
  weights, and the calibration margins with their cells (after any merging of sparse
  cells) and population totals.

From the calibration every respondent gets its design columns: ``stratum``, ``fpc`` (the
stratum's population count N_h), ``base_weight`` and one ``calib__<margin>`` column per
margin holding the respondent's calibration cell. :func:`design_for` and
:func:`combined_design` build the designs from those columns only; nothing is inferred
from the weights. :func:`load` checks that the weights reproduce every cell's population
total, so a ``weights.parquet`` and a ``calibration.json`` from different runs cannot be
combined silently.

:func:`design_for` builds the design of ONE population, as docs/contracts.md §7 prescribes
for descriptive estimates: municipalities (``"kommune"``): strata = size class, fpc = N_h
(228 / 147 / 53 with the default boundaries), calibration on the raking margins;
county municipalities (``"fylkeskommune"``): one stratum, N = 18, calibration on the one
cell. R equivalent for municipalities::

    d <- svydesign(id = ~1, strata = ~stratum, fpc = ~fpc, weights = ~base_weight, data = k)
    d <- calibrate(d, ~size_class + region, pop, calfun = "raking")

:func:`combined_design` stacks both populations as separate strata for comparisons between
unit types; its calibration holds the municipal margins and each population's total.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE, Paths
from sosiale_kommuner.survey.calibration import Calibration
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.errors import SurveyError
from sosiale_kommuner.survey.weighting import WeightingResult

RESPONSES_FILE = "responses.parquet"
POPULATION_FILE = "population.parquet"
WEIGHTS_FILE = "weights.parquet"
CALIBRATION_FILE = "calibration.json"
CALIBRATION_FORMAT = "sosiale-kommuner calibration 1"

#: Population attributes merged onto respondents.
POPULATION_COLUMNS = ("size_class", "region", "centrality")
#: The columns of ``weights.parquet``.
WEIGHTS_COLUMNS = ["unit_id", "unit_type", "weight", "stratum", "base_weight"]
#: Design columns every respondent gets from the calibration.
STRATUM_COLUMN, FPC_COLUMN, BASE_COLUMN = "stratum", "fpc", "base_weight"
CALIB_PREFIX = "calib__"
#: Relative tolerance for "the weights reproduce this cell's population total".
MARGIN_TOL = 1e-6


class SurveyDataError(SurveyError):
    """The processed survey files are missing or do not fit together."""


# ---------------------------------------------------------------------------------------
# The calibration document (calibration.json)
# ---------------------------------------------------------------------------------------
def population_calibration(result: WeightingResult, *, strata_counts: Mapping, stratum: str | None,
                           base_weights: Mapping, base_cell: str | None, variance: str = "calibrate") -> dict:
    """The calibration of one population as a JSON-ready dict.

    ``result``: the weighting (its margins, merged cells, iterations); ``strata_counts``:
    population count N_h per design stratum (``stratum`` the column, None for one stratum
    named by the unit type); ``base_weights``: base weight per cell of ``base_cell`` (None:
    one cell named by the unit type).
    """
    margins = []
    for var in result.cells.columns:
        tab = result.margins[result.margins["margin"] == var]
        mapping = result.cell_map.get(var, {})
        cells = [dict(cell=str(r.category), categories=[str(c) for c, lab in mapping.items() if lab == r.category]
                      or [str(r.category)], population=float(r.target)) for r in tab.itertuples()]
        margins.append(dict(variable=str(var), cells=cells))
    return dict(strata=dict(variable=stratum, population={str(k): int(v) for k, v in strata_counts.items()}),
                base_weights=dict(variable=base_cell, cells={str(k): float(v) for k, v in base_weights.items()}),
                margins=margins, merged=result.collapses.to_dict("records"), method="raking", variance=variance,
                iterations=int(result.iterations), trimming=dict(result.trimming) or None)


def calibration_json(populations: Mapping[str, dict]) -> str:
    """The text of ``calibration.json`` (deterministic: fixed key order, UTF-8, 2-space indent)."""
    doc = dict(format=CALIBRATION_FORMAT, populations={k: populations[k] for k in populations})
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False) + "\n"


def read_calibration(paths: Paths) -> dict:
    """``calibration.json`` of an output root, checked for its format."""
    path = paths.processed / CALIBRATION_FILE
    if not path.exists():
        raise SurveyDataError(f"{CALIBRATION_FILE} not found", where=f"{path.parent.name}/",
                              expected="the calibration written by notebook 03_weighting", got="no file",
                              hint="run notebook 03_weighting first")
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != CALIBRATION_FORMAT or not isinstance(doc.get("populations"), dict):
        raise SurveyDataError("unknown calibration format", where=CALIBRATION_FILE,
                              expected=repr(CALIBRATION_FORMAT), got=repr(doc.get("format")),
                              hint="rerun notebook 03_weighting")
    return doc


def _cell_of(rows: pd.DataFrame, variable: str | None, key: str) -> pd.Series:
    if variable is None:
        return pd.Series(key, index=rows.index, dtype=object)
    if variable not in rows.columns:
        raise SurveyDataError("a calibration variable is not a column of the respondents", where=CALIBRATION_FILE,
                              expected=f"a column {variable!r}", got=f"columns {list(rows.columns)[:12]} ...")
    return rows[variable].astype(object).where(rows[variable].notna()).map(lambda v: None if v is None else str(v))


def _lookup(values: pd.Series, table: Mapping, what: str) -> pd.Series:
    out = values.map(lambda v: table.get(v) if v is not None else None)
    bad = sorted({str(v) for v in values[out.isna()]})
    if bad:
        raise SurveyDataError(f"respondents fall outside the calibration ({what})", where=CALIBRATION_FILE,
                              expected=f"categories among {sorted(map(str, table))}", got=f"{bad}",
                              hint="the calibration and the data come from different runs: rerun 03_weighting")
    return out


def apply_calibration(rows: pd.DataFrame, calibration: Mapping) -> pd.DataFrame:
    """The design columns of respondent ``rows`` (``unit_type`` and the margin variables) under
    a calibration document: ``stratum, fpc, base_weight`` and ``calib__<margin>`` (empty for
    the other population's rows). Raises naming the margin and categories it cannot place."""
    pops = calibration["populations"] if "populations" in calibration else calibration
    ut = rows["unit_type"].astype(str)
    unknown = sorted(set(ut) - set(pops))
    if unknown:
        raise SurveyDataError("respondents of a unit type the calibration does not have", where=CALIBRATION_FILE,
                              expected=f"unit types {sorted(pops)}", got=f"{unknown}")
    out = pd.DataFrame(index=rows.index, columns=[STRATUM_COLUMN, FPC_COLUMN, BASE_COLUMN], dtype=object)
    for key, spec in pops.items():
        sel = (ut == key).to_numpy()
        if not sel.any():
            continue
        r = rows[sel]
        st = _cell_of(r, spec["strata"]["variable"], key)
        out.loc[sel, STRATUM_COLUMN] = st.to_numpy()
        out.loc[sel, FPC_COLUMN] = _lookup(st, spec["strata"]["population"], "strata").to_numpy()
        bc = _cell_of(r, spec["base_weights"]["variable"], key)
        out.loc[sel, BASE_COLUMN] = _lookup(bc, spec["base_weights"]["cells"], "base-weight cells").to_numpy()
        for m in spec["margins"]:
            col = CALIB_PREFIX + m["variable"]
            if col not in out.columns:
                out[col] = pd.Series(None, index=rows.index, dtype=object)
            cat_to_cell = {c: cell["cell"] for cell in m["cells"] for c in cell["categories"]}
            out.loc[sel, col] = _lookup(_cell_of(r, m["variable"], key), cat_to_cell,
                                        f"margin {m['variable']!r}").to_numpy()
    out[FPC_COLUMN] = out[FPC_COLUMN].astype(float)
    out[BASE_COLUMN] = out[BASE_COLUMN].astype(float)
    return out


def check_calibrated(data: pd.DataFrame, calibration: Mapping, weight: str = "weight") -> None:
    """Raise unless the weights of ``data`` reproduce every calibration cell's population total."""
    pops = calibration["populations"] if "populations" in calibration else calibration
    ut = data["unit_type"].astype(str)
    for key, spec in pops.items():
        rows = data[ut == key]
        for m in spec["margins"]:
            col = CALIB_PREFIX + m["variable"]
            sums = rows.groupby(rows[col].astype(str))[weight].sum()
            for cell in m["cells"]:
                got, want = float(sums.get(cell["cell"], 0.0)), float(cell["population"])
                if abs(got - want) > MARGIN_TOL * max(want, 1.0):
                    raise SurveyDataError(
                        "the weights do not reproduce a calibration total", where=f"{key}, margin {m['variable']!r}, "
                        f"cell {cell['cell']!r}", expected=f"{want:g}", got=f"{got:.6g}",
                        hint=f"{WEIGHTS_FILE} and {CALIBRATION_FILE} come from different runs: rerun 03_weighting")


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------
def _read(path: Path, producer: str) -> pd.DataFrame:
    if not path.exists():
        raise SurveyDataError(f"{path.name} not found in {path.parent.name}/: run notebook {producer} first",
                              where=path.name, hint=f"run notebook {producer} first")
    return pd.read_parquet(path)


def load_population(paths: Paths) -> pd.DataFrame:
    """``population.parquet`` (446 units), ``unit_type`` as plain strings."""
    pop = _read(paths.processed / POPULATION_FILE, "00_population")
    pop = pop.copy()
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    return pop


def load_weights(paths: Paths) -> pd.DataFrame:
    """``weights.parquet``: ``unit_id, unit_type, weight[, stratum, base_weight]``."""
    w = _read(paths.processed / WEIGHTS_FILE, "03_weighting").copy()
    for col in ("unit_id", "weight"):
        if col not in w.columns:
            raise SurveyDataError(f"{WEIGHTS_FILE}: column {col!r} missing", where=WEIGHTS_FILE,
                                  expected=f"columns {WEIGHTS_COLUMNS}", got=f"columns {list(w.columns)}")
    w["unit_id"] = w["unit_id"].astype(str)
    if "unit_type" in w.columns:
        w["unit_type"] = w["unit_type"].astype(str)
    return w


def _design_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in (STRATUM_COLUMN, FPC_COLUMN, BASE_COLUMN) or c.startswith(CALIB_PREFIX)]


def merge(responses: pd.DataFrame, population: pd.DataFrame, weights: pd.DataFrame,
          calibration: Mapping | None = None) -> pd.DataFrame:
    """One row per respondent: responses + population attributes + weights + design columns.

    Keys are (``unit_id``, ``unit_type``). The design columns come from ``calibration`` (the
    document of ``calibration.json``; then the weights are checked against it) or, without
    it, from ``weights`` itself (the in-memory table of chapter 03, which carries them).
    Raises :class:`SurveyDataError` naming units without a frame row or a weight.
    """
    r = responses.copy()
    r["unit_id"] = r["unit_id"].astype(str)
    r["unit_type"] = r["unit_type"].astype(str)
    dup = r["unit_id"][r.duplicated(["unit_id", "unit_type"])]
    if len(dup):
        raise SurveyDataError(f"{RESPONSES_FILE}: units answered more than once", where=RESPONSES_FILE,
                              expected="one row per unit", got=f"units {sorted(dup)[:10]}")
    pop = population[["unit_id", "unit_type", *POPULATION_COLUMNS]]
    out = r.merge(pop, on=["unit_id", "unit_type"], how="left", indicator=True, validate="one_to_one")
    missing = out.loc[out["_merge"] != "both", "unit_id"].tolist()
    if missing:
        raise SurveyDataError(f"{RESPONSES_FILE}: units not in {POPULATION_FILE}: {missing[:10]}",
                              where=RESPONSES_FILE, expected=f"units of {POPULATION_FILE}", got=f"{missing[:10]}")
    out = out.drop(columns="_merge")
    keys = ["unit_id"] + (["unit_type"] if "unit_type" in weights.columns else [])
    wcols = list(dict.fromkeys(keys + ["weight"] + ([] if calibration is not None else _design_columns(weights))))
    out = out.drop(columns=[c for c in ["weight", *_design_columns(out)] if c in out.columns])
    out = out.merge(weights[wcols], on=keys, how="left", validate="one_to_one")
    nw = out.loc[out["weight"].isna(), "unit_id"].tolist()
    if nw:
        raise SurveyDataError(f"{WEIGHTS_FILE}: no weight for respondents of units {nw[:10]}", where=WEIGHTS_FILE,
                              expected="a weight for every respondent", got=f"none for units {nw[:10]}")
    if calibration is not None:
        out = pd.concat([out, apply_calibration(out, calibration)], axis=1)
        if BASE_COLUMN in weights.columns:
            base = out["unit_id"].map(weights.drop_duplicates("unit_id").set_index("unit_id")[BASE_COLUMN])
            if not np.allclose(base.to_numpy(float), out[BASE_COLUMN].to_numpy(float), rtol=1e-9, atol=0):
                raise SurveyDataError("base weights disagree", where=f"{WEIGHTS_FILE} and {CALIBRATION_FILE}",
                                      expected="the same base weight for every respondent", got="different ones",
                                      hint="rerun 03_weighting")
        check_calibrated(out, calibration)
    return out


def load(paths: Paths) -> pd.DataFrame:
    """The merged respondent table of an output root, with its design columns (module docstring)."""
    responses = _read(paths.processed / RESPONSES_FILE, "02_cleaning")
    return merge(responses, load_population(paths), load_weights(paths), read_calibration(paths))


# ---------------------------------------------------------------------------------------
# Designs
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


def stratum_counts(population: pd.DataFrame) -> dict[str, int]:
    """Population counts N_h of the design strata: municipal size classes and the county stratum."""
    out = {str(k): int(v) for k, v in population_margins(population, ["size_class"])["size_class"].items()}
    out[FYLKESKOMMUNE] = int((population["unit_type"].astype(str) == FYLKESKOMMUNE).sum())
    return out


def _checked(d: pd.DataFrame, population: pd.DataFrame | None, margins: Sequence[str] | None) -> list[str]:
    """The calibration columns of ``d`` to use; checks the design columns are there."""
    have = [c for c in d.columns if c.startswith(CALIB_PREFIX) and d[c].notna().any()]
    if not {STRATUM_COLUMN, FPC_COLUMN, BASE_COLUMN} <= set(d.columns) or not have:
        raise SurveyDataError("the respondent table has no design columns", where="design_for",
                              expected=f"{STRATUM_COLUMN}, {FPC_COLUMN}, {BASE_COLUMN} and {CALIB_PREFIX}* columns",
                              got=f"columns {_design_columns(d)}",
                              hint="load it with respondents.load(paths), which reads calibration.json")
    if margins is not None:
        extra = [m for m in margins if CALIB_PREFIX + m not in have]
        if extra:
            raise SurveyDataError("margins the weights were not calibrated on", where="design_for",
                                  expected=f"margins among {[c[len(CALIB_PREFIX):] for c in have]}", got=f"{extra}")
        have = [CALIB_PREFIX + m for m in margins]
    if population is not None:
        frame = stratum_counts(population)
        bad = sorted({s for s, n in zip(d[STRATUM_COLUMN], d[FPC_COLUMN]) if frame.get(str(s)) != int(n)})
        if bad:
            raise SurveyDataError("stratum population counts disagree with the frame", where=CALIBRATION_FILE,
                                  expected=f"N_h of {POPULATION_FILE}", got=f"other counts for strata {bad}",
                                  hint="rerun 03_weighting")
    return have


def _design(d: pd.DataFrame, frame: pd.DataFrame, fpc: bool) -> SurveyDesign:
    cal = Calibration.from_columns(frame, list(frame.columns), d[BASE_COLUMN].to_numpy(dtype=float))
    return SurveyDesign(d, "weight", strata=STRATUM_COLUMN, fpc=FPC_COLUMN if fpc else None, calibration=cal)


def design_for(data: pd.DataFrame, population: pd.DataFrame | None = None, unit_type: str = KOMMUNE,
               fpc: bool = True, margins: Sequence[str] | None = None) -> SurveyDesign:
    """The design of one population (``"kommune"`` or ``"fylkeskommune"``); see module docstring.

    ``fpc=False`` drops the finite population correction (tests and models, docs/contracts.md §7).
    ``margins``: the calibration margins to use (default: all the population was calibrated
    on; naming one it was not calibrated on raises). ``population`` (optional): the frame,
    against which the strata's population counts are checked.
    """
    if unit_type not in config.UNIT_TYPES:
        raise SurveyDataError("unknown unit type", where="design_for", expected=f"one of {config.UNIT_TYPES}",
                              got=repr(unit_type))
    d = data[data["unit_type"].astype(str) == unit_type].reset_index(drop=True)
    if d.empty:
        raise SurveyDataError("no respondents of this unit type", where="design_for", expected="respondents",
                              got=f"none of unit type {unit_type!r}")
    cols = _checked(d, population, margins)
    return _design(d, pd.DataFrame({c[len(CALIB_PREFIX):]: d[c] for c in cols}), fpc)


def combined_design(data: pd.DataFrame, population: pd.DataFrame | None = None, fpc: bool = True,
                    margins: Sequence[str] | None = None) -> SurveyDesign:
    """Both populations in one design: strata = municipal size classes + one county stratum.

    For comparisons between municipalities and county municipalities (domain
    ``unit_type``). The calibration holds each population's total (``unit_type``) and the
    municipal margins (empty on county rows). Estimates over the whole design mix the two
    populations (428 + 18 units) and should not be published as such.
    """
    d = data.reset_index(drop=True)
    cols = [c for c in _checked(d, population, margins) if c != CALIB_PREFIX + "unit_type"]
    frame = pd.DataFrame({"unit_type": d["unit_type"].astype(str), **{c[len(CALIB_PREFIX):]: d[c] for c in cols}})
    return _design(d, frame, fpc)


def with_columns(design: SurveyDesign, **columns) -> SurveyDesign:
    """A shallow copy of ``design`` whose data has extra (derived) columns; same rows and weights.

    A thin helper for estimating derived variables (e.g. an item with "Vet ikke" set to
    missing) without rebuilding the design.
    """
    out = copy.copy(design)
    out.data = design.data.assign(**columns)
    return out


# ---------------------------------------------------------------------------------------
# Weights for tests and development (notebook 03 makes the real ones)
# ---------------------------------------------------------------------------------------
def provisional_weights_for(responses: pd.DataFrame, population: pd.DataFrame,
                            margins: Sequence[str] = ("size_class", "region")) -> pd.DataFrame:
    """Weights in the layout of chapter 03's table (with the design columns), for tests.

    Municipalities: base weight N_h / n_h by size class, raked to size class and region
    (sparse region cells merged below 3 respondents). Counties: 18 / n each. The same
    weighting as chapter 03's default, without its coverage data.
    """
    from sosiale_kommuner.survey.weighting import poststratify_weights, rake_weights

    r = responses[["unit_id", "unit_type"]].astype(str).merge(
        population[["unit_id", "unit_type", *POPULATION_COLUMNS]], on=["unit_id", "unit_type"], how="left")
    N_h = stratum_counts(population)
    pops, parts = {}, []
    for ut in config.UNIT_TYPES:
        rows = r[r["unit_type"] == ut].reset_index(drop=True)
        if rows.empty:
            continue
        if ut == KOMMUNE:
            cell = rows["size_class"].astype(object).astype(str)
            base = cell.map(N_h) / cell.map(cell.value_counts())
            kk = rows.assign(**{c: rows[c].astype(object) for c in margins})
            res = rake_weights(kk, base.to_numpy(float), population_margins(population, margins), min_cell=3)
            spec = dict(strata_counts={h: N_h[h] for h in sorted(set(cell))}, stratum="size_class",
                        base_weights=dict(zip(cell, base)), base_cell="size_class")
        else:
            n = N_h[FYLKESKOMMUNE]
            res = poststratify_weights(rows, n / len(rows), "unit_type", {FYLKESKOMMUNE: float(n)})
            spec = dict(strata_counts={FYLKESKOMMUNE: n}, stratum=None, base_weights={FYLKESKOMMUNE: n / len(rows)},
                        base_cell=None)
        pops[ut] = population_calibration(res, **spec)
        parts.append(pd.DataFrame({"unit_id": rows["unit_id"], "unit_type": ut, "weight": res.weights.to_numpy()}))
    table = pd.concat(parts, ignore_index=True)
    design_cols = apply_calibration(table.merge(r, on=["unit_id", "unit_type"], how="left"), {"populations": pops})
    return pd.concat([table, design_cols], axis=1)


__all__ = ["load", "load_population", "load_weights", "read_calibration", "merge", "apply_calibration",
           "check_calibrated", "population_calibration", "calibration_json", "provisional_weights_for",
           "population_margins", "stratum_counts", "design_for", "combined_design", "with_columns",
           "SurveyDataError", "CALIBRATION_FILE", "WEIGHTS_COLUMNS"]
