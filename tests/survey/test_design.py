"""Designs (survey/design.py): construction, subsets and their degrees of freedom, errors.

Oracle: ``reference.json`` block ``stratified`` (design summary) and the ``degf_subset`` /
``degf_full`` of the ``domain_*`` blocks of ``reference_domains.json`` (R survey 4.1.1).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load
from r_reference import reference

from sosiale_kommuner.survey import design as D
from sosiale_kommuner.survey.errors import DesignError, LonelyPSUError


@pytest.fixture(scope="module")
def dstrat():
    return D.svydesign(load("apistrat"), "pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1():
    return D.svydesign(load("apiclus1"), "pw", fpc="fpc", ids="dnum")


@pytest.mark.oracle
def test_design_summary(dstrat, ref):
    s = ref["stratified"]
    assert dstrat.n == s["n"]
    assert dstrat.df == s["design_df"] == D.degf(dstrat)
    assert dict(zip(dstrat.strata_labels, dstrat.n_h.tolist())) == s["strata_n"]
    assert dict(zip(dstrat.strata_labels, dstrat.N_h.tolist())) == s["strata_N"]
    np.testing.assert_allclose(dstrat.weights.sum(), s["sum_weights"], rtol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("block,design,condition", [
    ("domain_stype_H", "dstrat", "stype == 'H'"),
    ("domain_clus1_sch_wide_Yes", "dclus1", "`sch.wide` == 'Yes'"),
    ("domain_clus1_stype_H", "dclus1", "stype == 'H'"),
])
def test_subset_degf_is_r(block, design, condition, request):
    """R degf(subset(d, ...)): PSUs that remain minus strata that remain (49 of 197 for the 50
    high schools of dstrat; 7 of 14 for the high schools in the 15 sampled districts)."""
    d = request.getfixturevalue(design)
    r = reference("reference_domains")[block]
    sub = d.subset(condition)
    assert (D.degf(sub), D.degf(d)) == (r["degf_subset"], r["degf_full"])
    assert sub.df == r["degf_subset"] and sub.n == d.n  # the rows (and the design) are kept


def test_subset_forms_and_nesting(dstrat):
    by_text = dstrat.subset("stype == 'H'")
    by_mask = dstrat.subset(dstrat.data["stype"] == "H")
    by_array = dstrat.subset((dstrat.data["stype"] == "H").to_numpy())
    assert by_text.domain.sum() == by_mask.domain.sum() == by_array.domain.sum() == 50
    nested = by_text.subset(dstrat.data["sch.wide"] == "Yes")
    both = (dstrat.data["stype"] == "H") & (dstrat.data["sch.wide"] == "Yes")
    assert np.array_equal(nested.domain, both.to_numpy())
    # by hand: one stratum remains, so df = its units - 1
    assert nested.degf() == int(both.sum()) - 1
    assert dstrat.domain is None and dstrat.degf() == 197  # the parent is unchanged
    with_na = dstrat.subset(pd.Series([np.nan] * 100 + [True] * 100))
    assert with_na.domain.sum() == 100  # missing counts as outside


def test_subset_errors_name_the_problem(dstrat):
    with pytest.raises(DesignError, match="cannot evaluate") as e:
        dstrat.subset("no_such_column == 1")
    assert "back-quote" in str(e.value)
    with pytest.raises(DesignError, match="does not fit"):
        dstrat.subset(np.ones(3, bool))


def test_variance_of_a_subset_is_domain_estimation(dstrat):
    """Units outside the domain contribute zero scores; the stratum counts n_h stay the full
    design's (R pads the missing PSUs with zeros), so the variance is not that of the domain
    taken as its own sample."""
    sub = dstrat.subset("stype == 'H'")
    y = dstrat.data["api00"].to_numpy(float)
    w = dstrat.weights
    m = sub.in_domain
    ybar = np.sum(w[m] * y[m]) / w[m].sum()
    scores = np.where(m, w * (y - ybar) / w[m].sum(), 0.0)
    # by hand: in stratum H every unit is in the domain, so var = (1 - 50/755) * 50/49 * sum z^2
    z = scores[m]
    assert sub.variance(scores)[0, 0] == pytest.approx((1 - 50 / 755) * 50 / 49 * np.sum((z - z.mean()) ** 2),
                                                       rel=1e-12)


def test_lonely_psu_raises_with_a_hint():
    d = pd.DataFrame({"y": [1.0, 2, 3], "s": ["a", "a", "b"], "w": [1.0, 1, 1]})
    with pytest.raises(LonelyPSUError, match="single PSU") as e:
        D.SurveyDesign(d, "w", strata="s")
    assert e.value.got == "1 PSU in ['b']" and "merge" in e.value.hint


def test_fpc_must_be_population_counts():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "s": ["a", "a", "b", "b"], "w": [5.0] * 4, "f": [0.5] * 4})
    with pytest.raises(DesignError, match="population counts"):
        D.SurveyDesign(d, "w", strata="s", fpc="f")
    with pytest.raises(DesignError, match="more sampled PSUs"):
        D.SurveyDesign(d, "w", strata="s", fpc={"a": 1, "b": 10})
    des = D.SurveyDesign(d, "w", strata="s", fpc={"a": 2, "b": 10})  # certainty stratum a
    assert des.has_fpc and not des.without_fpc().has_fpc


def test_bad_weights_are_counted_not_printed():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, -2.0, np.nan, 4.0]})
    with pytest.raises(DesignError) as e:
        D.SurveyDesign(d, "w")
    assert "2 rows" in str(e.value) and "-2" not in str(e.value)
    with pytest.raises(DesignError, match="column not in the data"):
        D.SurveyDesign(d, "weight")


def test_with_weights_keeps_the_design_and_the_original(dstrat):
    new = dstrat.with_weights(dstrat.weights * 2)
    assert new is not dstrat and np.array_equal(dstrat.weights, load("apistrat")["pw"].to_numpy())
    assert np.array_equal(new.N_h, dstrat.N_h) and new.df == dstrat.df
    assert not dstrat.without_fpc().with_weights(dstrat.weights).has_fpc
