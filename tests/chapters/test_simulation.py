"""The simulation behind chapter 11, and what it promises about chapter 09 (SYNTHETIC data)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_tests, simulation
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
    f = simulation.fdp(res, nulls).iloc[0]
    # replicates 1-3 discover x and z (z is null): FDP 1/2; replicate 0 discovers nothing: FDP 0
    assert f["mean_fdp"] == pytest.approx(3 * 0.5 / 4)
    assert f["bh_bound"] == pytest.approx(0.05 * 2 / 3)
    pw = simulation.power(res, nulls).set_index("item")
    assert list(pw.index) == ["x"] and pw.loc["x", "power"] == 0.75
    targets = pd.DataFrame({"comparison": ["size_class"] * 3, "item": ["x", "y", "z"], "target": [0.35, 0.2, 0.1]})
    cov = simulation.coverage(res, targets).set_index("item")
    assert cov.loc["x", "coverage"] == 1.0 and cov.loc["y", "coverage"] == 0.0 and cov.loc["z", "coverage"] == 1.0
    lo, hi = simulation.binom_interval(0, 10)
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
    cov = simulation.coverage(null_run, None, "null")
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
    key = pd.read_csv(t / "11_simulation__key_number.csv")
    rate = null.set_index("comparison").loc["size_class", "rate"]
    assert key.loc[0, "value"] == f"{rate * 100:.1f} %"


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


def test_verdict_texts():
    row = pd.Series({"mean_fdp": 0.03, "ci_low": 0.01, "bh_bound": 0.04})
    assert simulation.fdp_verdict(row) == "within BH's bound"
    assert simulation.fdp_verdict(row.replace({0.03: 0.05})).startswith("above the bound on average")
    assert simulation.fdp_verdict(pd.Series({"mean_fdp": 0.2, "ci_low": 0.1, "bh_bound": 0.04})).startswith(
        "above BH's bound")
    dep = pd.Series({"mean_correlation": 0.01, "share_positive": 0.5, "dispersion_ratio": 1.02})
    assert simulation.dependence_text(dep).startswith("close to independent (mean correlation of z-scores +0.010")
    tails = pd.DataFrame({"comparison": ["size_class", "unit_type"], "threshold": [0.001, 0.001],
                          "ci_low": [0.0, 0.002]})
    assert simulation.tail_verdict(tails).startswith("The tail is heavier than nominal for unit type ")
    assert simulation.tail_verdict(tails.assign(ci_low=0.0)) == (
        "The tail is consistent with nominal for both comparisons.")
