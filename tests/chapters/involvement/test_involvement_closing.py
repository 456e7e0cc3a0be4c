"""Chapter 10's closing section (involvement.closing): the numbers are read from result tables
written here by hand, and the text says exactly those numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS, MODELS_COLUMNS, TESTS_COLUMNS


def _e(item, level, est, lo, hi, n, domain="all", group="all", suppressed=False):
    return dict(item=item, area=9, level=level, domain=domain, group=group, estimate=est, se=0.03,
                ci_low=lo, ci_high=hi, n_unweighted=n, n_weighted=float(n), suppressed=suppressed)


@pytest.fixture()
def tables():
    est = pd.DataFrame([
        _e(inv.INVOLVED_ALL, "yes", 0.3456, 0.28, 0.41, 190),
        _e(inv.OUTCOME, "yes", 0.40, 0.33, 0.47, 160),
        _e(inv.INVOLVED_ALL, "yes", 0.6364, 0.30, 0.88, 11, "unit_type", "fylkeskommune"),
        _e(inv.INVOLVED_ALL, "yes", 0.21, 0.12, 0.33, 40, "centrality", "0"),
        _e(inv.INVOLVED_ALL, "yes", np.nan, np.nan, np.nan, 2, "centrality", "1", suppressed=True),
        _e(inv.INVOLVED_ALL, "yes", 0.45, 0.35, 0.55, 80, "centrality", "3"),
        _e("a9_barriers", "resources", 0.52, 0.44, 0.60, 60),
        _e("a9_barriers", "competence", 0.31, 0.24, 0.39, 60),
        _e(inv.PRACTICE, "none", 0.62, 0.5, 0.7, 190),
        _e(inv.PRACTICE, "co_creating", 0.08, 0.04, 0.14, 190),
    ], columns=ESTIMATES_COLUMNS)
    tests = pd.DataFrame([
        dict(item=inv.OUTCOME, area=9, comparison="centrality", test="Rao-Scott F", statistic=4.1, df1=2.7,
             df2=540.0, p_value=0.01234, p_adjusted=0.04567, effect_measure="difference in proportions",
             effect_size=0.21, effect_ci_low=0.05, effect_ci_high=0.37, n=160),
        dict(item="a9_methods__polls", area=9, comparison="centrality", test="Rao-Scott F", statistic=1.0,
             df1=2.9, df2=570.0, p_value=0.40, p_adjusted=0.45, effect_measure="difference in proportions",
             effect_size=0.02, effect_ci_low=-0.1, effect_ci_high=0.14, n=60),
    ], columns=TESTS_COLUMNS)
    models = pd.DataFrame([
        dict(model=inv.MODEL_NAME, term="strategy_adopted", kind="ame", estimate=0.123, se=0.05, ci_low=0.025,
             ci_high=0.221, p_value=0.014, n=150),
        dict(model=inv.MODEL_NAME, term="centrality=3", kind="ame", estimate=0.08, se=0.06, ci_low=-0.04,
             ci_high=0.20, p_value=0.19, n=150),
        dict(model=inv.MODEL_NAME, term="strategy_adopted", kind="coef", estimate=0.8, se=0.3, ci_low=0.2,
             ci_high=1.4, p_value=0.01, n=150),
    ], columns=MODELS_COLUMNS)
    sim = pd.DataFrame({"term": ["strategy_adopted", "comm_fte"], "bias_z": [1.2, -3.1],
                        "bias_rel_se": [0.05, -0.3], "coverage": [0.94, 0.915], "replicates": [200, 200]})
    return est, tests, models, sim


def test_closing_numbers_are_read_from_the_tables(tables):
    est, tests, models, sim = tables
    nums = inv.closing_numbers(est, tests, models, sim)
    assert nums["involved_all"] == (0.3456, 0.28, 0.41, 190)
    assert nums["involved_users"] == (0.40, 0.33, 0.47, 160)
    assert nums["involved_counties"] == (0.6364, 0.30, 0.88, 11)
    assert list(nums["involved_by_centrality"]) == [0, 3]                  # class 1 suppressed
    assert nums["top_barrier"] == ("resources", 0.52, 0.44, 0.60)
    assert (nums["n_tests"], nums["n_tests_bh_significant"]) == (2, 1)
    assert nums["test_involved"] == (0.01234, 0.04567)
    assert nums["centrality_gap"] == (0.21, 0.05, 0.37)
    assert set(nums["ame"]) == {"strategy_adopted", "centrality=3"}          # AMEs only, not coefficients
    assert nums["model_n"] == 150 and nums["practice"] == {"none": 0.62, "co_creating": 0.08}
    assert nums["sim_max_abs_bias_z"] == 3.1 and nums["sim_detectable"] == [("comm_fte", -0.3)]
    assert (nums["sim_coverage_min"], nums["sim_coverage_max"], nums["sim_replicates"]) == (0.915, 0.94, 200)


def test_closing_text_states_those_numbers(tables, book):
    est, tests, models, sim = tables
    text = inv.closing_text(inv.closing_numbers(est, tests, models, sim), codebook=book)
    assert "An estimated 35 % of municipalities (95 % CI 28 %–41 %; 190 respondents)" in text
    assert "Among municipalities that use social media the share is 40 % (33 %–47 %)." in text
    assert "County municipalities: 64 % (30 %–88 %), from only 11 respondents" in text
    assert "0: 21 % (12 %–33 %); 3: 45 % (35 %–55 %)." in text
    assert "Of 2 design-based tests of area-9 items by centrality (without finite population correction), " \
           "1 remains below 0.05 after Benjamini–Hochberg adjustment; for having involved citizens at all, " \
           "p = 0.012 (adjusted 0.046)." in text
    assert "differs by +21 pp between central (3) and the least central (0) municipalities" in text
    assert "95 % CI +5 pp to +37 pp) — a difference that the data can tell apart from zero" in text
    assert "Adopted strategy: +12 pp (+2 pp to +22 pp)" in text and "n = 150" in text
    assert "Centrality 3 vs 0 (least central): +8 pp (-4 pp to +20 pp)" in text
    assert "none 62 %, co-creating 8 %" in text
    assert "The barrier named most often: lack of resources (52 %, 44 %–60 %)." in text
    assert "In 200 simulated surveys the largest standardised bias of an average marginal effect was 3.1" in text
    assert "coverage ranged 92 %–94 %" in text
    assert "Bias distinguishable from Monte Carlo noise: Communication staff (per FTE); at most 30 %" in text
    # the gap is shown, but the model's centrality AME includes zero: the caveat is added
    assert "that in this cross-section the least central municipalities involve citizens less often" in text
    assert "the model cannot tell the centrality gap apart from zero" in text


def test_norwegian_text_uses_decimal_comma(tables):
    est, tests, models, sim = tables
    text = inv.closing_text(inv.closing_numbers(est, tests, models, sim), lang="nb")
    assert "Anslagsvis 35 % av kommunene (95 % KI 28 %–41 %; 190 respondenter)" in text
    assert "p = 0,012 (justert 0,046)" in text and "er 1 under 0,05" in text
    assert "3,1 Monte Carlo-standardfeil" in text


def test_without_a_gap_the_text_says_the_data_cannot_show_one(tables):
    est, tests, models, _ = tables
    tests = tests.assign(effect_ci_low=[-0.02, -0.1])
    text = inv.closing_text(inv.closing_numbers(est, tests, models))
    assert "the data cannot tell apart from zero" in text
    assert "these data cannot show a gap between the least central and the central municipalities" in text
    assert "simulated surveys" not in text


def test_key_number(tables):
    est, tests, models, _ = tables
    kn = inv.key_number(inv.closing_numbers(est, tests, models))
    assert list(kn.columns) == ["label", "value"] and kn["value"].iloc[0] == 0.3456
    assert inv.key_number({"involved_all": None}).empty
