"""Chapter 09's names of rows, areas packed into parts, and forest plots (chapters.item_test_figures).

Expected names are read here from the codebook's YAML with the yaml library (not through the
codebook module); expected packings and counts are worked out by hand in each test.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_test_figures as fig
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.report import figures, tables


@pytest.fixture(scope="module")
def book():
    return cbm.load_codebook()


@pytest.fixture(scope="module")
def raw_items():
    doc = yaml.safe_load((config.paths().survey / "codebook.yaml").read_text(encoding="utf-8"))
    return {it["id"]: it for it in doc["items"]}


def test_measure_kind_and_level():
    assert fig.measure_kind("diff_prop:True") == fig.PROPORTION
    assert fig.measure_kind("diff_prop:yes [≥ 20 000 - < 5 000]") == fig.PROPORTION
    assert fig.measure_kind("diff_mean_score") == fig.SCORE and fig.measure_kind("diff_mean") == fig.MEAN
    assert fig.effect_level("diff_prop:adopted") == "adopted" and fig.effect_level("diff_mean") is None
    with pytest.raises(ValueError, match="unknown effect measure"):
        fig.measure_kind("odds_ratio")


def test_row_labels_from_the_codebook(book, raw_items):
    channels = raw_items["a1_channels"]
    twitter = next(o for o in channels["options"] if o["key"] == "twitter")
    assert fig.row_label(book, "a1_channels__twitter", "diff_prop:True", "nb") == f"{channels['header']}: {twitter['nb']}"
    assert fig.row_label(book, "a1_channels__twitter", "diff_prop:True", "en") == f"{channels['en']}: {twitter['en']}"
    assert fig.row_label(book, "a1_channels__twitter", "diff_prop:True", "nb", question=False) == twitter["nb"]
    status = raw_items["a3_strategy_status"]
    adopted = next(c for c in status["codes"].values() if c["key"] == "adopted")
    assert fig.row_label(book, "a3_strategy_status", "diff_prop:adopted", "nb") == f"{status['header']} («{adopted['nb']}»)"
    assert fig.row_label(book, "a3_strategy_status", "diff_prop:adopted", "en") == f"{status['en']} (\u201c{adopted['en']}\u201d)"
    likert = raw_items["a4_formalisation"]
    assert fig.row_label(book, "a4_formalisation", "diff_mean_score", "nb") == likert["header"]
    assert fig.row_section(book, "a1_channels__twitter", "nb") == channels["header"]
    assert fig.row_section(book, "a4_formalisation", "nb") is None
    t = pd.DataFrame({"item": ["a4_formalisation", "a1_channels__twitter"],
                      "effect_measure": ["diff_mean_score", "diff_prop:True [≥ 20 000 - < 5 000]"]})
    assert fig.label_rows(t, book, "en").tolist() == [likert["en"], f"{channels['en']}: {twitter['en']}"]


def test_summary_counts_by_hand():
    t = pd.DataFrame({"comparison": ["size_class"] * 4 + ["unit_type"] * 2,
                      "p_value": [0.01, 0.04, 0.2, np.nan, 0.001, 0.5],
                      "p_adjusted": [0.03, 0.08, 0.2, np.nan, 0.002, 0.5]})
    c = fig.summary_counts(t, alpha=0.05).set_index("comparison")
    assert c.loc["size_class"].tolist() == [4, 3, 1, 2, 1]      # columns, tested, not, raw, BH
    assert c.loc["unit_type"].tolist() == [2, 2, 0, 1, 1]


def _rows(sizes):
    return pd.DataFrame({"area": [a for a, n in sizes for _ in range(n)],
                         "item": [f"x{a}_{i}" for a, n in sizes for i in range(n)]})


def test_area_parts_pack_whole_areas_in_order():
    # the unit-type table of the shipped codebook: 14, 14, 10, 8, 4, 5, 13, 8, 21 rows in areas 1-9.
    # greedy, in order: 14 (+14 = 28 > 25); 14+10 = 24 (+8 = 32); 8+4+5 = 17 (+13 = 30);
    # 13+8 = 21 (+21 = 42); 21.
    df = _rows([(1, 14), (2, 14), (3, 10), (4, 8), (5, 4), (6, 5), (7, 13), (8, 8), (9, 21)])
    parts = fig.area_parts(df)
    assert [a for a, _ in parts] == [(1,), (2, 3), (4, 5, 6), (7, 8), (9,)]
    assert [len(p) for _, p in parts] == [14, 24, 17, 21, 21]
    assert pd.concat([p for _, p in parts])["item"].tolist() == df["item"].tolist()
    assert all(len(p) <= tables.MAX_ROWS for _, p in parts)


def test_an_area_longer_than_a_part_is_cut():
    df = _rows([(1, 3), (2, 30), (3, 2)])
    parts = fig.area_parts(df)
    assert [a for a, _ in parts] == [(1,), (2,), (2,), (3,)]
    assert [len(p) for _, p in parts] == [3, 15, 15, 2]     # 30 rows: two near-equal pieces


def test_headers_last_keeps_questions_of_their_own_above_the_options():
    part = pd.DataFrame({"item": ["a3_strategy_goals__dialogue", "a3_strategy_goals__crisis", "a4_response_time",
                                  "a4_formal_elements__moderation", "a5_mayor_account"]})
    assert fig.headers_last(part)["item"].tolist() == ["a4_response_time", "a5_mayor_account",
                                                      "a3_strategy_goals__dialogue", "a3_strategy_goals__crisis",
                                                      "a4_formal_elements__moderation"]


def _tests():
    return pd.DataFrame({
        "item": ["a1_uses_some", "a1_channels__facebook", "a1_channels__twitter", "a4_formalisation", "a1_n_accounts"],
        "area": [1, 1, 1, 4, 1],
        "effect_measure": ["diff_prop:yes", "diff_prop:True", "diff_prop:True", "diff_mean_score", "diff_mean"],
        "effect_size": [0.10, -0.05, 0.40, 1.2, 8.0],
        "effect_ci_low": [-0.05, -0.20, 0.20, 0.7, 7.0],
        "effect_ci_high": [0.25, 0.08, 0.56, 1.8, 9.0],
        "p_value": [0.2, 0.5, 0.001, 0.002, np.nan],
        "p_adjusted": [0.4, 0.5, 0.012, 0.01, np.nan],
        "n_small": [40, 40, 12, 40, 40],
    })


def test_forest_rows_keep_one_kind_and_the_tested():
    t = _tests()
    assert fig.forest_rows(t, fig.PROPORTION)["item"].tolist() == ["a1_uses_some", "a1_channels__facebook",
                                                                   "a1_channels__twitter"]
    assert fig.forest_rows(t, fig.SCORE)["item"].tolist() == ["a4_formalisation"]
    assert fig.forest_rows(t.assign(p_value=np.nan), fig.PROPORTION).empty


def test_forest_figure(book):
    figures.use_style()
    part = fig.forest_rows(_tests(), fig.PROPORTION)
    f = fig.forest_figure(part, "nb", book, fig.PROPORTION, global_test=True)
    try:
        ax = f.axes[0]
        words = [t.get_text() for t in ax.get_yticklabels()]
        # three rows and one header (the question of the two options), the options without it
        assert words == ["Bruker sosiale medier («Ja»)", "Facebook", "Twitter", "Kanaler"]
        # a filled point (p_adj 0.012 < 0.05) beside a global test: the caption must say why its
        # interval may cross zero; the row resting on 12 answers is marked as uncertain
        assert set(figures.notes(f)) == {"bh", "global_vs_pairwise", "small_n"}
        assert ax.get_xlim()[0] < -20 and ax.get_xlim()[1] > 56      # percentage points
        legend = " ".join(t.get_text() for t in f.legends[0].get_texts())
        assert "Samlet test" in legend
    finally:
        plt.close(f)
    g = fig.forest_figure(part, "en", book, fig.PROPORTION, global_test=False)
    try:
        assert "global_vs_pairwise" not in figures.notes(g)
    finally:
        plt.close(g)


def test_forest_readout_in_both_languages(book):
    part = fig.forest_rows(_tests(), fig.PROPORTION).iloc[[2]]
    words = fig.forest_values(part, book, (1,))
    assert words["effects"].localize("nb") == "Kanaler: Twitter: +40 (20–56)"
    assert words["effects"].localize("en") == "Social media channels in use: Twitter: +40 (20–56)"
    assert words["areas"].localize("nb") == "område 1 (Bruk av sosiale medier)"
    assert fig.areas_words(book, (7, 8)).localize("en") == (
        "areas 7–8 (Expectations of knowledge and advice; Awareness, sharing and collaboration)")
