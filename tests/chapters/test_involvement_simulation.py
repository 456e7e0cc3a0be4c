"""Chapter 10's AME simulation in batches (chapters/involvement_batch.py) is the per-replicate one.

The reference is :func:`involvement_simulation.one_replicate` and :func:`involvement_simulation.truth`
(the generator's data frames, :func:`involvement.derive` and :func:`involvement.fit_model`);
the batched engine must give the same replicates — the same AMEs, SEs, intervals, flags and
counts — and the same target.
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
