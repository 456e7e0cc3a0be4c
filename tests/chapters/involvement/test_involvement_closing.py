"""Chapter 10's closing section (involvement.closing): the numbers are read from result tables
written here by hand, and the text layer's ``closing`` says exactly those numbers, in each
language's format."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report import text
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


def _closing(nums, lang, **kw):
    return text.get(inv.STEM, "closing", lang, **inv.closing_values(nums, **kw))


NB = "\u00a0"
MINUS = "\u2212"


def test_closing_text_states_those_numbers(tables, book):
    est, tests, models, sim = tables
    t = _closing(inv.closing_numbers(est, tests, models, sim), "en", codebook=book)
    assert "An estimated 35% of municipalities (95% CI 28–41; 190 answers)" in t
    assert "Among municipalities that use social media the share is 40% (95% CI 33–47)." in t
    assert "County municipalities: 64% (95% CI 30–88), but from only 11 answers" in t
    assert "least central municipalities 21% (12–33); central municipalities 45% (35–55)." in t
    assert ("Of 2 design-based tests of area-9 questions by centrality (without the finite population "
            "correction), 1 is below 0.05 after Benjamini–Hochberg adjustment.") in t
    assert "For having involved citizens at all, p = 0.012 (adjusted 0.046)." in t
    assert "differs by +21 (5–37) percentage points" in t and "the data can tell apart from zero" in t
    assert "n = 150" in t and "Adopted strategy +12 (2–22)" in t
    assert f"Central municipalities (vs least central municipalities) +8 ({MINUS}4 to 20)" in t
    assert "no involvement 62%, co-creating 8%" in t
    assert "The barrier named most often: lack of resources (52%, 95% CI 44–60)." in t
    assert "In 200 simulated surveys the largest standardised bias of a marginal effect was 3.1" in t
    assert "coverage was 92–94%" in t
    assert "Bias distinguishable from Monte Carlo noise: Communication staff (per full-time equivalent); at most 30%" in t
    # the gap is shown, but the model's centrality AME includes zero: the caveat is added
    assert "the least central municipalities involve citizens less often than the central ones" in t
    assert "the model cannot tell the centrality difference apart from zero" in t
    assert "synthetic" not in t.lower()


def test_norwegian_text_uses_the_norwegian_formats(tables, book):
    est, tests, models, sim = tables
    t = _closing(inv.closing_numbers(est, tests, models, sim), "nb", codebook=book)
    assert f"Anslagsvis 35{NB}% av kommunene (95 % KI 28–41; 190 svar)" in t
    assert "p = 0,012 (justert 0,046)" in t and "er 1 under 0,05" in t
    assert "3,1 Monte Carlo-standardfeil" in t and "92–94" in t
    assert "uten\nendelighetskorreksjon" in t or "uten endelighetskorreksjon" in t


def test_without_a_gap_the_text_says_the_data_cannot_show_one(tables):
    est, tests, models, _ = tables
    tests = tests.assign(effect_ci_low=[-0.02, -0.1])
    t = _closing(inv.closing_numbers(est, tests, models), "en")
    assert "the data cannot tell apart from zero" in t
    assert "these data cannot show a difference between the least central and the central" in t
    assert "simulated surveys" not in t


def test_missing_numbers_leave_their_paragraph_out(tables):
    est, tests, models, _ = tables
    nums = inv.closing_numbers(est.iloc[:0], tests.iloc[:0], models.iloc[:0])
    t = _closing(nums, "nb")
    assert "Omfang" not in t and "Av 0" not in t and "Hindringen" not in t
