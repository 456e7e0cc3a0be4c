"""The two variance flavours of a calibrated design (survey/calibration.py), against R.

Oracle: ``reference_domains.json`` blocks ``rake_unequal_base`` (R ``rake()``: projection with
unweighted cell means) and ``calibrate_raking_unequal_base`` (R ``calibrate(calfun =
"raking")``: least squares weighted by the base weights) — the stratified sample ``dstrat``,
whose base weights differ by stratum, raked to ``sch.wide`` and ``awards``. Weights, the mean
of ``api00``, the total of ``enroll`` and the proportion ``comp.imp == "Yes"`` with its logit
interval, at rel 1e-10 (docs/contracts.md §7).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load
from r_reference import reference

from sosiale_kommuner.survey import SE, coef, confint, rake, svyciprop, svydesign, svymean, svytotal
from sosiale_kommuner.survey.calibration import Calibration
from sosiale_kommuner.survey.errors import DesignError

REL = 1e-10


def close(actual, expected, rel=REL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rel, atol=0)


def margins():
    pop = load("apipop")
    return {v: pop[v].value_counts().to_dict() for v in ("sch.wide", "awards")}


@pytest.fixture(scope="module")
def dstrat():
    return svydesign(load("apistrat"), "pw", strata="stype", fpc="fpc")


@pytest.mark.oracle
@pytest.mark.parametrize("block,variance", [("rake_unequal_base", "rake"),
                                            ("calibrate_raking_unequal_base", "calibrate")])
def test_unequal_base_weights_match_r(dstrat, block, variance):
    r = reference("reference_domains")[block]
    des = rake(dstrat, margins(), variance=variance, tol=1e-14)
    assert des.data["snum"].tolist() == r["snum"]
    close(des.weights, r["weights"])
    m, t = svymean(des, "api00"), svytotal(des, "enroll")
    close([coef(m).iloc[0], SE(m).iloc[0]], [r["mean_api00"]["estimate"], r["mean_api00"]["se"]])
    close([coef(t).iloc[0], SE(t).iloc[0]], [r["total_enroll"]["estimate"], r["total_enroll"]["se"]])
    p = r["prop_compimp_yes"]
    for eps in (None, 1e-8):  # R's glm converged here, so its digits and the exact limit agree
        est = svyciprop(des, "comp.imp", "Yes", glm_epsilon=eps)
        close([coef(est).iloc[0], SE(est).iloc[0]], [p["estimate"], p["se"]])
        close(confint(est).iloc[0], p["ci"])


@pytest.mark.oracle
def test_the_two_flavours_differ_with_unequal_base_weights(dstrat):
    """The reason both are offered: with R's numbers, rake() gives a 4.8 % larger SE of the
    total of enroll than calibrate() on the same weights."""
    r = reference("reference_domains")
    ratio = r["rake_unequal_base"]["total_enroll"]["se"] / r["calibrate_raking_unequal_base"]["total_enroll"]["se"]
    a = SE(svytotal(rake(dstrat, margins(), variance="rake", tol=1e-14), "enroll")).iloc[0]
    b = SE(svytotal(rake(dstrat, margins(), tol=1e-14), "enroll")).iloc[0]
    close(a / b, ratio)
    assert ratio > 1.04


def test_the_flavours_agree_with_equal_base_weights():
    """With equal base weights the weighted and the unweighted projections are the same
    projection (R's own remark), so both flavours give the same SE (R's rake() sweeps ten
    times; with two margins of the apiclus1 data that is converged far below 1e-10)."""
    d = load("apiclus1")
    pop = load("apipop")
    m = {v: pop[v].value_counts().to_dict() for v in ("stype", "sch.wide")}
    base = svydesign(d, "pw", ids="dnum", fpc="fpc")
    assert d["pw"].nunique() == 1
    se = [SE(svymean(rake(base, m, variance=v, tol=1e-13), "api00")).iloc[0] for v in ("rake", "calibrate")]
    close(se[0], se[1])
    close(se[1], reference("reference")["raking"]["calibrate_raking_clus1"]["mean_api00"]["se"])


def test_calibration_residuals_by_hand():
    """One margin with two cells (post-stratification): the calibrate flavour removes each
    cell's base-weighted mean of u = x / w; the rake flavour its unweighted mean."""
    cell = np.array([0, 0, 0, 1, 1])
    mm = np.column_stack([(cell == 0) * 1.0, (cell == 1) * 1.0])
    base = np.array([1.0, 2.0, 3.0, 1.0, 1.0])
    w = np.array([2.0, 2.0, 2.0, 3.0, 3.0])
    x = np.array([[1.0], [4.0], [-2.0], [3.0], [0.0]])
    u = x[:, 0] / w
    cal = Calibration(mm, base, ("c=a", "c=b"))
    wmean = np.array([np.average(u[cell == k], weights=base[cell == k]) for k in (0, 1)])
    close(cal.residualize(x, w)[:, 0], (u - wmean[cell]) * w, rel=1e-13)
    umean = np.array([u[cell == k].mean() for k in (0, 1)])
    close(cal.with_variance("rake").residualize(x, w)[:, 0], (u - umean[cell]) * w, rel=1e-13)


def test_from_columns_labels_and_margins():
    d = pd.DataFrame({"a": ["x", "y", "x"], "b": ["p", None, "q"]})
    cal = Calibration.from_columns(d, ["a", "b"], np.ones(3), variance="rake")
    assert cal.labels == ("a=x", "a=y", "b=p", "b=q") and cal.margins == ("a", "a", "b", "b")
    assert cal.model_matrix[1, 2:].sum() == 0  # missing: a row of zeros in that margin
    with pytest.raises(DesignError, match="calibration column"):
        Calibration.from_columns(d, ["c"], np.ones(3))
    with pytest.raises(DesignError, match="unknown calibration variance"):
        Calibration(np.ones((3, 1)), np.ones(3), variance="greg")
