"""Chapter 10's figures (involvement.figures): each draws what the table says, in the reader's
language, and its alt text lists the drawn numbers; suppressed cells show ":" (tables written by hand)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.chapters.involvement import figures as fig
from sosiale_kommuner.report import figures
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS, MODELS_COLUMNS

NB = "\u00a0"


def _e(item, level, est, domain="all", group="all", suppressed=False, n=50):
    return dict(item=item, area=9, level=level, domain=domain, group=group,
                estimate=np.nan if suppressed else est, se=0.05,
                ci_low=np.nan if suppressed else est - 0.1, ci_high=np.nan if suppressed else est + 0.1,
                n_unweighted=n, n_weighted=float(n), suppressed=suppressed)


@pytest.fixture(autouse=True)
def close_figures():
    figures.use_style()
    yield
    plt.close("all")


def _labels(f):
    return [t.get_text() for t in f.axes[0].get_yticklabels()]


def test_reach_rows_figure_and_alt():
    est = pd.DataFrame([
        _e(inv.INVOLVED_ALL, "yes", 0.35, n=190),
        _e(inv.INVOLVED_ALL, "yes", 0.20, "size_class", "< 5 000"),
        _e(inv.INVOLVED_ALL, "yes", 0.45, "centrality", "3"),
        _e(inv.INVOLVED_ALL, "yes", 0.35, "unit_type", "kommune"),          # = all: not drawn twice
        _e(inv.INVOLVED_ALL, "yes", 0.6, "unit_type", "fylkeskommune", n=10),
    ], columns=ESTIMATES_COLUMNS)
    rows = fig.reach_rows(est, "en")
    assert list(rows["label"]) == ["All municipalities", "Under 5,000 inhabitants", "Central municipalities",
                                   "County municipalities"]
    assert list(rows["unit"]) == ["kommune", "kommune", "kommune", "fylkeskommune"]
    f = fig.reach_figure(est, "en")
    assert "Municipality size" in _labels(f) and "Centrality" in _labels(f)     # section headers
    legend = [t.get_text() for t in f.legends[0].get_texts()]
    assert "County municipalities (n = 10)" in legend                          # few answers: n in the legend
    assert any("Fewer than 30 answers" in x for x in legend)
    assert fig.reach_alt(est).localize("nb").startswith(f"Alle kommuner: 35{NB}% (25–45)")


def test_ame_figure_marks_intervals_through_zero_open():
    models = pd.DataFrame([
        dict(model=inv.MODEL_NAME, term="strategy_adopted", kind="ame", estimate=0.12, se=0.05, ci_low=0.02,
             ci_high=0.22, p_value=0.02, n=150),
        dict(model=inv.MODEL_NAME, term="comm_fte", kind="ame", estimate=-0.01, se=0.01, ci_low=-0.03,
             ci_high=0.01, p_value=0.3, n=150),
        dict(model=inv.MODEL_NAME, term="comm_fte", kind="coef", estimate=-0.1, se=0.1, ci_low=-0.3,
             ci_high=0.1, p_value=0.3, n=150),
    ], columns=MODELS_COLUMNS)
    f = fig.ame_figure(models, "nb")
    assert _labels(f) == ["Vedtatt strategi", "Kommunikasjonsbemanning (per årsverk)"]
    faces = [line.get_markerfacecolor() for line in f.axes[0].get_lines() if line.get_marker() == "o"]
    assert faces[1] == "white" and faces[0] != "white"                        # -3 to +1 includes zero
    assert fig.ame_alt(models).localize("en") == "Adopted strategy: +12 (2–22); Communication staff (per full-time " \
                                                 "equivalent): \u22121 (\u22123 to 1)"


def test_calibration_alt_lists_every_group():
    cal = pd.DataFrame({"group": [1, 2], "mean_predicted": [0.2, 0.6], "observed": [0.25, 0.55], "n": [40, 41]})
    f = fig.calibration_figure(cal, "nb")
    assert f.axes[0].get_xlabel() == "Gjennomsnittlig predikert sannsynlighet"
    assert fig.calibration_alt(cal).localize("en") == ("group 1: predicted 20%, observed 25%, 40 municipalities; "
                                                       "group 2: predicted 60%, observed 55%, 41 municipalities")


def test_typology_bars_stack_the_shares_with_hatching():
    est = pd.DataFrame([_e(inv.PRACTICE, lv, v) for lv, v in zip(inv.PRACTICE_LEVELS, (0.6, 0.2, 0.15, 0.05))]
                       + [_e(inv.PRACTICE, lv, v, "centrality", "0")
                          for lv, v in zip(inv.PRACTICE_LEVELS, (0.7, 0.2, 0.1, 0.0))],
                       columns=ESTIMATES_COLUMNS)
    f = fig.typology_figure(est, "en")
    bars = [p for p in f.axes[0].patches]
    assert sorted(round(p.get_width(), 6) for p in bars) == sorted([0.6, 0.2, 0.15, 0.05, 0.7, 0.2, 0.1, 0.0])
    assert len({p.get_hatch() for p in bars}) == 4                             # a second cue per type
    alt = fig.typology_alt(est).localize("en")
    assert alt.startswith("All municipalities: no involvement 60%, informing 20%, consulting 15%, co-creating 5%")
    assert "Least central municipalities: no involvement 70%" in alt
    wide = fig.typology_rows(est)
    assert list(wide.columns) == list(inv.PRACTICE_LEVELS) and wide.loc[("centrality", "0"), "none"] == 0.7


def test_simulation_alt_states_target_and_median():
    reps = pd.DataFrame({"term": ["strategy_adopted"] * 3 + ["comm_fte"] * 3,
                         "estimate": [0.1, 0.12, 0.14, -0.01, 0.0, 0.01]})
    truth = pd.DataFrame({"term": ["strategy_adopted", "comm_fte"], "truth": [0.11, 0.0]})
    f = fig.simulation_figure(reps, truth, "en")
    assert [x.replace("\n", " ") for x in _labels(f)] == ["Adopted strategy",
                                                        "Communication staff (per full-time equivalent)"]
    assert fig.simulation_alt(reps, truth).localize("nb") == (
        "Vedtatt strategi: mål +11,0, median +12,0 prosentpoeng; "
        "Kommunikasjonsbemanning (per årsverk): mål 0,0, median 0,0 prosentpoeng")


def test_every_figure_has_a_phone_layout():
    cal = pd.DataFrame({"group": [1], "mean_predicted": [0.2], "observed": [0.25], "n": [40]})
    with figures.layout("narrow"):
        f = fig.calibration_figure(cal, "en")
    assert f.get_figwidth() == pytest.approx(figures.NARROW_IN)
