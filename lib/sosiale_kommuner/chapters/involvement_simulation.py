"""Appendix simulation of chapter 10: do the model's average marginal effects hit their target?

Each replicate (docs/contracts.md §7):

1. draws a fresh synthetic population of the 428 municipalities from a generator
   (``population(frame, seed) -> typed table`` with the columns :func:`involvement.derive`
   needs);
2. takes the survey the generator itself selects (its step-1 coverage and step-3
   response, which depend on size class only: exactly 200 municipal respondents), with
   post-stratified weights ``N_h / n_h`` by size class and size-class strata;
3. fits the involvement model on the design without fpc and records each AME, its
   standard error, its 95 % interval, and whether the fit converged or separated.

The **target** is the AME of the same model fitted to a very large synthetic population
(each of the 428 municipalities replicated to ≥ ``n_truth`` units, default 100 000) drawn
from the same generator: the parameter of the generating process, not the 2013 census value.

Summary per term: mean estimate, Monte Carlo standard error of that mean (``sd / sqrt(R)``),
bias and bias in MC standard errors (``bias_z``), the empirical SD against the mean
estimated SE, the coverage of the 95 % intervals with its binomial Monte Carlo interval, and
the counts of non-converged and separated fits. Replicate seeds come from
``numpy.random.SeedSequence(seed).spawn(replicates)``, so results do not depend on the number
of processes (``processes`` ≤ 2).

The generator is the project's demonstration-data generator (:func:`synth_population`
wraps ``sosiale_kommuner.data.synth.generate(..., exports=False)``); any callable
``(frame, seed, params) -> typed population`` can be passed instead.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from sosiale_kommuner.config import KOMMUNE
from sosiale_kommuner.survey.design import SurveyDesign

from . import involvement

N_TRUTH = 100_000
ENGINES = ("batched", "per_replicate")
#: Replicates drawn together by the batched engine (one task of a worker).
CHUNK = 25
#: Expected municipal respondents by size class (< 5 000, 5 000–19 999, ≥ 20 000) when the
#: generator parameters are not at hand: 200 in all, as in the study.
DEFAULT_SAMPLE_SIZES = {"< 5 000": 80, "5 000–19 999": 80, "≥ 20 000": 40}


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------
def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def load_params(raw_survey_dir) -> dict:
    """The generator's parameter file ``<raw>/survey/generator_params.yaml``."""
    from sosiale_kommuner.data import synth

    return synth.load_params(Path(raw_survey_dir) / synth.PARAMS_FILE)


def synth_population(frame: pd.DataFrame, seed: int, params: dict, codebook=None) -> pd.DataFrame:
    """One synthetic population of the units in ``frame`` from the project generator.

    ``sosiale_kommuner.data.synth.generate(seed, params, population=frame, exports=False)``: every
    unit's typed answers (routed, as if all had answered), the frame's ``size_class``,
    ``region`` and ``centrality``, and the generator's own selection ``responded`` (step-1
    coverage then step-3 response, size-dependent, exact counts scaled to the frame).
    """
    from sosiale_kommuner.data import synth

    syn = synth.generate(seed=seed, params=params, population=frame, codebook=codebook, exports=False)
    t = syn.typed("all")
    fr = syn.population
    for c in ("size_class", "region", "centrality"):
        t[c] = fr[c].to_numpy()
    t["size_class"] = pd.Categorical(t["size_class"], categories=fr["size_class"].cat.categories,
                                     ordered=fr["size_class"].cat.ordered)
    t["responded"] = syn.status["responded"].to_numpy()
    return t


# --------------------------------------------------------------------------------------
# Sampling and one replicate
# --------------------------------------------------------------------------------------
def expected_sample_sizes(frame: pd.DataFrame, params: dict | None) -> dict:
    """Expected municipal respondents by size class under the generator's selection models.

    Coverage then response, each a logistic model on size class whose intercept is solved
    so that the expected count equals the parameter file's count (316, then 200); the
    expected respondents per class are rounded (largest remainder) to sum to the response
    count. Without parameters: :data:`DEFAULT_SAMPLE_SIZES`.
    """
    if params is None or "coverage" not in params:
        return dict(DEFAULT_SAMPLE_SIZES)
    from scipy.optimize import brentq

    sizes = list(frame["size_class"].cat.categories)
    Nh = frame["size_class"].value_counts().reindex(sizes).to_numpy(dtype=float)

    def stage(counts_in, spec):
        shift = np.asarray(spec.get("size_class", [0] * len(sizes)), dtype=float)
        target = float(spec["count"])
        a = brentq(lambda a: (counts_in * _expit(a + shift)).sum() - target, -30, 30)
        return counts_in * _expit(a + shift)

    cov = stage(Nh, params["coverage"]["kommune"])
    resp = stage(cov, params["response"]["kommune"])
    total = int(params["response"]["kommune"]["count"])
    base = np.floor(resp).astype(int)
    rem = total - base.sum()
    order = np.argsort(-(resp - base), kind="mergesort")
    base[order[:rem]] += 1
    return {s: int(b) for s, b in zip(sizes, base)}


def draw_sample(pop: pd.DataFrame, sizes: dict | None, rng: np.random.Generator) -> pd.DataFrame:
    """The survey of one simulated population, with ``weight = N_h / n_h`` by size class.

    Uses the generator's own respondents (column ``responded``) when present — its
    selection depends on size class only, so post-stratified size-class weights are the
    right ones; otherwise a stratified simple random sample of ``sizes[class]`` units.
    """
    parts = []
    for s in pop["size_class"].cat.categories:
        idx = np.flatnonzero((pop["size_class"] == s).to_numpy())
        if "responded" in pop.columns:
            pick = idx[pop["responded"].to_numpy()[idx]]
        else:
            pick = np.sort(rng.choice(idx, size=min(sizes[s], len(idx)), replace=False))
        if len(pick) == 0:
            continue
        part = pop.iloc[pick].copy()
        part["weight"] = len(idx) / len(pick)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def sample_design(sample: pd.DataFrame) -> SurveyDesign:
    """Design of a simulated sample: strata = size class, no fpc (analytic inference)."""
    return SurveyDesign(sample, "weight", strata=sample["size_class"].astype(str).to_numpy())


def one_replicate(seed_seq, frame, params, sizes, generator) -> pd.DataFrame:
    """Fit the model to one simulated survey; one row per AME term."""
    ss = np.random.SeedSequence(seed_seq) if not isinstance(seed_seq, np.random.SeedSequence) else seed_seq
    s_pop, s_samp = ss.spawn(2)
    pop = generator(frame, int(s_pop.generate_state(1)[0]), params)
    sample = draw_sample(pop, sizes, np.random.default_rng(s_samp))
    d = involvement.derive(sample)
    des = sample_design(d)
    try:
        res = involvement.fit_model(des, diagnostics=False)
    except Exception as exc:  # singular fit etc.: counted, not hidden
        return pd.DataFrame([{"term": None, "estimate": np.nan, "se": np.nan, "ci_low": np.nan,
                              "ci_high": np.nan, "converged": False, "separation": False,
                              "error": type(exc).__name__, "n": 0}])
    a = res.ame[["term", "estimate", "se", "ci_low", "ci_high"]].copy()
    a["converged"] = res.fit.converged
    a["separation"] = res.fit.separation
    a["error"] = ""
    a["n"] = res.n
    return a


def truth(frame: pd.DataFrame, params: dict, generator, seed: int, n_truth: int = N_TRUTH) -> pd.DataFrame:
    """Target AMEs: the model fitted to a population of ≥ ``n_truth`` synthetic municipalities.

    Each frame municipality is repeated ``ceil(n_truth / 428)`` times (new unit ids), so the
    covariate distribution of size class and centrality is the frame's; answers come from the
    generator with ``seed``. All units weight 1. Returns ``term, truth, truth_se``; ``truth_se``
    is the target's own Monte Carlo error (the AME's standard error in that population, taken
    as a simple random sample of the generating process), used in ``bias_z``.
    """
    reps = int(np.ceil(n_truth / len(frame)))
    big = frame.loc[frame.index.repeat(reps)].reset_index(drop=True)
    big["unit_id"] = [f"{u}-{i % reps}" for i, u in enumerate(big["unit_id"])]
    for c in ("size_class", "region"):
        big[c] = pd.Categorical(big[c], categories=frame[c].cat.categories, ordered=frame[c].cat.ordered)
    pop = generator(big, seed, params)
    pop["weight"] = 1.0
    d = involvement.derive(pop)
    des = SurveyDesign(d, "weight")
    res = involvement.fit_model(des, diagnostics=False, se=True)
    return res.ame[["term", "estimate", "se"]].rename(columns={"estimate": "truth", "se": "truth_se"})


@dataclass
class SimulationResult:
    summary: pd.DataFrame   # one row per term
    replicates: pd.DataFrame  # one row per replicate and term
    truth: pd.DataFrame
    sample_sizes: dict
    generator: str


def run(frame: pd.DataFrame, params: dict, replicates: int = 1000, seed: int = 2013,
        generator: Callable | None = None, n_truth: int = N_TRUTH, processes: int = 1,
        sizes: dict | None = None, codebook=None, engine: str = "batched") -> SimulationResult:
    """Run the simulation (see module docstring).

    ``frame``: the population table (``population.parquet``; its municipalities are used);
    ``params``: the generator parameters (:func:`load_params`); ``codebook``: the raw
    folder's codebook (passed to the generator). ``processes`` ≤ 2; results do not depend on it.
    ``engine``: with the project generator, ``"batched"`` (default; :mod:`.involvement_batch`:
    the draws of many seeds at once, the same numbers) or ``"per_replicate"``
    (:func:`one_replicate`); another ``generator`` always runs per replicate.
    """
    if processes > 2:
        raise ValueError("use at most 2 processes (shared machine)")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    frame = frame[frame["unit_type"].astype(str) == KOMMUNE].reset_index(drop=True)
    gen = generator or partial(synth_population, codebook=codebook)
    base = gen.func if isinstance(gen, partial) else gen
    gname = getattr(base, "__module__", "") + "." + getattr(base, "__name__", str(base))
    sizes = sizes or expected_sample_sizes(frame, params)
    root = np.random.SeedSequence(seed)
    truth_seq, rep_root = root.spawn(2)
    seqs = rep_root.spawn(replicates)
    if generator is None and engine == "batched":
        from sosiale_kommuner.data import codebook as cbm

        from . import involvement_batch

        book = codebook if codebook is not None else cbm.load_codebook()
        tr = involvement_batch.truth(frame, params, book, int(truth_seq.generate_state(1)[0]),
                                     int(np.ceil(n_truth / len(frame))))
        # one_replicate's population seed: the first of the replicate's two children
        pop_seeds = [int(s.spawn(2)[0].generate_state(1)[0]) for s in seqs]
        chunks = [pop_seeds[i:i + CHUNK] for i in range(0, len(pop_seeds), CHUNK)]
        if processes > 1:
            with ProcessPoolExecutor(max_workers=processes, initializer=involvement_batch.init_worker,
                                     initargs=(frame, params, book)) as ex:
                results = [r for part in ex.map(involvement_batch.run_task, chunks) for r in part]
        else:
            with threadpool_limits(1):
                batch = involvement_batch.Batch(frame, params, book)
                results = [r for part in chunks for r in batch.replicates(part)]
    else:
        tr = truth(frame, params, gen, int(truth_seq.generate_state(1)[0]), n_truth)
        fn = partial(one_replicate, frame=frame, params=params, sizes=sizes, generator=gen)
        if processes > 1:
            with ProcessPoolExecutor(max_workers=processes) as ex:
                results = list(ex.map(fn, seqs, chunksize=max(1, replicates // (4 * processes))))
        else:
            results = [fn(s) for s in seqs]
    reps = pd.concat([r.assign(replicate=i) for i, r in enumerate(results)], ignore_index=True)
    return SimulationResult(summary=summarise(reps, tr), replicates=reps, truth=tr, sample_sizes=sizes,
                            generator=gname)


def summarise(reps: pd.DataFrame, tr: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per term: truth, mean, MC SE, bias, bias_z, empirical SD, mean SE, coverage (+ MC interval).

    ``bias_z = bias / sqrt(mc_se^2 + truth_se^2)`` (the target's own Monte Carlo error counts
    when ``tr`` has ``truth_se``); ``bias_rel_se = bias / mean_se`` says whether a bias matters
    next to the estimator's standard error.

    Replicates that failed (error) or separated are counted and left out of the means;
    non-converged fits are counted and left out too.
    """
    R_all = reps["replicate"].nunique()
    bad = reps.groupby("replicate").apply(lambda g: bool((g["error"] != "").any() or g["separation"].any()
                                                          or not g["converged"].all()), include_groups=False)
    ok = reps[reps["replicate"].isin(bad.index[~bad])]
    n_err = int(reps.groupby("replicate")["error"].apply(lambda e: (e != "").any()).sum())
    n_sep = int(reps.groupby("replicate")["separation"].any().sum())
    n_nc = int((~reps.groupby("replicate")["converged"].all()).sum()) - n_err
    rows = []
    tse = tr.set_index("term")["truth_se"] if "truth_se" in tr.columns else pd.Series(0.0, index=tr["term"])
    for term, t in tr.set_index("term")["truth"].items():
        g = ok[ok["term"] == term]
        R = len(g)
        m = g["estimate"].mean()
        sd = g["estimate"].std(ddof=1)
        mcse = sd / np.sqrt(R)
        cov = float(((g["ci_low"] <= t) & (t <= g["ci_high"])).mean())
        half = stats.norm.isf(0.025) * np.sqrt(level * (1 - level) / R)
        rows.append(dict(term=term, truth=t, truth_se=float(tse[term]), mean_estimate=m, mc_se=mcse, bias=m - t,
                         bias_z=(m - t) / np.sqrt(mcse ** 2 + float(tse[term]) ** 2),
                         bias_rel_se=(m - t) / g["se"].mean(), empirical_sd=sd, mean_se=g["se"].mean(), coverage=cov,
                         coverage_mc_low=level - half, coverage_mc_high=level + half,
                         replicates=R_all, used=R, separated=n_sep, not_converged=n_nc, failed=n_err))
    return pd.DataFrame(rows)
