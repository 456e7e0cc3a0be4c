"""Per-item design-based tests (item_tests): the real paths against R, schema, multiplicity.

R oracle (``tests/oracle``): with ``df_method="design"`` one ``tests`` row is R's own test —
Rao-Scott ``svychisq`` (``reference.json`` ``svychisq``), the rank test ``svyranktest``
(``svyranktest``) and the Wald F of a gaussian ``svyglm``'s ``regTermTest``
(``reference_core.json`` ``regtermtest_api00_stype``) — and its effect is R's
``svycontrast(svyby(...))`` (``svycontrast_yes_minus_no``), at rel 1e-10.
"""
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
from sosiale_kommuner.survey import inference
from sosiale_kommuner.survey.design import SurveyDesign

ORACLE = config.REPO_ROOT / "tests" / "oracle"
REF = json.loads((ORACLE / "reference.json").read_text())
CORE = json.loads((ORACLE / "reference_core.json").read_text())


@pytest.fixture(scope="module")
def dstrat():
    d = pd.read_csv(ORACLE / "data" / "apistrat.csv")
    return SurveyDesign(d, "pw", strata="stype", fpc="fpc")


def rel(a, b):
    return abs(a - b) / abs(b)


# --- the real paths against R ------------------------------------------------------------
def spec(column, kind, levels=(), effect_level=None):
    return item_tests.ColumnSpec(column, column, 1, kind, tuple(levels), effect_level)


def test_binary_row_is_r_svychisq_and_svycontrast(dstrat):
    """One ``tests`` row of a binary column by a three-group comparison, R's df: the Rao-Scott
    F of svychisq(~sch.wide + stype, dstrat)."""
    s = spec("sch.wide", "binary", ("Yes", "No"), "Yes")
    row = item_tests.test_column(dstrat, s, "size_class", group="stype", contrast=("H", "E"), df_method="design")
    f = REF["svychisq"]["F"]
    for ours, theirs in (("statistic", "statistic"), ("df1", "ndf"), ("df2", "ddf"), ("p_value", "p_value")):
        assert rel(row[ours], f[theirs]) < 1e-10, ours
    assert row["test"] == "rao_scott_f" and row["n"] == 200 and row["effect_df"] == dstrat.df


def test_ordinal_row_is_r_svyranktest(dstrat):
    row = item_tests.test_column(dstrat, spec("api00", "ordinal"), "size_class", group="stype",
                                 contrast=("H", "E"), df_method="design")
    k = REF["svyranktest"]
    assert (row["df1"], row["df2"]) == (k["df"], k["ddf"])
    assert rel(row["statistic"], k["F"]) < 1e-10 and rel(row["p_value"], k["p_value"]) < 1e-10


def test_numeric_row_is_r_regtermtest_and_effect_is_svycontrast(dstrat):
    r = CORE["regtermtest_api00_stype"]
    row = item_tests.test_column(dstrat, spec("api00", "numeric"), "size_class", group="stype",
                                 contrast=("H", "E"), df_method="design")
    assert (row["df1"], row["df2"]) == (r["df"], r["ddf"])
    assert rel(row["statistic"], r["F"]) < 1e-10 and rel(row["p_value"], r["p_value"]) < 1e-10
    by = CORE["svycontrast_yes_minus_no"]
    eff = item_tests.test_column(dstrat, spec("api00", "numeric"), "size_class", group="sch.wide",
                                 contrast=("Yes", "No"), df_method="design")
    assert rel(eff["effect_size"], by["estimate"]) < 1e-10 and rel(eff["effect_se"], by["se"]) < 1e-10


def test_p_adjust_is_inference():
    assert item_tests.p_adjust is inference.p_adjust


def test_cramers_v_equals_phi_on_equal_weights():
    tab = np.array([[30, 10], [15, 25]])
    y = np.r_[np.ones(30), np.zeros(10), np.ones(15), np.zeros(25)].astype(bool)
    g = ["a"] * 40 + ["b"] * 40
    df = pd.DataFrame({"opt__x": pd.array(y, dtype="boolean"), "g": g})
    d = SurveyDesign(df, np.full(80, 2.5))
    s = item_tests.ColumnSpec("opt__x", "opt", 1, "binary", ("True", "False"), "True")
    v = item_tests.cramers_v(d, s, "g")
    assert v == pytest.approx(stats.contingency.association(tab, method="cramer"), rel=1e-12)


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
    direct = inference.rao_scott(respondents.with_columns(dk.without_fpc(), y=d0["y"]), "y", "size_class")
    assert rel(row.loc["a1_channels__twitter", "p_value"], direct.second_order["p_value"]) < 1e-10


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


def test_contrast_proportions(synthetic_designs):
    _, dc, specs, data, _ = synthetic_designs
    props = item_tests.contrast_proportions(dc, specs, "unit_type", config.FYLKESKOMMUNE, config.KOMMUNE)
    row = props.set_index("item").loc["a1_channels__twitter"]
    shown = data["a1_channels__twitter"].notna()
    for key, ut in (("p_a", config.FYLKESKOMMUNE), ("p_b", config.KOMMUNE)):
        m = shown & (data["unit_type"] == ut)
        w = dc.weights[m.to_numpy()]
        assert row[key] == pytest.approx(np.sum(w * data.loc[m, "a1_channels__twitter"].astype(float)) / w.sum())


def test_forest_figure(synthetic_designs):
    dk, _, specs, _, _ = synthetic_designs
    t = item_tests.run_tests(dk, specs[:6], "size_class")
    fig = item_tests.forest(t, t["item"], "title", "x", scale=100)
    assert len(fig.axes[0].get_yticklabels()) == 6
    import matplotlib.pyplot as plt
    plt.close(fig)
