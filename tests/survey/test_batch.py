"""The batched survey statistics (survey/batch.py), checked against R survey 4.1.1 and against
the one-variable functions they batch.

Oracle blocks (rel 1e-10): ``svychisq`` (second-order F), ``svyranktest`` and
``raking.rsrs_converged``. The other checks compare with :mod:`.inference`, :mod:`.contrasts`
and :meth:`SurveyDesign.variance` (themselves checked against R) on a calibrated design.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.survey import batch, contrasts, inference
from sosiale_kommuner.survey import weighting as W
from sosiale_kommuner.survey.design import SurveyDesign

ORACLE = Path(__file__).parents[1] / "oracle"


def close(actual, expected, rel=1e-10):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rel, atol=0)


def load(name):
    return pd.read_csv(ORACLE / "data" / f"{name}.csv", dtype={"cds": str})


@pytest.fixture(scope="module")
def dstrat():
    return SurveyDesign(load("apistrat"), "pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def calibrated():
    """apisrs raked to stype and sch.wide (R's rsrs design), with a stratification by stype."""
    d = load("apisrs")
    margins = {"stype": {"E": 4421.0, "H": 755.0, "M": 1018.0}, "sch.wide": {"No": 1072.0, "Yes": 5122.0}}
    res = W.rake_weights(d, (d["fpc"] / len(d)).to_numpy(), margins, tol=1e-13)
    return SurveyDesign(d, res.weights.to_numpy(), strata="stype", calibration=res.calibration)


def codes(col: pd.Series, levels) -> np.ndarray:
    return col.map({v: i for i, v in enumerate(levels)}).fillna(-1).to_numpy().astype(int)


@pytest.mark.oracle
def test_rao_scott_matches_r_svychisq(dstrat, ref):
    """Two copies of R's table (sch.wide x stype) and one with rows left out give R's F."""
    f = ref["svychisq"]["F"]
    ad = batch.ArrayDesign.from_design(dstrat)
    row = codes(dstrat.column("sch.wide"), ["No", "Yes"])
    col = codes(dstrat.column("stype"), ["E", "H", "M"])
    cell = col * 2 + row
    cells = np.column_stack([cell, cell, np.where(np.arange(dstrat.n) % 3 == 0, -1, cell)])
    r = batch.rao_scott_f(ad, cells, 2, 3)
    close([r["statistic"][0], r["ndf"][0], r["ddf"][0], r["p_value"][0]], [f["statistic"], f["ndf"], f["ddf"], f["p_value"]])
    close([r["statistic"][1], r["p_value"][1]], [f["statistic"], f["p_value"]])
    sub = inference.rao_scott_cells(dstrat, np.column_stack([((cell == k) & (cells[:, 2] >= 0)).astype(float)
                                                              for k in range(6)]), cells[:, 2] >= 0, 2, 3)
    close([r["statistic"][2], r["ndf"][2], r["p_value"][2]], [sub["statistic"], sub["ndf"], sub["p_value"]], 1e-12)


@pytest.mark.oracle
def test_rank_scores_and_wald_match_r_svyranktest(dstrat, ref):
    k = ref["svyranktest"]
    ad = batch.ArrayDesign.from_design(dstrat)
    y = dstrat.column("api00").to_numpy(float)[:, None]
    g = codes(dstrat.column("stype"), ["E", "H", "M"])
    rs = batch.rank_scores(y, dstrat.weights, np.ones_like(y, dtype=bool))
    r = batch.group_means_wald(ad, rs, g, 3)
    close([r["chisq"][0], r["statistic"][0], r["p_value"][0]], [k["chisq"], k["F"], k["p_value"]])
    assert (r["ndf"][0], r["ddf"][0]) == (k["df"], k["ddf"])


@pytest.mark.oracle
def test_rake_matches_r(ref):
    """R's rsrs_converged weights (apisrs raked to stype, then sch.wide)."""
    d = load("apisrs")
    block = ref["raking"]["rsrs_converged"]
    pm = ref["raking"]["population_margins"]
    assert d["snum"].tolist() == block["snum"]
    m = [(d["stype"], pm["stype"]), (d["sch.wide"], pm["sch.wide"])]
    w, _, _ = batch.rake((d["fpc"] / len(d)).to_numpy(), [codes(c, list(t)) for c, t in m],
                         [np.array(list(t.values()), float) for _, t in m], tol=1e-13)
    close(w, block["weights"])


def test_rake_equals_survey_rake_with_collapsing():
    """Sparse categories merged as weighting.collapse_sparse does: the same weights, bit for bit."""
    rng = np.random.default_rng(4)
    n = 120
    a = rng.choice(4, n, p=[0.45, 0.45, 0.08, 0.02])
    b = rng.choice(3, n)
    base = rng.uniform(1, 3, n)
    ta, tb = np.array([300.0, 250.0, 40.0, 10.0]), np.array([200.0, 200.0, 200.0])
    df = pd.DataFrame({"a": a, "b": b})
    ref = W.rake_weights(df, base, {"a": dict(enumerate(ta)), "b": dict(enumerate(tb))}, min_cell=5)
    w, merged, targets = batch.rake(base, [a, b], [ta, tb], min_cell=5)
    assert np.array_equal(w, ref.weights.to_numpy())
    assert len(targets[0]) < 4 and targets[0].sum() == ta.sum()


def test_covariance_domain_means_and_subset_df(calibrated):
    ad = batch.ArrayDesign.from_design(calibrated)
    rng = np.random.default_rng(1)
    y = rng.normal(size=(calibrated.n, 3))
    mask = rng.random((calibrated.n, 3)) < 0.7
    est, scores, _ = batch.domain_means(ad, y, mask)
    for j in range(3):
        from sosiale_kommuner.survey.estimation import mean_scores

        e1, s1, _ = mean_scores(calibrated, y[:, j], mask[:, j])
        close(est[j], e1[0], 1e-13)
        close(ad.covariance(scores[:, j:j + 1, None])[0, 0, 0], calibrated.variance(s1)[0, 0], 1e-12)
        assert ad.subset_df(mask)[j] == mask[:, j].sum() - len(np.unique(calibrated.strata[mask[:, j]]))
    x = rng.normal(size=(calibrated.n, 2, 3))
    per = ad.stratum_covariance(x)
    for j in range(2):
        close(per[:, j], contrasts.stratum_covariance(calibrated, x[:, j]), 1e-12)
        close(per[:, j].sum(axis=0), calibrated.variance(x[:, j]), 1e-12)


@pytest.mark.parametrize("df_method", ["design", "satterthwaite"])
def test_domain_difference_equals_contrasts(calibrated, df_method):
    ad = batch.ArrayDesign.from_design(calibrated)
    g = codes(calibrated.column("stype"), ["E", "H", "M"])
    y = np.column_stack([calibrated.column("api00").to_numpy(float),
                         (calibrated.column("awards") == "Yes").to_numpy(float),
                         (calibrated.column("both") == "Yes").to_numpy(float)])
    ok = np.column_stack([np.ones(calibrated.n, bool), calibrated.column("yr.rnd").eq("No").to_numpy(),
                          np.ones(calibrated.n, bool)])
    prop = np.array([False, True, True])
    r = batch.domain_difference(ad, y, ok, g, 1, 0, df_method=df_method, proportion=prop)
    for j in range(3):
        one = contrasts.domain_difference(calibrated, y[:, j], ok[:, j], g, 1, 0, df_method=df_method,
                                          proportion=bool(prop[j]))
        for k in ("estimate", "se", "ci_low", "ci_high", "t", "df", "p_value"):
            close(r[k][j], one[k], 1e-11)


def test_group_means_wald_with_a_given_ddf_equals_inference(calibrated):
    ad = batch.ArrayDesign.from_design(calibrated)
    g = codes(calibrated.column("stype"), ["E", "H", "M"])
    y = np.column_stack([calibrated.column("api00").to_numpy(float), calibrated.column("meals").to_numpy(float)])
    y[::7, 1] = np.nan
    r = batch.group_means_wald(ad, y, g, 3, ddf=np.array([15.0, 30.0]))
    for j, ddf in enumerate((15.0, 30.0)):
        one = inference.group_means_wald(calibrated, y[:, j], g, ddf=ddf)
        close([r["statistic"][j], r["chisq"][j], r["p_value"][j]], [one["statistic"], one["chisq"], one["p_value"]],
              1e-11)


def test_array_design_needs_one_psu_per_row():
    d = load("apiclus1")
    with pytest.raises(ValueError, match="clustered"):
        batch.ArrayDesign.from_design(SurveyDesign(d, "pw", psu="dnum"))
    with pytest.raises(ValueError, match="at least|>= 2"):
        batch.ArrayDesign(np.ones(3), np.array([0, 0, 1]))
