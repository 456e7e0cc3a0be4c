"""Design-based tests and models, checked against R survey 4.1.1.

Oracle blocks: ``svychisq`` (F, Chisq with R's unadjusted statistic and the adjusted one,
adjWald, Wald, internals) at rel 1e-10; ``svyglm_converged`` at 1e-10 for coefficients and
1e-8 for SEs, t, p and the term test (docs/contracts.md §7); ``svyranktest`` at 1e-10. The R default
``svyglm`` block is checked too (we reproduce R's IRLS, so it matches at 1e-8).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner.survey import inference as I
from sosiale_kommuner.survey import regression as R
from sosiale_kommuner.survey.design import SurveyDesign

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
    assert "sensitivity" in out["test"] and out["p_value"] == pytest.approx(0.03496503496503495, rel=1e-12)
    mc = I.exact_test_unweighted([[8, 2, 3], [1, 5, 4]], n_resamples=999)
    assert "Monte Carlo" in mc["test"] and 0 < mc["p_value"] < 1
    assert mc == I.exact_test_unweighted([[8, 2, 3], [1, 5, 4]], n_resamples=999)  # seeded


# --- svyglm ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fit(dstrat):
    return R.svyglm_logit(dstrat, "sch.wide", ["stype", "api99"], y_level="Yes")


@pytest.mark.oracle
def test_svyglm_converged(fit, ref):
    g = ref["svyglm_converged"]
    assert fit.names == g["terms"] and fit.df_resid == g["residual_df"]
    close(fit.coef, g["coefficients"], rel=1e-10)
    close(fit.table.se, g["se"], rel=1e-8)
    close(fit.table.t, g["t_value"], rel=1e-8)
    close(fit.table.p_value, g["p_value"], rel=1e-8)
    close(fit.vcov.to_numpy().reshape(-1), g["vcov_rowmajor"], rel=1e-8)


@pytest.mark.oracle
def test_regtermtest_converged(fit, ref):
    r = ref["svyglm_converged"]["regTermTest_stype"]
    t = R.wald_term_test(fit, "stype")
    close([t["statistic"], t["p_value"]], [r["F"], r["p_value"]], rel=1e-8)
    assert (t["ndf"], t["ddf"]) == (r["df"], r["ddf"])


@pytest.mark.oracle
def test_svyglm_r_default_fit(dstrat, ref):
    g = ref["svyglm"]
    f = R.svyglm_logit(dstrat, "sch.wide", ["stype", "api99"], y_level="Yes", epsilon=1e-8)
    assert f.iterations == g["iterations"]
    close(f.coef, g["coefficients"], rel=1e-10)
    close(f.table.se, g["se"], rel=1e-8)
    close(f.table.p_value, g["p_value"], rel=1e-8)
    close(R.wald_term_test(f, "stype")["statistic"], g["regTermTest_stype"]["F"], rel=1e-8)


def test_average_marginal_effects(fit):
    ame = R.average_marginal_effects(fit).set_index("term")
    d = fit.design
    w = d.weights
    X = fit.X

    def ame_of(beta):
        p = lambda M: 1 / (1 + np.exp(-(M @ beta)))
        X0 = X.copy()
        X0[:, [1, 2]] = 0
        XH = X0.copy()
        XH[:, 1] = 1
        return np.array([np.average(beta[3] * p(X) * (1 - p(X)), weights=w),
                         np.average(p(XH) - p(X0), weights=w)])
    est = ame_of(fit.coef)
    assert ame.loc["api99", "estimate"] == pytest.approx(est[0], rel=1e-12)
    assert ame.loc["stypeH", "estimate"] == pytest.approx(est[1], rel=1e-12)
    # delta method with a numerical gradient reproduces the SE
    h = 1e-6
    grad = np.array([(ame_of(fit.coef + h * np.eye(4)[k]) - ame_of(fit.coef - h * np.eye(4)[k])) / (2 * h)
                     for k in range(4)])
    p = 1 / (1 + np.exp(-(X @ fit.coef)))
    g_unit = p * (1 - p) * fit.coef[3]
    scores = w * (g_unit - est[0]) / w.sum() + fit.infl @ grad[:, 0]
    assert ame.loc["api99", "se"] == pytest.approx(np.sqrt(d.variance(scores)[0, 0]), rel=1e-6)
    assert (ame.kind == "ame").all() and (ame.ci_low < ame.estimate).all()


# --- rank test -------------------------------------------------------------------------
@pytest.mark.oracle
def test_svyranktest_kruskal_wallis(dstrat, ref):
    k = ref["svyranktest"]
    r = I.rank_test(dstrat, "api00", "stype")
    close([r["chisq"], r["statistic"], r["p_value"]], [k["chisq"], k["F"], k["p_value"]])
    assert (r["ndf"], r["ddf"]) == (k["df"], k["ddf"])


def test_rank_test_two_groups_is_the_k_group_test_squared(dstrat):
    two = I.rank_test(dstrat, "api00", "sch.wide")
    d = dstrat.data.assign(g2=dstrat.data["sch.wide"].map({"No": "a", "Yes": "b"}))
    assert two["ddf"] == dstrat.df - 1 and two["estimate"] > 0
    assert two["p_value"] == pytest.approx(0.0003167476948826472, rel=1e-6)  # regression value
    assert I.rank_test(SurveyDesign(d, "pw", strata="stype", fpc="fpc"), "api00", "g2")["statistic"] == \
        pytest.approx(two["statistic"], rel=1e-13)


# --- multiplicity ----------------------------------------------------------------------
def test_p_adjust_matches_r():
    p = [0.01, 0.04, 0.03, np.nan, 0.5]
    # R: p.adjust(c(0.01, 0.04, 0.03, NA, 0.5), "BH") / "holm"
    close(I.p_adjust(p, "BH")[[0, 1, 2, 4]], [0.04, 0.16 / 3, 0.16 / 3, 0.5], rel=1e-14)
    close(I.p_adjust(p, "holm")[[0, 1, 2, 4]], [0.04, 0.09, 0.09, 0.5], rel=1e-14)
    assert np.isnan(I.p_adjust(p)[3])
    with pytest.raises(ValueError):
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
