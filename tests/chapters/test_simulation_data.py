"""Batched replicates (chapters/simulation_data.py) are the generator's and chapter 03's numbers.

The generator's draws must be the very numbers :func:`synth.generate` gives the same seed (bit
for bit: same random streams, same arithmetic), the weights those of
:func:`weighting.calibrate_population_weights`, the designs' variances those of
:func:`respondents.design_for` / :func:`respondents.combined_design` (to rounding).
"""
from __future__ import annotations

import numpy as np
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_tests, simulation, weighting
from sosiale_kommuner.chapters import item_tests_batch as itb
from sosiale_kommuner.chapters import simulation_data as sdata
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, respondents, synth

SEEDS = [1000, 1001, 2024]


@pytest.fixture(scope="module")
def inputs():
    pop = frame.load_population(config.paths().frame)
    pop = pop.assign(unit_id=pop["unit_id"].astype(str), unit_type=pop["unit_type"].astype(str))
    book = cbm.load_codebook()
    return synth.load_params(), book, pop, item_tests.analysable(book)


@pytest.mark.parametrize("scenario", simulation.SCENARIOS)
def test_generator_draws_what_synth_draws(inputs, scenario):
    params, book, pop, specs = inputs
    p = simulation.scenario_params(params, scenario)
    gen = sdata.Generator(p, book, pop, [s.column for s in specs])
    st = gen.status(SEEDS)
    ans = gen.answers(SEEDS, st["facebook_page"])
    for b, seed in enumerate(SEEDS):
        syn = synth.generate(seed, p, pop, book, exports=False)
        for k in ("facebook_page", "mapped", "responded"):
            assert np.array_equal(syn.status[k].to_numpy(), st[k][b]), k
        for c in gen.columns:
            assert np.array_equal(syn.latent[c.column].to_numpy(), ans[c.column][b], equal_nan=True), c.column
        typed = syn.typed("all")
        assert np.array_equal(itb.analysis_matrix(typed, specs), sdata.analysis_values(ans, specs, book)[b],
                              equal_nan=True)


def test_generator_draws_the_inputs_it_needs_and_refuses_what_it_cannot(inputs):
    params, book, pop, _ = inputs
    gen = sdata.Generator(params, book, pop, ["a9_methods__polls"])
    drawn = {c.column for c in gen.columns}
    # the filter chain (a9_has_involved <- a1_uses_some) and the involvement model's inputs
    assert {"a9_has_involved", "a1_uses_some", "a3_strategy_status", "bg_comm_fte"} <= drawn
    assert "a5_political_leadership" not in drawn
    text = next(it.id for it in book.items(survey="main") if it.type == "text")
    with pytest.raises(ValueError, match="does not draw"):
        sdata.Generator(params, book, pop, [text])


def test_weights_and_designs_are_chapter_03s(inputs):
    params, book, pop, specs = inputs
    fr = sdata.Frame(pop)
    gen = sdata.Generator(params, book, pop, [s.column for s in specs])
    st = gen.status(SEEDS)
    rng = np.random.default_rng(0)
    for b, seed in enumerate(SEEDS):
        syn = synth.generate(seed, params, pop, book, exports=False)
        table = weighting.calibrate_population_weights(pop, syn.status, margins=sdata.MARGINS).table
        rd = sdata.replicate_designs(fr, st["responded"][b])
        ids = pop["unit_id"].to_numpy()[st["responded"][b]]
        t = table.set_index("unit_id").loc[ids]
        assert np.array_equal(t["weight"].to_numpy(), rd.weight[st["responded"][b]])
        assert np.array_equal(t["base_weight"].to_numpy(), rd.base_weight[st["responded"][b]])
        data = respondents.merge(syn.responses(), pop, table)
        for ours, theirs, rows in (
                (rd.kommune, respondents.design_for(data, pop, config.KOMMUNE, fpc=False, margins=sdata.MARGINS),
                 rd.kommune_rows),
                (rd.combined, respondents.combined_design(data, pop, fpc=False, margins=sdata.MARGINS),
                 rd.combined_rows)):
            assert np.array_equal(pop["unit_id"].to_numpy()[rows], theirs.data["unit_id"].to_numpy())
            x = rng.normal(size=(len(rows), 4))
            np.testing.assert_allclose(ours.covariance(x[:, None, :])[0], theirs.variance(x), rtol=1e-11, atol=1e-14)
            assert ours.df == theirs.df
