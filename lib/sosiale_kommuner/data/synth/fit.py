"""Which generator parameters the simulation appendices draw from (chapters 10 and 11).

With the project's synthetic demonstration data (``SYNTHETIC.yaml`` says ``synthetic: true``
and ``generator_params.yaml`` is there) the appendices draw from the parameters that made the
data: ``source = "shipped"``. With any other data — real exports — they draw from parameters
estimated from the cleaned, weighted data at hand: ``source = "estimated"``
(:func:`estimate_params`; docs/methods.md, "Generator parameters for the simulations"):

* the **template** — model kinds, routing, "Vet ikke" structure, loadings, defaults and the
  export-defect sections — is ``<raw>/survey/generator_params.yaml`` if the raw folder has
  one, else the copy shipped in this package (:data:`TEMPLATE_FILE`);
* the **item models** are estimated from the respondents of ``data/processed`` with their
  calibrated weights (:mod:`.fit_items`);
* the **selection** sections come from the processed files: response counts per unit type
  from ``responses.parquet``, the pre-survey count from ``presurvey.parquet``, step-1
  coverage and the Facebook page from ``coverage.parquet``; their size-class shifts invert
  the generator's weighted draw without replacement (:func:`selection_shifts`). A section
  the processed data cannot give keeps the template's values (marked in ``fitted``).

:func:`simulation_params` is the one entry point the chapters call; the chapters say which
source was used through the text layer (keys ``params_shipped`` / ``params_estimated``).
Estimation never writes anything and is deterministic.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.config import Paths

from .. import codebook as cbm
from .. import respondents
from .fit_items import FITTED_COLUMNS, estimate_items
from .params import PARAMS_FILE, SYNTHETIC_FILE, load_params

SOURCES = ("shipped", "estimated")
#: The template shipped in the package (a copy of the demonstration data's parameters).
TEMPLATE_FILE = Path(__file__).with_name("template_params.yaml")
#: Processed files the estimation needs (written by notebooks 00, 02 and 03).
REQUIRED = {respondents.RESPONSES_FILE: "02_cleaning", respondents.WEIGHTS_FILE: "03_weighting",
            respondents.CALIBRATION_FILE: "03_weighting", respondents.POPULATION_FILE: "00_population"}
COVERAGE_FILE = "coverage.parquet"
PRESURVEY_FILE = "presurvey.parquet"


@dataclass(frozen=True)
class SimulationParams:
    """Generator parameters for a simulation, where they came from, and (when estimated) a
    table of what was estimated from which data (one row per parameter group)."""

    params: dict
    source: str
    fitted: pd.DataFrame = field(default_factory=pd.DataFrame)


def data_are_synthetic(paths: Paths) -> bool:
    """True iff ``<raw>/survey/SYNTHETIC.yaml`` exists and says ``synthetic: true``."""
    flag = paths.survey / SYNTHETIC_FILE
    if not flag.is_file():
        return False
    doc = yaml.safe_load(flag.read_text(encoding="utf-8"))
    return isinstance(doc, dict) and doc.get("synthetic") is True


def template_params(paths: Paths | None = None) -> dict:
    """The template: ``<raw>/survey/generator_params.yaml`` if present, else :data:`TEMPLATE_FILE`."""
    raw = None if paths is None else paths.survey / PARAMS_FILE
    return load_params(raw if raw is not None and raw.is_file() else TEMPLATE_FILE)


# ---------------------------------------------------------------------------------------
# Selection: counts and size-class shifts
# ---------------------------------------------------------------------------------------
def selection_shifts(selected: np.ndarray, groups: np.ndarray, levels: list) -> list[float]:
    """Log-weight shifts (first level = 0) under which the generator's draw of exactly
    ``selected.sum()`` units without replacement reproduces each group's selected share.

    In the Efraimidis–Spirakis draw a unit of weight ``w`` is selected with probability
    ``1 - exp(-t w)`` for a threshold ``t`` common to all units (large populations), so
    ``w_k`` is proportional to ``-log(1 - pi_k)``; shares of 0 or 1 are moved half a unit
    inside the group."""
    out = []
    for lev in levels:
        g = groups == lev
        n = int(g.sum())
        if n == 0:
            out.append(np.nan)
            continue
        pi = np.clip(selected[g].mean(), 0.5 / n, 1 - 0.5 / n)
        out.append(np.log(-np.log1p(-pi)))
    base = out[0]
    return [0.0 if np.isnan(v) else round(float(v - base), 4) for v in out]


def _row(item: str, n: int, source: str, terms: str, note: str = "") -> dict:
    return dict(item=item, model="selection", n=n, source=source, terms=terms, note=note)


def estimate_selection(template: dict, population: pd.DataFrame, responses: pd.DataFrame,
                       coverage: pd.DataFrame | None, presurvey_n: int | None) -> tuple[dict, list[dict]]:
    """The ``facebook_page``, ``coverage``, ``presurvey`` and ``response`` sections from the
    processed data (counts and size-class shifts), and their fitted rows."""
    out = {k: copy.deepcopy(template[k]) for k in ("facebook_page", "coverage", "presurvey", "response")}
    rows: list[dict] = []
    levels = list(population["size_class"].cat.categories)
    n_resp = responses["unit_type"].astype(str).value_counts()
    for ut in config.UNIT_TYPES:
        out["response"][ut]["count"] = int(n_resp.get(ut, 0))
    cov = None
    if coverage is not None:
        cov = coverage.assign(unit_id=coverage["unit_id"].astype(str), unit_type=coverage["unit_type"].astype(str))
        cov = cov.merge(population[["unit_id", "size_class"]].astype({"unit_id": str}), on="unit_id", how="left")
    if cov is None:
        rows.append(_row("response", int(n_resp.sum()), "estimated", "count", "coverage.parquet absent: "
                         "size-class shifts from the template"))
    for stage, col, among in (("facebook_page", "facebook_page", None), ("coverage", "mapped", None),
                              ("response", "responded", "mapped")):
        if cov is None or col not in cov.columns or (among and among not in cov.columns):
            if stage != "response":
                rows.append(_row(stage, 0, "template", "", f"no column {col!r} in the processed data"))
            continue
        for ut in config.UNIT_TYPES:
            c = cov[cov["unit_type"] == ut]
            if among:
                c = c[c[among].astype(bool)]
            sel = c[col].astype(bool).to_numpy()
            if stage != "response":
                out[stage][ut]["count"] = int(sel.sum())
            terms = "count"
            if ut == config.KOMMUNE and "size_class" in out[stage][ut]:
                out[stage][ut]["size_class"] = selection_shifts(sel, c["size_class"].astype(object).to_numpy(),
                                                                levels)
                terms = "count, size_class"
            rows.append(_row(f"{stage}.{ut}", len(c), "estimated", terms))
    if presurvey_n is not None:
        out["presurvey"]["count"] = int(presurvey_n)
        terms, n = "count", int(presurvey_n)
        if cov is not None and {"presurvey", "mapped"} <= set(cov.columns):
            m = cov[cov["mapped"].astype(bool)]
            grp = np.where(m["unit_type"] == config.FYLKESKOMMUNE, "__county__", m["size_class"].astype(object))
            shifts = selection_shifts(m["presurvey"].astype(bool).to_numpy(), grp, levels + ["__county__"])
            out["presurvey"]["size_class"], out["presurvey"]["fylkeskommune"] = shifts[:-1], shifts[-1]
            terms, n = "count, size_class, fylkeskommune", len(m)
        rows.append(_row("presurvey", n, "estimated", terms, "retest_change from the template"))
    else:
        rows.append(_row("presurvey", 0, "template", "", "presurvey.parquet absent"))
    return out, rows


# ---------------------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------------------
def estimate_params(template: dict, data: pd.DataFrame, population: pd.DataFrame, codebook: cbm.Codebook,
                    coverage: pd.DataFrame | None = None, presurvey_n: int | None = None,
                    weight: str = "weight") -> tuple[dict, pd.DataFrame]:
    """A complete parameter dict in the generator's format, estimated from ``data`` (the merged
    respondent table of :func:`sosiale_kommuner.data.respondents.load`, with ``weight``), and
    the fitted table (:data:`~.fit_items.FITTED_COLUMNS`; one row per item column and per
    selection section). ``template`` supplies every model kind, routing, the loadings and the
    sections that are not estimated; it is not changed."""
    params = copy.deepcopy(template)
    levels = list(population["size_class"].cat.categories)
    params["size_class_reference"] = str(levels[0])
    params["items"], fitted = estimate_items(template, data, codebook, levels, weight=weight)
    sel, rows = estimate_selection(template, population, data, coverage, presurvey_n)
    params.update(sel)
    return params, pd.concat([fitted, pd.DataFrame(rows, columns=FITTED_COLUMNS)], ignore_index=True)


def _require(paths: Paths) -> None:
    missing = [name for name in REQUIRED if not (paths.processed / name).is_file()]
    if missing:
        producers = sorted({REQUIRED[m] for m in missing})
        raise respondents.SurveyDataError(
            "the simulation's generator parameters are estimated from the processed data, which is missing",
            where=f"data/processed/{', '.join(missing)}",
            expected=f"the files {', '.join(REQUIRED)} of this output root",
            got=f"no {', '.join(missing)}",
            hint=f"run notebooks {', '.join(producers)} first (run_all.py orders them before chapters 10 and 11)")


def load_estimated(paths: Paths) -> SimulationParams:
    """Parameters estimated from the processed data of ``paths`` (see the module docstring)."""
    _require(paths)
    data = respondents.load(paths)
    population = pd.read_parquet(paths.processed / respondents.POPULATION_FILE)
    population["unit_id"] = population["unit_id"].astype(str)
    population["unit_type"] = population["unit_type"].astype(str)
    cov_path, pre_path = paths.processed / COVERAGE_FILE, paths.processed / PRESURVEY_FILE
    coverage = pd.read_parquet(cov_path) if cov_path.is_file() else None
    pre_n = len(pd.read_parquet(pre_path, columns=["unit_id"])) if pre_path.is_file() else None
    params, fitted = estimate_params(template_params(paths), data, population, cbm.load_codebook(paths.raw),
                                     coverage, pre_n)
    return SimulationParams(params, "estimated", fitted)


def simulation_params(paths: Paths) -> SimulationParams:
    """The parameters chapters 10 (appendix) and 11 simulate from (see the module docstring)."""
    shipped = paths.survey / PARAMS_FILE
    if data_are_synthetic(paths) and shipped.is_file():
        return SimulationParams(load_params(shipped), "shipped")
    return load_estimated(paths)
