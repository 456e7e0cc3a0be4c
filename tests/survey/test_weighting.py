"""Weighting: raking, post-stratification, collapsing, trimming, base weights.

Oracle blocks (R survey 4.1.1, rel 1e-10, docs/contracts.md §7): ``raking.rclus1_converged``,
``raking.rsrs_converged``, ``raking.calibrate_raking_clus1/srs`` (weights row by row,
mean/total with calibration-aware SEs, Kish n) and ``poststratify``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load_oracle as load

from sosiale_kommuner.chapters import weighting as R
from sosiale_kommuner.survey import estimation as E
from sosiale_kommuner.survey import weighting as W

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
    res = W.rake(d, base(d).to_numpy(), {"stype": pm["stype"], "sch.wide": pm["sch.wide"]}, **kw)
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
    res = W.poststratify(d, "pw", "stype", ref["raking"]["population_margins"]["stype"])
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
    res = W.rake(d, "w0", {"size": SIZE, "region": REGION}, tol=1e-12)
    pd.testing.assert_frame_equal(d, before)  # input untouched
    assert res.weights.name == "w_raked" and res.converged and res.iterations >= 1
    assert res.weights.sum() == pytest.approx(100.0, rel=1e-12)
    assert res.margins.rel_diff.abs().max() < 1e-12
    assert set(res.margins.columns) >= {"margin", "category", "target", "achieved", "n_respondents"}
    assert res.collapses.empty


def test_empty_population_category_is_a_clear_error():
    d = toy()
    with pytest.raises(W.EmptyCategoryError, match=r"margin 'size', category 'huge'.*no respondents"):
        W.rake(d, "w0", {"size": {**SIZE, "huge": 5.0}, "region": {"north": 45.0, "south": 60.0}})
    with pytest.raises(W.EmptyCategoryError, match=r"margin 'region', category 'north'.*population count of 0"):
        W.rake(d, "w0", {"size": SIZE, "region": {"north": 0.0, "south": 100.0}})


def test_unknown_category_and_inconsistent_totals():
    d = toy()
    with pytest.raises(W.WeightingError, match=r"margin 'size'.*\['large'\]"):
        W.rake(d, "w0", {"size": {"small": 50.0, "medium": 50.0}})
    with pytest.raises(W.WeightingError, match="disagree"):
        W.rake(d, "w0", {"size": SIZE, "region": {"north": 40.0, "south": 61.0}})


def test_sparse_cell_collapse_is_documented_and_reported():
    d = toy()  # 'small' has 2 respondents
    res = W.rake(d, "w0", {"size": SIZE, "region": REGION}, min_cell=5, tol=1e-12)
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
    res = W.rake(d, "w0", {"size": {**SIZE, "huge": 0.0}, "region": REGION}, min_cell=1)
    assert "large + huge" in res.cells["size"].tolist()


def test_non_convergence_names_the_margin():
    d = load("apiclus1")
    with pytest.raises(W.RakingError, match=r"margin 'stype'"):
        W.rake(d, "pw", {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}},
               max_iter=1)
    # structurally impossible margins: respondents only in (a, x) and (b, y)
    bad = pd.DataFrame({"u": ["a", "b"] * 5, "v": ["x", "y"] * 5})
    with pytest.raises(W.RakingError, match="did not converge"):
        W.rake(bad, 1.0, {"u": {"a": 50, "b": 50}, "v": {"x": 30, "y": 70}}, max_iter=200)


def test_trim_and_rake_caps_weights_and_keeps_margins():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"size": rng.choice(["s", "m", "l"], 200, p=[0.2, 0.3, 0.5]),
                      "region": rng.choice(["n", "s"], 200), "w0": rng.lognormal(0, 0.8, 200)})
    margins = {"size": {"s": 300.0, "m": 300.0, "l": 400.0}, "region": {"n": 500.0, "s": 500.0}}
    plain = W.rake(d, "w0", margins)
    res = W.trim_and_rake(d, "w0", margins, cap_ratio=3.0)
    cap = 3.0 * np.median(plain.weights)
    assert res.trimming["cap"] == pytest.approx(cap)
    assert plain.weights.max() > cap and res.weights.max() <= cap * (1 + 1e-12)
    assert res.trimming["n_above_cap_before"] > 0 and res.trimming["n_at_cap"] > 0
    assert res.margins.rel_diff.abs().max() < 1e-10
    with pytest.raises(W.RakingError, match="margin"):  # a cap below the mean weight is unreachable
        W.trim_and_rake(d, "w0", margins, cap_ratio=0.5, max_iter=300)


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


# --- the project's weights (synthetic toy frame, not the real one) -------------------------------
def toy_population(seed=3):
    rng = np.random.default_rng(seed)
    n = 120
    size = pd.Categorical(rng.choice(["< 5 000", "5 000–19 999", "≥ 20 000"], n, p=[0.5, 0.3, 0.2]),
                          categories=["< 5 000", "5 000–19 999", "≥ 20 000"], ordered=True)
    region = pd.Categorical(rng.choice(["A", "B", "C"], n), categories=["A", "B", "C"], ordered=True)
    k = pd.DataFrame({"unit_id": [f"{i:04d}" for i in range(n)], "unit_type": "kommune",
                      "size_class": size, "region": region})
    f = pd.DataFrame({"unit_id": [f"{i:02d}" for i in range(1, 11)], "unit_type": "fylkeskommune",
                      "size_class": pd.Categorical([None] * 10, categories=size.categories, ordered=True),
                      "region": pd.Categorical([None] * 10, categories=region.categories, ordered=True)})
    pop = pd.concat([k, f], ignore_index=True)
    p = np.where(pop.size_class.astype(object) == "≥ 20 000", 0.9, 0.6)
    mapped = rng.random(len(pop)) < p
    cov = pop[["unit_id", "unit_type"]].assign(mapped=mapped, responded=mapped & (rng.random(len(pop)) < p))
    return pop, cov


def test_calibrate_population_weights_sum_to_populations():
    pop, cov = toy_population()
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    t = pw.table
    assert set(t.columns) == {"unit_id", "unit_type", "stratum", "base_weight", "weight"}
    assert t[t.unit_type == "kommune"].weight.sum() == pytest.approx(120, rel=1e-10)
    assert t[t.unit_type == "fylkeskommune"].weight.sum() == pytest.approx(10, rel=1e-10)
    assert len(t) == cov.responded.sum()
    # base weights = N_c / responded_c, and they already sum to the population per cell
    kb = t[t.unit_type == "kommune"].groupby("stratum").base_weight.sum()
    npop = pop[pop.unit_type == "kommune"].size_class.astype(str).value_counts()
    assert np.allclose(kb.sort_index(), npop.sort_index())
    assert pw.municipal.margins.rel_diff.abs().max() < 1e-10
    d = pw.design()
    assert d.has_fpc and d.calibration is not None and d.n == (t.unit_type == "kommune").sum()
    assert pw.stratum_counts["fylkeskommune"] == 10
    dc = pw.design(unit_type="fylkeskommune", fpc=False)
    assert not dc.has_fpc and len(dc.strata_labels) == 1


def test_calibrate_population_weights_errors():
    pop, cov = toy_population()
    with pytest.raises(W.WeightingError, match="without coverage"):
        R.calibrate_population_weights(pop, cov.iloc[1:])
    cov2 = cov.copy()
    cov2.loc[pop.size_class.astype(object) == "≥ 20 000", "responded"] = False
    with pytest.raises(W.EmptyCategoryError, match="≥ 20 000"):
        R.calibrate_population_weights(pop, cov2)


# --- weighting-chapter helpers ------------------------------------------------------------
def test_weighting_report_tables():


    pop, cov = toy_population()
    cov = cov.assign(facebook_page=np.arange(len(cov)) % 2 == 0)
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    u = R.units_table(pop, cov)
    rates = R.coverage_rates(u, "size_class")
    assert rates.N.sum() == 120 and (rates.response_rate <= rates.mapped_rate).all()
    assert R.coverage_rates(u, None).set_index("unit_type").loc["fylkeskommune", "N"] == 10
    bal = R.balance_table(u, pw, columns=("size_class", "region"))
    assert bal.is_margin.all() and bal.diff_weighted.abs().max() < 1e-10
    assert bal.groupby("variable").share_weighted.sum().tolist() == pytest.approx([1.0, 1.0])
    ws = R.weight_summary(pw).set_index("unit_type")
    assert ws.loc["kommune", "sum"] == pytest.approx(120) and ws.loc["fylkeskommune", "cv"] == pytest.approx(0)
    assert ws.loc["kommune", "deff_weighting"] == pytest.approx(1 + ws.loc["kommune", "cv"] ** 2)
    fc = R.flag_check(pw, u).set_index("unit_type")
    assert fc.loc["kommune", "census"] == pytest.approx(0.5)
    assert 0 <= fc.loc["kommune", "ci_low"] <= fc.loc["kommune", "weighted"] <= fc.loc["kommune", "ci_high"] <= 1


def test_truth_coverage_matches_levels_and_options():


    est = pd.DataFrame({"item": ["q1", "q1", "q2", "q3"], "level": ["yes", "no", "opt", "mean"],
                        "domain": ["size_class", "all", "unit_type", "size_class"],
                        "group": ["small", "all", "kommune", "small"], "estimate": [0.5, 0.5, 0.2, 3.0],
                        "ci_low": [0.4, 0.4, 0.1, 2.0], "ci_high": [0.6, 0.6, 0.3, 4.0]})
    truth = {"q1": {"size_class": {"small": {"yes": 0.65}}, "all": {"all": {"no": 0.5}}},
             "q2__opt": {"unit_type": {"kommune": {"proportion": 0.25}}},
             "q3": {"size_class": {"small": {"mean": 3.5}}}}
    cov = R.truth_coverage(est, truth)
    assert cov[["item", "covered"]].values.tolist() == [["q1", False], ["q2", True], ["q3", True]]


def test_margin_choice_rule():


    def flag(w, covered=True):
        return pd.DataFrame({"unit_type": ["kommune"], "census": [0.5], "weighted": [w], "se": [0.03],
                             "covered": [covered]})

    def truth(err):
        return pd.DataFrame({"estimate": [0.5 + err] * 4, "truth": [0.5] * 4, "covered": [True, True, True, False]})

    c = {"base": dict(margins=("a",), flag=flag(0.51), truth=truth(0.02)),
         "more": dict(margins=("a", "b"), flag=flag(0.505), truth=truth(0.01))}
    name, tab, reason = R.margin_choice(c)
    assert name == "more" and tab.chosen.tolist() == [False, True] and "smallest" in reason
    c["more"]["truth"] = truth(0.02 - 5e-5)  # within 1e-4: a tie goes to the simpler weighting
    assert R.margin_choice(c)[0] == "base" and "tie" in R.margin_choice(c)[2]
    c["more"]["truth"] = truth(0.0)
    c["more"]["flag"] = flag(0.7, covered=False)  # best truth but its flag interval misses the census
    assert R.margin_choice(c)[0] == "base"
    no_truth = {k: dict(v, truth=None) for k, v in c.items()}
    no_truth["more"]["flag"] = flag(0.505)
    assert R.margin_choice(no_truth)[0] == "more"
