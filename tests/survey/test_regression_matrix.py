"""Design-based logistic regression (survey.regression): the fit from a prepared model
matrix on a domain (``svyglm_logit_matrix``), its average marginal effects and diagnostics,
checked against R ``svyglm`` on the api data and by hand (the formula interface
``svyglm_logit`` is tested in test_regression.py).

Moved unchanged from tests/chapters/test_involvement.py, where chapter 10 first needed them.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
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
