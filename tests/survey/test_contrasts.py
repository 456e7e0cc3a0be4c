"""Domain differences with honest small-group inference (survey/contrasts.py).

Checked against R through :func:`estimation.difference` (R ``svycontrast(svyby(...))``, whose
estimate and SE test_estimation.py checks against ``reference_core.json``) and against
hand computations: Welch's df for a two-sample problem, and Newcombe's hybrid score
interval built from two Wilson intervals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load
from r_reference import reference
from scipy import stats

from sosiale_kommuner.survey import contrasts, estimation
from sosiale_kommuner.survey.design import SurveyDesign, fast_design
from sosiale_kommuner.survey.errors import SurveyError


@pytest.fixture(scope="module")
def dstrat():
    return SurveyDesign(load("apistrat"), "pw", strata="stype", fpc="fpc")


def codes(series: pd.Series) -> tuple[np.ndarray, list]:
    labels = sorted(series.unique())
    return series.map({v: k for k, v in enumerate(labels)}).to_numpy(), labels


@pytest.mark.oracle
def test_domain_difference_is_r_svycontrast(dstrat):
    r = reference("reference_core")["svycontrast_yes_minus_no"]
    g, labels = codes(dstrat.data["sch.wide"])
    y = dstrat.column("api00").to_numpy(float)
    d = contrasts.domain_difference(fast_design(dstrat), y, np.ones(dstrat.n, bool), g, labels.index("Yes"),
                                    labels.index("No"))
    np.testing.assert_allclose([d["estimate"], d["se"]], [r["estimate"], r["se"]], rtol=1e-10)
    ref = estimation.difference(dstrat, "api00", "sch.wide", "Yes", "No")
    for k in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        assert d[k] == pytest.approx(ref[k], rel=1e-10), k
    assert d["df"] == dstrat.df == 197


def toy_design(y_a, y_b, w=1.0):
    """Two groups in two strata, equal weights, no calibration: a two-sample problem."""
    df = pd.DataFrame({"y": list(y_a) + list(y_b), "g": ["a"] * len(y_a) + ["b"] * len(y_b)})
    return SurveyDesign(df, np.full(len(df), w), strata="g")


def test_satterthwaite_df_is_welch():
    ya = np.array([1.0, 4, 2, 8, 5, 7])
    yb = np.array([3.0, 3.5, 2.5, 4, 3, 3.2, 2.8, 3.9, 3.1, 3.3])
    d = toy_design(ya, yb)
    g, _ = codes(d.data["g"])
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
    assert sum(contrasts.stratum_variances(d, sc)) == pytest.approx(d.variance(sc)[0, 0], rel=1e-12)


def test_newcombe_interval_when_small_group_answers_alike():
    ya = np.ones(11)  # 11 "county" answers, all yes
    yb = np.r_[np.ones(120), np.zeros(80)]
    d = toy_design(ya, yb)
    g, _ = codes(d.data["g"])
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

    def wilson(p, n):
        mid = (p + tq ** 2 / (2 * n)) / (1 + tq ** 2 / n)
        half = tq * np.sqrt(p * (1 - p) / n + tq ** 2 / (4 * n * n)) / (1 + tq ** 2 / n)
        return max(mid - half, 0.0), min(mid + half, 1.0)

    la, ua = wilson(1.0, 11)
    lb, ub = wilson(0.6, 199)
    assert (la, ua) == pytest.approx(contrasts.wilson_interval(1.0, 11, tq), rel=1e-14)
    assert newc["ci_low"] == pytest.approx(0.4 - np.sqrt((1 - la) ** 2 + (ub - 0.6) ** 2), rel=1e-9)
    assert newc["ci_high"] == pytest.approx(0.4 + np.sqrt((ua - 1) ** 2 + (0.6 - lb) ** 2), rel=1e-9)


def test_a_missing_group_gives_nan_and_bad_methods_raise():
    d = toy_design([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])
    g, _ = codes(d.data["g"])
    y = d.column("y").to_numpy(float)
    r = contrasts.domain_difference(d, y, g == 0, g, 0, 1)
    assert np.isnan(r["estimate"]) and r["n_a"] == 3 and r["n_b"] == 0
    with pytest.raises(SurveyError, match="unknown df method"):
        contrasts.domain_difference(d, y, np.ones(6, bool), g, 0, 1, df_method="kenward-roger")
