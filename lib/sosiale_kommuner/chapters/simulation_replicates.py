"""Chapter 11's replicate loop in batched arrays: generate, weight, test, estimate.

One replicate is what :func:`sosiale_kommuner.chapters.simulation.replicate` does one
column at a time — draw a synthetic dataset, weight it as chapter 03 does, run chapter 09's
tests of both comparisons — plus the county municipalities' proportion estimates. Here the
dataset comes from :class:`.simulation_data.Generator` (many seeds at once, the generator's
own random streams), the weights and designs from :func:`.simulation_data.replicate_designs`
and the tests from :func:`.item_tests_batch.test_columns` (all columns of a comparison at
once); the numbers are those of the column-by-column path to rounding
(tests/chapters/test_simulation.py).

The county municipalities' proportions of each replicate come from
:mod:`.simulation_county`.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from sosiale_kommuner.data import codebook as cbm

from . import item_tests_batch as itb
from . import simulation_county as county
from . import simulation_data as sdata
from .item_tests import ColumnSpec

#: Per-test numbers kept from each replicate (the columns of ``simulation.replicate``).
TEST_FIELDS = ("statistic", "df1", "df2", "p_value", "p_adjusted", "effect_size", "effect_ci_low", "effect_ci_high",
               "effect_se", "effect_df")
#: Per county level: estimate, published interval (fpc), analytic interval (no fpc), census value, base.
COUNTY_FIELDS = ("estimate", "se", "ci_low", "ci_high", "se_analytic", "ci_low_analytic", "ci_high_analytic",
                 "census", "n")
COMPARISONS = ("size_class", "unit_type")
UNIT_TYPE_LABELS = ["fylkeskommune", "kommune"]  # item_tests.group_codes' (sorted) order


@dataclass
class Context:
    """Everything a worker needs for one scenario (built once per process)."""

    specs: list[ColumnSpec]
    codebook: cbm.Codebook
    generator: sdata.Generator
    frame: sdata.Frame
    plan: itb.Plan
    levels: list[county.CountyLevel]
    df_method: str = "satterthwaite"
    min_group_n: int = itb.MIN_GROUP_N
    county_df_rule: str = "design"


def make_context(params, codebook, population, specs, df_method="satterthwaite", min_group_n=itb.MIN_GROUP_N,
                 county_df_rule="design") -> Context:
    gen = sdata.Generator(params, codebook, population, [s.column for s in specs])
    return Context(list(specs), codebook, gen, sdata.Frame(population), itb.Plan(specs), county.county_levels(specs),
                   df_method, min_group_n, county_df_rule)


def run_seeds(ctx: Context, seeds) -> dict[str, np.ndarray]:
    """Replicates ``seeds`` (one batch): ``tests`` (B, 2, m, len(TEST_FIELDS)) in
    :data:`COMPARISONS` order and ``county`` (B, L, len(COUNTY_FIELDS))."""
    B, m, L = len(seeds), len(ctx.specs), len(ctx.levels)
    st = ctx.generator.status(seeds)
    ans = ctx.generator.answers(seeds, st["facebook_page"])
    values = sdata.analysis_values(ans, ctx.specs, ctx.codebook)
    fr = ctx.frame
    tests = np.full((B, 2, m, len(TEST_FIELDS)), np.nan)
    cty_rows = np.full((B, L, len(COUNTY_FIELDS)), np.nan)
    cty_all = np.flatnonzero(fr.county)
    for b in range(B):
        rd = sdata.replicate_designs(fr, st["responded"][b])
        jobs = ((rd.kommune, rd.kommune_rows, fr.codes["size_class"][rd.kommune_rows], fr.size_labels),
                (rd.combined, rd.combined_rows, np.where(fr.county[rd.combined_rows], 0, 1), UNIT_TYPE_LABELS))
        for c, (des, rows, g, labels) in enumerate(jobs):
            r = itb.test_columns(des, ctx.plan, values[b][rows], g, labels, COMPARISONS[c], None, ctx.df_method,
                                 ctx.min_group_n)
            tests[b, c] = np.column_stack([r[k] for k in TEST_FIELDS])
        cty = cty_all[st["responded"][b][cty_all]]
        vc = values[b][cty]
        kw = dict(levels=ctx.levels, df_rule=ctx.county_df_rule)
        pub = county.county_rows(vc, rd.weight[cty], rd.base_weight[cty], fr.N_county, fpc=True, **kw)
        ana = county.county_rows(vc, rd.weight[cty], rd.base_weight[cty], fr.N_county, fpc=False, **kw)
        cty_rows[b] = np.column_stack([pub["estimate"], pub["se"], pub["ci_low"], pub["ci_high"], ana["se"],
                                       ana["ci_low"], ana["ci_high"],
                                       county.census_values(values[b][cty_all], ctx.levels), pub["n"]])
    return dict(tests=tests, county=cty_rows)


# ---------------------------------------------------------------------------------------
# Worker processes
# ---------------------------------------------------------------------------------------
_CONTEXTS: dict[str, Context] = {}


def _init_worker(inputs: dict[str, dict]) -> None:
    # one BLAS thread per process: the matrices are small, and threads that wait for a
    # busy core cost more than they bring (the workers are the parallelism)
    threadpool_limits(1)
    _CONTEXTS.clear()
    _CONTEXTS.update({s: make_context(**kw) for s, kw in inputs.items()})


def _run_task(task):
    scenario, seeds = task
    return run_seeds(_CONTEXTS[scenario], seeds)


def run(inputs: dict[str, dict], tasks: list[tuple[str, list[int]]], workers: int = 2) -> list[dict]:
    """Run ``tasks`` (scenario, seeds) on ``workers`` processes; results in task order.

    ``inputs``: per scenario the keyword arguments of :func:`make_context`.
    """
    if workers <= 1:
        with threadpool_limits(1):
            ctx = {s: make_context(**kw) for s, kw in inputs.items()}
            return [run_seeds(ctx[s], seeds) for s, seeds in tasks]
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(inputs,)) as ex:
        return list(ex.map(_run_task, tasks))


def tables(tasks, results, specs, base_seed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long tables of :class:`.simulation.Study` (``tests``, ``county``) from :func:`run`'s arrays
    (``tasks``: the (scenario, seeds) run; replicate = seed - ``base_seed``)."""
    m = len(specs)
    levels = county.county_levels(specs)
    L = len(levels)
    scen = np.concatenate([np.repeat(s, len(sd)) for s, sd in tasks])
    seed = np.concatenate([np.asarray(sd) for _, sd in tasks])
    tests = np.concatenate([r["tests"] for r in results])            # (R, 2, m, F)
    cty = np.concatenate([r["county"] for r in results])             # (R, L, F)
    R = len(seed)
    t = pd.DataFrame({"scenario": np.repeat(scen, 2 * m), "seed": np.repeat(seed, 2 * m),
                      "replicate": np.repeat(seed - base_seed, 2 * m),
                      "comparison": np.tile(np.repeat(COMPARISONS, m), R),
                      "item": np.tile([s.column for s in specs], 2 * R)})
    for k, f in enumerate(TEST_FIELDS):
        t[f] = tests[..., k].ravel()
    c = pd.DataFrame({"scenario": np.repeat(scen, L), "seed": np.repeat(seed, L),
                      "replicate": np.repeat(seed - base_seed, L),
                      "item": np.tile([lv.item for lv in levels], R), "level": np.tile([lv.level for lv in levels], R)})
    for k, f in enumerate(COUNTY_FIELDS):
        c[f] = cty[..., k].ravel()
    c["n"] = c["n"].astype(int)
    return t, c
