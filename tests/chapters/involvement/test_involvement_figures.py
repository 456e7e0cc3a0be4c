"""Chapter 10's figures (involvement.figures): each draws what the table says and its alt text
lists the numbers; suppressed cells show ":" (tables written by hand)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS, MODELS_COLUMNS


def _e(item, level, est, domain="all", group="all", suppressed=False, n=50):
    return dict(item=item, area=9, level=level, domain=domain, group=group,
                estimate=np.nan if suppressed else est, se=0.05,
                ci_low=np.nan if suppressed else est - 0.1, ci_high=np.nan if suppressed else est + 0.1,
                n_unweighted=n, n_weighted=float(n), suppressed=suppressed)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_share_by_group(book):
    est = pd.DataFrame([
        _e(inv.INVOLVED_ALL, "yes", 0.35),
        _e(inv.INVOLVED_ALL, "yes", 0.20, "size_class", "< 5 000"),
        _e(inv.INVOLVED_ALL, "yes", 0.45, "centrality", "3"),
        _e(inv.INVOLVED_ALL, "yes", 0.35, "unit_type", "kommune"),          # = all: not drawn twice
        _e(inv.INVOLVED_ALL, "yes", 0.0, "unit_type", "fylkeskommune", suppressed=True, n=2),
    ], columns=ESTIMATES_COLUMNS)
    fig, alt = inv.plot_share_by_group(est, inv.INVOLVED_ALL, "yes", "Involved", "en")
    ticks = {t.get_text(): y for t, y in zip(fig.axes[0].get_yticklabels(), fig.axes[0].get_yticks())}
    order = sorted(ticks, key=ticks.get, reverse=True)                  # top to bottom
    assert order == ["All municipalities", "Size class: < 5 000", "Centrality (SSB 2008): 3 Central",
                     "County municipalities"]
    assert alt.startswith("Involved: weighted share") and "All municipalities 35 %" in alt
    assert "Size class: < 5 000 20 %" in alt and "Centrality (SSB 2008): 3 Central 45 %" in alt
    assert ":" in [t.get_text() for t in fig.axes[0].texts]             # the suppressed county row


def test_options_and_heatmap(book):
    rows = []
    for o in book.options("a9_barriers"):
        rows.append(_e("a9_barriers", o.key, 0.5, "unit_type", "kommune"))
        rows.append(_e("a9_barriers", o.key, 0.25, "unit_type", "fylkeskommune"))
        rows.append(_e("a9_barriers", o.key, 0.5))
        for k in range(4):
            rows.append(_e("a9_barriers", o.key, 0.1 * (k + 1), "centrality", str(k), suppressed=(k == 1)))
        rows.append(_e("a9_barriers", o.key, 0.7, "size_class", "≥ 20 000"))
    est = pd.DataFrame(rows, columns=ESTIMATES_COLUMNS)
    n_opt = len(book.options("a9_barriers"))
    fig, alt = inv.plot_options(est, book, ["a9_barriers"], "en")
    assert alt.startswith("Shares ticking each option") and "Lack of resources 50 %" in alt
    fig, alt = inv.plot_centrality_heatmap(est, book, ["a9_barriers"], "en")
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert cells.count(":") == n_opt                                    # centrality 1 suppressed
    assert cells.count("70") == n_opt and cells.count("40") == n_opt and cells.count("50") == n_opt
    assert "C1 suppressed" in alt and "C3 40 %" in alt and "≥ 20 000 70 %" in alt


def test_ame_forest_plot():
    models = pd.DataFrame([
        dict(model=inv.MODEL_NAME, term="strategy_adopted", kind="ame", estimate=0.12, se=0.05, ci_low=0.02,
             ci_high=0.22, p_value=0.02, n=150),
        dict(model=inv.MODEL_NAME, term="comm_fte", kind="ame", estimate=-0.01, se=0.01, ci_low=-0.03,
             ci_high=0.01, p_value=0.3, n=150),
        dict(model=inv.MODEL_NAME, term="comm_fte", kind="coef", estimate=-0.1, se=0.1, ci_low=-0.3,
             ci_high=0.1, p_value=0.3, n=150),
    ], columns=MODELS_COLUMNS)
    fig, alt = inv.plot_ame(models, "en")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Adopted strategy", "Communication staff (per FTE)"]
    assert "Adopted strategy +12 pp (+2 pp to +22 pp)" in alt and "(-3 pp to +1 pp)" in alt


def test_calibration_plot():
    cal = pd.DataFrame({"group": [1, 2], "mean_predicted": [0.2, 0.6], "observed": [0.25, 0.55], "n": [40, 41]})
    fig, alt = inv.plot_calibration(cal, "nb")
    assert fig.axes[0].get_xlabel() == "Gjennomsnittlig predikert sannsynlighet"
    assert "group 1: predicted 20 %, observed 25 %; group 2: predicted 60 %, observed 55 %" in alt


def test_typology_bars():
    est = pd.DataFrame([_e(inv.PRACTICE, lv, v) for lv, v in zip(inv.PRACTICE_LEVELS, (0.6, 0.2, 0.15, 0.05))]
                       + [_e(inv.PRACTICE, lv, v, "centrality", "0")
                          for lv, v in zip(inv.PRACTICE_LEVELS, (0.7, 0.2, 0.1, 0.0))],
                       columns=ESTIMATES_COLUMNS)
    fig, alt = inv.plot_typology(est, "en")
    widths = sorted(round(p.get_width(), 6) for p in fig.axes[0].patches)
    assert widths == sorted([0.6, 0.2, 0.15, 0.05, 0.7, 0.2, 0.1, 0.0])
    assert "All municipalities: none 60 %, informing 20 %, consulting 15 %, co-creating 5 %" in alt
    assert "0 Least central: none 70 %" in alt
    spread = inv.typology_spread(est)
    assert list(spread.columns) == list(inv.PRACTICE_LEVELS)
    assert spread.loc[("centrality", "0"), "none"] == 0.7


def test_simulation_box_plots():
    reps = pd.DataFrame({"term": ["strategy_adopted"] * 3 + ["comm_fte"] * 3,
                         "estimate": [0.1, 0.12, 0.14, -0.01, 0.0, 0.01]})
    truth = pd.DataFrame({"term": ["strategy_adopted", "comm_fte"], "truth": [0.11, 0.0]})
    fig, alt = inv.plot_simulation(reps, truth, "en")
    assert "Adopted strategy target +11.0 pp, median +12.0 pp" in alt
    assert "Communication staff (per FTE) target +0.0 pp, median +0.0 pp" in alt
