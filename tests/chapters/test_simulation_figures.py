"""Chapter 11's figures: the band of a correct test, bars on attainable rates, power with BH intervals."""
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import item_tests
from sosiale_kommuner.chapters import simulation_figures as fig
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.report import figures


def test_expected_range_is_the_binomial_range():
    lo, hi = fig.expected_range(1000, 0.05)
    # normal approximation: 50 ± 1.96 sqrt(1000 0.05 0.95) = 50 ± 13.5 rejections
    assert 36 / 1000 <= lo <= 38 / 1000 and 63 / 1000 <= hi <= 65 / 1000
    assert fig.expected_range(20, 0.05) == (0.0, 3 / 20)      # P(X <= 2) = 0.925, P(X <= 3) = 0.984


def test_bin_edges_centre_the_attainable_rates():
    edges = fig.bin_edges(np.array([0.0, 0.05, 0.2]), 20)
    np.testing.assert_allclose(edges, (np.arange(0, 6) - 0.5) / 20)
    wide = fig.bin_edges(np.array([0.0, 0.3]), 1000)           # 301 counts: 6 per bar
    assert np.allclose(np.diff(wide), 6 / 1000) and len(wide) - 1 <= fig.MAX_BARS


def test_power_rows_add_the_bh_interval_and_keep_the_questionnaire_order():
    book = cbm.load_codebook()
    specs = item_tests.analysable(book)
    a, b = specs[5].column, specs[2].column
    pw = pd.DataFrame({"comparison": ["size_class", "size_class"], "item": [a, b], "replicates": 20,
                       "power": [0.9, 0.6], "ci_low": [0.68, 0.36], "ci_high": [0.99, 0.81], "power_bh": [0.5, 0.0]})
    rows = fig.power_rows(pw, specs)
    assert rows["item"].tolist() == [b, a]
    # Clopper-Pearson for 10 of 20: (0.2720, 0.7280); for 0 of 20: (0, 1 - 0.025 ** (1 / 20))
    r = rows.set_index("item")
    assert r.loc[a, "ci_low_bh"] == pytest.approx(0.2720, abs=1e-4) and r.loc[a, "ci_high_bh"] == pytest.approx(0.7280, abs=1e-4)
    assert r.loc[b, "ci_low_bh"] == 0 and r.loc[b, "ci_high_bh"] == pytest.approx(1 - 0.025 ** (1 / 20))
    parts = fig.power_parts(rows, book)
    assert [p.label for p in parts] == ["power_size_class_1"]
    assert "{" not in parts[0].values["readout"].localize("nb")


def test_tick_step_is_round():
    assert fig.tick_step((0.0, 0.12)) == 0.02
    assert fig.tick_step((0.82, 1.01)) == 0.05
    assert fig.tick_step((0.04, 0.07)) == 0.005


@pytest.mark.parametrize("layout", ["wide", "narrow"])
def test_figures_are_readable_in_both_layouts(layout):
    import matplotlib.pyplot as plt

    figures.use_style()
    rng = np.random.default_rng(1)
    per = pd.DataFrame({"comparison": ["size_class"] * 90 + ["unit_type"] * 40, "replicates": 20,
                        "rate": rng.binomial(20, 0.05, 130) / 20})
    with figures.layout(layout):
        f = fig.rate_histogram(per, "en", rate="rate", nominal=0.05, axis="rejection", count_axis="tests")
    try:
        assert len(f.axes) == 2
        assert figures.min_text_px(f) >= 13
        assert f.get_figwidth() == figures.LAYOUTS[layout]
        words = [t.get_text() for t in f.findobj(plt.Text) if t.get_text()]
        assert sum("Share of 20 simulated datasets" in w.replace("\n", " ") for w in words) == 1   # axis title once
        assert "County municipalities and municipalities" in words
    finally:
        plt.close(f)
    alt = fig.histogram_readout(per, "rate", 0.05)["readout"].localize("nb")
    assert alt.startswith("Kommunestørrelse: 90 tester, median")
