"""Per-item design-based tests (item_tests): R oracle, hand-checkable data, schema, multiplicity."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_tests
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents, synth
from sosiale_kommuner.report import results
from sosiale_kommuner.survey import contrasts, estimation, inference, power
from sosiale_kommuner.survey.design import SurveyDesign, fast_design

ORACLE = config.REPO_ROOT / "tests" / "oracle"
REF = json.loads((ORACLE / "reference.json").read_text())


@pytest.fixture(scope="module")
def dstrat():
    d = pd.read_csv(ORACLE / "data" / "apistrat.csv")
    return SurveyDesign(d, "pw", strata="stype", fpc="fpc")


def rel(a, b):
    return abs(a - b) / abs(b)


# --- against R -------------------------------------------------------------------------
def test_rao_scott_matches_r_svychisq(dstrat):
    r = item_tests.rao_scott(dstrat, "sch.wide", "stype")
    ref = REF["svychisq"]["F"]
    assert rel(r["statistic"], ref["statistic"]) < 1e-10
    assert rel(r["df1"], ref["ndf"]) < 1e-10
    assert rel(r["df2"], ref["ddf"]) < 1e-10
    assert rel(r["p_value"], ref["p_value"]) < 1e-10


def test_rank_test_matches_r_svyranktest(dstrat):
    r = item_tests.rank_test(dstrat, "api00", "stype")
    ref = REF["svyranktest"]
    assert rel(r["chisq"], ref["chisq"]) < 1e-10
    assert (r["df1"], r["df2"]) == (ref["df"], ref["ddf"])
    assert rel(r["p_value"], ref["p_value"]) < 1e-10


def test_consistent_with_inference_module(dstrat):
    mine = item_tests.rao_scott(dstrat, "sch.wide", "stype")
    theirs = inference.rao_scott(dstrat, "sch.wide", "stype").second_order
    assert rel(mine["statistic"], theirs["statistic"]) < 1e-12
    assert rel(mine["p_value"], theirs["p_value"]) < 1e-10
    rk = inference.rank_test(dstrat, "api00", "stype")
    assert rel(item_tests.rank_test(dstrat, "api00", "stype")["p_value"], rk["p_value"]) < 1e-10
    p = np.random.default_rng(1).uniform(size=40) ** 2
    for method in ("BH", "holm"):
        np.testing.assert_allclose(item_tests.p_adjust(p, method), inference.p_adjust(p, method), rtol=1e-14)


def test_difference_matches_estimation_difference(dstrat):
    d = fast_design(dstrat)
    g, labels = item_tests.group_codes(d.column("stype"))
    y = d.column("api00").to_numpy(float)
    mine = contrasts.domain_difference(d, y, np.ones(d.n, bool), g, labels.index("H"), labels.index("E"))
    ref = estimation.difference(dstrat, "api00", "stype", "H", "E")
    for k in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        assert rel(mine[k], ref[k]) < 1e-10, k


def test_item_tests_helpers_are_inference(dstrat):
    assert item_tests.p_adjust is inference.p_adjust
    r = item_tests.rank_test(dstrat, "api00", "stype")
    k = inference.rank_test(dstrat, "api00", "stype")
    assert (r["statistic"], r["df1"], r["df2"], r["p_value"]) == (k["statistic"], k["ndf"], k["ddf"], k["p_value"])
    w = item_tests.wald_means(dstrat, "api00", "stype")
    assert w["df1"] == 2 and w["df2"] == dstrat.df - 2


def test_wald_means_two_groups_is_squared_t(dstrat):
    sub = dstrat.data["stype"].isin(["E", "H"])
    d = SurveyDesign(dstrat.data[sub], "pw", strata="stype")
    r = item_tests.wald_means(d, "api00", "stype")
    t = estimation.difference(d, "api00", "stype", "H", "E")["t"]
    assert rel(r["statistic"], t ** 2) < 1e-12
    assert r["df1"] == 1 and r["df2"] == d.df - 1


# --- hand-checkable data ---------------------------------------------------------------
def toy_design(y_a, y_b, w=1.0):
    """Two groups in two strata, equal weights, no calibration: a two-sample problem."""
    df = pd.DataFrame({"y": list(y_a) + list(y_b), "g": ["a"] * len(y_a) + ["b"] * len(y_b)})
    return SurveyDesign(df, np.full(len(df), w), strata="g")


def test_satterthwaite_df_is_welch():
    ya = np.array([1.0, 4, 2, 8, 5, 7])
    yb = np.array([3.0, 3.5, 2.5, 4, 3, 3.2, 2.8, 3.9, 3.1, 3.3])
    d = toy_design(ya, yb)
    g, labels = item_tests.group_codes(d.column("g"))
    r = contrasts.domain_difference(d, d.column("y").to_numpy(float), np.ones(d.n, bool), g, 0, 1,
                                   df_method="satterthwaite")
    va, vb = ya.var(ddof=1) / len(ya), yb.var(ddof=1) / len(yb)
    welch_df = (va + vb) ** 2 / (va ** 2 / (len(ya) - 1) + vb ** 2 / (len(yb) - 1))
    assert r["estimate"] == pytest.approx(ya.mean() - yb.mean(), rel=1e-12)
    # with-replacement variance of a mean: s^2 / n, as Welch's
    assert r["se"] == pytest.approx(np.sqrt(va + vb), rel=1e-12)
    sc = np.where(g == 0, 1.0 / len(ya), -1.0 / len(yb)) * (d.column("y").to_numpy(float)
                                                            - np.where(g == 0, ya.mean(), yb.mean()))
    assert contrasts.satterthwaite_df(d, sc, np.ones(d.n, bool)) == pytest.approx(welch_df, rel=1e-12)
    # the test uses at most the smaller group's respondents - 1 (Welch-Hsu bound)
    assert welch_df > len(ya) - 1 and r["df"] == len(ya) - 1
    t = r["estimate"] / np.sqrt(va + vb)
    assert r["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), len(ya) - 1), rel=1e-10)


def test_newcombe_interval_when_small_group_answers_alike():
    ya = np.ones(11)  # 11 "county" answers, all yes
    yb = np.r_[np.ones(120), np.zeros(80)]
    d = toy_design(ya, yb)
    g, _ = item_tests.group_codes(d.column("g"))
    y = d.column("y").to_numpy(float)
    wald = contrasts.domain_difference(d, y, np.ones(d.n, bool), g, 0, 1, df_method="satterthwaite")
    newc = contrasts.domain_difference(d, y, np.ones(d.n, bool), g, 0, 1, df_method="satterthwaite",
                                      proportion=True)
    assert wald["estimate"] == pytest.approx(0.4)
    # the Wald interval only reflects the municipal side; Newcombe's reflects 11 answers
    assert wald["ci_low"] > 0.3
    assert newc["ci_low"] < 0.2 < newc["estimate"] < newc["ci_high"] <= 1.0
    # by hand: Wilson limits of each group (n_eff = 11 for the all-alike group, 199 for the other:
    # n p (1 - p) / s^2 with s^2 on n - 1 df), combined as Newcombe's hybrid score interval
    tq = stats.t.isf(0.025, newc["df"])
    la, ua = contrasts.wilson_interval(1.0, 11, tq)
    lb, ub = contrasts.wilson_interval(0.6, 199, tq)
    assert newc["ci_low"] == pytest.approx(0.4 - np.sqrt((1 - la) ** 2 + (ub - 0.6) ** 2), rel=1e-9)
    assert newc["ci_high"] == pytest.approx(0.4 + np.sqrt((ua - 1) ** 2 + (0.6 - lb) ** 2), rel=1e-9)


def test_cramers_v_equals_phi_on_equal_weights():
    tab = np.array([[30, 10], [15, 25]])
    y = np.r_[np.ones(30), np.zeros(10), np.ones(15), np.zeros(25)].astype(bool)
    g = ["a"] * 40 + ["b"] * 40
    df = pd.DataFrame({"opt__x": pd.array(y, dtype="boolean"), "g": g})
    d = SurveyDesign(df, np.full(80, 2.5))
    spec = item_tests.ColumnSpec("opt__x", "opt", 1, "binary", ("True", "False"), "True")
    v = item_tests.cramers_v(d, spec, "g")
    assert v == pytest.approx(stats.contingency.association(tab, method="cramer"), rel=1e-12)


def test_p_adjust_by_hand():
    p = [0.01, 0.04, 0.03, np.nan, 0.5]
    np.testing.assert_allclose(item_tests.p_adjust(p, "BH")[[0, 1, 2, 4]], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    np.testing.assert_allclose(item_tests.p_adjust(p, "holm")[[0, 1, 2, 4]], [0.04, 0.09, 0.09, 0.5])
    assert np.isnan(item_tests.p_adjust(p)[3])


def test_mdd_formula():
    se, df = 0.1, 30
    assert power.mdd(se, df) == pytest.approx((stats.t.isf(0.025, df) + stats.t.ppf(0.8, df)) * se)
    assert power.mdd_proportion(11, 200, 10, deff=1.0) == pytest.approx(
        (stats.t.isf(0.025, 10) + stats.t.ppf(0.8, 10)) * np.sqrt(0.25 * (1 / 11 + 1 / 200)))
    assert power.power_of(power.mdd(se, df), se, df) == pytest.approx(0.8, abs=0.002)


# --- the codebook's analysable columns -------------------------------------------------
def test_analysable_columns_and_key_levels():
    book = cbm.load_codebook()
    specs = item_tests.analysable(book)
    kinds = pd.Series([s.kind for s in specs]).value_counts().to_dict()
    assert len(specs) == 97
    assert kinds == {"binary": 69, "ordinal": 17, "categorical": 8, "numeric": 3}
    by = {s.column: s for s in specs}
    assert by["a1_uses_some"].effect_level == "yes"
    assert by["a3_strategy_status"].effect_level == "adopted"  # ordered: top level
    assert by["a1_responsibility"].effect_level == "central"  # nominal: first level
    assert "bg_comm_fte" not in by and "a6_example" not in by


def test_dont_know_is_excluded():
    book = cbm.load_codebook()
    it = book.item("a3_strategy_status")
    s = pd.Series(pd.Categorical(["none", "dont_know", None, "adopted"], dtype=it.dtype))
    spec = [x for x in item_tests.analysable(book) if x.column == "a3_strategy_status"][0]
    assert item_tests.analysis_array(s, spec).tolist() == [0, -1, -1, 3]
    lik = [x for x in item_tests.analysable(book) if x.column == "a4_formalisation"][0]
    s2 = pd.Series(pd.Categorical(["small", "dont_know", "very_large"], dtype=book.item("a4_formalisation").dtype))
    out = item_tests.analysis_array(s2, lik)
    assert out[0] == 2 and np.isnan(out[1]) and out[2] == 5


# --- whole tables on one synthetic dataset ---------------------------------------------
@pytest.fixture(scope="module")
def synthetic_designs():
    from sosiale_kommuner.data import frame

    pop = frame.load_population(config.paths().frame)
    pop["unit_id"] = pop["unit_id"].astype(str)
    syn = synth.generate(7, population=pop, exports=False)
    resp = syn.responses()
    data = respondents.merge(resp, pop, respondents.provisional_weights_for(resp, pop))
    book = cbm.load_codebook()
    return (respondents.design_for(data, pop, config.KOMMUNE), respondents.combined_design(data, pop),
            item_tests.analysable(book, data.columns), data, pop)


def test_tables_follow_the_schema_and_bh(synthetic_designs):
    dk, dc, specs, _, _ = synthetic_designs
    size = item_tests.run_tests(dk, specs, "size_class")
    unit = item_tests.run_tests(dc, specs, "unit_type")
    for t, cmp in ((size, "size_class"), (unit, "unit_type")):
        assert list(t.columns) == results.TESTS_COLUMNS
        results.check_schema(t, "tests")
        assert len(t) == 97 and (t["comparison"] == cmp).all()
        ok = t["p_value"].notna()
        np.testing.assert_allclose(t.loc[ok, "p_adjusted"], inference.p_adjust(t.loc[ok, "p_value"], "BH"))
        within = t.dropna(subset=["effect_size"])
        assert ((within["effect_ci_low"] <= within["effect_size"]) & (within["effect_size"] <= within["effect_ci_high"])).all()
    assert set(size["test"]) == {"rao_scott_f", "rank_test", "wald_f"}
    # a binary row equals the direct Rao-Scott call on the design without fpc (Satterthwaite nu aside)
    row = item_tests.run_tests(dk, specs, "size_class", df_method="design", extra=True).set_index("item")
    d0 = dk.without_fpc().data.assign(y=dk.data["a1_channels__twitter"].astype("boolean").astype(object))
    direct = item_tests.rao_scott(respondents.with_columns(dk.without_fpc(), y=d0["y"]), "y", "size_class")
    assert rel(row.loc["a1_channels__twitter", "p_value"], direct["p_value"]) < 1e-10


def test_fpc_only_when_asked(synthetic_designs):
    dk, _, specs, _, _ = synthetic_designs
    a = item_tests.run_tests(dk, specs[:5], "size_class")
    b = item_tests.run_tests(dk.without_fpc(), specs[:5], "size_class")
    c = item_tests.run_tests(dk, specs[:5], "size_class", fpc_in_tests=True)
    pd.testing.assert_frame_equal(a, b)
    assert (c["p_value"] < a["p_value"]).all()  # fpc shrinks variances


def test_satterthwaite_rows_are_inference_with_that_df(synthetic_designs):
    """One implementation: a table row (default df_method) is inference's test with nu = the effect's df."""
    dk, _, specs, _, _ = synthetic_designs
    cols = ["a1_channels__twitter", "a4_formalisation", "a1_n_accounts"]
    sub = [s for s in specs if s.column in cols]
    t = item_tests.run_tests(dk, sub, "size_class", extra=True).set_index("item")
    d = dk.without_fpc()
    bin_ = t.loc["a1_channels__twitter"]
    y = d.data["a1_channels__twitter"].astype("boolean").astype(object)
    rs = inference.rao_scott(respondents.with_columns(d, y=y), "y", "size_class", nu=bin_["effect_df"]).second_order
    assert rel(bin_["statistic"], rs["statistic"]) < 1e-10 and rel(bin_["p_value"], rs["p_value"]) < 1e-10
    assert rel(bin_["df2"], rs["ddf"]) < 1e-12
    spec = [s for s in sub if s.column == "a4_formalisation"][0]
    lik = t.loc["a4_formalisation"]
    score = pd.Series(item_tests.analysis_array(d.column("a4_formalisation"), spec), index=d.data.index)
    K = 3  # size classes
    rk = inference.rank_test(respondents.with_columns(d, score=score), "score", "size_class",
                             ddf=lik["effect_df"] - (K - 2))
    assert rel(lik["statistic"], rk["statistic"]) < 1e-10 and rel(lik["p_value"], rk["p_value"]) < 1e-10
    assert lik["df1"] == K - 1 and rel(lik["df2"], lik["effect_df"] - 1) < 1e-12


def test_pairwise_holm_within_item(synthetic_designs):
    dk, _, specs, _, _ = synthetic_designs
    pw = item_tests.pairwise(dk, specs, ["a1_n_accounts", "a1_channels__twitter"])
    results.check_schema(pw, "tests")
    assert (pw["comparison"] == "size_class_pairwise").all() and len(pw) == 6
    for _, d in pw.groupby("item"):
        np.testing.assert_allclose(d["p_adjusted"], inference.p_adjust(d["p_value"], "holm"))


def test_too_few_answers_are_not_tested(synthetic_designs):
    _, _, specs, data, pop = synthetic_designs
    few = data[(data["unit_type"] == config.KOMMUNE) | data.index.isin(data.index[data["unit_type"] == config.FYLKESKOMMUNE][:4])]
    dc = respondents.combined_design(few, pop)
    t = item_tests.run_tests(dc, specs[:10], "unit_type", extra=True)
    assert t["p_value"].isna().all() and t["p_adjusted"].isna().all()
    assert t["note"].str.startswith("not tested").all()


def test_contrast_proportions_and_mdd_reading(synthetic_designs):
    _, dc, specs, data, _ = synthetic_designs
    props = item_tests.contrast_proportions(dc, specs, "unit_type", config.FYLKESKOMMUNE, config.KOMMUNE)
    row = props.set_index("item").loc["a1_channels__twitter"]
    shown = data["a1_channels__twitter"].notna()
    for key, ut in (("p_a", config.FYLKESKOMMUNE), ("p_b", config.KOMMUNE)):
        m = shown & (data["unit_type"] == ut)
        w = dc.weights[m.to_numpy()]
        assert row[key] == pytest.approx(np.sum(w * data.loc[m, "a1_channels__twitter"].astype(float)) / w.sum())
    reading = power.read_against_mdd([-0.1, -0.5], [0.2, 0.1], [0.3, 0.3])
    assert reading[0].startswith("rules out") and reading[1].startswith("inconclusive")


def test_forest_figure(synthetic_designs):
    dk, _, specs, _, _ = synthetic_designs
    t = item_tests.run_tests(dk, specs[:6], "size_class")
    fig = item_tests.forest(t, t["item"], "title", "x", scale=100)
    assert len(fig.axes[0].get_yticklabels()) == 6
    import matplotlib.pyplot as plt
    plt.close(fig)
