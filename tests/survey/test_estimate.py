"""The one result type (survey/estimate.py): R's accessors, intervals, the table, the text.

Values are checked by hand from the object's own estimate and covariance: the accessors must
return exactly those, and the intervals follow the formulas stated in the module (their
agreement with R is in test_estimation.py).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner.survey import SE, coef, confint, degf, vcov
from sosiale_kommuner.survey.errors import SurveyError
from sosiale_kommuner.survey.estimate import Estimate, prop_ci


@pytest.fixture
def est():
    V = np.array([[4.0, 1.0], [1.0, 9.0]])
    return Estimate(pd.Index(["a", "b"], name="level"), [10.0, 20.0], V, [5, 30], statistic="mean",
                    columns={"n_unweighted": [6, 40], "n_weighted": [60.0, 400.0]})


def test_accessors(est):
    assert coef(est).tolist() == [10.0, 20.0] and SE(est).tolist() == [2.0, 3.0]
    assert vcov(est).loc["a", "b"] == 1.0 and degf(est).tolist() == [5.0, 30.0]


def test_wald_intervals_on_each_estimates_df(est):
    ci = confint(est)
    t5, t30 = stats.t.isf(0.025, 5), stats.t.isf(0.025, 30)
    assert ci.loc["a"].tolist() == pytest.approx([10 - 2 * t5, 10 + 2 * t5], rel=1e-14)
    assert ci.loc["b"].tolist() == pytest.approx([20 - 3 * t30, 20 + 3 * t30], rel=1e-14)
    # R: confint(est, level = 0.9, df = Inf)
    z = stats.norm.isf(0.05)
    assert confint(est, level=0.9, df=np.inf).loc["a"].tolist() == pytest.approx([10 - 2 * z, 10 + 2 * z], rel=1e-12)


def test_table_and_text_are_deterministic(est):
    f = est.to_frame()
    assert list(f.columns) == ["level", "estimate", "se", "ci_low", "ci_high", "df", "n_unweighted", "n_weighted"]
    assert f["n_unweighted"].tolist() == [6, 40]
    assert repr(est) == repr(est) and repr(est).startswith("Estimate: mean, wald 95% intervals")
    assert "<table" in est._repr_html_()


def test_proportion_intervals():
    # logit interval by hand
    p, se, df = 0.3, 0.05, 20
    t = stats.t.isf(0.025, df)
    lg, half = np.log(p / (1 - p)), t * se / (p * (1 - p))
    assert prop_ci(p, se, 50, df) == pytest.approx((1 / (1 + np.exp(-(lg - half))), 1 / (1 + np.exp(-(lg + half)))),
                                                   rel=1e-14)
    # an interval from a fitted logit coefficient and its SE (R's svyglm) is expit(b -+ t s)
    assert prop_ci(p, se, 50, df, link=(-0.8, 0.25)) == pytest.approx(
        (1 / (1 + np.exp(0.8 + t * 0.25)), 1 / (1 + np.exp(0.8 - t * 0.25))), rel=1e-14)
    # Korn-Graubard (R method = "beta"): Clopper-Pearson on the effective n
    n_eff = p * (1 - p) / se ** 2 * (stats.t.ppf(0.025, 49) / stats.t.ppf(0.025, df)) ** 2
    assert prop_ci(p, se, 50, df, method="korn-graubard") == pytest.approx(
        (stats.beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1), stats.beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p))),
        rel=1e-12)
    with pytest.raises(SurveyError, match="unknown interval method"):
        prop_ci(p, se, 50, df, method="wald")


def test_shape_errors():
    with pytest.raises(SurveyError, match="labels and estimates"):
        Estimate(["a"], [1.0, 2.0], np.eye(2), 3, statistic="mean")
    with pytest.raises(SurveyError, match="unknown interval"):
        Estimate(["a"], [1.0], np.eye(1), 3, statistic="mean", interval="score")
