"""Design-based logistic regression (survey/regression.py), checked against R survey 4.1.1.

Oracle blocks: ``svyglm_converged`` at rel 1e-10 for coefficients and 1e-8 for SEs, t, p and
the term test (docs/contracts.md §7: R computes its SEs from the working weights of the
last-but-one iteration, which bounds R's own precision there); the R-default ``svyglm``
block too (we repeat R's IRLS, so it matches at the same tolerances).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load

from sosiale_kommuner.survey import regression as R
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.errors import DesignError

REL = 1e-10


@pytest.fixture(scope="module")
def dstrat():
    return SurveyDesign(load("apistrat"), "pw", strata="stype", fpc="fpc")


def close(actual, expected, rel=REL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rel, atol=0)


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




def test_fit_on_a_subset_is_the_masked_fit(dstrat):
    """R svyglm(..., design = subset(d, stype != "E")): the subset's rows are fitted, the whole
    design is kept for the variance, and the residual df counts the PSUs that remain."""
    sub = dstrat.subset("stype != 'E'")
    fit = R.svyglm_logit(sub, "sch.wide", ["api99"], y_level="Yes")
    mask = (dstrat.data["stype"] != "E").to_numpy()
    X = pd.DataFrame({"(Intercept)": 1.0, "api99": dstrat.data["api99"].astype(float)})
    y = (dstrat.data["sch.wide"] == "Yes").to_numpy(float)
    masked = R.svyglm_logit_matrix(dstrat, X, y, mask=mask)
    close(fit.coef, masked.coef, rel=1e-12)
    close(fit.se, masked.se, rel=1e-12)
    assert fit.df_resid == 100 - 2 + 1 - 2 == sub.degf() + 1 - 2


def test_errors_count_values_instead_of_printing_them(dstrat):
    with pytest.raises(DesignError, match="must be 0/1") as e:
        R.svyglm_logit(dstrat, "api00", ["api99"])
    assert "693" not in str(e.value) and "other values" in str(e.value)
