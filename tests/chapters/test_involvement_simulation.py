"""The simulation of chapter 10's model (chapters.involvement_simulation): does the design-based
logit recover the generating process's average marginal effects, and do its intervals cover?

Moved unchanged from tests/chapters/test_involvement.py; then: the batched engine
(chapters/involvement_batch.py) gives the replicates of the per-replicate one
(:func:`involvement_simulation.one_replicate`, :func:`involvement_simulation.truth`: the
generator's data frames, :func:`involvement.derive`, :func:`involvement.fit_model`) — the same
AMEs, SEs, intervals, flags and counts — and the same target.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.chapters import involvement_batch, involvement_simulation
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame


@pytest.mark.slow
def test_ame_simulation_recovers_the_generating_values():
    """20 simulated surveys from the generator: every AME's mean within 3.5 Monte Carlo SEs of
    the target (10 terms: a Bonferroni-type bound), and the pooled coverage of the 95 %
    intervals within the binomial Monte Carlo interval of 200 intervals (±3 SE, conservative
    because the terms are correlated)."""
    P = config.paths()
    pop = frame.load_population(P.frame)
    params = involvement_simulation.load_params(P.survey)
    cb = cbm.load_codebook(P.raw)
    sim = involvement_simulation.run(pop, params, replicates=20, seed=20131, n_truth=40_000, processes=1, codebook=cb)
    s = sim.summary
    assert len(s) == 10 and (s["replicates"] == 20).all()
    assert s["failed"].iloc[0] == 0
    assert (s["used"] >= 17).all()                 # separation / non-convergence rare
    assert (s["bias_z"].abs() < 3.5).all(), s[["term", "truth", "mean_estimate", "bias_z"]]
    pooled = (s["coverage"] * s["used"]).sum() / s["used"].sum()
    half = 3 * np.sqrt(0.95 * 0.05 / s["used"].sum())
    assert 0.95 - half <= pooled <= 0.95 + half, s[["term", "coverage"]]
    # the estimated SEs track the spread of the estimates
    ratio = s["mean_se"] / s["empirical_sd"]
    assert ((ratio > 0.6) & (ratio < 1.6)).all(), ratio
    # deterministic: the same seed gives the same replicates
    again = involvement_simulation.run(pop, params, replicates=3, seed=20131, n_truth=40_000, processes=1, codebook=cb)
    first3 = sim.replicates[sim.replicates["replicate"] < 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.replicates.reset_index(drop=True), first3, check_dtype=False)


def test_simulation_summary_arithmetic():
    reps = pd.DataFrame({
        "replicate": [0, 1, 2, 3],
        "term": ["x"] * 4,
        "estimate": [0.1, 0.2, 0.3, 0.4],
        "se": [0.1] * 4,
        "ci_low": [0.0, 0.1, 0.26, 0.3],
        "ci_high": [0.3, 0.3, 0.4, 0.5],
        "converged": [True] * 4,
        "separation": [False, False, False, True],
        "error": [""] * 4,
        "n": [100] * 4,
    })
    s = involvement_simulation.summarise(reps, pd.DataFrame({"term": ["x"], "truth": [0.25]})).iloc[0]
    assert s["used"] == 3 and s["separated"] == 1
    assert s["mean_estimate"] == pytest.approx(0.2)
    assert s["mc_se"] == pytest.approx(0.1 / np.sqrt(3))
    assert s["coverage"] == pytest.approx(2 / 3)




def test_expected_sample_sizes_follow_the_generator_counts():
    P = config.paths()
    pop = frame.load_population(P.frame)
    k = pop[pop["unit_type"].astype(str) == "kommune"].reset_index(drop=True)
    params = involvement_simulation.load_params(P.survey)
    sizes = involvement_simulation.expected_sample_sizes(k, params)
    assert list(sizes) == list(k["size_class"].cat.categories)
    assert sum(sizes.values()) == params["response"]["kommune"]["count"]
    # selection rises with size: the largest class has the highest expected response fraction
    frac = {s: n / int((k["size_class"] == s).sum()) for s, n in sizes.items()}
    assert frac["≥ 20 000"] > frac["5 000–19 999"] > frac["< 5 000"]
    # the fallback sampler draws exactly those counts and weights N_h / n_h
    fake = k[["unit_id", "size_class"]].copy()
    smp = involvement_simulation.draw_sample(fake, sizes, np.random.default_rng(1))
    assert smp.groupby("size_class", observed=True).size().to_dict() == sizes
    assert smp["weight"].sum() == pytest.approx(len(k))


@pytest.fixture(scope="module")
def inputs():
    P = config.paths()
    return frame.load_population(P.frame), involvement_simulation.load_params(P.survey), cbm.load_codebook(P.raw)


def test_batched_engine_equals_per_replicate(inputs):
    pop, params, book = inputs
    kw = dict(replicates=5, seed=991, n_truth=10_000, processes=1, codebook=book)
    new = involvement_simulation.run(pop, params, **kw)
    old = involvement_simulation.run(pop, params, engine="per_replicate", **kw)
    pd.testing.assert_frame_equal(new.replicates, old.replicates, check_exact=False, rtol=1e-12, atol=1e-15)
    pd.testing.assert_frame_equal(new.truth, old.truth, check_exact=False, rtol=1e-12, atol=1e-15)
    pd.testing.assert_frame_equal(new.summary, old.summary, check_exact=False, rtol=1e-10, atol=1e-14)
    assert new.replicates["replicate"].nunique() == 5 and (new.replicates["error"] == "").all()
    with pytest.raises(ValueError, match="engine"):
        involvement_simulation.run(pop, params, engine="fast", **kw)


def test_model_variables_follow_derive(inputs):
    """The model's variables from the answer codes equal involvement.derive on the typed table."""
    pop, params, book = inputs
    k = pop[pop["unit_type"].astype(str) == config.KOMMUNE].reset_index(drop=True)
    b = involvement_batch.Batch(k, params, book)
    seeds = [5, 6]
    st = b.generator.status(seeds)
    ours = involvement_batch.model_variables(b.generator.answers(seeds, st["facebook_page"]), book)
    for i, seed in enumerate(seeds):
        typed = involvement_simulation.synth_population(k, seed, params, codebook=book)
        d = inv.derive(typed)
        for name in ("involved", *inv.NUMERIC_TERMS):
            np.testing.assert_array_equal(ours[name][i], d[name].to_numpy(dtype=float), err_msg=name)
        assert np.isnan(ours["involved"][i]).any() and np.nanmax(ours["formal_elements"][i]) <= 5
