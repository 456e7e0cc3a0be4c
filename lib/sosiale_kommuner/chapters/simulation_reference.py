"""Chapter 11's replicates column by column: the reference the batched loop is checked against.

This is how the simulation ran before it was batched, kept as the definition of what one
replicate is (:func:`replicate`): :func:`sosiale_kommuner.data.synth.generate` draws a
dataset, :func:`sosiale_kommuner.chapters.weighting.calibrate_population_weights` weights it
(raked to size class and region, sparse cells merged below 3 respondents; county
municipalities 18 / responded), :func:`~sosiale_kommuner.data.respondents.design_for` and
:func:`~sosiale_kommuner.data.respondents.combined_design` build the designs (calibration
accounted for, no fpc) and :func:`sosiale_kommuner.chapters.item_tests.run_tests` tests every
column of both comparisons, one column at a time. :func:`run` runs replicates on worker
processes; ``simulation.run(..., engine="per_item")`` uses it. The benchmark
(``benchmarks/bench_simulation.py``) and the tests compare the batched loop with it.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents, synth

from . import item_tests, weighting

#: Raking margins of the replicate weights (chapter 03's base margins).
MARGINS = ("size_class", "region")
#: Columns of one replicate's rows.
COLUMNS = ("comparison", "item", "statistic", "df1", "df2", "p_value", "p_adjusted", "effect_size", "effect_ci_low",
           "effect_ci_high", "effect_se", "effect_df")


@dataclass
class Context:
    """One scenario's generator parameters and the fixed inputs of a replicate."""

    params: dict
    codebook: cbm.Codebook
    population: pd.DataFrame
    specs: list
    df_method: str = "satterthwaite"
    min_group_n: int = item_tests.MIN_GROUP_N


_CTX: dict[str, Context] = {}


def _init_worker(contexts: dict[str, Context]) -> None:
    _CTX.clear()
    _CTX.update(contexts)


def replicate(scenario: str, seed: int, ctx: Context | None = None) -> pd.DataFrame:
    """One replicate: generate, weight, test both comparisons.

    Returns one row per (comparison, column): ``scenario, seed`` and :data:`COLUMNS`.
    """
    ctx = ctx or _CTX[scenario]
    syn = synth.generate(seed, ctx.params, ctx.population, ctx.codebook, exports=False)
    pop = ctx.population
    weights = weighting.calibrate_population_weights(pop, syn.status, margins=MARGINS).table
    data = respondents.merge(syn.responses(), pop, weights)
    kw = dict(extra=True, df_method=ctx.df_method, min_group_n=ctx.min_group_n)
    dk = respondents.design_for(data, pop, config.KOMMUNE, fpc=False, margins=MARGINS)
    dc = respondents.combined_design(data, pop, fpc=False, margins=MARGINS)
    res = pd.concat([item_tests.run_tests(dk, ctx.specs, "size_class", **kw),
                     item_tests.run_tests(dc, ctx.specs, "unit_type", **kw)], ignore_index=True)
    res = res[list(COLUMNS)]
    res.insert(0, "seed", int(seed))
    res.insert(0, "scenario", scenario)
    return res


def _run_task(task):
    scenario, i, seed = task
    r = replicate(scenario, seed)
    r.insert(2, "replicate", i)
    return r


def run(contexts: dict[str, Context], tasks: list[tuple[str, int, int]], workers: int = 2) -> pd.DataFrame:
    """``tasks`` (scenario, replicate, seed) on ``workers`` processes, in task order."""
    if workers <= 1:
        _init_worker(contexts)
        parts = [_run_task(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(contexts,)) as ex:
            parts = list(ex.map(_run_task, tasks, chunksize=max(1, len(tasks) // (4 * workers))))
    return pd.concat(parts, ignore_index=True)
