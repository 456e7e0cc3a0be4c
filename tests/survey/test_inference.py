"""Design-based tests (survey/inference.py), checked against R survey 4.1.1.

Oracle blocks: ``svychisq`` (F, Chisq with R's unadjusted statistic and the adjusted one,
adjWald, Wald, internals), ``svyranktest`` (three groups) and ``reference_core.json``'s
``svyranktest_two_groups``, at rel 1e-10 (docs/contracts.md §7). The models are in
test_regression.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from r_reference import reference

from sosiale_kommuner.survey import inference as I
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.errors import SurveyError

ORACLE = Path(__file__).parents[1] / "oracle"
REL = 1e-10


@pytest.fixture(scope="module")
def dstrat():
    d = pd.read_csv(ORACLE / "data" / "apistrat.csv", dtype={"cds": str})
    return SurveyDesign(d, "pw", strata="stype", fpc="fpc")


def close(actual, expected, rel=REL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rel, atol=0)


# --- Rao-Scott ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chisq(dstrat):
    return I.rao_scott(dstrat, "sch.wide", "stype")


@pytest.mark.oracle
def test_svychisq_table_and_internals(chisq, ref):
    c = ref["svychisq"]
    assert chisq.table.index.tolist() == c["observed_weighted_table"]["rows"]
    assert chisq.table.columns.tolist() == c["observed_weighted_table"]["cols"]
    close(chisq.table.to_numpy().reshape(-1), c["observed_weighted_table"]["counts_rowmajor"])
    i = c["internals"]
    close(chisq.first_order["pearson_X2"], i["pearson_X2"])
    close(chisq.deltas.sum(), i["trace_delta"])
    close(chisq.deltas.mean(), i["mean_delta"])
    close(chisq.second_order["ndf"], i["d0"])
    assert chisq.nu == i["nu"] and chisq.first_order["df"] == i["table_df"]


@pytest.mark.oracle
def test_svychisq_second_order_F(chisq, ref):
    f = ref["svychisq"]["F"]
    s = chisq.second_order
    close([s["statistic"], s["ndf"], s["ddf"], s["p_value"]], [f["statistic"], f["ndf"], f["ddf"], f["p_value"]])


@pytest.mark.oracle
def test_svychisq_first_order(chisq, ref):
    f = ref["svychisq"]["Chisq"]
    s = chisq.first_order
    close(s["pearson_X2"], f["statistic"])  # R reports the unadjusted Pearson X2 ...
    close(s["statistic"], f["first_order_adjusted_statistic"])  # ... and tests X2 / mean(delta)
    close(s["p_value"], f["p_value"])
    assert s["df"] == f["df"]


@pytest.mark.oracle
@pytest.mark.parametrize("ours,theirs", [("adj_wald", "adjWald"), ("wald", "Wald")])
def test_svychisq_wald(chisq, ref, ours, theirs):
    f = ref["svychisq"][theirs]
    s = getattr(chisq, ours)
    close([s["statistic"], s["p_value"]], [f["statistic"], f["p_value"]])
    assert (s["ndf"], s["ddf"]) == (f["ndf"], f["ddf"])


def test_small_expected_counts_flag(dstrat):
    assert not I.rao_scott(dstrat, "sch.wide", "stype").small_expected
    d = dstrat.data.copy()
    d["rare"] = np.where(np.arange(len(d)) < 3, "x", "y")
    res = I.rao_scott(SurveyDesign(d, "pw", strata="stype", fpc="fpc"), "rare", "stype")
    assert res.small_expected and res.min_expected < 5


def test_exact_sensitivity_check_is_labelled():
    out = I.exact_test_unweighted([[8, 2], [1, 5]])
    # by hand: Fisher's two-sided p sums the hypergeometric probabilities (16 units, 9 in the
    # first column, rows of 10 and 6) not larger than the observed table's
    h = stats.hypergeom(16, 9, 10)
    p_obs = h.pmf(8)
    by_hand = sum(h.pmf(k) for k in range(3, 10) if h.pmf(k) <= p_obs * (1 + 1e-7))
    assert "sensitivity" in out["test"] and out["p_value"] == pytest.approx(by_hand, rel=1e-12)
    mc = I.exact_test_unweighted([[8, 2, 3], [1, 5, 4]], n_resamples=999)
    assert "Monte Carlo" in mc["test"] and 0 < mc["p_value"] < 1
    assert mc == I.exact_test_unweighted([[8, 2, 3], [1, 5, 4]], n_resamples=999)  # seeded


# --- rank test -------------------------------------------------------------------------
@pytest.mark.oracle
def test_svyranktest_kruskal_wallis(dstrat, ref):
    k = ref["svyranktest"]
    r = I.rank_test(dstrat, "api00", "stype")
    close([r["chisq"], r["statistic"], r["p_value"]], [k["chisq"], k["F"], k["p_value"]])
    assert (r["ndf"], r["ddf"]) == (k["df"], k["ddf"])


@pytest.mark.oracle
def test_svyranktest_two_groups(dstrat):
    """R: svyranktest(api00 ~ sch.wide, dstrat), a t test on degf - 1 = 196 df."""
    r = reference("reference_core")["svyranktest_two_groups"]
    two = I.rank_test(dstrat, "api00", "sch.wide")
    close([two["statistic"], two["p_value"], two["estimate"]], [r["t"], r["p_value"], r["estimate"]])
    assert two["ddf"] == r["df"] == dstrat.df - 1
    close(two["chisq"], r["t"] ** 2)  # the two-group F is the squared t
    d = dstrat.data.assign(g2=dstrat.data["sch.wide"].map({"No": "a", "Yes": "b"}))
    assert I.rank_test(SurveyDesign(d, "pw", strata="stype", fpc="fpc"), "api00", "g2")["statistic"] == \
        pytest.approx(two["statistic"], rel=1e-13)


def test_rank_scores_by_hand():
    """Weighted mid-ranks / N: y = (3, 1, 3, 2) with weights (1, 2, 1, 4), N = 8: sorted
    1 (w 2) -> 1, 2 (w 4) -> 4, then the tie 3, 3 (w 1, 1) -> 6.5 and 7.5, averaged 7."""
    out = I.rank_scores(np.array([3.0, 1.0, 3.0, 2.0]), np.array([1.0, 2.0, 1.0, 4.0]))
    np.testing.assert_allclose(out, np.array([7.0, 1.0, 7.0, 4.0]) / 8, rtol=1e-14)
    with pytest.raises(SurveyError, match="unknown rank score"):
        I.rank_scores(np.ones(2), np.ones(2), "savage")


# --- multiplicity ----------------------------------------------------------------------
def test_p_adjust_matches_r():
    p = [0.01, 0.04, 0.03, np.nan, 0.5]
    # R: p.adjust(c(0.01, 0.04, 0.03, NA, 0.5), "BH") / "holm"
    close(I.p_adjust(p, "BH")[[0, 1, 2, 4]], [0.04, 0.16 / 3, 0.16 / 3, 0.5], rel=1e-14)
    close(I.p_adjust(p, "holm")[[0, 1, 2, 4]], [0.04, 0.09, 0.09, 0.5], rel=1e-14)
    assert np.isnan(I.p_adjust(p)[3])
    with pytest.raises(SurveyError, match="unknown adjustment"):
        I.p_adjust(p, "bonferroni-ish")


# --- a different denominator df (used by item_tests' Satterthwaite df) ---------------------
def test_rao_scott_nu_replaces_the_design_df(dstrat):
    base = I.rao_scott(dstrat, "sch.wide", "stype")
    same = I.rao_scott(dstrat, "sch.wide", "stype", nu=dstrat.df)
    assert same.second_order == base.second_order and same.wald == base.wald
    r = I.rao_scott(dstrat, "sch.wide", "stype", nu=12.5)
    s, b = r.second_order, base.second_order
    assert s["statistic"] == b["statistic"] and s["ndf"] == b["ndf"]
    assert abs(s["ddf"] - b["ndf"] * 12.5) < 1e-12
    assert abs(s["p_value"] - stats.f.sf(s["statistic"], s["ndf"], s["ndf"] * 12.5)) < 1e-15
    assert r.wald["ddf"] == 12.5 and r.adj_wald["ddf"] == 12.5 - r.adj_wald["ndf"] + 1
    assert s["p_value"] > b["p_value"]  # fewer df, wider tails


def test_rank_test_ddf_and_array_core(dstrat):
    base = I.rank_test(dstrat, "api00", "stype")
    r = I.rank_test(dstrat, "api00", "stype", ddf=10.0)
    assert r["chisq"] == base["chisq"] and r["ddf"] == 10.0
    assert abs(r["p_value"] - stats.f.sf(r["statistic"], 2, 10.0)) < 1e-15
    two = I.rank_test(dstrat, "api00", "sch.wide", ddf=10.0)
    assert abs(two["p_value"] - 2 * stats.t.sf(abs(two["statistic"]), 10.0)) < 1e-15
    assert abs(two["chisq"] - two["statistic"] ** 2) < 1e-12 * two["chisq"]
    y = dstrat.column("api00").to_numpy(float)
    codes = dstrat.column("stype").map({"E": 0, "H": 1, "M": 2}).to_numpy()
    core = I.rank_test_codes(dstrat, y, codes)
    assert abs(core["chisq"] - base["chisq"]) < 1e-12 * base["chisq"] and core["ddf"] == base["ddf"]


def test_group_means_wald_two_groups_is_the_squared_t(dstrat):
    from sosiale_kommuner.survey import estimation

    sub = dstrat.data["stype"].isin(["E", "H"]).to_numpy()
    d = SurveyDesign(dstrat.data[sub].reset_index(drop=True), "pw", strata="stype")
    codes = (d.column("stype") == "H").to_numpy().astype(int)
    w = I.group_means_wald(d, d.column("api00").to_numpy(float), codes)
    ref = estimation.difference(d, "api00", "stype", "H", "E")
    assert abs(w["statistic"] - ref["t"] ** 2) < 1e-10 * ref["t"] ** 2
    assert abs(w["estimate"] - ref["estimate"]) < 1e-10 * abs(ref["estimate"])
    assert w["ndf"] == 1 and w["ddf"] == d.df - 1
