"""The generator's parameters and item models: what ``generator_params.yaml`` says.

* file names of the raw files the generator reads and writes;
* :func:`load_params` (a dict, a YAML path, or the default raw folder's file);
* :func:`stream`: the random stream of one purpose, ``default_rng([seed, crc32(salt),
  crc32(key)])``, so adding an item or a purpose never changes the draws of another;
* the units' covariates (:class:`Covariates`) and the linear predictor of an item model
  (:func:`linear_predictor`; the formula is documented in ``generator_params.yaml``);
* which model an item column follows (:func:`item_spec`) and which planted terms it has
  (:func:`planted_terms`).
"""
from __future__ import annotations

import copy
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sosiale_kommuner import config

from .. import codebook as cbm

PARAMS_FILE = "generator_params.yaml"
MAPPING_FILE = "respondent_mapping.csv"
PRESURVEY_FILE = "presurvey.csv"
MAIN_FILE = "main_survey.csv"
TRUTH_FILE = "truth.yaml"
SYNTHETIC_FILE = "SYNTHETIC.yaml"
GENERATED_FILES = (MAPPING_FILE, PRESURVEY_FILE, MAIN_FILE, TRUTH_FILE, SYNTHETIC_FILE)

#: Replications of the 2013 frame used for the generating process's values in truth.yaml.
PROCESS_REPS = 500


class SynthError(ValueError):
    """The generator parameters are inconsistent with the codebook or population."""


def load_params(params: dict | str | os.PathLike | None = None) -> dict:
    """Parameters as a dict: a dict (deep-copied), a YAML path, or ``None`` for the default
    ``<default raw>/survey/generator_params.yaml``."""
    if isinstance(params, dict):
        return copy.deepcopy(params)
    path = Path(params) if params is not None else config.DEFAULT_RAW_DIR / "survey" / PARAMS_FILE
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def stream(seed: int, salt: str, key: str) -> np.random.Generator:
    """The random stream of one purpose (``salt``) and one key (an item column, a unit type)."""
    return np.random.default_rng([int(seed), _crc(salt), _crc(key)])


@dataclass(frozen=True)
class Covariates:
    """Unit covariates as numpy arrays (municipality-only ones are -1/NaN for counties)."""

    n: int
    county: np.ndarray          # bool
    size_idx: np.ndarray        # int, -1 for counties
    n_size: int
    centrality: np.ndarray      # float 0-3, NaN for counties
    region: np.ndarray          # object


def covariates(pop: pd.DataFrame) -> Covariates:
    """The covariates of every unit of a population table (``frame.load_population``)."""
    county = (pop["unit_type"] == config.FYLKESKOMMUNE).to_numpy()
    sc = pop["size_class"]
    if not isinstance(sc.dtype, pd.CategoricalDtype):
        raise SynthError("population.size_class must be categorical (frame.load_population)")
    size_idx = sc.cat.codes.to_numpy().astype(int)
    cen = pd.to_numeric(pop["centrality"], errors="coerce").astype("float64").to_numpy()
    if (size_idx[~county] < 0).any() or np.isnan(cen[~county]).any():
        raise SynthError("every municipality needs a size class and a centrality")
    return Covariates(len(pop), county, size_idx, len(sc.cat.categories), cen,
                      pop["region"].astype(str).to_numpy())


def linear_predictor(spec: dict, cov: Covariates, u: np.ndarray, defaults: dict) -> np.ndarray:
    """``eta`` of one item for every unit (see generator_params.yaml for the formula)."""
    eta = np.full(cov.n, float(spec.get("intercept", defaults.get("intercept", 0.0))))
    mun = ~cov.county
    if "size_class" in spec:
        eff = np.asarray(spec["size_class"], dtype=float)
        if len(eff) != cov.n_size:
            raise SynthError(f"size_class effects {list(eff)} need {cov.n_size} values")
        eta[mun] += eff[cov.size_idx[mun]]
    if "centrality" in spec:
        c = spec["centrality"]
        cen = cov.centrality[mun].astype(int)
        eta[mun] += (np.asarray(c, dtype=float)[cen] if isinstance(c, list) else float(c) * cen)
    if "region" in spec:
        for reg, eff in spec["region"].items():
            eta[cov.region == reg] += float(eff)
    eta[cov.county] += float(spec.get("fylkeskommune", 0.0))
    eta += float(spec.get("loading", defaults.get("loading", 0.0))) * u
    return eta


def planted_terms(spec: dict) -> dict[str, bool]:
    """Which planted terms an item model has (non-zero)."""
    def nz(v):
        if isinstance(v, dict):
            return any(float(x) != 0 for x in v.values())
        if isinstance(v, list):
            return any(float(x) != 0 for x in v)
        return float(v) != 0
    out = {k: nz(spec[k]) if k in spec else False
           for k in ("size_class", "centrality", "region", "fylkeskommune")}
    if spec.get("model") == "involvement":
        out["covariates"] = nz(spec.get("coefficients", {}))
    return out


def _default_spec(item: cbm.Item) -> dict:
    if item.is_multiple:
        return {"model": "binary"}
    if item.type == "likert5" or item.is_ordered:
        return {"model": "ordinal"}
    if item.type == "single":
        if {"yes", "no"} <= set(item.key_to_code):
            return {"model": "binary"}
        return {"model": "categorical"}
    return {"model": {"integer": "count", "number": "lognormal", "year": "year"}[item.type]}


def item_spec(params: dict, item: cbm.Item, column: str) -> dict:
    """The model of one typed column (parameters, else the item type's default)."""
    return params.get("items", {}).get(column) or _default_spec(item)


