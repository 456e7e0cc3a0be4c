"""Chapter 09's tests in batch (chapters/item_tests_batch.py) give the table of item_tests.run_tests.

The reference is :func:`item_tests.run_tests`, one column at a time (its statistics are
checked against R in tests/survey). The data: synthetic replicates from the generator, with
both scenarios of chapter 11 and both df rules, so that every kind of column (binary,
categorical, ordinal, numeric), untestable columns and both comparisons occur.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_tests, simulation, weighting
from sosiale_kommuner.chapters import item_tests_batch as itb
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, respondents, synth

REL = 1e-10


@pytest.fixture(scope="module")
def replicates():
    params, book = synth.load_params(), cbm.load_codebook()
    pop = frame.load_population(config.paths().frame)
    pop = pop.assign(unit_id=pop["unit_id"].astype(str), unit_type=pop["unit_type"].astype(str))
    out = []
    for scenario, seed in (("null", 1000), ("planted", 1001), ("planted", 1002)):
        syn = synth.generate(seed, simulation.scenario_params(params, scenario), pop, book, exports=False)
        w = weighting.calibrate_population_weights(pop, syn.status, margins=simulation.MARGINS).table
        data = respondents.merge(syn.responses(), pop, w)
        out.append((respondents.design_for(data, pop, config.KOMMUNE, fpc=False, margins=simulation.MARGINS),
                    respondents.combined_design(data, pop, fpc=False, margins=simulation.MARGINS)))
    return item_tests.analysable(book), out


def assert_same_table(old: pd.DataFrame, new: pd.DataFrame):
    assert list(new.columns) == list(old.columns)
    for c in ("item", "area", "comparison", "test", "effect_measure", "n", "n_a", "n_b", "note"):
        assert new[c].tolist() == old[c].tolist(), c
    for c in itb.NUMBERS:
        a, b = old[c].to_numpy(float), new[c].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), (c, old.loc[np.isnan(a) != np.isnan(b), "item"].tolist())
        np.testing.assert_allclose(b, a, rtol=REL, atol=1e-15, err_msg=c)


@pytest.mark.parametrize("df_method", ["satterthwaite", "design"])
def test_batch_equals_run_tests(replicates, df_method):
    specs, designs = replicates
    kinds = set()
    for dk, dc in designs:
        for d, cmp in ((dk, "size_class"), (dc, "unit_type")):
            old = item_tests.run_tests(d, specs, cmp, extra=True, df_method=df_method)
            assert_same_table(old, itb.run_tests(d, specs, cmp, df_method=df_method))
            kinds |= {s.kind for s, p in zip(specs, old["p_value"]) if np.isfinite(p)}
    assert kinds == {"binary", "categorical", "ordinal", "numeric"}


def test_untestable_columns_and_min_group_n(replicates):
    specs, designs = replicates
    dk, dc = designs[1]
    old = item_tests.run_tests(dc, specs, "unit_type", extra=True, min_group_n=9)
    new = itb.run_tests(dc, specs, "unit_type", min_group_n=9)
    assert_same_table(old, new)
    assert new["note"].str.startswith("not tested").any()
    with pytest.raises(ValueError, match="min_group_n"):
        itb.run_tests(dc, specs, "unit_type", min_group_n=0)


def test_with_fpc_and_a_subset_of_columns(replicates):
    specs, designs = replicates
    dk, _ = designs[2]
    some = specs[::7]
    old = item_tests.run_tests(dk, some, "size_class", fpc_in_tests=True, extra=True)
    assert_same_table(old, itb.run_tests(dk, some, "size_class", fpc_in_tests=True))
