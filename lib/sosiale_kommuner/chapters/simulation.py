"""Are the item tests honest? A Monte Carlo study with the project's own generator (SYNTHETIC).

Each replicate draws a new synthetic dataset with :func:`sosiale_kommuner.data.synth.generate`
(new answers for every unit of the 2013 populations, new step-1 coverage and step-3
response: 200 municipalities and 11 county municipalities), weights it, and runs exactly
the tests of chapter 09 (:func:`sosiale_kommuner.chapters.item_tests.run_tests`: analytic, design
WITHOUT the finite population correction, docs/contracts.md §7) for both comparisons.

Two scenarios, with the same replicate seeds (common random numbers):

* ``planted``: the generator's parameters as shipped (``generator_params.yaml``);
* ``null``: the same parameters with every group term removed (:func:`null_params`), so
  every item has the same distribution in every size class and unit type (global null).

Weights in a replicate: chapter 03's :func:`sosiale_kommuner.chapters.weighting.calibrate_population_weights`
from the replicate's own coverage and response (base weight N_c / responded_c by size class,
raked to size class and region with sparse cells merged below 3 respondents; counties
18 / 11), with the design of :func:`~sosiale_kommuner.data.respondents.design_for` /
:func:`~sosiale_kommuner.data.respondents.combined_design` (calibration accounted for).

Targets of the effect intervals (docs/contracts.md §7): the generating process's effect, computed
on a large synthetic population from the same generator: the 2013 frame replicated
``process_reps`` times (:func:`synth.expand_population`; 250 times = 111 500 units), every
unit answering. Under ``null`` the target is 0 by construction.

Reproducibility: replicate ``i`` uses generator seed ``base_seed + i``; results are
collected in replicate order, so they do not depend on the number of worker processes.
"""
from __future__ import annotations

import copy
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents, synth

from . import item_tests, weighting
from .item_tests import CONTRASTS

SCENARIOS = ("null", "planted")
COMPARISONS = ("size_class", "unit_type")
#: Group terms of the generator's item models (removed under the global null).
GROUP_TERMS = ("size_class", "centrality", "region", "fylkeskommune")
DEFAULT_BASE_SEED = 1_000
#: Raking margins of the replicate weights (chapter 03's base margins).
MARGINS = ("size_class", "region")
ALPHA = 0.05


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


def _typed_population(params, codebook, population, reps, seed) -> pd.DataFrame:
    big = synth.expand_population(population, reps)
    status = synth.draw_status(big, params, seed)
    latent = synth.draw_answers(big, params, codebook, seed, status["facebook_page"].to_numpy(),
                                salt="process", routed=True)
    keyed = latent.assign(unit_id=big["unit_id"].to_numpy(), unit_type=big["unit_type"].astype(str).to_numpy())
    typed = cbm.to_typed(keyed, codebook, keep=("unit_id", "unit_type"))
    typed["size_class"] = big["size_class"].to_numpy()
    return typed


def process_targets(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                    specs: list[item_tests.ColumnSpec], reps: int = 250, seed: int = 99) -> pd.DataFrame:
    """The generating process's effect of every column and comparison (docs/contracts.md §7).

    The 2013 frame replicated ``reps`` times, every unit answering (routing applied), from
    ``params``; the effect is the same contrast as :data:`item_tests.CONTRASTS` of the same
    statistic (share of the effect level / mean score / mean), unweighted over all units.
    Columns ``comparison, item, target, mc_se`` (``mc_se``: Monte Carlo standard error of
    the target from the finite replicated population).
    """
    typed = _typed_population(params, codebook, population, reps, seed)
    ut = typed["unit_type"].to_numpy()
    sc = typed["size_class"].astype(object).to_numpy()
    groups = {"size_class": sc, "unit_type": ut}
    rows = []
    for s in specs:
        arr = item_tests.analysis_array(typed[s.column], s)
        vals, ok = item_tests.effect_values(arr, s)
        for cmp in COMPARISONS:
            a, b = CONTRASTS[cmp]
            g = groups[cmp]
            ma, mb = ok & (g == a), ok & (g == b)
            if cmp == "size_class":
                ma, mb = ma & (ut == config.KOMMUNE), mb & (ut == config.KOMMUNE)
            if ma.sum() < 2 or mb.sum() < 2:
                rows.append(dict(comparison=cmp, item=s.column, target=np.nan, mc_se=np.nan))
                continue
            ta, tb = vals[ma].mean(), vals[mb].mean()
            se = np.sqrt(vals[ma].var(ddof=1) / ma.sum() + vals[mb].var(ddof=1) / mb.sum())
            rows.append(dict(comparison=cmp, item=s.column, target=float(ta - tb), mc_se=float(se)))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Replicates
# ---------------------------------------------------------------------------------------
@dataclass
class _Context:
    params: dict
    codebook: cbm.Codebook
    population: pd.DataFrame
    specs: list
    df_method: str = "satterthwaite"
    min_group_n: int = item_tests.MIN_GROUP_N


_CTX: dict[str, _Context] = {}


def _init_worker(contexts: dict[str, _Context]) -> None:
    _CTX.clear()
    _CTX.update(contexts)


def replicate(scenario: str, seed: int, ctx: _Context | None = None) -> pd.DataFrame:
    """One replicate: generate, weight, test both comparisons.

    Returns one row per (comparison, column): ``scenario, seed, comparison, item, p_value,
    p_adjusted, effect_size, effect_ci_low, effect_ci_high, effect_se, statistic``.
    """
    ctx = ctx or _CTX[scenario]
    syn = synth.generate(seed, ctx.params, ctx.population, ctx.codebook, exports=False)
    resp = syn.responses()
    pop = ctx.population
    weights = weighting.calibrate_population_weights(pop, syn.status, margins=MARGINS).table
    data = respondents.merge(resp, pop, weights)
    out = []
    kw = dict(extra=True, df_method=ctx.df_method, min_group_n=ctx.min_group_n)
    dk = respondents.design_for(data, pop, config.KOMMUNE, fpc=False, margins=MARGINS)
    out.append(item_tests.run_tests(dk, ctx.specs, "size_class", **kw))
    dc = respondents.combined_design(data, pop, fpc=False, margins=MARGINS)
    out.append(item_tests.run_tests(dc, ctx.specs, "unit_type", **kw))
    res = pd.concat(out, ignore_index=True)
    keep = ["comparison", "item", "statistic", "p_value", "p_adjusted", "effect_size",
            "effect_ci_low", "effect_ci_high", "effect_se"]
    res = res[keep]
    res.insert(0, "seed", int(seed))
    res.insert(0, "scenario", scenario)
    return res


def _run_task(task):
    scenario, i, seed = task
    r = replicate(scenario, seed)
    r.insert(2, "replicate", i)
    return r


def _population(population: pd.DataFrame) -> pd.DataFrame:
    pop = population.reset_index(drop=True).copy()
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    return pop


def run(replicates: int = 30, scenarios=SCENARIOS, params: dict | None = None,
        codebook: cbm.Codebook | None = None, population: pd.DataFrame | None = None,
        base_seed: int = DEFAULT_BASE_SEED, workers: int = 2, raw_dir=None,
        df_method: str = "satterthwaite", min_group_n: int = item_tests.MIN_GROUP_N) -> pd.DataFrame:
    """Run ``replicates`` replicates of each scenario on ``workers`` processes.

    ``params``: generator parameters (default: ``<raw>/survey/generator_params.yaml``);
    ``population``: the frame (default: loaded from ``<raw>/frame``). Replicate ``i`` uses
    seed ``base_seed + i`` in every scenario. ``df_method``, ``min_group_n``: as chapter 09
    (:func:`item_tests.run_tests`). Returns the long table of :func:`replicate`
    with a ``replicate`` column, sorted by scenario, replicate and row.
    """
    P = config.paths(raw_dir)
    if params is None:
        params = synth.load_params(P.survey / synth.PARAMS_FILE)
    codebook = codebook or cbm.load_codebook(P.raw)
    if population is None:
        from sosiale_kommuner.data import frame
        population = frame.load_population(P.frame)
    pop = _population(population)
    specs = item_tests.analysable(codebook)
    contexts = {s: _Context(scenario_params(params, s), codebook, pop, specs, df_method, min_group_n)
                for s in scenarios}
    tasks = [(s, i, base_seed + i) for s in scenarios for i in range(int(replicates))]
    if workers <= 1:
        _init_worker(contexts)
        parts = [_run_task(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(contexts,)) as ex:
            parts = list(ex.map(_run_task, tasks, chunksize=max(1, len(tasks) // (4 * workers))))
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------
def binom_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval for a binomial proportion ``k / n``."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    a = (1 - level) / 2
    lo = np.where(k > 0, stats.beta.ppf(a, k, n - k + 1), 0.0)
    hi = np.where(k < n, stats.beta.ppf(1 - a, k + 1, n - k), 1.0)
    return lo, hi


def _mean_interval(x, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of per-replicate values and its t interval (replicates are independent)."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    h = stats.t.isf((1 - level) / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return m, m - h, m + h


def rejection_rates(res: pd.DataFrame, scenario: str = "null", alpha: float = ALPHA,
                    level: float = 0.95) -> pd.DataFrame:
    """Per test (comparison, item): share of replicates with ``p < alpha``, exact interval."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    g = r.assign(rej=r["p_value"] < alpha).groupby(["comparison", "item"], sort=False)["rej"]
    out = pd.DataFrame({"rejections": g.sum().astype(int), "replicates": g.size()}).reset_index()
    out["rate"] = out["rejections"] / out["replicates"]
    out["ci_low"], out["ci_high"] = binom_interval(out["rejections"], out["replicates"], level)
    return out


def overall_rejection(res: pd.DataFrame, scenario: str = "null", alpha: float = ALPHA,
                      level: float = 0.95) -> pd.DataFrame:
    """Share of all tests of a comparison rejecting at ``alpha``, with an interval that
    treats the replicate as the independent unit (tests within a replicate are dependent)."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        per = d.assign(rej=d["p_value"] < alpha).groupby("replicate")["rej"].mean()
        m, lo, hi = _mean_interval(per.to_numpy(), level)
        rows.append(dict(comparison=cmp, tests_per_replicate=int(d.groupby("replicate").size().median()),
                         replicates=len(per), rate=m, ci_low=lo, ci_high=hi,
                         any_rejection=float((per > 0).mean())))
    return pd.DataFrame(rows)


def fdp(res: pd.DataFrame, nulls: dict[str, set[str]], scenario: str = "planted",
        q: float = ALPHA, level: float = 0.95) -> pd.DataFrame:
    """False-discovery proportion after BH at ``q``, per comparison: mean over replicates with
    its t interval; ``m0/m``, BH's bound ``q m0 / m`` (for independent or positively
    dependent tests), discoveries per replicate."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_adjusted"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        isnull = d["item"].isin(nulls.get(cmp, set()) if scenario == "planted" else set(d["item"]))
        disc = d["p_adjusted"] < q
        per = pd.DataFrame({"replicate": d["replicate"], "V": disc & isnull, "R": disc})
        agg = per.groupby("replicate")[["V", "R"]].sum()
        f = np.where(agg["R"] > 0, agg["V"] / agg["R"].clip(lower=1), 0.0)
        m, lo, hi = _mean_interval(f, level)
        m_all = int(d.groupby("replicate").size().median())
        m0 = int(isnull.groupby(d["replicate"]).sum().median())
        rows.append(dict(comparison=cmp, tests=m_all, true_nulls=m0, mean_fdp=m, ci_low=lo, ci_high=hi,
                         bh_bound=q * m0 / m_all if m_all else np.nan,
                         mean_discoveries=float(agg["R"].mean()),
                         mean_false_discoveries=float(agg["V"].mean())))
    return pd.DataFrame(rows)


def power(res: pd.DataFrame, nulls: dict[str, set[str]], scenario: str = "planted",
          alpha: float = ALPHA, level: float = 0.95) -> pd.DataFrame:
    """Power per non-null test: share rejected at ``alpha`` (raw p) and after BH
    (``p_adjusted``), exact intervals; ``smoothed_power``: the probability that a normal
    fitted to the replicates' z-scores ``z = Phi^-1(1 - p/2)`` exceeds ``z_{1 - alpha/2}``
    (a smooth estimate that can tell 99.9 % from 95 % with few replicates)."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    zc = stats.norm.isf(alpha / 2)
    for (cmp, item), d in r.groupby(["comparison", "item"], sort=False):
        if item in nulls.get(cmp, set()):
            continue
        n = len(d)
        k = int((d["p_value"] < alpha).sum())
        kb = int((d["p_adjusted"] < alpha).sum())
        z = stats.norm.isf(np.clip(d["p_value"].to_numpy(), 1e-300, 1.0) / 2)
        sd = z.std(ddof=1) if n > 1 else np.nan
        smooth = float(stats.norm.sf((zc - z.mean()) / sd)) if n > 1 and sd > 0 else float(k == n)
        lo, hi = binom_interval(k, n, level)
        rows.append(dict(comparison=cmp, item=item, replicates=n, power=k / n, ci_low=float(lo), ci_high=float(hi),
                         power_bh=kb / n, smoothed_power=smooth,
                         mean_effect=float(d["effect_size"].mean())))
    return pd.DataFrame(rows)


def coverage(res: pd.DataFrame, targets: pd.DataFrame | None, scenario: str = "planted",
             level: float = 0.95) -> pd.DataFrame:
    """Coverage of the effect intervals: per test, the share of replicates whose interval
    holds the target (the process value from ``targets``; 0 under the null scenario), with an
    exact interval; plus the mean estimate's bias."""
    r = res[res["scenario"] == scenario].dropna(subset=["effect_ci_low", "effect_ci_high"])
    if scenario == "null" or targets is None:
        r = r.assign(target=0.0)
    else:
        r = r.merge(targets[["comparison", "item", "target"]], on=["comparison", "item"], how="left")
    r = r.dropna(subset=["target"])
    cov_ = (r["effect_ci_low"] <= r["target"]) & (r["target"] <= r["effect_ci_high"])
    g = r.assign(covered=cov_, err=r["effect_size"] - r["target"]).groupby(["comparison", "item"], sort=False)
    out = pd.DataFrame({"covered": g["covered"].sum().astype(int), "replicates": g.size(),
                        "target": g["target"].first(), "bias": g["err"].mean(),
                        "mean_se": g["effect_se"].mean(), "sd_estimate": g["effect_size"].std(ddof=1)}).reset_index()
    out["coverage"] = out["covered"] / out["replicates"]
    out["ci_low"], out["ci_high"] = binom_interval(out["covered"], out["replicates"], level)
    return out


def dependence(res: pd.DataFrame, scenario: str = "null") -> pd.DataFrame:
    """Are the tests of one comparison independent or positively dependent? (BH's condition)

    For each comparison, over replicates: the correlation matrix of the tests' z-scores
    ``Phi^-1(1 - p)``; reported are the mean and the share of positive off-diagonal
    correlations, the most negative one, and the dispersion ratio of the number of
    rejections per replicate (variance / binomial variance; 1 under independence, > 1
    under positive dependence).
    """
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        wide = d.pivot_table(index="replicate", columns="item", values="p_value")
        wide = wide.loc[:, wide.notna().all() & (wide.std() > 0)]
        z = stats.norm.isf(np.clip(wide.to_numpy(), 1e-300, 1 - 1e-16))
        c = np.corrcoef(z, rowvar=False)
        off = c[~np.eye(len(c), dtype=bool)]
        rej = (wide.to_numpy() < ALPHA).sum(axis=1)
        m = wide.shape[1]
        pbar = rej.mean() / m
        binvar = m * pbar * (1 - pbar)
        rows.append(dict(comparison=cmp, tests=m, replicates=len(wide), mean_correlation=float(off.mean()),
                         share_positive=float((off > 0).mean()), min_correlation=float(off.min()),
                         max_correlation=float(off.max()),
                         dispersion_ratio=float(rej.var(ddof=1) / binvar) if binvar > 0 else np.nan))
    return pd.DataFrame(rows)


def tail_rates(res: pd.DataFrame, scenario: str = "null", thresholds=(0.001, 0.005, 0.01, 0.05),
               level: float = 0.95) -> pd.DataFrame:
    """Calibration of the p-values' tail: the share of null tests with ``p < t`` for each
    threshold ``t`` (nominal: ``t``), pooled over tests and replicates, with an exact interval
    (pooled, so it ignores the dependence within a replicate), and the ratio observed/nominal.
    BH at 5 % with ~100 tests and few discoveries rejects at thresholds near 0.001, so the
    tail, not the 5 % rate, decides whether its false-discovery guarantee carries over."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        p = d["p_value"].to_numpy()
        for t in thresholds:
            k, n = int((p < t).sum()), len(p)
            lo, hi = binom_interval(k, n, level)
            rows.append(dict(comparison=cmp, threshold=t, tests=n, below=k, share=k / n, ci_low=float(lo),
                             ci_high=float(hi), ratio=(k / n) / t))
    return pd.DataFrame(rows)


# --- the chapter's verdicts, in words ----------------------------------------------------

def fdp_verdict(row: pd.Series) -> str:
    """How one comparison's mean false-discovery proportion relates to BH's bound.

    ``row``: a row of :func:`fdp` (``mean_fdp``, ``ci_low``, ``bh_bound``; proportions 0–1).
    """
    if row["ci_low"] > row["bh_bound"]:
        return "above BH's bound (the whole Monte Carlo interval exceeds it)"
    if row["mean_fdp"] <= row["bh_bound"]:
        return "within BH's bound"
    return "above the bound on average but within Monte Carlo error of it"


def dependence_text(row: pd.Series) -> str:
    """The dependence between tests in words, from a row of :func:`dependence`."""
    r = row
    kind = ("close to independent" if abs(r["mean_correlation"]) < 0.05 else
            "positively dependent on average" if r["mean_correlation"] > 0 else "negatively dependent on average")
    return (f"{kind} (mean correlation of z-scores {r['mean_correlation']:+.3f}, "
            f"{r['share_positive'] * 100:.0f} % of the pairs positive, dispersion ratio {r['dispersion_ratio']:.2f})")


def tail_verdict(tails: pd.DataFrame, comparisons=("size_class", "unit_type"), threshold: float = 0.001) -> str:
    """Whether the null p-values' tail below ``threshold`` is heavier than nominal.

    ``tails``: :func:`tail_rates`. A comparison is heavy-tailed when the exact interval of
    its share of null p-values below ``threshold`` lies wholly above ``threshold``.
    """
    tl = tails.set_index(["comparison", "threshold"])
    bad = [cmp for cmp in comparisons if tl.loc[(cmp, threshold), "ci_low"] > threshold]
    if not bad:
        return "The tail is consistent with nominal for both comparisons."
    return (f"The tail is heavier than nominal for {' and '.join(c.replace('_', ' ') for c in bad)} (the "
            "exact interval lies above 0.1 %): extreme p-values arise more often than they should (typically when the "
            "answers of a small group happen to cluster, so that its linearised variance is underestimated), so "
            "BH's guarantee is not assured there and its discoveries are best read as tentative.")
