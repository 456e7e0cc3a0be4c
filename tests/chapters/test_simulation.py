"""The simulation behind chapter 11, and what it promises about chapter 09 (SYNTHETIC data)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_tests, simulation, simulation_county, simulation_replicates
from sosiale_kommuner.chapters import simulation_summaries as summaries
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, synth

#: Fixed seeds for the Monte Carlo checks: the outcome is deterministic, not luck.
NULL_SEED = 31_000
NULL_REPLICATES = 6


@pytest.fixture(scope="module")
def inputs():
    params = synth.load_params()
    book = cbm.load_codebook()
    pop = frame.load_population(config.paths().frame)
    return params, book, pop


def test_null_params_remove_every_group_term(inputs):
    params, book, _ = inputs
    null = simulation.null_params(params)
    for col, spec in null["items"].items():
        assert not set(simulation.GROUP_TERMS) & set(spec), col
        assert "facebook_forces_yes" not in spec
        if "probs" in spec:
            assert spec["probs"][config.KOMMUNE] == spec["probs"][config.FYLKESKOMMUNE]
    # the generator then plants no effect at all, and selection is unchanged
    _, nulls = synth.planted_effects(null, book)
    n_cols = len(item_tests.analysable(book))
    assert len(nulls["size_class"]) == n_cols - 1  # a9_has_involved keeps its covariates (themselves null)
    assert null["response"] == params["response"] and null["coverage"] == params["coverage"]
    assert params["items"]["a1_channels__twitter"]["size_class"]  # the input is not modified


def test_true_nulls_exclude_facebook_forced_columns(inputs):
    params, book, _ = inputs
    nulls = simulation.true_nulls(params, book)
    assert "a1_channels__facebook" not in nulls["size_class"]  # forced yes by a size-dependent page
    assert "a1_channels__blog" in nulls["size_class"] and "a1_channels__blog" in nulls["unit_type"]
    assert "a1_channels__twitter" not in nulls["size_class"]
    assert "a7_separate_counties" in nulls["size_class"] and "a7_separate_counties" not in nulls["unit_type"]
    # no workaround left: the generator's own list says the same
    _, planted = synth.planted_effects(params, book)
    assert nulls == {cmp: set(planted[cmp]) for cmp in simulation.COMPARISONS}


def test_process_targets_are_zero_under_the_null(inputs):
    params, book, pop = inputs
    specs = [s for s in item_tests.analysable(book) if s.column in
             ("a1_channels__twitter", "a4_formalisation", "a1_n_accounts", "a3_strategy_status")]
    null = simulation.process_targets(simulation.null_params(params), book, pop, specs, reps=30, seed=5)
    assert (null["target"].abs() < 4 * null["mc_se"]).all(), null
    planted = simulation.process_targets(params, book, pop, specs, reps=30, seed=5).set_index(["comparison", "item"])
    # twitter: size_class terms [0, 0.9, 2.2] on the logit scale: a large positive contrast
    assert planted.loc[("size_class", "a1_channels__twitter"), "target"] > 0.2
    assert planted.loc[("size_class", "a1_n_accounts"), "target"] > 3


def test_summaries_by_hand():
    rows = []
    for rep in range(4):
        for item, p, padj, eff in (("x", 0.01, 0.02, 0.3), ("y", 0.2, 0.2, 0.0), ("z", 0.03, 0.04, 0.1)):
            rows.append(dict(scenario="planted", seed=rep, replicate=rep, comparison="size_class", item=item,
                             statistic=1.0, p_value=p if rep else 0.5, p_adjusted=padj if rep else 0.5,
                             effect_size=eff, effect_ci_low=eff - 0.1, effect_ci_high=eff + 0.1, effect_se=0.05))
    res = pd.DataFrame(rows)
    nulls = {"size_class": {"y", "z"}}
    f = summaries.fdp(res, nulls).iloc[0]
    # replicates 1-3 discover x and z (z is null): FDP 1/2; replicate 0 discovers nothing: FDP 0
    assert f["mean_fdp"] == pytest.approx(3 * 0.5 / 4)
    assert f["bh_bound"] == pytest.approx(0.05 * 2 / 3)
    pw = summaries.power(res, nulls).set_index("item")
    assert list(pw.index) == ["x"] and pw.loc["x", "power"] == 0.75
    targets = pd.DataFrame({"comparison": ["size_class"] * 3, "item": ["x", "y", "z"], "target": [0.35, 0.2, 0.1]})
    cov = summaries.coverage(res, targets).set_index("item")
    assert cov.loc["x", "coverage"] == 1.0 and cov.loc["y", "coverage"] == 0.0 and cov.loc["z", "coverage"] == 1.0
    lo, hi = summaries.binom_interval(0, 10)
    assert lo == 0 and hi == pytest.approx(1 - 0.025 ** (1 / 10))


@pytest.mark.slow
def test_results_do_not_depend_on_worker_count(inputs):
    params, book, pop = inputs
    kw = dict(replicates=2, scenarios=("null",), params=params, codebook=book, population=pop, base_seed=77)
    one = simulation.run(workers=1, **kw)
    two = simulation.run(workers=2, **kw)
    pd.testing.assert_frame_equal(one, two)
    assert sorted(one["seed"].unique()) == [77, 78]


@pytest.fixture(scope="module")
def null_run(inputs):
    params, book, pop = inputs
    return simulation.run(NULL_REPLICATES, scenarios=("null",), params=params, codebook=book, population=pop,
                          base_seed=NULL_SEED, workers=2)


@pytest.mark.slow
def test_null_rejection_rate_within_monte_carlo_interval(null_run):
    """Under the global null, the pooled share of tests rejecting at 5 % lies in the exact
    99.9 % binomial interval around 5 % (about 1 100 tests with these fixed seeds)."""
    for cmp, d in null_run.groupby("comparison"):
        p = d["p_value"].dropna()
        n, k = len(p), int((p < 0.05).sum())
        lo, hi = stats.binom.ppf([0.0005, 0.9995], n, 0.05)
        assert n > 300, cmp
        assert lo <= k <= hi, f"{cmp}: {k} of {n} rejected, 99.9 % range {lo:.0f}-{hi:.0f}"


@pytest.mark.slow
def test_null_effect_intervals_cover_zero(null_run):
    cov = summaries.coverage(null_run, None, "null")
    for cmp, d in cov.groupby("comparison"):
        k, n = int(d["covered"].sum()), int(d["replicates"].sum())
        assert k / n > 0.93, f"{cmp}: pooled coverage {k / n:.3f}"


# --- on the shipped data (the session's shared build) ----------------------------------
@pytest.mark.pipeline
@pytest.mark.slow
def test_strong_planted_effects_are_detected_on_shipped_data(built):
    """Planted effects that chapter 11's simulation gives a power above 99 % (smoothed) are
    significant at 5 % in chapter 09's table; those it also never missed after BH are
    significant after BH."""
    t = built.paths.tables
    power = pd.read_csv(t / "11_simulation__power.csv")
    tests = pd.read_csv(t / "09_size_differences__tests.csv")
    strong = power[power["smoothed_power"] > 0.99].merge(tests, on=["comparison", "item"], how="left")
    assert len(strong) >= 1, "the simulation should find some strong planted effects"
    missed = strong[~(strong["p_value"] < 0.05)]
    assert missed.empty, missed[["comparison", "item", "smoothed_power", "p_value"]]
    bh = strong[strong["power_bh"] == 1.0]
    missed_bh = bh[~(bh["p_adjusted"] < 0.05)]
    assert missed_bh.empty, missed_bh[["comparison", "item", "power_bh", "p_adjusted"]]


@pytest.mark.pipeline
def test_chapter_11_tables(built):
    t = built.paths.tables
    null = pd.read_csv(t / "11_simulation__null_rejection.csv")
    assert set(null["comparison"]) == {"size_class", "unit_type"}
    assert ((null["rate"] > 0) & (null["rate"] < 0.15)).all()
    # nothing reads a key-number table any more (the contents page has its own key findings)
    assert not (t / "11_simulation__key_number.csv").exists()
    for name in ("null_rejection_per_test", "null_tail", "fdp", "dependence", "power", "power_summary", "coverage",
                 "coverage_summary", "county_coverage", "county_coverage_summary"):
        assert (t / f"11_simulation__{name}.csv").is_file(), name


@pytest.mark.slow
def test_process_targets_agree_with_truth_file(inputs):
    """Our process targets (250 replicas of the frame) agree with the generator's own process
    values in truth.yaml (500 replicas) within their Monte Carlo error."""
    import yaml

    params, book, pop = inputs
    truth = yaml.safe_load((config.paths().survey / synth.TRUTH_FILE).read_text(encoding="utf-8"))["process_values"]
    cols = {"a1_channels__twitter": "proportion", "a4_formalisation": "mean_score", "a1_n_accounts": "mean",
            "a2_crisis_plan": "yes"}
    specs = [s for s in item_tests.analysable(book) if s.column in cols]
    ours = simulation.process_targets(params, book, pop, specs, reps=250, seed=999).set_index(["comparison", "item"])
    for col, key in cols.items():
        v = truth[col]
        theirs = {"size_class": v["size_class"]["≥ 20 000"][key] - v["size_class"]["< 5 000"][key],
                  "unit_type": v["unit_type"]["fylkeskommune"][key] - v["unit_type"]["kommune"][key]}
        for cmp, t in theirs.items():
            row = ours.loc[(cmp, col)]
            assert abs(row["target"] - t) < 5 * row["mc_se"] * np.sqrt(1.5) + 1e-4, (cmp, col, row["target"], t)


# --- the batched engine is the per-item path, faster -----------------------------------
def test_batched_engine_equals_the_per_item_path(inputs):
    """Every statistic, df, p-value (raw and BH), effect, interval and SE of the batched engine
    equals chapter 09's run_tests, column by column (simulation_reference), to ~1e-10."""
    params, book, pop = inputs
    kw = dict(replicates=2, params=params, codebook=book, population=pop, base_seed=4_200, workers=1)
    new = simulation.run_study(**kw)
    old = simulation.run_study(engine="per_item", **kw)
    keys = ["scenario", "seed", "replicate", "comparison", "item"]
    assert new.tests[keys].equals(old.tests[keys])
    for f in simulation_replicates.TEST_FIELDS:
        a, b = old.tests[f].to_numpy(float), new.tests[f].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), f
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-14, err_msg=f)
    assert new.tests["p_value"].notna().mean() > 0.75  # most columns are testable
    assert len(new.county) == 2 * 2 * len(simulation_county.county_levels(item_tests.analysable(book)))
    with pytest.raises(ValueError, match="engine"):
        simulation.run_study(engine="fast", **kw)


def test_county_rows_are_the_published_estimates(inputs):
    """The batched county proportions and intervals of a replicate are item_estimates.item_rows'
    on the county design (with fpc), level by level; the df rule read off the public path is
    the one that reproduces them."""
    from sosiale_kommuner.chapters import item_estimates, item_tests_batch, weighting
    from sosiale_kommuner.data import respondents

    params, book, pop = inputs
    pop = simulation._population(pop) if hasattr(simulation, "_population") else pop
    specs = item_tests.analysable(book)
    rule = simulation_county.df_rule(params, book, pop, specs, seed=77)
    assert rule in ("design", "domain")
    syn = synth.generate(78, params, pop, book, exports=False)
    w = weighting.calibrate_population_weights(pop, syn.status, margins=simulation.MARGINS).table
    d = respondents.design_for(respondents.merge(syn.responses(), pop, w), pop, config.FYLKESKOMMUNE, fpc=True)
    levels = simulation_county.county_levels(specs)
    ours = simulation_county.county_rows(item_tests_batch.analysis_matrix(d.data, specs), d.weights,
                                         d.calibration.base_weights, 18.0, levels, rule)
    published = {}
    for it in {book.item(lv.item) for lv in levels}:
        for r in item_estimates.item_rows(d, it):
            published[(it.id, str(r["level"]))] = r
    checked = 0
    for i, lv in enumerate(levels):
        r = published[(book.item(lv.item).id, lv.level)]
        for k in ("estimate", "se", "ci_low", "ci_high"):
            assert ours[k][i] == pytest.approx(r[k], rel=1e-9, abs=1e-12, nan_ok=True), (lv, k)
        assert ours["n"][i] == r["n_unweighted"]
        checked += 1
    assert checked == len(levels) > 150


def test_county_census_and_process_values():
    """Census value by hand; the process value of an option with an intercept-only model is
    E[expit(b0 + loading u)], u ~ N(0, 1) (Gauss–Hermite quadrature), within 4 Monte Carlo SEs."""
    lv = [simulation_county.CountyLevel("x", "a", 0, 0.0), simulation_county.CountyLevel("x", "b", 0, 1.0)]
    v = np.array([[0.0], [1.0], [np.nan], [0.0], [0.0]])
    np.testing.assert_allclose(simulation_county.census_values(v, lv), [0.75, 0.25])
    params, book = synth.load_params(), cbm.load_codebook()
    pop = frame.load_population(config.paths().frame)
    col = book.item("a7_advice_forms").columns[0]
    spec = params["items"][col]
    assert set(spec) <= {"model", "intercept"}, spec
    specs = [s for s in item_tests.analysable(book) if s.column == col]
    proc = simulation_county.process_values(params, book, pop, specs, reps=1000, seed=3).iloc[0]
    x, wq = np.polynomial.hermite_e.hermegauss(60)
    loading = params["defaults"]["loading"]
    exact = float(np.sum(wq / (1 + np.exp(-(spec["intercept"] + loading * x)))) / np.sqrt(2 * np.pi))
    assert abs(proc["process"] - exact) < 4 * proc["process_se"], (proc["process"], exact)


def test_monte_carlo_summaries_by_hand():
    # per-replicate shares 0.5, 1.0, 0.0, 0.5: mean 0.5, sd 0.4082, mc_se 0.2041, t(3) 3.1824
    mi = summaries.mean_interval([0.5, 1.0, 0.0, 0.5, np.nan])
    assert mi["mean"] == 0.5 and mi["replicates"] == 4
    assert mi["mc_se"] == pytest.approx(np.sqrt(1 / 6) / 2)
    assert mi["half_width"] == pytest.approx(stats.t.isf(0.025, 3) * np.sqrt(1 / 6) / 2)
    rows = []
    for rep, (px, py) in enumerate(((0.01, 0.01), (0.01, 0.5), (0.5, 0.5), (0.01, 0.01))):
        for item, p in (("x", px), ("y", py), ("z", 0.9)):
            rows.append(dict(scenario="planted", replicate=rep, comparison="size_class", item=item, p_value=p,
                             p_adjusted=p, effect_size=0.1, effect_ci_low=0.0 if item != "y" else 0.2,
                             effect_ci_high=0.2 if item != "y" else 0.3, effect_se=0.05))
    res = pd.DataFrame(rows)
    ps = summaries.power_summary(res, {"size_class": {"z"}}).iloc[0]
    # non-null x, y: shares rejected per replicate 1, 0.5, 0, 1 -> mean 0.625
    assert ps["power"] == pytest.approx(0.625) and ps["tests"] == 2
    targets = pd.DataFrame({"comparison": ["size_class"] * 3, "item": ["x", "y", "z"], "target": [0.1, 0.1, 0.1]})
    cs = summaries.coverage_summary(res, targets).iloc[0]
    # x and z cover 0.1 in every replicate, y never: 2/3 each replicate
    assert cs["coverage"] == pytest.approx(2 / 3) and cs["half_width"] == 0 and cs["below"] == 1


def test_county_coverage_by_hand():
    county = pd.DataFrame({"scenario": "planted", "replicate": [0, 0, 1, 1], "item": ["x", "y", "x", "y"],
                           "level": "a", "estimate": 0.5, "ci_low": [0.1, 0.1, 0.6, 0.1],
                           "ci_high": [0.9, 0.9, 0.9, 0.9], "ci_low_analytic": 0.2, "ci_high_analytic": 0.4,
                           "census": [0.5, 0.95, 0.5, 0.5], "n": 11})
    process = pd.DataFrame({"item": ["x", "y"], "level": "a", "process": [0.3, 0.5]})
    per = summaries.county_coverage(county, process).set_index("item")
    assert per.loc["x", "coverage"] == 0.5 and per.loc["y", "coverage"] == 0.5
    assert per.loc["x", "coverage_analytic"] == 1.0 and per.loc["y", "coverage_analytic"] == 0.0
    s = summaries.county_coverage_summary(county, process).set_index("interval")
    assert s.loc["published", "coverage"] == 0.5 and s.loc["analytic", "coverage"] == 0.5
    assert s.loc["published", "target"] == "census" and s.loc["analytic", "target"] == "process"


def test_coverage_and_county_tables_join_the_scenarios():
    rows = []
    for scenario in ("planted", "null"):
        for rep in range(3):
            rows.append(dict(scenario=scenario, replicate=rep, comparison="size_class", item="x", p_value=0.5,
                             p_adjusted=0.5, effect_size=0.1, effect_ci_low=-0.05, effect_ci_high=0.25,
                             effect_se=0.05))
    res = pd.DataFrame(rows)
    targets = pd.DataFrame({"comparison": ["size_class"], "item": ["x"], "target": [0.3]})
    per, summary = summaries.coverage_tables(res, targets)
    # the null first; [-0.05, 0.25] holds 0 (null) but not 0.3 (planted)
    assert summary["scenario"].tolist() == ["null", "planted"]
    assert summary["coverage"].tolist() == [1.0, 0.0]
    assert per.set_index("scenario").loc["planted", "target"] == 0.3
    county = pd.DataFrame({"scenario": ["planted", "null"], "replicate": 0, "item": "x", "level": "a",
                           "estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6, "ci_low_analytic": 0.3,
                           "ci_high_analytic": 0.7, "census": [0.5, 0.9], "n": 11})
    process = {s: pd.DataFrame({"item": ["x"], "level": ["a"], "process": [0.65], "process_se": [0.01]})
               for s in ("planted", "null")}
    cper, csum = summaries.county_tables(county, process)
    assert cper.set_index("scenario").loc["null", "coverage"] == 0.0       # census 0.9 outside [0.4, 0.6]
    assert cper.set_index("scenario").loc["planted", "process_se"] == 0.01
    assert csum.set_index(["scenario", "interval"]).loc[("planted", "analytic"), "coverage"] == 1.0
