"""Design-based estimation, checked against R survey 4.1.1 (tests/oracle/reference.json).

Oracle blocks: ``stratified`` (svymean / svytotal / factor means / svyby, with and without
fpc), ``design_effect`` (deff, deff="replace", Kish n of dstrat and dclus1) and
``poststratify.unadjusted_dclus1``; tolerance rel 1e-10 (docs/contracts.md §7).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load
from scipy import stats

from sosiale_kommuner.survey import estimation as E
from sosiale_kommuner.survey.design import Calibration, DesignError, LonelyPSUError, SurveyDesign

ORACLE = Path(__file__).parents[1] / "oracle"
REL = 1e-10


@pytest.fixture(scope="module")
def dstrat():
    return SurveyDesign(load("apistrat"), "pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1():
    return SurveyDesign(load("apiclus1"), "pw", psu="dnum", fpc="fpc")


def close(actual, expected, rel=REL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rel, atol=0)


# --- oracle: stratified ---------------------------------------------------------------
@pytest.mark.oracle
def test_design_summary(dstrat, ref):
    s = ref["stratified"]
    assert dstrat.n == s["n"]
    assert dstrat.df == s["design_df"]
    assert dict(zip(dstrat.strata_labels, dstrat.n_h.tolist())) == s["strata_n"]
    assert dict(zip(dstrat.strata_labels, dstrat.N_h.tolist())) == s["strata_N"]
    close(dstrat.weights.sum(), s["sum_weights"])


@pytest.mark.oracle
def test_mean_api00(dstrat, ref):
    s = ref["stratified"]["mean_api00"]
    m = E.mean(dstrat, "api00")
    close(m.estimate, [s["estimate"]])
    close(m.se, [s["se"]])
    close(E.mean(dstrat.without_fpc(), "api00").se, [s["se_nofpc"]])


@pytest.mark.oracle
def test_total_enroll(dstrat, ref):
    s = ref["stratified"]["total_enroll"]
    t = E.total(dstrat, "enroll")
    close(t.estimate, [s["estimate"]])
    close(t.se, [s["se"]])
    close(E.total(dstrat.without_fpc(), "enroll").se, [s["se_nofpc"]])


@pytest.mark.oracle
def test_factor_mean_sch_wide(dstrat, ref):
    s = ref["stratified"]["mean_sch_wide"]
    p = E.proportions(dstrat, "sch.wide")
    assert p.level.tolist() == s["levels"]
    close(p.estimate, s["estimate"])
    close(p.se, s["se"])
    close(E.proportions(dstrat.without_fpc(), "sch.wide").se, s["se_nofpc"])


@pytest.mark.oracle
def test_svyby_mean_by_stype(dstrat, ref):
    s = ref["stratified"]["svyby_mean_api00_by_stype"]
    b = E.mean(dstrat, "api00", domain="stype")
    assert b.group.tolist() == s["levels"]
    close(b.estimate, s["estimate"])
    close(b.se, s["se"])
    close(E.mean(dstrat.without_fpc(), "api00", domain="stype").se, s["se_nofpc"])


@pytest.mark.oracle
def test_unadjusted_cluster_design(dclus1, ref):
    s = ref["poststratify"]["unadjusted_dclus1"]
    m, t = E.mean(dclus1, "api00"), E.total(dclus1, "enroll")
    close(m.estimate, [s["mean_api00"]["estimate"]])
    close(m.se, [s["mean_api00"]["se"]])
    close(t.estimate, [s["total_enroll"]["estimate"]])
    close(t.se, [s["total_enroll"]["se"]])


# --- oracle: design effects and Kish n ------------------------------------------------
@pytest.mark.oracle
def test_deff(dstrat, ref):
    d = ref["design_effect"]
    close(E.mean(dstrat, "api00", deff=True).deff, [d["deff_mean_api00_dstrat"]["deff"]])
    close(E.mean(dstrat, "api00", deff="replace").deff, [d["deff_replace_mean_api00_dstrat"]["deff"]])
    out = E.deff(dstrat, "api00")
    close(out.deff, [d["deff_mean_api00_dstrat"]["deff"]])
    close(out.kish_n, [d["kish_effective_n"]["dstrat"]])


@pytest.mark.oracle
def test_kish_n(dstrat, dclus1, ref):
    k = ref["design_effect"]["kish_effective_n"]
    close(E.kish_n(dstrat.weights), k["dstrat"])
    close(E.kish_n(dclus1.weights), k["dclus1"])


# --- unit tests ------------------------------------------------------------------------
def test_ci_for_means_uses_design_df(dstrat):
    m = E.mean(dstrat, "api00").iloc[0]
    t = stats.t.isf(0.025, 197)
    assert m.ci_low == pytest.approx(m.estimate - t * m.se, rel=1e-14)
    assert m.ci_high == pytest.approx(m.estimate + t * m.se, rel=1e-14)


def test_logit_ci_formula_and_range(dstrat):
    p = E.proportions(dstrat, "sch.wide").set_index("level").loc["Yes"]
    t = stats.t.isf(0.025, 197)
    lg = np.log(p.estimate / (1 - p.estimate))
    half = t * p.se / (p.estimate * (1 - p.estimate))
    assert p.ci_low == pytest.approx(1 / (1 + np.exp(-(lg - half))), rel=1e-14)
    assert p.ci_high == pytest.approx(1 / (1 + np.exp(-(lg + half))), rel=1e-14)
    assert 0 < p.ci_low < p.estimate < p.ci_high < 1


def test_korn_graubard_and_boundary_cases():
    # a design where one level is never chosen in a domain: p = 0 must give a CI in [0, 1]
    d = pd.DataFrame({"y": ["a"] * 10 + ["b"] * 10, "g": ["x"] * 10 + ["y"] * 10,
                      "s": ["s1", "s2"] * 10, "w": np.linspace(1, 3, 20)})
    des = SurveyDesign(d, "w", strata="s")
    for ci in ("logit", "korn-graubard"):
        p = E.proportions(des, "y", domain="g", ci=ci)
        assert ((p.ci_low >= 0) & (p.ci_high <= 1) & (p.ci_low <= p.estimate) & (p.estimate <= p.ci_high)).all()
        zero = p[(p.group == "x") & (p.level == "b")].iloc[0]
        assert zero.estimate == 0 and zero.ci_low == 0 and 0 < zero.ci_high < 0.5
    kg = E.proportions(des, "y", ci="korn-graubard").iloc[0]
    assert kg.ci_low < 0.5 < kg.ci_high


def test_domain_difference_of_independent_strata(dstrat):
    # domains = strata: independent, so var(diff) = var(a) + var(b)
    b = E.mean(dstrat, "api00", domain="stype").set_index("group")
    d = E.difference(dstrat, "api00", "stype", "E", "H")
    assert d["estimate"] == pytest.approx(b.loc["E", "estimate"] - b.loc["H", "estimate"], rel=1e-13)
    assert d["se"] == pytest.approx(np.hypot(b.loc["E", "se"], b.loc["H", "se"]), rel=1e-12)
    assert d["p_value"] == pytest.approx(2 * stats.t.sf(abs(d["t"]), 197), rel=1e-12)


def test_missing_values_are_left_out_of_the_domain(dstrat):
    data = dstrat.data.copy()
    data.loc[:9, "api00"] = np.nan
    des = SurveyDesign(data, "pw", strata="stype", fpc="fpc")
    m = E.mean(des, "api00").iloc[0]
    keep = data["api00"].notna()
    assert m.n_unweighted == 190
    assert m.estimate == pytest.approx(np.average(data.api00[keep], weights=data.pw[keep]), rel=1e-13)


def test_calibrated_margin_total_has_zero_se():
    d = load("apiclus1")
    cal = Calibration.from_columns(d, ["stype"], d["pw"])
    d = d.assign(isE=(d.stype == "E").astype(float))
    des = SurveyDesign(d, "pw", psu="dnum", fpc="fpc", calibration=cal)
    assert E.total(des, "isE").se.iloc[0] < 1e-8 * E.total(des, "isE").estimate.iloc[0]


def test_lonely_psu_raises():
    d = pd.DataFrame({"y": [1.0, 2, 3], "s": ["a", "a", "b"], "w": [1.0, 1, 1]})
    with pytest.raises(LonelyPSUError, match="'b'"):
        SurveyDesign(d, "w", strata="s")


def test_fpc_must_be_population_counts():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "s": ["a", "a", "b", "b"], "w": [5.0] * 4, "f": [0.5] * 4})
    with pytest.raises(DesignError, match="population counts"):
        SurveyDesign(d, "w", strata="s", fpc="f")
    with pytest.raises(DesignError, match="more sampled PSUs"):
        SurveyDesign(d, "w", strata="s", fpc={"a": 1, "b": 10})
    des = SurveyDesign(d, "w", strata="s", fpc={"a": 2, "b": 10})  # certainty stratum a
    assert des.has_fpc and not des.without_fpc().has_fpc
