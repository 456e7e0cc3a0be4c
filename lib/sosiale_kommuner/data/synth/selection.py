"""Who is selected: the Facebook page, step-1 coverage, the pre-survey and step-3 response.

Each stage is a size-dependent draw of an exact number of units without replacement
(Efraimidis–Spirakis weighted sampling, :func:`select_exact`): an organisation-wide Facebook
page (210 of 428 municipalities), step-1 coverage (316 municipalities and 15 county
municipalities), the pre-survey (161, among the covered) and step-3 response (200 and 11,
among the covered). On a larger population (:func:`expand_population`) the counts scale.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner import config

from .params import Covariates, SynthError, covariates, stream


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
            res |= select_exact(_size_weights(spec, cov), k, stream(seed, stage, utype), elig)
        out["mapped" if stage == "coverage" else "responded" if stage == "response" else stage] = res
    pre = params["presurvey"]
    k = _scaled(pre["count"], cov.n, n2013[config.KOMMUNE] + n2013[config.FYLKESKOMMUNE])
    out["presurvey"] = select_exact(_size_weights(pre, cov), k, stream(seed, "presurvey", "all"), out["mapped"])
    return pd.DataFrame({
        "unit_id": population["unit_id"].to_numpy(),
        "unit_type": population["unit_type"].to_numpy(),
        "facebook_page": out["facebook_page"],
        "mapped": out["mapped"],
        "presurvey": out["presurvey"],
        "responded": out["responded"],
    }, index=population.index)


def expand_population(frame: pd.DataFrame, reps: int) -> pd.DataFrame:
    """The frame's units replicated ``reps`` times (unit ids ``<id>_<rep>``): a large
    population with exactly the 2013 covariate mix, for the generating process's values."""
    big = pd.concat([frame] * int(reps), ignore_index=True)
    rep = np.repeat(np.arange(int(reps)), len(frame))
    big["unit_id"] = big["unit_id"].astype(str).to_numpy() + "_" + rep.astype(str)
    return big
