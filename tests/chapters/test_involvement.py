"""Chapter 10 (involvement): the survey logit and its AMEs, the typology rule, the result
tables, the AME simulation, and the built chapter."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.chapters import involvement_simulation
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, respondents, synth
from sosiale_kommuner.report import results
from sosiale_kommuner.survey import estimation, regression
from sosiale_kommuner.survey.design import DesignError, SurveyDesign
from sosiale_kommuner.survey.regression import (
    average_marginal_effects,
    collinearity,
    hosmer_lemeshow,
    svyglm_logit_matrix,
    wald_term_test,
)

ORACLE = config.REPO_ROOT / "tests" / "oracle"


# --------------------------------------------------------------------------- survey logit
# (regression.svyglm_logit_matrix: the fit from a prepared model matrix on a domain, its
# AMEs and diagnostics; the formula interface svyglm_logit is tested in test_inference.py)
@pytest.fixture(scope="module")
def apistrat():
    d = pd.read_csv(ORACLE / "data" / "apistrat.csv", dtype={"cds": str})
    ref = json.loads((ORACLE / "reference.json").read_text())["svyglm_converged"]
    return d, ref


def _api_X(d, api="api99"):
    return pd.DataFrame({"(Intercept)": 1.0, "stypeH": (d.stype == "H") * 1.0, "stypeM": (d.stype == "M") * 1.0,
                         api: d[api].astype(float)})


def _api_fit(d, **kw):
    des = SurveyDesign(d, "pw", strata="stype", fpc="fpc")
    y = (d["sch.wide"] == "Yes").astype(float).to_numpy()
    return svyglm_logit_matrix(des, _api_X(d), y, dummy_groups={"stype": ["stypeH", "stypeM"]}, **kw)


@pytest.mark.oracle
def test_logit_matches_r_svyglm(apistrat):
    d, ref = apistrat
    f = _api_fit(d)
    assert f.converged and not f.separation
    assert f.names == ref["terms"]
    np.testing.assert_allclose(f.coef, ref["coefficients"], rtol=1e-10)
    np.testing.assert_allclose(f.se, ref["se"], rtol=1e-8)
    np.testing.assert_allclose(f.vcov.to_numpy().ravel(), ref["vcov_rowmajor"], rtol=1e-8)
    assert f.iterations == ref["iterations"]
    assert f.df_resid == ref["residual_df"]
    np.testing.assert_allclose(f.table["p_value"], ref["p_value"], rtol=1e-8)
    tt = wald_term_test(f, "stype")  # the dummy group is a term
    assert tt["terms"] == ["stypeH", "stypeM"]
    assert tt["statistic"] == pytest.approx(ref["regTermTest_stype"]["F"], rel=1e-8)
    assert tt["ddf"] == ref["regTermTest_stype"]["ddf"]
    assert tt["p_value"] == pytest.approx(ref["regTermTest_stype"]["p_value"], rel=1e-8)


def test_logit_mask_equals_fit_on_domain_coefficients(apistrat):
    """A masked fit has the coefficients of a fit on the domain's rows alone (R subset())."""
    d, _ = apistrat
    mask = (d["api99"] > 600).to_numpy()
    full = _api_fit(d, mask=mask)
    sub = _api_fit(d[mask].reset_index(drop=True))
    np.testing.assert_allclose(full.coef, sub.coef, rtol=1e-9)
    assert full.n == int(mask.sum())


def test_logit_matrix_rejects_missing_values_inside_the_domain(apistrat):
    d, _ = apistrat
    des = SurveyDesign(d, "pw", strata="stype", fpc="fpc")
    X = _api_X(d)
    X.loc[3, "api99"] = np.nan
    y = (d["sch.wide"] == "Yes").astype(float).to_numpy()
    with pytest.raises(DesignError, match="missing values in 1 fitted rows"):
        svyglm_logit_matrix(des, X, y)
    mask = np.ones(len(d), bool)
    mask[3] = False
    assert svyglm_logit_matrix(des, X, y, mask=mask).n == len(d) - 1


def test_ame_of_saturated_model_is_difference_of_weighted_proportions(apistrat):
    """With one dummy, the AME is p(H) - p(E) exactly and its linearised SE equals the
    design-based SE of that difference of domain proportions (R svycontrast of svyby)."""
    d, _ = apistrat
    d = d[d.stype.isin(["E", "H"])].reset_index(drop=True)
    des = SurveyDesign(d, "pw", strata="stype")
    X = pd.DataFrame({"(Intercept)": 1.0, "stypeH": (d.stype == "H") * 1.0})
    y = (d["sch.wide"] == "Yes").astype(float).to_numpy()
    f = svyglm_logit_matrix(des, X, y, dummy_groups={"stype": ["stypeH"]})
    a = average_marginal_effects(f).iloc[0]
    assert a["term"] == "stypeH"
    diff = estimation.difference(des.__class__(d.assign(yy=pd.Categorical(d["sch.wide"])), "pw", strata="stype"),
                                 "yy", "stype", "H", "E", level="Yes")
    assert a["estimate"] == pytest.approx(diff["estimate"], rel=1e-9)
    assert a["se"] == pytest.approx(diff["se"], rel=1e-6)


def test_matrix_fit_agrees_with_the_formula_fit(apistrat):
    """Same coefficients, SEs, df and AMEs as ``svyglm_logit`` (formula interface, R-checked),
    also on a masked domain (rows with a missing covariate out of the fit)."""
    d, _ = apistrat
    d = d.assign(api99f=d["api99"].astype(float), yes=(d["sch.wide"] == "Yes").astype(float))
    d.loc[d.index[::7], "api99f"] = np.nan  # some rows out of the fit
    des = SurveyDesign(d, "pw", strata="stype", fpc="fpc")
    core = regression.svyglm_logit(des, "yes", ["stype", "api99f"])
    mask = d["api99f"].notna().to_numpy()
    mine = svyglm_logit_matrix(des, _api_X(d, "api99f"), d["yes"].to_numpy(), mask=mask,
                               dummy_groups={"stype": ["stypeH", "stypeM"]})
    np.testing.assert_allclose(mine.coef, core.coef, rtol=1e-9)
    np.testing.assert_allclose(mine.se, core.table["se"], rtol=1e-8)
    assert mine.df_resid == core.df_resid and mine.n == core.n
    a_core = average_marginal_effects(core).set_index("term")
    a_mine = average_marginal_effects(mine).set_index("term")
    for t in ("stypeH", "stypeM", "api99f"):
        assert a_mine.loc[t, "estimate"] == pytest.approx(a_core.loc[t, "estimate"], rel=1e-9)
        assert a_mine.loc[t, "se"] == pytest.approx(a_core.loc[t, "se"], rel=1e-6)
    assert np.isnan(average_marginal_effects(mine, se=False)["se"]).all()


def test_ame_of_numeric_term_is_average_derivative(apistrat):
    d, _ = apistrat
    f = _api_fit(d)
    a = average_marginal_effects(f).set_index("term")
    p = f.fitted()
    expected = np.average(f.coef[3] * p * (1 - p), weights=d["pw"])
    assert a.loc["api99", "estimate"] == pytest.approx(expected, rel=1e-12)
    # a dummy's AME: switch H on/off with M off, average the difference
    X1 = f.X.copy(); X1[:, 1] = 1; X1[:, 2] = 0
    X0 = f.X.copy(); X0[:, 1] = 0; X0[:, 2] = 0
    expected_h = np.average(f.fitted(X1) - f.fitted(X0), weights=d["pw"])
    assert a.loc["stypeH", "estimate"] == pytest.approx(expected_h, rel=1e-12)


def test_hosmer_lemeshow_test_and_calibration_table(apistrat):
    d, _ = apistrat
    f = _api_fit(d)
    gof, cal = hosmer_lemeshow(f, groups=5)
    assert gof["groups"] == 5 and gof["df1"] == 4 and gof["df2"] == f.df_design - 4 + 1
    assert 0 <= gof["p_value"] <= 1 and gof["F"] >= 0 and not gof["separation"]
    assert cal["n"].sum() == f.n and list(cal["group"]) == [1, 2, 3, 4, 5]
    assert cal["mean_predicted"].is_monotonic_increasing
    # the group shares are weighted means: their weighted total is the overall weighted mean
    y = (d["sch.wide"] == "Yes").to_numpy(float)
    p = f.fitted()
    order = np.argsort(p, kind="mergesort")
    gi = np.empty(len(p), int)
    gi[order] = np.minimum((np.cumsum(d["pw"].to_numpy()[order]) / d["pw"].sum() * 5 - 1e-12).astype(int), 4)
    W = np.bincount(gi, weights=d["pw"])
    np.testing.assert_allclose(cal["observed"], np.bincount(gi, weights=d["pw"] * y) / W, rtol=1e-12)
    assert np.sum(W * cal["observed"]) / W.sum() == pytest.approx(np.average(y, weights=d["pw"]), rel=1e-12)
    # F correction of the Wald statistic of the augmented fit (Archer, Lemeshow & Hosmer 2007)
    X = _api_X(d)
    for k in range(1, 5):
        X[f"_hl_group{k + 1}"] = (gi == k) * 1.0
    aug = svyglm_logit_matrix(f.design, X, y)
    W_stat = wald_term_test(aug, [f"_hl_group{k}" for k in range(2, 6)])["statistic"] * 4
    dd = f.df_design
    assert gof["F"] == pytest.approx(W_stat * (dd - 4 + 1) / (dd * 4), rel=1e-10)


def test_collinearity_gvif_and_condition_number(apistrat):
    d, _ = apistrat
    f = _api_fit(d)
    vif, cond = collinearity(f)  # terms of the fit: the stype group and api99
    assert list(vif["term"]) == ["stype", "api99"] and list(vif["df"]) == [2, 1]
    # a one-column term's GVIF is 1 / (1 - R^2) of the weighted regression on the others
    w = d["pw"].to_numpy()
    Z = f.X[:, :3]
    beta = np.linalg.lstsq(Z * np.sqrt(w)[:, None], f.X[:, 3] * np.sqrt(w), rcond=None)[0]
    r = f.X[:, 3] - Z @ beta
    m = np.average(f.X[:, 3], weights=w)
    r2 = 1 - np.sum(w * r ** 2) / np.sum(w * (f.X[:, 3] - m) ** 2)
    row = vif.set_index("term").loc["api99"]
    assert row["gvif"] == pytest.approx(1 / (1 - r2), rel=1e-9)
    assert row["gvif_adj"] == pytest.approx(np.sqrt(row["gvif"]), rel=1e-12)
    Xs = f.X * np.sqrt(w)[:, None]
    sv = np.linalg.svd(Xs / np.linalg.norm(Xs, axis=0), compute_uv=False)
    assert cond == pytest.approx(sv.max() / sv.min(), rel=1e-9) and cond > 1


def test_separation_and_non_convergence_are_flagged(apistrat):
    d, _ = apistrat
    des = SurveyDesign(d, "pw", strata="stype", fpc="fpc")
    X = _api_X(d)
    y = (d["api99"] > 650).to_numpy(float)  # y is a step function of api99: complete separation
    f = svyglm_logit_matrix(des, X, y, max_iter=100)
    assert f.separation
    g = _api_fit(d, max_iter=2)
    assert not g.converged and g.iterations == 2 and not g.separation
    with pytest.raises(DesignError, match="did not converge"):  # the formula interface raises
        regression.svyglm_logit(des, "sch.wide", ["stype", "api99"], y_level="Yes", max_iter=2)


# --------------------------------------------------------------------------- typology
def _rows(spec: list[dict]) -> pd.DataFrame:
    """Typed rows with the columns the typology needs (defaults: not involved)."""
    yes_no_dk = ["yes", "no", "dont_know"]
    lik = ["very_small", "small", "some", "large", "very_large", "dont_know"]
    rows = []
    for s in spec:
        r = {"a1_uses_some": s.get("uses", "yes"), "a9_has_involved": s.get("inv"),
             "a9_outcome_better_decisions": s.get("better")}
        for m in ("open_posts", "groups", "polls", "consultations", "live_events"):
            r[f"a9_methods__{m}"] = (m in s.get("methods", ())) if s.get("inv") == "yes" else None
        rows.append(r)
    df = pd.DataFrame(rows)
    df["a1_uses_some"] = pd.Categorical(df["a1_uses_some"], categories=["yes", "planned", "no"])
    df["a9_has_involved"] = pd.Categorical(df["a9_has_involved"], categories=yes_no_dk)
    df["a9_outcome_better_decisions"] = pd.Categorical(df["a9_outcome_better_decisions"], categories=lik, ordered=True)
    for c in df.columns:
        if c.startswith("a9_methods__"):
            df[c] = df[c].astype("boolean")
    return df


def test_typology_rule_on_hand_made_rows():
    df = _rows([
        {"inv": "no"},                                                        # none
        {"uses": "no", "inv": None},                                          # none: no social media
        {"uses": "planned", "inv": None},                                     # none
        {"inv": "yes", "methods": ["open_posts"], "better": "very_large"},    # informing
        {"inv": "yes", "methods": [], "better": None},                        # informing (no method ticked)
        {"inv": "yes", "methods": ["polls"], "better": "very_large"},         # consulting
        {"inv": "yes", "methods": ["open_posts", "consultations"], "better": "small"},  # consulting
        {"inv": "yes", "methods": ["groups"], "better": "small"},             # consulting: dialogue, outcome < 3
        {"inv": "yes", "methods": ["groups"], "better": "dont_know"},         # consulting: "Vet ikke" fails the test
        {"inv": "yes", "methods": ["groups"], "better": "some"},              # co-creating (score 3)
        {"inv": "yes", "methods": ["live_events", "polls"], "better": "large"},  # co-creating
        {"inv": "dont_know"},                                                 # missing
        {"uses": "yes", "inv": None},                                         # missing: user without answer
    ])
    got = inv.practice_type(df).astype(object).where(lambda s: s.notna(), None).tolist()
    assert got == ["none", "none", "none", "informing", "informing", "consulting", "consulting", "consulting",
                   "consulting", "co_creating", "co_creating", None, None]
    assert list(inv.practice_type(df).cat.categories) == list(inv.PRACTICE_LEVELS)


# --------------------------------------------------------------------------- tables on a synthetic sample
@pytest.fixture(scope="module")
def sample():
    cb = cbm.load_codebook(config.paths().raw)
    pop = frame.load_population(config.paths().frame)
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    syn = synth.generate(seed=11, population=pop, codebook=cb, exports=False)
    resp = syn.responses()
    w = respondents.provisional_weights_for(resp, pop)
    data = inv.derive(respondents.merge(resp, pop, w))
    return cb, pop, data


def test_derive_conventions(sample):
    _, _, d = sample
    users = d["a1_uses_some"] == "yes"
    # non-users count as not involved over all units; "Vet ikke" is missing there
    assert (d.loc[~users, inv.INVOLVED_ALL] == "no").all()
    dk = d["a9_has_involved"] == "dont_know"
    assert d.loc[dk, inv.INVOLVED_ALL].isna().all() and d.loc[dk, "involved"].isna().all()
    assert (d.loc[dk, "involved_dk_no"] == 0).all()
    # strategy "Vet ikke" counts as not adopted
    st = d["a3_strategy_status"].astype("string")
    assert (d.loc[(st == "dont_know").fillna(False), "strategy_adopted"] == 0).all()
    assert (d.loc[(st == "adopted").fillna(False), "strategy_adopted"] == 1).all()
    fe = d[[c for c in d.columns if c.startswith("a4_formal_elements__")]].astype("boolean").fillna(False).sum(axis=1)
    np.testing.assert_array_equal(d["formal_elements"].dropna(), fe[d["formal_elements"].notna()])


def test_estimates_table_schema_and_domains(sample):
    cb, pop, data = sample
    est = inv.estimates_table(data, pop, cb)
    results.check_schema(est, "estimates")
    assert set(est["domain"]) == {"all", "size_class", "region", "centrality", "unit_type"}
    # county municipalities only overall
    ut = est[est["domain"] == "unit_type"]
    assert set(ut["group"]) == {"kommune", "fylkeskommune"}
    assert set(est.loc[est["domain"] == "centrality", "group"]) == {"0", "1", "2", "3"}
    # unit_type=kommune repeats "all"
    a = est[(est["domain"] == "all")].reset_index(drop=True)
    k = est[(est["domain"] == "unit_type") & (est["group"] == "kommune")].reset_index(drop=True)
    np.testing.assert_allclose(a["estimate"], k["estimate"])
    # shares of one item's substantive levels sum to 1 in every group
    for item, levels in ((inv.INVOLVED_ALL, ["yes", "no"]), (inv.PRACTICE, list(inv.PRACTICE_LEVELS))):
        s = est[(est["item"] == item) & est["level"].isin(levels)].groupby(["domain", "group"])["estimate"].sum()
        np.testing.assert_allclose(s, 1.0, atol=1e-12)
    # the headline equals the hand-computed weighted share among municipalities
    kk = data[(data["unit_type"] == "kommune") & data[inv.INVOLVED_ALL].notna()]
    expected = np.average(kk[inv.INVOLVED_ALL] == "yes", weights=kk["weight"])
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    assert row["estimate"] == pytest.approx(expected, rel=1e-12)
    assert row["n_unweighted"] == len(kk)
    # disclosure control accepts the table (no county splits)
    from sosiale_kommuner.report.disclosure import suppress_estimates
    suppress_estimates(est, k=3)


def test_centrality_tests_schema_and_bh(sample):
    cb, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    t = inv.centrality_tests(k, cb)
    results.check_schema(t, "tests")
    assert (t["comparison"] == "centrality").all()
    assert t["item"].str.startswith("a9_").all()
    assert len(t) == 21  # 4 + 3 + 5 + 5 options, 9.1, three outcome scales
    from sosiale_kommuner.chapters.item_tests import p_adjust
    np.testing.assert_allclose(t["p_adjusted"], p_adjust(t["p_value"].to_numpy(), "BH"))
    assert (t["p_adjusted"] >= t["p_value"] - 1e-15).all()


def test_model_table_schema_and_diagnostics(sample):
    cb, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    assert not k.has_fpc
    res = inv.fit_model(k)
    results.check_schema(res.table, "models")
    assert set(res.table["kind"]) == {"ame", "coef"}
    ame_terms = res.table.loc[res.table["kind"] == "ame", "term"].tolist()
    assert "(Intercept)" not in ame_terms and "strategy_adopted" in ame_terms
    assert any(t.startswith("centrality=") for t in ame_terms)
    assert (res.table["n"] == res.n).all()
    # the model's rows: users with a yes/no answer and complete covariates
    kd = k.data
    expect = (kd["involved"].notna() & kd[list(inv.NUMERIC_TERMS)].notna().all(axis=1)).sum()
    assert res.n == expect
    assert res.fit.converged and not res.fit.separation
    assert 0 <= res.gof["p_value"] <= 1 and res.gof["df1"] == res.gof["groups"] - 1
    assert np.isclose(res.calibration["n"].sum(), res.n)
    assert (res.vif["gvif"] >= 1 - 1e-9).all() and res.condition_number >= 1
    # AME CIs use the model's residual df
    q = stats.t.isf(0.025, res.fit.df_resid)
    a = res.ame.iloc[0]
    assert a["ci_high"] - a["estimate"] == pytest.approx(q * a["se"])
    # "Vet ikke" as "no" uses more (or as many) rows
    sens = inv.fit_model(k, dont_know="no", diagnostics=False)
    assert sens.n >= res.n


def test_closing_numbers_come_from_tables(sample):
    cb, pop, data = sample
    est = inv.estimates_table(data, pop, cb)
    k, _ = inv.designs(data, pop, fpc=False)
    t = inv.centrality_tests(k, cb)
    m = inv.fit_model(k, diagnostics=False).table
    nums = inv.closing_numbers(est, t, m)
    text = inv.closing_text(nums)
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    assert f"An estimated {inv.pct(row['estimate'])} of municipalities" in text
    assert f"{inv.pct(row['ci_low'])}–{inv.pct(row['ci_high'])}" in text
    assert f"Of {len(t)} design-based tests" in text
    assert "associations in one cross-section" in text and "could not conclude" in text
    kn = inv.key_number(nums)
    assert list(kn.columns) == ["label", "value"] and kn["value"].iloc[0] == pytest.approx(round(row["estimate"], 4))


# --------------------------------------------------------------------------- simulation
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


# --------------------------------------------------------------------------- the built chapter
@pytest.mark.pipeline
@pytest.mark.slow
def test_built_chapter_tables_and_closing_text(built):
    P = built.paths
    names = {n: P.tables / f"{inv.STEM}__{n}.csv" for n in ("estimates", "tests", "models", "key_number", "simulation")}
    for n, p in names.items():
        assert p.is_file(), f"{p.name} missing; run_all output:\n{built.stdout[-2000:]}"
    from sosiale_kommuner.chapters import findings_text as ft
    est = ft.read_estimates(names["estimates"])
    tests = pd.read_csv(names["tests"])
    models = pd.read_csv(names["models"])
    results.check_schema(est, "estimates")
    results.check_schema(tests, "tests")
    results.check_schema(models, "models")
    assert set(tests["comparison"]) == {"centrality"}
    assert set(models["kind"]) == {"ame", "coef"}
    assert set(est["domain"]) <= {"all", "size_class", "region", "centrality", "unit_type"}
    sim = pd.read_csv(names["simulation"])
    assert (sim["replicates"] == 20).all()
    # closing-text numbers equal table numbers
    html = (P.reports / f"{inv.STEM}.html").read_text(encoding="utf-8")
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    assert f"An estimated {inv.pct(row['estimate'])} of municipalities" in html
    assert f"{inv.pct(row['ci_low'])}–{inv.pct(row['ci_high'])}" in html
    assert f"Of {len(tests)} design-based tests" in html
    n_sig = int((tests["p_adjusted"] < 0.05).sum())
    assert re.search(rf"\b{n_sig} remains? below 0.05", html)
    m = models[(models["model"] == inv.MODEL_NAME) & (models["kind"] == "ame")].set_index("term")
    sa = m.loc["strategy_adopted"]
    assert f"Adopted strategy: {inv.pp(sa['estimate'])} ({inv.pp(sa['ci_low'])} to {inv.pp(sa['ci_high'])})" in html
    kn = pd.read_csv(names["key_number"])
    assert kn["value"].iloc[0] == pytest.approx(round(row["estimate"], 4))


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


def test_notebook_parameters_and_no_outputs():
    import nbformat

    nb = nbformat.read(config.NOTEBOOK_DIR / f"{inv.STEM}.ipynb", as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    src = first.source
    for line in ('raw_dir = None', 'out_dir = None', 'lang = "en"', "k_min = 3", "replicates = ",
                 "fpc_in_tests = False", "seed = "):
        assert line in src, line
    assert nb.metadata["kernelspec"]["name"] == config.KERNEL_NAME
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source.startswith("# 10 ")
    assert "What this shows" in nb.cells[-2].source
