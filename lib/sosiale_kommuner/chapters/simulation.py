"""Are the item tests honest? A Monte Carlo study with the project's own generator (simulated data).

Each replicate draws a new simulated dataset from the generator (new answers for every
unit of the 2013 populations, new step-1 coverage and step-3 response), weights it as chapter 03 does, and runs exactly the tests of
chapter 09 (analytic: design WITHOUT the finite population correction, docs/contracts.md §7)
for both comparisons; it also estimates the county municipalities' proportions as the
estimates tables publish them.

Two scenarios, with the same replicate seeds (common random numbers):

* ``planted``: the generator's parameters (:func:`sosiale_kommuner.data.synth.fit.simulation_params`:
  those that made the demonstration data, or estimated from the data at hand);
* ``null``: the same parameters with every group term removed (:func:`null_params`), so
  every item has the same distribution in every size class and unit type (global null).

Two engines compute the same numbers (to ~1e-10; tests/chapters/test_simulation.py):
``"batched"`` (default; :mod:`.simulation_replicates`: many seeds' draws at once, all
columns of a comparison in one set of array operations) and ``"per_item"``
(:mod:`.simulation_reference`: :func:`sosiale_kommuner.data.synth.generate`, chapter 03's
weighting and :func:`sosiale_kommuner.chapters.item_tests.run_tests`, one column at a
time), which is the definition the batched one is checked against and about 20 times slower
(``benchmarks/bench_simulation.py``).

Targets (docs/contracts.md §7): the effect intervals aim at the generating process's
effect, computed on a large synthetic population from the same generator (the 2013 frame
replicated ``process_reps`` times, every unit answering; :func:`process_targets`); under
``null`` it is 0 by construction. The county municipalities' published intervals (with the
finite population correction) aim at the replicate's own value for all the county
municipalities; computed without the correction they aim at the process value
(:func:`.simulation_county.process_values`).

Reproducibility: replicate ``i`` uses generator seed ``base_seed + i``; results are
collected in replicate order, so they do not depend on the number of worker processes.
The summaries with their Monte Carlo errors are in :mod:`.simulation_summaries`; what the
chapter's page shows in :mod:`.simulation_page` (the values of its texts, which live in
``report/text/{nb,en}/11_simulation.yaml``), :mod:`.simulation_tables` and
:mod:`.simulation_figures`.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import synth

from . import item_tests, simulation_county, simulation_reference, simulation_replicates
from . import simulation_data as sdata
from .item_tests import CONTRASTS

SCENARIOS = ("null", "planted")
COMPARISONS = ("size_class", "unit_type")
#: Group terms of the generator's item models (removed under the global null).
GROUP_TERMS = ("size_class", "centrality", "region", "fylkeskommune")
DEFAULT_BASE_SEED = 1_000
#: Raking margins of the replicate weights (chapter 03's base margins).
MARGINS = simulation_reference.MARGINS
ALPHA = 0.05
ENGINES = ("batched", "per_item")
#: Replicates drawn together by the batched engine (one task of a worker).
CHUNK = 25


# ---------------------------------------------------------------------------------------
# Scenarios and truth
# ---------------------------------------------------------------------------------------
def null_params(params: dict) -> dict:
    """Generator parameters of the global null: every item model loses its group terms.

    Removes ``size_class``, ``centrality``, ``region`` and ``fylkeskommune`` from every item
    (background items too, since ``bg_comm_fte`` feeds the involvement model); gives county
    municipalities the municipal probabilities of categorical items; switches off
    ``facebook_forces_yes`` (the Facebook page depends on size and unit type). Selection
    (coverage, response) keeps its size dependence: weighting must cope with it.
    """
    out = copy.deepcopy(params)
    for col, spec in out.get("items", {}).items():
        for term in GROUP_TERMS:
            spec.pop(term, None)
        spec.pop("facebook_forces_yes", None)
        probs = spec.get("probs")
        if isinstance(probs, dict) and config.KOMMUNE in probs:
            spec["probs"] = {ut: list(probs[config.KOMMUNE]) for ut in config.UNIT_TYPES}
    return out


def scenario_params(params: dict, scenario: str) -> dict:
    """The generator parameters of ``scenario`` (a copy)."""
    if scenario == "planted":
        return copy.deepcopy(params)
    if scenario == "null":
        return null_params(params)
    raise ValueError(f"scenario must be one of {SCENARIOS}, not {scenario!r}")


def true_nulls(params: dict, codebook: cbm.Codebook) -> dict[str, set[str]]:
    """Columns that are null for each comparison under ``params`` (the ``planted`` scenario).

    Exactly :func:`synth.planted_effects`'s null columns (municipal comparisons: no size,
    centrality or region term; unit type: no term at all; columns with
    ``facebook_forces_yes`` are never null, since the Facebook page differs by size class and
    unit type), as written to ``truth.yaml``.
    """
    _, nulls = synth.planted_effects(params, codebook)
    return {cmp: set(nulls[cmp]) for cmp in COMPARISONS}


def process_values(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                   specs: list[item_tests.ColumnSpec], reps: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Every unit of ``population`` replicated ``reps`` times (as :func:`synth.expand_population`)
    answering, as :func:`synth.draw_status` and ``synth.draw_answers(..., salt="process",
    routed=True)`` draw them (:class:`.simulation_data.Generator`, same streams): the big
    population and its analysis values (units x ``specs``, :func:`item_tests.analysis_array`
    as floats)."""
    pop = population.reset_index(drop=True)
    big = pop.iloc[np.tile(np.arange(len(pop)), int(reps))].reset_index(drop=True)
    gen = sdata.Generator(params, codebook, big, [s.column for s in specs], salt="process")
    st = gen.status([seed])
    return big, sdata.analysis_values(gen.answers([seed], st["facebook_page"]), specs, codebook)[0]


def process_targets(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                    specs: list[item_tests.ColumnSpec], reps: int = 250, seed: int = 99) -> pd.DataFrame:
    """The generating process's effect of every column and comparison (docs/contracts.md §7).

    The 2013 frame replicated ``reps`` times, every unit answering (routing applied), from
    ``params`` (:func:`process_values`); the effect is the same contrast as
    :data:`item_tests.CONTRASTS` of the same statistic (share of the effect level / mean
    score / mean), unweighted over all units. Columns ``comparison, item, target, mc_se``
    (``mc_se``: Monte Carlo standard error of the target from the finite replicated population).
    """
    big, values = process_values(params, codebook, population, specs, reps, seed)
    ut = big["unit_type"].astype(str).to_numpy()
    sc = big["size_class"].astype(object).to_numpy()
    groups = {"size_class": sc, "unit_type": ut}
    sides = {}
    for cmp in COMPARISONS:
        ga, gb = (groups[cmp] == x for x in CONTRASTS[cmp])
        if cmp == "size_class":                                 # municipalities only
            ga, gb = ga & (ut == config.KOMMUNE), gb & (ut == config.KOMMUNE)
        sides[cmp] = (ga, gb)
    rows = []
    for j, s in enumerate(specs):
        v = values[:, j]
        arr = np.where(np.isnan(v), -1, v).astype(np.int64) if s.kind in ("binary", "categorical") else v
        vals, ok = item_tests.effect_values(arr, s)
        for cmp in COMPARISONS:
            ma, mb = ok & sides[cmp][0], ok & sides[cmp][1]
            if ma.sum() < 2 or mb.sum() < 2:
                rows.append(dict(comparison=cmp, item=s.column, target=np.nan, mc_se=np.nan))
                continue
            ta, tb = vals[ma].mean(), vals[mb].mean()
            se = np.sqrt(vals[ma].var(ddof=1) / ma.sum() + vals[mb].var(ddof=1) / mb.sum())
            rows.append(dict(comparison=cmp, item=s.column, target=float(ta - tb), mc_se=float(se)))
    return pd.DataFrame(rows)




# ---------------------------------------------------------------------------------------
# Running the study
# ---------------------------------------------------------------------------------------
@dataclass
class Study:
    """The replicates of both scenarios.

    ``tests``: one row per scenario, replicate, comparison and column (``scenario, seed,
    replicate, comparison, item`` and :data:`.simulation_replicates.TEST_FIELDS`: statistic,
    df, p-values, effect, its interval, SE and df); ``county``: one row per scenario, replicate and county
    proportion (``item, level`` and :data:`.simulation_replicates.COUNTY_FIELDS`; empty for the
    per-item engine); ``seconds``: wall time of the replicate loop; ``county_df_rule``: the
    county intervals' df rule (:func:`.simulation_county.df_rule`).
    """

    tests: pd.DataFrame
    county: pd.DataFrame
    seconds: float
    engine: str
    county_df_rule: str = "design"


def _population(population: pd.DataFrame) -> pd.DataFrame:
    pop = population.reset_index(drop=True).copy()
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    return pop


def _inputs(raw_dir, params, codebook, population):
    P = config.paths(raw_dir)
    if params is None:
        from sosiale_kommuner.data.synth import fit
        params = fit.simulation_params(P).params
    codebook = codebook or cbm.load_codebook(P.raw)
    if population is None:
        from sosiale_kommuner.data import frame
        population = frame.load_population(P.frame)
    return params, codebook, _population(population)


def run_study(replicates: int = 1000, scenarios=SCENARIOS, params: dict | None = None,
              codebook: cbm.Codebook | None = None, population: pd.DataFrame | None = None,
              base_seed: int = DEFAULT_BASE_SEED, workers: int = 2, raw_dir=None,
              df_method: str = "satterthwaite", min_group_n: int = item_tests.MIN_GROUP_N,
              engine: str = "batched", chunk: int = CHUNK) -> Study:
    """Run ``replicates`` replicates of each scenario on ``workers`` processes.

    ``params``: generator parameters (default: :func:`sosiale_kommuner.data.synth.fit.simulation_params`);
    ``population``: the frame (default: loaded from ``<raw>/frame``). Replicate ``i`` uses
    seed ``base_seed + i`` in every scenario. ``df_method``, ``min_group_n``: as chapter 09
    (:func:`item_tests.run_tests`). ``engine``: ``"batched"`` or ``"per_item"`` (same numbers).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    params, codebook, pop = _inputs(raw_dir, params, codebook, population)
    specs = item_tests.analysable(codebook)
    seeds = [base_seed + i for i in range(int(replicates))]
    if engine == "per_item":
        contexts = {s: simulation_reference.Context(scenario_params(params, s), codebook, pop, specs, df_method,
                                                    min_group_n) for s in scenarios}
        t0 = time.perf_counter()
        tests = simulation_reference.run(contexts, [(s, i, sd) for s in scenarios for i, sd in enumerate(seeds)],
                                         workers)
        return Study(tests, pd.DataFrame(), time.perf_counter() - t0, engine)
    rule = simulation_county.df_rule(scenario_params(params, scenarios[0]), codebook, pop, specs, base_seed)
    inputs = {s: dict(params=scenario_params(params, s), codebook=codebook, population=pop, specs=specs,
                      df_method=df_method, min_group_n=min_group_n, county_df_rule=rule) for s in scenarios}
    tasks = [(s, seeds[i:i + chunk]) for s in scenarios for i in range(0, len(seeds), chunk)]
    t0 = time.perf_counter()
    results = simulation_replicates.run(inputs, tasks, workers)
    seconds = time.perf_counter() - t0
    return Study(*simulation_replicates.tables(tasks, results, specs, base_seed), seconds, engine, rule)


def run(replicates: int = 30, scenarios=SCENARIOS, params: dict | None = None,
        codebook: cbm.Codebook | None = None, population: pd.DataFrame | None = None,
        base_seed: int = DEFAULT_BASE_SEED, workers: int = 2, raw_dir=None,
        df_method: str = "satterthwaite", min_group_n: int = item_tests.MIN_GROUP_N,
        engine: str = "batched") -> pd.DataFrame:
    """The ``tests`` table of :func:`run_study` (same arguments), sorted by scenario,
    replicate and row."""
    return run_study(replicates, scenarios, params, codebook, population, base_seed, workers, raw_dir, df_method,
                     min_group_n, engine).tests
