"""Minimum detectable differences (survey/power.py): the formulas, by hand."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sosiale_kommuner.survey import power


def test_mdd_formula():
    se, df = 0.1, 30
    assert power.mdd(se, df) == pytest.approx((stats.t.isf(0.025, df) + stats.t.ppf(0.8, df)) * se)
    assert power.mdd_proportion(11, 200, 10, deff=1.0) == pytest.approx(
        (stats.t.isf(0.025, 10) + stats.t.ppf(0.8, 10)) * np.sqrt(0.25 * (1 / 11 + 1 / 200)))
    # the power at the MDD is the target, up to the far tail the formula ignores
    assert power.power_of(power.mdd(se, df), se, df) == pytest.approx(0.8, abs=0.002)


def test_difference_deffs_and_summary():
    d = power.difference_deffs([0.5, 0.0], [0.5, 0.0], [10, 10], [40, 40], [0.2, 0.1])
    assert d[0] == pytest.approx(0.04 / (0.25 / 10 + 0.25 / 40)) and np.isnan(d[1])
    s = power.mdd_summary(11, 200, 10, [1.0, 2.0, 3.0, np.nan])
    assert s["deff_basis"].tolist()[0] == "simple random sampling"
    assert s.set_index("deff_basis").loc["median of measured", "deff"] == 2.0
    assert s.set_index("deff_basis").loc["median of measured", "mdd"] == pytest.approx(
        power.mdd_proportion(11, 200, 10, deff=2.0))


def test_read_against_mdd():
    reading = power.read_against_mdd([-0.1, -0.5], [0.2, 0.1], [0.3, 0.3])
    assert reading[0].startswith("rules out") and reading[1].startswith("inconclusive")
