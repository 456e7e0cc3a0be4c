"""Demonstration-data generator with a known truth (SYNTHETIC DATA).

The real answers of "Sosiale kommuner 2013" are not public, so the project ships data made
here, from a seed and the ground-truth parameters in ``<raw>/survey/generator_params.yaml``
(documented in that file). The process:

1. **Answers of every unit** (:func:`draw_answers`, then :func:`apply_routing`): every unit
   of both populations answers every item of the pre-survey and the main survey, as if all
   had answered, from item models with planted effects by size class, region, centrality and
   unit type, a latent "digital maturity" ``u ~ N(0, 1)`` (independent of all covariates)
   that correlates the items, and "Vet ikke" at random. Routing (the codebook's filters)
   then blanks questions a unit would not have been shown.
2. **Selection** (:func:`draw_status`): an organisation-wide Facebook page (exactly 210 of
   428 municipalities), step-1 coverage (exactly 316 municipalities and 15 county
   municipalities), the pre-survey (161) and step-3 response (exactly 200 and 11), each a
   size-dependent draw without replacement (Efraimidis–Spirakis weighted sampling).
3. **Exports** (:func:`build_exports`): the respondent mapping with fake personal data, the
   pre-survey and main-survey exports as a survey tool writes them (semicolon-separated
   UTF-8, Norwegian headers, one column per option, timestamps, decimal comma) with the
   defects real exports have (duplicates, test responses, empty starts, kommunenummer with
   lost leading zeros or typed as a name, personal data in free text).
4. **Truth** (:func:`truth_document`): planted effects, null items, the population values of
   every item (from the full synthetic 2013 populations) and the generating process's
   values (from a replicated population of about 220 000 units).

Everything is deterministic: each item draws from its own random stream
``default_rng([seed, crc32(salt), crc32(column)])``, so adding an item never changes others.

Public API::

    generate(seed=None, params=None, population=None, codebook=None, exports=True) -> Synthetic
    population(frame, seed, params=None) -> typed DataFrame of every unit (simulations)
    write_raw(raw_dir, seed=None) -> list[Path]     # the CLI: python -m sosiale_kommuner.data.synth
    expand_population(frame, reps) -> DataFrame      # large populations for simulations
    population_values(coded, population, codebook) -> DataFrame (long)
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import os
import re
import sys
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.special import expit, logit

from sosiale_kommuner import config, files

from . import codebook as cbm
from . import frame as framemod

PARAMS_FILE = "generator_params.yaml"
MAPPING_FILE = "respondent_mapping.csv"
PRESURVEY_FILE = "presurvey.csv"
MAIN_FILE = "main_survey.csv"
TRUTH_FILE = "truth.yaml"
SYNTHETIC_FILE = "SYNTHETIC.yaml"
GENERATED_FILES = (MAPPING_FILE, PRESURVEY_FILE, MAIN_FILE, TRUTH_FILE, SYNTHETIC_FILE)

#: Replications of the 2013 frame used for the generating process's values in truth.yaml.
PROCESS_REPS = 500

SYNTHETIC_NOTICE = {
    "en": ("Synthetic demonstration data. The survey answers, contacts and names in this "
           "report were invented by the project's generator (sosiale_kommuner.synth) from "
           "published totals; they are not the answers of Sosiale kommuner 2013."),
    "nb": ("Syntetiske demonstrasjonsdata. Svarene, kontaktene og navnene i denne rapporten "
           "er laget av prosjektets generator (sosiale_kommuner.synth) ut fra publiserte "
           "totaltall; de er ikke svarene fra Sosiale kommuner 2013."),
}


class SynthError(ValueError):
    """The generator parameters are inconsistent with the codebook or population."""


# --------------------------------------------------------------------------- parameters
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


def _rng(seed: int, salt: str, key: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), _crc(salt), _crc(key)])


# --------------------------------------------------------------------------- covariates
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


def _has_effects(spec: dict) -> dict[str, bool]:
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


# --------------------------------------------------------------------------- item models
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


def _draw_column(item: cbm.Item, column: str, spec: dict, cov: Covariates, u: np.ndarray,
                 rng: np.random.Generator, defaults: dict, facebook: np.ndarray | None,
                 answers: dict[str, np.ndarray]) -> np.ndarray:
    model = spec.get("model")
    n = cov.n
    out = np.full(n, np.nan)
    if model == "categorical":
        subs = item.substantive_codes
        probs = spec.get("probs", {})
        for utype, mask in ((config.KOMMUNE, ~cov.county), (config.FYLKESKOMMUNE, cov.county)):
            p = np.asarray(probs.get(utype, [1.0 / len(subs)] * len(subs)), dtype=float)
            if len(p) != len(subs):
                raise SynthError(f"{column}: probs for {utype} need {len(subs)} values")
            cum = np.cumsum(p / p.sum())
            idx = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(subs) - 1)
            out[mask] = np.asarray(subs, dtype=float)[idx[mask]]
    elif model in ("binary", "involvement"):
        eta = linear_predictor(spec, cov, u, defaults)
        if model == "involvement":
            b = spec.get("coefficients", {})
            x = involvement_covariates(answers)
            for name, coef in b.items():
                if name not in x:
                    raise SynthError(f"{column}: unknown involvement covariate {name!r}; known {sorted(x)}")
                eta = eta + float(coef) * x[name]
        yes = rng.random(n) < expit(eta)
        if spec.get("facebook_forces_yes") and facebook is not None:
            yes = yes | facebook
        if item.is_multiple:
            out = yes.astype(float)
        else:
            k2c = item.key_to_code
            out = np.where(yes, float(k2c["yes"]), np.nan)
            no_codes = spec.get("no_codes")
            if no_codes:
                codes = np.asarray([float(c) for c in no_codes], dtype=float)
                p = np.asarray(list(no_codes.values()), dtype=float)
                idx = np.minimum(np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right"), len(codes) - 1)
                out = np.where(yes, out, codes[idx])
            else:
                out = np.where(yes, out, float(k2c["no"]))
    elif model == "ordinal":
        subs = np.asarray(item.substantive_codes, dtype=float)
        k = len(subs)
        cuts = spec.get("cutpoints")
        if cuts is None:
            cuts = logit(np.arange(1, k) / k) * float(defaults.get("cut_spread", 1.0))
        cuts = np.asarray(cuts, dtype=float)
        eta = linear_predictor(spec, cov, u, defaults)
        r = rng.random(n)
        level = (r[:, None] < expit(eta[:, None] - cuts[None, :])).sum(axis=1)
        out = subs[level]
    elif model == "count":
        eta = linear_predictor(spec, cov, u, defaults)
        out = rng.poisson(np.exp(eta)).astype(float)
        out = np.clip(out, item.min if item.min is not None else 0, item.max if item.max is not None else np.inf)
    elif model == "lognormal":
        eta = linear_predictor(spec, cov, u, defaults)
        val = np.exp(eta + float(spec.get("sigma", 0.5)) * rng.standard_normal(n))
        step = float(spec.get("round_to", 0.1))
        out = np.round(val / step) * step
        out = np.clip(out, item.min if item.min is not None else 0, item.max if item.max is not None else np.inf)
    elif model == "year":
        eta = linear_predictor(spec, cov, u, defaults)
        hi, lo = int(item.max), int(item.min)
        out = (hi - np.minimum(rng.poisson(np.exp(eta)), hi - lo)).astype(float)
    else:
        raise SynthError(f"{column}: unknown model {model!r}")
    if item.has_dont_know and not item.is_multiple:
        p_dk = float(spec.get("dont_know", defaults.get("dont_know", 0.0)))
        if p_dk > 0:
            out = np.where(rng.random(n) < p_dk, float(item.dont_know), out)
    return out


def involvement_covariates(answers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Covariates of the involvement model from a unit's (unrouted) answers.

    ``strategy_adopted`` = 1 if ``a3_strategy_status`` is 4 (adopted), else 0;
    ``formal_elements`` = number of ``a4_formal_elements`` options ticked;
    ``admin_leadership`` = ``a5_admin_leadership`` score 1-5 ("Vet ikke" counts as 3);
    ``comm_fte`` = ``bg_comm_fte``.
    """
    st = answers["a3_strategy_status"]
    formal = sum(np.nan_to_num(v) for k, v in answers.items() if k.startswith("a4_formal_elements__"))
    lead = answers["a5_admin_leadership"]
    lead = np.where((lead >= 1) & (lead <= 5), lead, 3.0)
    return {
        "strategy_adopted": (st == 4).astype(float),
        "formal_elements": np.asarray(formal, dtype=float),
        "admin_leadership": lead,
        "comm_fte": np.nan_to_num(answers["bg_comm_fte"]),
    }


def latent_factor(seed: int, n: int, salt: str = "answers") -> np.ndarray:
    """The units' latent "digital maturity" ``u ~ N(0, 1)``."""
    return _rng(seed, salt, "__u__").standard_normal(n)


def draw_answers(population: pd.DataFrame, params: dict, codebook: cbm.Codebook, seed: int,
                 facebook_page: np.ndarray | None = None, salt: str = "answers",
                 u: np.ndarray | None = None, routed: bool = False) -> pd.DataFrame:
    """Coded answers (float codes; options 1/0) of every unit to every non-text item of the
    pre-survey and main survey, *before* routing (``routed=True``: after). Background
    ``bg_unit_type`` is the unit's own type; ``bg_kommunenummer`` and free texts are left to
    the exports."""
    cov = covariates(population)
    defaults = params.get("defaults", {})
    if u is None:
        u = latent_factor(seed, cov.n)
    fb = None if facebook_page is None else np.asarray(facebook_page, dtype=bool)
    answers: dict[str, np.ndarray] = {}
    seen = set()
    for survey in ("main", "presurvey"):
        for it in codebook.items(survey=survey):
            if it.id in seen or it.type == "text":
                continue
            seen.add(it.id)
            if it.id == "bg_unit_type":
                answers[it.id] = np.where(cov.county, 2.0, 1.0)
                continue
            for col in it.columns:
                spec = item_spec(params, it, col)
                answers[col] = _draw_column(it, col, spec, cov, u, _rng(seed, salt, col),
                                            defaults, fb, answers)
    if routed:
        answers = _route(answers, codebook)
    return pd.DataFrame(answers, index=population.index)


def _route(answers: dict[str, np.ndarray], codebook: cbm.Codebook) -> dict[str, np.ndarray]:
    out = dict(answers)
    for it in codebook.items_by_id.values():
        if it.filter_item is None or it.filter_item not in out:
            continue
        hidden = ~np.isin(out[it.filter_item], it.filter_codes)
        if not hidden.any():
            continue
        for col in it.columns:
            if col in out:
                out[col] = np.where(hidden, np.nan, out[col])
    return out


def apply_routing(coded: pd.DataFrame, codebook: cbm.Codebook) -> pd.DataFrame:
    """Blank (NaN) the columns of items a unit would not be shown (codebook filters), in
    codebook order so that chained filters work."""
    arrays = {c: coded[c].to_numpy(dtype=float) for c in coded.columns}
    return pd.DataFrame(_route(arrays, codebook), index=coded.index)


# --------------------------------------------------------------------------- selection
def select_exact(weights: np.ndarray, k: int, rng: np.random.Generator,
                 eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of exactly ``k`` units drawn without replacement with probability
    proportional to ``weights`` at each draw (Efraimidis–Spirakis keys ``log(U) / w``)."""
    w = np.asarray(weights, dtype=float)
    elig = np.ones(len(w), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if k > elig.sum():
        raise SynthError(f"cannot select {k} of {int(elig.sum())} eligible units")
    keys = np.log(rng.random(len(w))) / w
    keys[~elig] = -np.inf
    mask = np.zeros(len(w), dtype=bool)
    if k > 0:
        mask[np.argpartition(-keys, k - 1)[:k]] = True
    return mask


def _scaled(count: int, n: int, n2013: int) -> int:
    return int(count) if n == n2013 else int(round(count * n / n2013))


def _size_weights(spec: dict, cov: Covariates) -> np.ndarray:
    eta = np.zeros(cov.n)
    if "size_class" in spec:
        eff = np.asarray(spec["size_class"], dtype=float)
        eta[~cov.county] = eff[cov.size_idx[~cov.county]]
    eta[cov.county] += float(spec.get("fylkeskommune", 0.0))
    return np.exp(eta)


def draw_status(population: pd.DataFrame, params: dict, seed: int) -> pd.DataFrame:
    """Per unit: ``facebook_page``, ``mapped`` (step 1), ``presurvey`` (step 2 respondent),
    ``responded`` (step 3 respondent); exact counts for the 2013 populations."""
    cov = covariates(population)
    groups = {config.KOMMUNE: ~cov.county, config.FYLKESKOMMUNE: cov.county}
    n2013 = {config.KOMMUNE: config.N_MUNICIPALITIES, config.FYLKESKOMMUNE: config.N_COUNTY_MUNICIPALITIES}
    out = {}
    for stage in ("facebook_page", "coverage", "response"):
        res = np.zeros(cov.n, dtype=bool)
        for utype, mask in groups.items():
            spec = params[stage][utype]
            elig = mask & (out["mapped"] if stage == "response" else True)
            k = _scaled(spec["count"], int(mask.sum()), n2013[utype])
            res |= select_exact(_size_weights(spec, cov), k, _rng(seed, stage, utype), elig)
        out["mapped" if stage == "coverage" else "responded" if stage == "response" else stage] = res
    pre = params["presurvey"]
    k = _scaled(pre["count"], cov.n, n2013[config.KOMMUNE] + n2013[config.FYLKESKOMMUNE])
    out["presurvey"] = select_exact(_size_weights(pre, cov), k, _rng(seed, "presurvey", "all"), out["mapped"])
    return pd.DataFrame({
        "unit_id": population["unit_id"].to_numpy(),
        "unit_type": population["unit_type"].to_numpy(),
        "facebook_page": out["facebook_page"],
        "mapped": out["mapped"],
        "presurvey": out["presurvey"],
        "responded": out["responded"],
    }, index=population.index)


# --------------------------------------------------------------------------- result object
@dataclass
class Synthetic:
    """One generated dataset. ``latent`` is coded (float codes, NaN = not shown), one row per
    unit, routed; ``status`` says who is mapped/responded; ``exports`` (file name -> DataFrame
    of strings as written) and ``truth`` only when ``generate(..., exports=True)``."""

    seed: int
    population: pd.DataFrame
    latent: pd.DataFrame
    status: pd.DataFrame
    codebook: cbm.Codebook
    params: dict
    exports: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth: dict | None = None
    people: pd.DataFrame | None = None

    def typed(self, units: str = "all", survey: str = "main") -> pd.DataFrame:
        """Typed answers (see :func:`codebook.to_typed`) with ``unit_id, unit_type`` first;
        ``units`` = ``all`` (the as-if-all-answered population), ``mapped`` or ``responded``."""
        rows = np.ones(len(self.latent), dtype=bool) if units == "all" else self.status[units].to_numpy()
        coded = self.latent.loc[rows]
        keyed = coded.assign(unit_id=self.status.loc[rows, "unit_id"], unit_type=self.status.loc[rows, "unit_type"])
        return cbm.to_typed(keyed, self.codebook, survey=survey, keep=("unit_id", "unit_type")).reset_index(drop=True)

    def responses(self) -> pd.DataFrame:
        """The responded units' answers shaped like ``responses.parquet`` (no defects, no item
        nonresponse, no free text): ``unit_id, unit_type, respondent_id`` + item columns."""
        t = self.typed("responded")
        t.insert(2, "respondent_id", [f"S{i:05d}" for i in range(1, len(t) + 1)])
        return t


def population(frame: pd.DataFrame, seed: int, params: dict | str | os.PathLike | None = None,
               codebook: cbm.Codebook | None = None) -> pd.DataFrame:
    """Typed answers of EVERY unit of ``frame`` (as if all had answered, routed), before
    coverage and response: ``unit_id, unit_type, size_class, region, centrality,
    facebook_page`` and the typed item columns of the main survey (``codebook.to_typed``).

    ``frame`` is a population table like ``frame.load_population`` (any subset or an
    :func:`expand_population`), so simulations can draw many large populations quickly.
    """
    params = load_params(params)
    if codebook is None:
        codebook = cbm.load_codebook(config.DEFAULT_RAW_DIR)
    frame = frame.reset_index(drop=True)
    st = draw_status(frame, params, int(seed))
    latent = draw_answers(frame, params, codebook, int(seed), st["facebook_page"].to_numpy(), routed=True)
    keep = ("unit_id", "unit_type", "size_class", "region", "centrality")
    latent = latent.assign(**{k: frame[k] for k in keep}, facebook_page=st["facebook_page"].to_numpy())
    return cbm.to_typed(latent, codebook, survey="main", keep=keep + ("facebook_page",))


def expand_population(frame: pd.DataFrame, reps: int) -> pd.DataFrame:
    """The frame's units replicated ``reps`` times (unit ids ``<id>_<rep>``): a large
    population with exactly the 2013 covariate mix, for the generating process's values."""
    big = pd.concat([frame] * int(reps), ignore_index=True)
    rep = np.repeat(np.arange(int(reps)), len(frame))
    big["unit_id"] = big["unit_id"].astype(str).to_numpy() + "_" + rep.astype(str)
    return big


def generate(seed: int | None = None, params: dict | str | os.PathLike | None = None,
             population: pd.DataFrame | None = None, codebook: cbm.Codebook | None = None,
             *, exports: bool = True, raw_dir: str | os.PathLike | None = None,
             process_reps: int = PROCESS_REPS) -> Synthetic:
    """Generate one dataset in memory.

    ``seed`` defaults to the parameters' ``seed``; ``population`` to the 2013 frame of
    ``raw_dir`` (default raw folder). With ``exports=False`` only ``latent`` and ``status``
    are made (fast: about 0.1 s for 446 units, under 1 s for 100 000) — what simulations need.
    """
    raw = config.paths(raw_dir).raw
    params = load_params(params if params is not None else raw / "survey" / PARAMS_FILE)
    seed = int(params.get("seed", 2013) if seed is None else seed)
    if codebook is None:
        codebook = cbm.load_codebook(raw)
    if population is None:
        population = framemod.load_population(raw / "frame")
    population = population.reset_index(drop=True)
    status = draw_status(population, params, seed)
    if not exports:
        latent = draw_answers(population, params, codebook, seed, status["facebook_page"].to_numpy(), routed=True)
        return Synthetic(seed, population, latent, status, codebook, params)
    unrouted = draw_answers(population, params, codebook, seed, status["facebook_page"].to_numpy())
    latent = apply_routing(unrouted, codebook)
    result = Synthetic(seed, population, latent, status, codebook, params)
    if exports:
        result.people = make_people(population, status, unrouted, seed)
        result.exports = build_exports(result, unrouted)
        result.truth = truth_document(result, process_reps=process_reps)
    return result


# --------------------------------------------------------------------------- personal data
_TRANS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def _slug(text: str, sep: str = "-") -> str:
    t = text.split(" - ")[-1] if " - " in text else text  # Sami/Kven double names: last form
    t = unicodedata.normalize("NFKD", t.translate(_TRANS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", sep, t.lower()).strip(sep)


def make_people(population: pd.DataFrame, status: pd.DataFrame, answers: pd.DataFrame,
                seed: int) -> pd.DataFrame:
    """Fake contacts (Faker ``no_NO``, seeded): one per unit (``found`` for mapped units).
    Columns: unit_id, found, first_name, last_name, full_name, email, phone, role."""
    from faker import Faker

    fake = Faker("no_NO")
    fake.seed_instance(int(seed))
    rng = _rng(seed, "people", "phones")
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(names) < len(population):
        first, last = fake.first_name(), fake.last_name()
        if f"{first} {last}" not in seen:
            seen.add(f"{first} {last}")
            names.append((first, last))
    emails, phones = [], []
    for (first, last), name, utype in zip(names, population["name"], population["unit_type"]):
        domain = f"{_slug(name)}.kommune.no" if utype == config.KOMMUNE else f"{_slug(name, '')}fk.no"
        emails.append(f"{_slug(first, '.')}.{_slug(last, '.')}@{domain}")
    mobile = rng.random(len(population)) < 0.6
    digits = rng.integers(0, 10, size=(len(population), 7))
    first_digit = np.where(mobile, rng.choice([4, 9], size=len(population)), rng.integers(2, 8, size=len(population)))
    for m, f, d in zip(mobile, first_digit, digits):
        s = f"{f}" + "".join(map(str, d))
        phones.append(f"{s[:3]} {s[3:5]} {s[5:]}" if m else f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:]}")
    return pd.DataFrame({
        "unit_id": population["unit_id"].to_numpy(),
        "found": status["mapped"].to_numpy(),
        "first_name": [a for a, _ in names],
        "last_name": [b for _, b in names],
        "full_name": [f"{a} {b}" for a, b in names],
        "email": emails,
        "phone": phones,
        "role": answers["bg_role"].to_numpy(),
    })


# --------------------------------------------------------------------------- exports
_PLAIN_TEXTS = [
    "Facebook-siden har gitt oss mange nye følgere og gode tilbakemeldinger.",
    "Vi brukte Facebook aktivt under uværet i fjor, og det fungerte godt.",
    "Innbyggerne kom med mange innspill til kommuneplanen via Facebook.",
    "Ungdomsrådet drev en egen gruppe om nytt ungdomshus.",
    "Vi la ut planforslaget for {place} sentrum på Facebook og fikk over hundre kommentarer.",
    "Det er vanskelig å vite hva som skal arkiveres.",
    "Vi mangler ressurser til å følge opp alle henvendelsene.",
    "Stedsutviklingen i {place} fikk mye engasjement i sosiale medier.",
    "Nyttig undersøkelse, ser fram til resultatene.",
    "Avstemningen om navn på den nye skolen ga stor deltakelse.",
]
_PERSONAL_TEXTS = [
    "Kontakt meg gjerne på {email} om dere vil vite mer.",
    "Ring gjerne {phone} for mer informasjon.",
    "{full_name} har ansvaret for dette hos oss, e-post {email}.",
    "Spør {full_name} i kommunikasjonsavdelingen, tlf. {phone}.",
    "Jeg kan nås på +47 {phone} eller {email}.",
    "Dette prosjektet ble ledet av {full_name}.",
]
_PLACES = ["Berg", "Vik", "Moen", "Dal", "Haugen", "Strand", "Lie", "Bakken"]


def _free_texts(item_id: str, idx: np.ndarray, people: pd.DataFrame, params: dict, seed: int) -> np.ndarray:
    """Free-text answers for the units at positions ``idx`` ('' = not answered)."""
    ft = params.get("free_text", {})
    p_ans = float(ft.get("p_answer", {}).get(item_id, 0.3))
    p_pers = float(ft.get("p_personal", 0.3))
    rng = _rng(seed, "free_text", item_id)
    n = len(idx)
    answered = rng.random(n) < p_ans
    personal = rng.random(n) < p_pers
    tpl_plain = rng.integers(0, len(_PLAIN_TEXTS), n)
    tpl_pers = rng.integers(0, len(_PERSONAL_TEXTS), n)
    place = rng.integers(0, len(_PLACES), n)
    out = np.empty(n, dtype=object)
    for j in range(n):
        if not answered[j]:
            out[j] = ""
            continue
        p = people.iloc[idx[j]]
        tpl = _PERSONAL_TEXTS[tpl_pers[j]] if personal[j] else _PLAIN_TEXTS[tpl_plain[j]]
        out[j] = tpl.format(email=p["email"], phone=p["phone"], full_name=p["full_name"], place=_PLACES[place[j]])
    return out


def _fmt_codes(values: np.ndarray, item: cbm.Item) -> np.ndarray:
    """Codes/numbers as an export writes them ('' for missing, decimal comma)."""
    out = np.empty(len(values), dtype=object)
    for j, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[j] = ""
        elif item.type == "number":
            out[j] = (f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}".replace(".", ","))
        else:
            out[j] = f"{int(v)}"
    return out


def _typed_number(unit_id: str, name: str, unit_type: str, r_zero: float, r_name: float,
                  p_zero: float, p_name: float, names_unique: bool) -> str:
    """The kommunenummer as a respondent types it (lost leading zero, or a name)."""
    if r_name < p_name and names_unique:
        suffix = " kommune" if unit_type == config.KOMMUNE else " fylkeskommune"
        return f"{name}{suffix}" if r_name < p_name / 2 else name
    if unit_id.startswith("0") and r_zero < p_zero:
        return unit_id.lstrip("0")
    return unit_id


def _timestamps(offsets: np.ndarray, start: str) -> np.ndarray:
    t0 = pd.Timestamp(start)
    return np.array([(t0 + pd.Timedelta(seconds=int(s))).strftime("%Y-%m-%d %H:%M:%S") for s in offsets], dtype=object)


def _export_frame(codebook: cbm.Codebook, survey: str, coded: pd.DataFrame,
                  texts: dict[str, np.ndarray], typed_number: np.ndarray) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for it in codebook.items(survey=survey):
        if it.id == "bg_kommunenummer":
            cols[it.export_header()] = typed_number
        elif it.type == "text":
            cols[it.export_header()] = texts.get(it.id, np.full(len(coded), "", dtype=object))
        elif it.is_multiple:
            for o in it.options:
                cols[it.export_header(o)] = _fmt_codes(coded[o.column].to_numpy(), it)
        else:
            cols[it.export_header()] = _fmt_codes(coded[it.id].to_numpy(), it)
    return pd.DataFrame(cols)


def _item_nonresponse(coded: pd.DataFrame, codebook: cbm.Codebook, survey: str, p: float,
                      rng: np.random.Generator) -> pd.DataFrame:
    """Blank shown answers at random (never routing items or background)."""
    out = coded.copy()
    routing = {it.filter_item for it in codebook.items_by_id.values() if it.filter_item}
    for it in codebook.items(survey=survey):
        if it.area == 0 or it.id in routing or it.type == "text":
            continue
        blank = rng.random(len(out)) < p
        for col in it.columns:
            out.loc[blank, col] = np.nan
    return out


def _areas_of_columns(codebook: cbm.Codebook, survey: str) -> dict[str, int]:
    return {c: it.area for it in codebook.items(survey=survey) for c in it.columns}


def build_exports(syn: Synthetic, unrouted: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three survey-tool exports as DataFrames of strings, keyed by file name."""
    book, params, seed, pop, st, people = syn.codebook, syn.params, syn.seed, syn.population, syn.status, syn.people
    exports = {MAPPING_FILE: _mapping_export(book, pop, st, people)}
    name_counts = pop.groupby(["unit_type", "name"])["unit_id"].transform("size").to_numpy()
    names_unique = name_counts == 1

    # ------------------------------------------------------------- pre-survey
    pe = params["presurvey_export"]
    rng = _rng(seed, "presurvey_export", "rows")
    pre_idx = np.flatnonzero(st["presurvey"].to_numpy())
    change = float(params["presurvey"].get("retest_change", 0.0))
    pre_cols = [c for c in book.typed_columns("presurvey") if c in unrouted.columns]
    base = unrouted.loc[pre_idx, pre_cols].copy()
    alt = draw_answers(pop, params, book, seed, st["facebook_page"].to_numpy(), salt="retest",
                       u=latent_factor(seed, len(pop))).loc[pre_idx, pre_cols]
    for it in book.items(survey="presurvey"):
        if it.area == 0:
            continue
        swap = rng.random(len(pre_idx)) < change
        for col in it.columns:
            base.loc[swap, col] = alt.loc[swap, col].to_numpy() if col in alt.columns else base.loc[swap, col]
    pre = apply_routing(base, book)
    pre = _item_nonresponse(pre, book, "presurvey", float(pe.get("item_nonresponse", 0)), rng)
    typed = np.array([_typed_number(pop.at[i, "unit_id"], pop.at[i, "name"], pop.at[i, "unit_type"],
                                    rng.random(), rng.random(), float(pe["lost_leading_zero"]),
                                    float(pe["typed_as_name"]), bool(names_unique[i])) for i in pre_idx], dtype=object)
    total = int(pe["field_days"]) * 86400
    start = rng.integers(3600, total - 7200, len(pre_idx))
    dur = rng.integers(120, 900, len(pre_idx))
    body = _export_frame(book, "presurvey", pre.reset_index(drop=True), {}, typed)
    order = np.argsort(start, kind="stable")
    fixed = _fixed_columns(book, start, dur, np.full(len(pre_idx), True), pe["field_start"], 201301001)
    exports[PRESURVEY_FILE] = pd.concat([fixed, body], axis=1).iloc[order].reset_index(drop=True)
    exports[PRESURVEY_FILE][book.export_columns["respondent"]] = [str(201301001 + i) for i in range(len(order))]

    # ------------------------------------------------------------- main survey
    me = params["main_export"]
    rng = _rng(seed, "main_export", "rows")
    area_of = _areas_of_columns(book, "main")
    main_cols = [c for c in book.typed_columns("main") if c in syn.latent.columns]
    resp_idx = np.flatnonzero(st["responded"].to_numpy())
    coded = _item_nonresponse(syn.latent.loc[resp_idx, main_cols], book, "main",
                              float(me.get("item_nonresponse", 0)), rng).reset_index(drop=True)
    texts = {it.id: _free_texts(it.id, resp_idx, people, params, seed) for it in book.items(survey="main", type="text")}
    for it in book.items(survey="main", type="text"):
        if it.filter_item:
            shown = syn.latent.loc[resp_idx, it.filter_item].isin(it.filter_codes).to_numpy()
            texts[it.id] = np.where(shown, texts[it.id], "")
    typed_no = np.array([_typed_number(pop.at[i, "unit_id"], pop.at[i, "name"], pop.at[i, "unit_type"],
                                       rng.random(), rng.random(), float(me["lost_leading_zero"]),
                                       float(me["typed_as_name"]), bool(names_unique[i])) for i in resp_idx], dtype=object)
    complete = np.ones(len(resp_idx), dtype=bool)
    total = int(me["field_days"]) * 86400
    start = rng.integers(5 * 86400, total - 7200, len(resp_idx))
    dur = rng.integers(600, 3600, len(resp_idx))

    # break-offs: respondents who stop after area k (2..7); area 1 stays answered
    n_break = int(me.get("breakoffs", 0))
    brk = rng.choice(len(resp_idx), size=n_break, replace=False)
    for j, k in zip(brk, rng.integers(2, 8, n_break)):
        drop = [c for c in main_cols if area_of[c] > k]
        coded.loc[j, drop] = np.nan
        for tid in texts:
            if book.item(tid).area > k or book.item(tid).area == 0:
                texts[tid][j] = ""
        complete[j] = False
    body = _export_frame(book, "main", coded, texts, typed_no)
    rows = [(body, start, dur, complete)]

    not_brk = np.setdiff1d(np.arange(len(resp_idx)), brk)
    # duplicates: an earlier, less complete submission (background + area 1 only)
    n_dp = int(me.get("duplicates_partial", 0))
    n_dc = int(me.get("duplicates_complete", 0))
    dup = rng.choice(not_brk, size=n_dp + n_dc, replace=False)
    dp, dc = dup[:n_dp], dup[n_dp:]
    part = coded.loc[dp].copy()
    part.loc[:, [c for c in main_cols if area_of[c] > 1]] = np.nan
    ptexts = {t: np.full(len(dp), "", dtype=object) for t in texts}
    rows.append((_export_frame(book, "main", part.reset_index(drop=True), ptexts, typed_no[dp]),
                 start[dp] - rng.integers(3600, 3 * 86400, len(dp)), rng.integers(60, 300, len(dp)),
                 np.zeros(len(dp), dtype=bool)))
    # an earlier, equally complete submission: a few Likert answers differ
    full = coded.loc[dc].copy().reset_index(drop=True)
    likert = [it.id for it in book.items(survey="main", type="likert5")]
    for j in range(len(dc)):
        cols = [c for c in likert if full.at[j, c] in (1, 2, 3, 4, 5)]
        for c in rng.choice(cols, size=min(3, len(cols)), replace=False):
            full.at[j, c] = float(1 + (int(full.at[j, c]) % 5))
    rows.append((_export_frame(book, "main", full, {t: texts[t][dc] for t in texts}, typed_no[dc]),
                 start[dc] - rng.integers(3600, 3 * 86400, len(dc)), dur[dc], np.ones(len(dc), dtype=bool)))
    # empty starts: mapped non-respondents who opened the survey and left before area 1
    nonresp = np.flatnonzero(st["mapped"].to_numpy() & ~st["responded"].to_numpy())
    n_es = int(me.get("empty_starts", 0))
    es = rng.choice(nonresp, size=min(n_es, len(nonresp)), replace=False)
    empty = pd.DataFrame(np.nan, index=range(len(es)), columns=main_cols)
    empty["bg_unit_type"] = np.where(pop.loc[es, "unit_type"].to_numpy() == config.FYLKESKOMMUNE, 2.0, 1.0)
    typed_es = np.where(rng.random(len(es)) < 0.5, pop.loc[es, "unit_id"].to_numpy(), "").astype(object)
    rows.append((_export_frame(book, "main", empty, {}, typed_es),
                 rng.integers(3600, total - 7200, len(es)), rng.integers(10, 120, len(es)),
                 np.zeros(len(es), dtype=bool)))
    # test responses by the survey team (before the field period opened to respondents)
    n_t = int(me.get("tests", 0))
    tsrc = rng.choice(len(resp_idx), size=n_t, replace=False)
    tests = coded.loc[tsrc].copy().reset_index(drop=True)
    typed_t = np.array((["test", "9999", "Test kommune", "TEST"] * n_t)[:n_t], dtype=object)
    ttexts = {t: np.array((["test", "Testsvar, se bort fra dette"] * n_t)[:n_t], dtype=object) for t in texts}
    rows.append((_export_frame(book, "main", tests, ttexts, typed_t),
                 rng.integers(0, 4 * 86400, n_t), rng.integers(60, 600, n_t), np.ones(n_t, dtype=bool)))

    bodies = pd.concat([r[0] for r in rows], ignore_index=True)
    starts = np.concatenate([r[1] for r in rows])
    durs = np.concatenate([r[2] for r in rows])
    comp = np.concatenate([r[3] for r in rows])
    fixed = _fixed_columns(book, starts, durs, comp, me["field_start"], 0)
    out = pd.concat([fixed, bodies], axis=1)
    order = np.lexsort((np.arange(len(starts)), starts))
    out = out.iloc[order].reset_index(drop=True)
    out[book.export_columns["respondent"]] = [str(2013040001 + i) for i in range(len(out))]
    exports[MAIN_FILE] = out
    return exports


def _fixed_columns(book: cbm.Codebook, start: np.ndarray, dur: np.ndarray, complete: np.ndarray,
                   field_start: str, first_id: int) -> pd.DataFrame:
    ec, sc = book.export_columns, book.meta["status_codes"]
    return pd.DataFrame({
        ec["respondent"]: [str(first_id + i) for i in range(len(start))],
        ec["started"]: _timestamps(start, field_start),
        ec["submitted"]: _timestamps(start + dur, field_start),
        ec["status"]: np.where(complete, sc["complete"], sc["partial"]).astype(object),
    })


def _mapping_export(book: cbm.Codebook, pop: pd.DataFrame, st: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    found = st["mapped"].to_numpy()
    blank = np.full(len(pop), "", dtype=object)
    h = {it.id: it.export_header() for it in book.items(survey="mapping")}
    return pd.DataFrame({
        h["map_unit_id"]: pop["unit_id"].to_numpy(),
        h["map_unit_name"]: pop["name"].to_numpy(),
        h["map_contact_found"]: np.where(found, "1", "2").astype(object),
        h["map_contact_name"]: np.where(found, people["full_name"], blank),
        h["map_contact_role"]: np.where(found, people["role"].astype(int).astype(str), blank),
        h["map_contact_email"]: np.where(found, people["email"], blank),
        h["map_contact_phone"]: np.where(found, people["phone"], blank),
        h["map_facebook_page"]: np.where(st["facebook_page"], "1", "2").astype(object),
    })


def export_csv_text(df: pd.DataFrame) -> str:
    """A survey-tool export as written: semicolon-separated, UTF-8, ``\\n`` line ends."""
    return df.to_csv(sep=";", index=False, lineterminator="\n")


# --------------------------------------------------------------------------- truth
DOMAINS = ("all", "unit_type", "size_class", "region", "centrality")


def _domain_groups(pop: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    """(domain, group, mask) for every group: ``all``; ``unit_type``; and for
    municipalities only, ``size_class``, ``region``, ``centrality``."""
    out = [("all", "all", np.ones(len(pop), dtype=bool))]
    for ut in config.UNIT_TYPES:
        out.append(("unit_type", ut, (pop["unit_type"] == ut).to_numpy()))
    mun = (pop["unit_type"] == config.KOMMUNE).to_numpy()
    for sc in pop["size_class"].cat.categories:
        out.append(("size_class", str(sc), mun & (pop["size_class"] == sc).to_numpy()))
    for reg in config.REGIONS:
        out.append(("region", reg, mun & (pop["region"] == reg).to_numpy()))
    cen = pd.to_numeric(pop["centrality"], errors="coerce")
    for c in sorted(config.CENTRALITY_2008):
        out.append(("centrality", str(c), mun & (cen == c).fillna(False).to_numpy()))
    return out


def population_values(coded: pd.DataFrame, population: pd.DataFrame, codebook: cbm.Codebook,
                      survey: str = "main") -> pd.DataFrame:
    """Values of every analysable column in every domain group, as a long table.

    Columns: ``column, item, area, type, domain, group, statistic, level, value, n``.
    ``statistic``: ``share`` (a level's share of the substantive answers, "Vet ikke" and
    missing excluded — docs/contracts.md §5), ``dont_know`` (share of "Vet ikke" among all answers),
    ``mean_score`` (ordered items, 1..k), ``proportion`` (an option ticked, among units shown
    the question), ``mean`` (numeric items). ``n`` is the number of units with an answer.
    """
    groups = _domain_groups(population.reset_index(drop=True))
    recs = []
    for it in codebook.items(survey=survey):
        if it.type == "text" or it.area == 0 and it.id != "bg_comm_fte":
            continue
        for col in it.columns:
            if col not in coded.columns:
                continue
            v = coded[col].to_numpy(dtype=float)
            ans = ~np.isnan(v)
            for dom, grp, m in groups:
                mm = m & ans
                n = int(mm.sum())
                base = dict(column=col, item=it.id, area=it.area, type=it.type, domain=dom, group=grp, n=n)
                if it.is_multiple:
                    recs.append({**base, "statistic": "proportion", "level": "", "value": v[mm].mean() if n else np.nan})
                elif it.is_numeric:
                    recs.append({**base, "statistic": "mean", "level": "", "value": v[mm].mean() if n else np.nan})
                else:
                    vals = v[mm]
                    sub_codes = it.substantive_codes
                    sub = np.isin(vals, sub_codes)
                    ns = int(sub.sum())
                    for c in it.codes:
                        if c.code == it.dont_know:
                            continue
                        recs.append({**base, "statistic": "share", "level": c.key,
                                     "value": (vals[sub] == c.code).mean() if ns else np.nan})
                    if it.has_dont_know:
                        recs.append({**base, "statistic": "dont_know", "level": cbm.DONT_KNOW,
                                     "value": (vals == it.dont_know).mean() if n else np.nan})
                    if it.is_ordered:
                        score = np.searchsorted(np.asarray(sub_codes), vals[sub]) + 1.0
                        recs.append({**base, "statistic": "mean_score", "level": "",
                                     "value": score.mean() if ns else np.nan})
    return pd.DataFrame(recs)


def _nest_values(df: pd.DataFrame, digits: int = 6) -> dict:
    out: dict = {}
    for row in df.itertuples(index=False):
        col = out.setdefault(row.column, {})
        grp = col.setdefault(row.domain, {}).setdefault(row.group, {"n": row.n})
        key = row.level if row.statistic in ("share", "dont_know") else row.statistic
        grp[key] = None if pd.isna(row.value) else round(float(row.value), digits)
    return out


def truth_table(truth: dict, which: str = "population_values") -> pd.DataFrame:
    """Flatten ``truth[which]`` (``population_values`` or ``process_values``) to a long
    table ``column, domain, group, statistic_or_level, value, n``."""
    recs = []
    for col, doms in truth[which].items():
        for dom, grps in doms.items():
            for grp, vals in grps.items():
                for k, v in vals.items():
                    if k != "n":
                        recs.append(dict(column=col, domain=dom, group=grp, key=k, value=v, n=vals["n"]))
    return pd.DataFrame(recs)


def planted_effects(params: dict, codebook: cbm.Codebook) -> tuple[list[dict], dict[str, list[str]]]:
    """Per analysable column: its model and non-zero terms; and which columns are null
    for each comparison (municipal comparisons: no size/centrality/region term; unit type:
    no term at all).

    A column whose model has ``facebook_forces_yes`` is never null: an organisation-wide
    Facebook page forces "yes", and the page itself depends on size class (municipalities)
    and unit type (``params["facebook_page"]``), so the column differs by every comparison
    although its own model has no group term (its record says ``forced_by: facebook_page``).
    """
    effects, nulls = [], {"size_class": [], "centrality": [], "region": [], "unit_type": []}
    for it in codebook.analysable_items():
        for col in it.columns:
            spec = item_spec(params, it, col)
            has = _has_effects(spec)
            forced = bool(spec.get("facebook_forces_yes"))
            municipal = (has["size_class"] or has["centrality"] or has["region"] or has.get("covariates", False)
                         or forced)
            rec = {"column": col, "item": it.id, "area": it.area, "model": spec.get("model")}
            for k in ("intercept", "size_class", "centrality", "region", "fylkeskommune", "coefficients"):
                if k in spec:
                    rec[k] = spec[k]
            if forced:
                rec["forced_by"] = "facebook_page"
            rec["differs_by"] = ([c for c in ("size_class", "centrality", "region") if municipal]
                                 + (["unit_type"] if municipal or has["fylkeskommune"] else []))
            if it.filter_item:
                rec["asked_if"] = f"{it.filter_item} in {list(it.filter_codes)}"
            effects.append(rec)
            if not municipal:
                nulls["size_class"].append(col)
                nulls["centrality"].append(col)
                nulls["region"].append(col)
                if not has["fylkeskommune"]:
                    nulls["unit_type"].append(col)
    return effects, nulls


def truth_document(syn: Synthetic, process_reps: int = PROCESS_REPS) -> dict:
    """The content of ``truth.yaml`` (see the module docstring)."""
    book, params, st = syn.codebook, syn.params, syn.status
    effects, nulls = planted_effects(params, book)
    pv = population_values(syn.latent, syn.population, book)
    big = expand_population(syn.population, process_reps)
    big_status = draw_status(big, params, syn.seed + 1)
    big_latent = apply_routing(draw_answers(big, params, book, syn.seed + 1,
                                            big_status["facebook_page"].to_numpy(), salt="process"), book)
    proc = population_values(big_latent, big, book)
    counts = {}
    for ut in config.UNIT_TYPES:
        m = st["unit_type"] == ut
        counts[ut] = {k: int(st.loc[m, k].sum()) for k in ("facebook_page", "mapped", "presurvey", "responded")}
        counts[ut]["population"] = int(m.sum())
    inv = params["items"]["a9_has_involved"]
    return {
        "synthetic": True,
        "description": ("Ground truth of the synthetic demonstration data: the planted effects, "
                        "the population values of every item (from the full synthetic 2013 "
                        "populations, as if every unit had answered) and the generating "
                        "process's values."),
        "seed": syn.seed,
        "params_file": PARAMS_FILE,
        "params_sha256": hashlib.sha256(yaml.safe_dump(params, sort_keys=True, allow_unicode=True).encode()).hexdigest(),
        "counts": counts,
        "conventions": {
            "domains": "all = every unit of both populations; unit_type; size_class, region and "
                       "centrality = municipalities only",
            "share": "a level's share of the substantive answers ('Vet ikke' and missing excluded)",
            "dont_know": "share of 'Vet ikke' among all answers of units shown the question",
            "proportion": "share of units ticking an option, among units shown the question",
            "mean_score": "mean of the level number 1..k of an ordered item, substantive answers",
            "mean": "mean of a numeric item",
            "routing": "a question counts only for units shown it (codebook filters)",
        },
        "linear_predictor": ("eta = intercept + size_class[k] + centrality * c + region[r] "
                             "+ fylkeskommune + loading * u;  u ~ N(0, 1) independent of all "
                             "covariates; binary: P(yes) = expit(eta); ordinal: P(Y > j) = "
                             "expit(eta - cut_j), cut_j = logit(j / k) * cut_spread unless "
                             "given; count: Poisson(exp(eta)); lognormal: exp(eta + sigma z) "
                             "rounded; year: max - Poisson(exp(eta)); 'Vet ikke' replaces an "
                             "answer with probability dont_know"),
        "defaults": params.get("defaults", {}),
        "involvement_model": {
            "outcome": "a9_has_involved == yes (1), among units with a1_uses_some == yes (1); "
                       "'Vet ikke' (probability dont_know) at random afterwards",
            "link": "logit",
            "formula": ("eta = intercept + size_class[k] + centrality * c (municipalities) + "
                        "fylkeskommune (counties) + strategy_adopted * b1 + formal_elements * b2 "
                        "+ admin_leadership * b3 + comm_fte * b4 (no latent factor)"),
            "covariates": {
                "strategy_adopted": "1 if a3_strategy_status == adopted (code 4), else 0",
                "formal_elements": "number of a4_formal_elements options ticked (0-5)",
                "admin_leadership": "a5_admin_leadership score 1-5 (the item has no 'Vet ikke' here)",
                "comm_fte": "bg_comm_fte (full-time equivalents)",
            },
            "intercept": inv["intercept"],
            "size_class": inv["size_class"],
            "centrality": inv["centrality"],
            "fylkeskommune": inv.get("fylkeskommune", 0.0),
            "coefficients": inv["coefficients"],
            "dont_know": inv.get("dont_know", 0.0),
        },
        "planted_effects": effects,
        "null_columns": nulls,
        "population_values": _nest_values(pv),
        "process_values_note": (f"the generating process's values: the same statistics on the 2013 "
                                f"frame replicated {process_reps} times ({len(big)} units, seed + 1); "
                                f"Monte Carlo error about 0.5/sqrt(n) for a proportion"),
        "process_values": _nest_values(proc[proc["domain"].isin(["all", "unit_type", "size_class", "centrality"])], 4),
    }


def synthetic_flag(seed: int) -> dict:
    """The content of ``SYNTHETIC.yaml`` (docs/contracts.md §8)."""
    return {
        "synthetic": True,
        "description": ("Demonstration data made by the project's generator "
                        "(sosiale_kommuner.synth) from a seed and generator_params.yaml, calibrated "
                        "to published totals (316 + 15 mapped units, 161 pre-survey respondents, "
                        "200 + 11 main-survey respondents, 210 of 428 municipalities with a Facebook "
                        "page). Names, e-mail addresses and telephone numbers are fake. The real "
                        "answers of Sosiale kommuner 2013 were never published."),
        "generator": "sosiale_kommuner.synth",
        "seed": int(seed),
        "params": PARAMS_FILE,
        "files": [MAPPING_FILE, PRESURVEY_FILE, MAIN_FILE, TRUTH_FILE],
        "notice": dict(SYNTHETIC_NOTICE),
    }


def _dump_yaml(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def render_files(syn: Synthetic) -> dict[str, bytes]:
    """File name -> bytes of every generated raw file."""
    out = {name: export_csv_text(df).encode("utf-8") for name, df in syn.exports.items()}
    out[TRUTH_FILE] = ("# SYNTHETIC DATA: ground truth of the demonstration data (sosiale_kommuner.synth)\n"
                       + _dump_yaml(syn.truth)).encode("utf-8")
    out[SYNTHETIC_FILE] = _dump_yaml(synthetic_flag(syn.seed)).encode("utf-8")
    return out


def write_raw(raw_dir: str | os.PathLike | None = None, seed: int | None = None,
              params: str | os.PathLike | None = None) -> list[Path]:
    """Generate and write every file of ``<raw_dir>/survey/`` except the codebook and the
    parameters (which it reads). Returns the paths written."""
    raw = config.paths(raw_dir).raw
    syn = generate(seed=seed, params=params or raw / "survey" / PARAMS_FILE, raw_dir=raw)
    written = []
    for name, data in render_files(syn).items():
        written.append(files.atomic_write_bytes(raw / "survey" / name, data))
    return written


def load_truth(raw_dir: str | os.PathLike | None = None) -> dict:
    """``truth.yaml`` of a raw folder (``None`` = default)."""
    with open(config.paths(raw_dir).survey / TRUTH_FILE, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: ~10x faster


def synthetic_notice(raw_dir: str | os.PathLike | None = None, lang: str = "en") -> str | None:
    """The notice text of ``<raw>/survey/SYNTHETIC.yaml`` in ``lang`` if it says
    ``synthetic: true``; ``None`` for real data (docs/contracts.md §8)."""
    path = config.paths(raw_dir).survey / SYNTHETIC_FILE
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    if doc.get("synthetic") is not True:
        return None
    notice = doc.get("notice") or {}
    return notice.get(lang) or notice.get("en") or doc.get("description") or "Synthetic data."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sosiale_kommuner.data.synth",
                                 description="Write the synthetic demonstration survey files into <raw-dir>/survey/.")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: the parameters' seed)")
    ap.add_argument("--raw-dir", default=None, help="raw folder with frame/ and survey/codebook.yaml")
    ap.add_argument("--params", default=None, help="parameters YAML (default <raw-dir>/survey/generator_params.yaml)")
    args = ap.parse_args(argv)
    for p in write_raw(args.raw_dir, args.seed, args.params):
        print(p)
    print("Raw files changed: run `python run_all.py --update-manifest` to record them.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
