"""Weighting (survey/weighting.py): raking, calibration, post-stratification, collapsing,
trimming, base weights — on designs and on weights.

Oracle blocks (R survey 4.1.1, rel 1e-10, docs/contracts.md §7): ``raking.rclus1_converged``,
``raking.rsrs_converged``, ``raking.calibrate_raking_clus1/srs`` (weights row by row,
mean/total with calibration-aware SEs, Kish n) and ``poststratify``. The unequal-base-weight
blocks of ``reference_domains.json`` are in test_calibration.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load

from sosiale_kommuner.survey import estimation as E
from sosiale_kommuner.survey import weighting as W
from sosiale_kommuner.survey.design import svydesign
from sosiale_kommuner.survey.errors import DesignError

ORACLE = Path(__file__).parents[1] / "oracle"
REL = 1e-10


def close(actual, expected, rel=REL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rel, atol=0)


CASES = {
    # name: (data set, base weights, design arguments)
    "clus1": ("apiclus1", lambda d: d["pw"], dict(psu="dnum", fpc="fpc")),
    "srs": ("apisrs", lambda d: d["fpc"] / len(d), dict(fpc="fpc")),  # R: svydesign(id=~1, fpc=~fpc)
}


def raked(name, ref, **kw):
    data_name, base, design_args = CASES[name]
    d = load(data_name)
    pm = ref["raking"]["population_margins"]
    res = W.rake_weights(d, base(d).to_numpy(), {"stype": pm["stype"], "sch.wide": pm["sch.wide"]}, **kw)
    return d, res, res.design(d, **design_args)


# --- oracle -----------------------------------------------------------------------------
@pytest.mark.oracle
@pytest.mark.parametrize("name", ["clus1", "srs"])
def test_rake_converged_matches_r(name, ref):
    d, res, des = raked(name, ref, tol=1e-13)
    block = ref["raking"][f"r{name}_converged"]
    assert d["snum"].tolist() == block["snum"]
    close(res.weights, block["weights"])
    close(res.weights.sum(), block["sum_weights"])
    for margin, cats in block["achieved_margins"].items():
        got = res.margins[res.margins.margin == margin].set_index("category")["achieved"]
        close([got[k] for k in cats], list(cats.values()))
    close(E.kish_n(res.weights), block["kish_effective_n"])
    close(E.kish_n(res.weights), ref["design_effect"]["kish_effective_n"][f"r{name}_converged"])
    m, t = E.mean(des, "api00"), E.total(des, "enroll")
    close(m.estimate, [block["mean_api00"]["estimate"]])
    close(m.se, [block["mean_api00"]["se"]])
    close(t.estimate, [block["total_enroll"]["estimate"]])
    close(t.se, [block["total_enroll"]["se"]])


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["clus1", "srs"])
def test_rake_matches_r_calibrate_raking(name, ref):
    _, res, des = raked(name, ref, tol=1e-13)
    block = ref["raking"][f"calibrate_raking_{name}"]
    close(res.weights, block["weights"])
    for key, fn, var in (("mean_api00", E.mean, "api00"), ("total_enroll", E.total, "enroll")):
        out = fn(des, var)
        close(out.estimate, [block[key]["estimate"]])
        close(out.se, [block[key]["se"]])


@pytest.mark.oracle
def test_poststratify_matches_r(ref):
    d = load("apiclus1")
    ps = ref["poststratify"]
    res = W.poststratify_weights(d, "pw", "stype", ref["raking"]["population_margins"]["stype"])
    assert d["snum"].tolist() == ps["snum"]
    close(res.weights, ps["weights"])
    des = res.design(d, psu="dnum", fpc="fpc")
    for key, fn, var in (("mean_api00", E.mean, "api00"), ("total_enroll", E.total, "enroll")):
        out = fn(des, var)
        close(out.estimate, [ps[key]["estimate"]])
        close(out.se, [ps[key]["se"]])


# --- behaviour and error cases -------------------------------------------------------------
def toy():
    """Synthetic toy data (not survey data): 3 size classes x 2 regions."""
    return pd.DataFrame({
        "size": ["small"] * 2 + ["medium"] * 8 + ["large"] * 10,
        "region": (["north", "south"] * 10),
        "w0": 1.0,
    })


SIZE = {"small": 50.0, "medium": 30.0, "large": 20.0}
REGION = {"north": 40.0, "south": 60.0}


def test_rake_returns_new_weights_and_diagnostics():
    d = toy()
    before = d.copy()
    res = W.rake_weights(d, "w0", {"size": SIZE, "region": REGION}, tol=1e-12)
    pd.testing.assert_frame_equal(d, before)  # input untouched
    assert res.weights.name == "w_raked" and res.converged and res.iterations >= 1
    assert res.weights.sum() == pytest.approx(100.0, rel=1e-12)
    assert res.margins.rel_diff.abs().max() < 1e-12
    assert set(res.margins.columns) >= {"margin", "category", "target", "achieved", "n_respondents"}
    assert res.collapses.empty


def test_empty_population_category_is_a_clear_error():
    d = toy()
    with pytest.raises(W.EmptyCategoryError, match=r"margin 'size', category 'huge'.*no respondents"):
        W.rake_weights(d, "w0", {"size": {**SIZE, "huge": 5.0}, "region": {"north": 45.0, "south": 60.0}})
    with pytest.raises(W.EmptyCategoryError, match=r"margin 'region', category 'north'.*population count of 0"):
        W.rake_weights(d, "w0", {"size": SIZE, "region": {"north": 0.0, "south": 100.0}})


def test_unknown_category_and_inconsistent_totals():
    d = toy()
    with pytest.raises(W.WeightingError, match=r"margin 'size'.*\['large'\]"):
        W.rake_weights(d, "w0", {"size": {"small": 50.0, "medium": 50.0}})
    with pytest.raises(W.WeightingError, match="disagree"):
        W.rake_weights(d, "w0", {"size": SIZE, "region": {"north": 40.0, "south": 61.0}})


def test_sparse_cell_collapse_is_documented_and_reported():
    d = toy()  # 'small' has 2 respondents
    res = W.rake_weights(d, "w0", {"size": SIZE, "region": REGION}, min_cell=5, tol=1e-12)
    assert res.collapses.to_dict("records") == [
        dict(margin="size", merged="small | medium", into="small + medium", n_respondents=10)]
    m = res.margins.set_index(["margin", "category"])
    assert m.loc[("size", "small + medium"), "target"] == 80.0
    assert m.loc[("size", "small + medium"), "achieved"] == pytest.approx(80.0, rel=1e-12)
    assert res.cells["size"].tolist()[:10] == ["small + medium"] * 10


def test_collapse_merges_an_empty_category_and_picks_the_smaller_neighbour():
    mapping, targets, rec = W.collapse_sparse({"a": 9, "b": 0, "c": 3, "d": 20},
                                              {"a": 10, "b": 5, "c": 5, "d": 30}, 5, margin="m")
    # b (0) merges with its smaller neighbour c (3) -> "b + c" (3) -> merges with a (9) not d (20)
    assert [r["into"] for r in rec] == ["b + c", "a + b + c"]
    assert mapping == {"a": "a + b + c", "b": "a + b + c", "c": "a + b + c", "d": "d"}
    assert targets == {"a + b + c": 20.0, "d": 30.0}
    with pytest.raises(W.EmptyCategoryError, match="only 3"):
        W.collapse_sparse({"a": 1, "b": 2}, {"a": 1, "b": 1}, 5, margin="m")
    # empty population category in rake with collapsing enabled: merged, no error
    d = toy()
    res = W.rake_weights(d, "w0", {"size": {**SIZE, "huge": 0.0}, "region": REGION}, min_cell=1)
    assert "large + huge" in res.cells["size"].tolist()


def test_non_convergence_names_the_margin():
    d = load("apiclus1")
    with pytest.raises(W.RakingError, match=r"margin 'stype'"):
        W.rake_weights(d, "pw", {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}},
               max_iter=1)
    # structurally impossible margins: respondents only in (a, x) and (b, y)
    bad = pd.DataFrame({"u": ["a", "b"] * 5, "v": ["x", "y"] * 5})
    with pytest.raises(W.RakingError, match="did not converge"):
        W.rake_weights(bad, 1.0, {"u": {"a": 50, "b": 50}, "v": {"x": 30, "y": 70}}, max_iter=200)


def test_trim_and_rake_caps_weights_and_keeps_margins():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"size": rng.choice(["s", "m", "l"], 200, p=[0.2, 0.3, 0.5]),
                      "region": rng.choice(["n", "s"], 200), "w0": rng.lognormal(0, 0.8, 200)})
    margins = {"size": {"s": 300.0, "m": 300.0, "l": 400.0}, "region": {"n": 500.0, "s": 500.0}}
    plain = W.rake_weights(d, "w0", margins)
    res = W.trim_and_rake_weights(d, "w0", margins, cap_ratio=3.0)
    cap = 3.0 * np.median(plain.weights)
    assert res.trimming["cap"] == pytest.approx(cap)
    assert plain.weights.max() > cap and res.weights.max() <= cap * (1 + 1e-12)
    assert res.trimming["n_above_cap_before"] > 0 and res.trimming["n_at_cap"] > 0
    assert res.margins.rel_diff.abs().max() < 1e-10
    with pytest.raises(W.RakingError, match="margin"):  # a cap below the mean weight is unreachable
        W.trim_and_rake_weights(d, "w0", margins, cap_ratio=0.5, max_iter=300)


def test_response_base_weights():
    units = pd.DataFrame({"cls": ["a"] * 10 + ["b"] * 5,
                          "mapped": [True] * 8 + [False] * 2 + [True] * 5,
                          "responded": [True] * 4 + [False] * 6 + [True] * 1 + [False] * 4})
    bw, tab = W.response_base_weights(units, "cls")
    assert bw.iloc[0] == pytest.approx(10 / 4) and bw.iloc[10] == pytest.approx(5 / 1)
    assert bw[~units.responded].isna().all()
    assert bw.sum() == pytest.approx(15.0)
    t = tab.set_index("cls")
    assert t.loc["a", "p_mapped"] == pytest.approx(0.8) and t.loc["a", "p_responded"] == pytest.approx(0.5)
    units.loc[10, "responded"] = False
    with pytest.raises(W.EmptyCategoryError, match=r"\['b'\]"):
        W.response_base_weights(units, "cls")




# --- on a design: a new design with the calibration inside ---------------------------------
@pytest.mark.oracle
@pytest.mark.parametrize("name", ["clus1", "srs"])
def test_rake_a_design_matches_r(name, ref):
    data_name, base, design_args = CASES[name]
    d = load(data_name)
    pm = ref["raking"]["population_margins"]
    before = svydesign(d, base(d).to_numpy(), fpc=design_args["fpc"], ids=design_args.get("psu"))
    weights_before = before.weights.copy()
    after = W.rake(before, {"stype": pm["stype"], "sch.wide": pm["sch.wide"]}, tol=1e-13)
    block = ref["raking"][f"calibrate_raking_{name}"]
    close(after.weights, block["weights"])
    for key, fn, var in (("mean_api00", E.svymean, "api00"), ("total_enroll", E.svytotal, "enroll")):
        out = fn(after, var)
        close([out.coef().iloc[0], out.SE().iloc[0]], [block[key]["estimate"], block[key]["se"]])
    assert np.array_equal(before.weights, weights_before) and before.calibration is None  # unchanged
    report = after.calibration.diagnostics
    assert report.converged and report.iterations >= 1 and report.collapses.empty
    assert set(report.margins["margin"]) == {"stype", "sch.wide"} and report.margins["rel_diff"].abs().max() < 1e-12


@pytest.mark.oracle
def test_poststratify_and_calibrate_a_design(ref):
    d = load("apiclus1")
    des = svydesign(d, "pw", ids="dnum", fpc="fpc")
    ps = W.poststratify(des, "stype", ref["raking"]["population_margins"]["stype"])
    close(ps.weights, ref["poststratify"]["weights"])
    close(E.svymean(ps, "api00").SE(), [ref["poststratify"]["mean_api00"]["se"]])
    pm = ref["raking"]["population_margins"]
    cal = W.calibrate(des, {"stype": pm["stype"], "sch.wide": pm["sch.wide"]}, tol=1e-13)
    assert cal.calibration.variance == "calibrate"
    close(E.svymean(cal, "api00").SE(), [ref["raking"]["calibrate_raking_clus1"]["mean_api00"]["se"]])


def test_design_calibration_refuses_what_r_would_not_mean():
    d = toy()
    des = svydesign(d, "w0")
    raked = W.rake(des, {"size": SIZE, "region": REGION}, tol=1e-12)
    with pytest.raises(DesignError, match="already calibrated"):
        W.rake(raked, {"size": SIZE})
    with pytest.raises(DesignError, match="cannot calibrate a subset"):
        W.rake(des.subset(d["size"] == "large"), {"size": {"large": 20.0}})
    with pytest.raises(DesignError, match="unsupported calibration function"):
        W.calibrate(des, {"size": SIZE}, calfun="linear")
    with pytest.raises(DesignError, match="unknown variance"):
        W.rake(des, {"size": SIZE}, variance="greg")
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"size": rng.choice(["s", "m", "l"], 200, p=[0.2, 0.3, 0.5]),
                      "region": rng.choice(["n", "s"], 200), "w0": rng.lognormal(0, 0.8, 200)})
    margins = {"size": {"s": 300.0, "m": 300.0, "l": 400.0}, "region": {"n": 500.0, "s": 500.0}}
    trimmed = W.trim_and_rake(svydesign(d, "w0"), margins, cap_ratio=3.0)
    assert trimmed.calibration.diagnostics.trimming["n_above_cap_before"] > 0
    assert trimmed.weights.max() <= trimmed.calibration.diagnostics.trimming["cap"] * (1 + 1e-12)
