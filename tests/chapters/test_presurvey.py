"""Chapter 01's agreement statistics and distributions (chapters.presurvey), computed by hand
on small tables (the arithmetic is in the comments)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import presurvey
from sosiale_kommuner.data import typed
from sosiale_kommuner.report import text


def _ratings(table):
    """Two rating vectors (codes 0..k-1) whose cross-table is ``table`` (rows: first rater)."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    return np.array(a), np.array(b)


def test_cohen_kappa_two_categories():
    # table [[20, 5], [10, 15]], n = 50: p_o = 35/50 = 0.7; margins 25/25 and 30/20:
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    a, b = _ratings([[20, 5], [10, 15]])
    assert presurvey.cohen_kappa(a, b, 2) == pytest.approx(0.4, abs=1e-15)


def test_cohen_kappa_weighted_and_unweighted_three_levels():
    # table [[4, 1, 0], [1, 3, 1], [0, 1, 4]], n = 15, every margin 5/15 = 1/3, so e_ij = 1/9.
    # unweighted: p_o = 11/15, p_e = 3/9 = 1/3; kappa = (11/15 - 5/15) / (10/15) = 0.6
    # quadratic weights w_ij = (i - j)^2 / 4: sum w*o = 4 * 0.25 / 15 = 1/15;
    # sum w*e = (4 * 0.25 + 2 * 1) / 9 = 1/3; kappa_w = 1 - (1/15) / (1/3) = 0.8
    a, b = _ratings([[4, 1, 0], [1, 3, 1], [0, 1, 4]])
    assert presurvey.cohen_kappa(a, b, 3) == pytest.approx(0.6, abs=1e-15)
    assert presurvey.cohen_kappa(a, b, 3, "quadratic") == pytest.approx(0.8, abs=1e-15)


def test_cohen_kappa_undefined_cases():
    assert np.isnan(presurvey.cohen_kappa(np.array([]), np.array([]), 2))
    assert np.isnan(presurvey.cohen_kappa(np.array([1, 1, 1]), np.array([1, 1, 1]), 2))   # p_e = 1


@pytest.fixture()
def surveys(book):
    """Seven units in the pre-survey, six of them (and one more) in the main survey."""
    pre = typed.to_typed(pd.DataFrame({
        "a1_uses_some": [1, 1, 3, 2, 1, 3, 1],            # yes yes no planned yes no yes
        "a3_strategy_status": [4, 1, 9, 3, 4, 2, np.nan],  # adopted none dk in_progress adopted planned -
    }), book, survey="presurvey").assign(unit_id=["a", "b", "c", "d", "e", "f", "g"],
                                         unit_type=["kommune"] * 6 + ["fylkeskommune"])
    main = typed.to_typed(pd.DataFrame({
        "a1_uses_some": [1, 3, 3, 2, 1, 1, 1],            # yes no no planned yes yes yes
        "a3_strategy_status": [4, 1, 4, 4, 3, 2, 4],
    }), book, survey="main").assign(unit_id=["a", "b", "c", "d", "e", "f", "z"])
    return pre, main


def test_agreement_table_by_hand(surveys, book):
    pre, main = surveys
    t = presurvey.agreement_table(pre, main, book, n_boot=200, seed=1)
    assert list(t.columns) == presurvey.AGREEMENT_COLUMNS
    uses = t[t["column"] == "a1_uses_some"].set_index("statistic")
    # pairs a-f: (y,y) (y,n) (n,n) (p,p) (y,y) (n,y): 4 of 6 agree; both raters y3 p1 n2:
    # p_e = (9 + 1 + 4) / 36 = 14/36; kappa = (24/36 - 14/36) / (22/36) = 10/22
    assert list(uses.index) == ["percent_agreement", "kappa"]            # not ordered: no weighted kappa
    assert uses.loc["percent_agreement", "estimate"] == pytest.approx(4 / 6)
    assert uses.loc["kappa", "estimate"] == pytest.approx(10 / 22)
    assert (uses["n_pairs"] == 6).all()
    strat = t[t["column"] == "a3_strategy_status"].set_index("statistic")
    # "Vet ikke" (c) and missing are left out: pairs a, b, d, e, f -> (4,4) (1,1) (3,4) (4,3) (2,2)
    assert (strat["n_pairs"] == 5).all() and "weighted_kappa" in strat.index
    assert strat.loc["percent_agreement", "estimate"] == pytest.approx(3 / 5)
    for r in t.itertuples():
        assert r.ci_low <= r.estimate + 1e-12 and r.estimate <= r.ci_high + 1e-12
    again = presurvey.agreement_table(pre, main, book, n_boot=200, seed=1)
    pd.testing.assert_frame_equal(t, again)                              # seeded bootstrap


def test_distribution_by_hand(surveys, book):
    pre, _ = surveys
    d = presurvey.distribution(pre, book, ["a3_strategy_status", "a1_uses_some"])
    assert list(d.columns) == ["item", "level", "unit_type", "n", "share"]          # codes and numbers only
    k = d[(d["item"] == "a3_strategy_status") & (d["unit_type"] == "kommune")].set_index("level")
    # municipalities a-f: adopted 2, none 1, in_progress 1, planned 1 of 5 substantive; "Vet ikke" 1 of 6
    assert k.loc["adopted", "share"] == pytest.approx(2 / 5) and k.loc["adopted", "n"] == 5
    assert k.loc["dont_know", "share"] == pytest.approx(1 / 6) and k.loc["dont_know", "n"] == 6
    f = d[(d["item"] == "a3_strategy_status") & (d["unit_type"] == "fylkeskommune")]
    assert f["share"].isna().all()                                       # the one county did not answer
    u = d[(d["item"] == "a1_uses_some") & (d["unit_type"] == "fylkeskommune")].set_index("level")
    assert u.loc["yes", "share"] == 1.0 and u.loc["yes", "n"] == 1


# --- what the chapter shows -----------------------------------------------------------------
ITEMS = ["a1_uses_some", "a1_channels", "a3_strategy_status", "a6_benefit_overall", "a7_need_knowledge",
         "pre_plans_expand"]


def _dist(book, items=ITEMS):
    """One row per answer of each question (shares and n are not needed to cut it into parts)."""
    rows = []
    for iid in items:
        it = book.item(iid)
        keys = [o.key for o in it.options] if it.is_multiple else list(it.substantive_keys)
        keys += ["dont_know"] if not it.is_multiple and it.has_dont_know else []
        rows += [dict(item=iid, level=k, unit_type="kommune", n=10, share=0.1) for k in keys]
    return pd.DataFrame(rows)


def test_answer_parts_never_repeat_an_answer_within_a_figure(book):
    # "Nei, men det er planlagt" is an answer of both a1_uses_some and a3_strategy_status; a6 and a7
    # share the five levels "I svært liten grad" ... "I svært stor grad"; "Ja"/"Nei" of
    # pre_plans_expand repeat nothing of a7. "Vet ikke" is not drawn, so it does not count.
    assert presurvey.answer_parts(_dist(book), book) == [
        ["a1_uses_some", "a1_channels"], ["a3_strategy_status", "a6_benefit_overall"],
        ["a7_need_knowledge", "pre_plans_expand"]]
    # at most 12 rows per part: a1_uses_some (3) + a1_channels (8) = 11 fits, a3 (4) would make 15
    assert presurvey.answer_parts(_dist(book, ITEMS[:1] + ["pre_plans_expand", "a1_channels"]), book, max_rows=12) == [
        ["a1_uses_some"], ["pre_plans_expand", "a1_channels"]]


def test_answer_rows_leave_out_dont_know_and_empty_groups(book):
    d = _dist(book, ["pre_plans_expand"])
    d = pd.concat([d, d.assign(unit_type="fylkeskommune", n=0)], ignore_index=True)
    rows = presurvey.answer_rows(d, book, ["pre_plans_expand"], "nb")
    assert rows["label"].tolist() == ["Ja", "Nei"] and set(rows["unit_type"]) == {"kommune"}
    assert set(rows["section"]) == {book.item("pre_plans_expand").label("nb")}


def test_agreement_in_one_row_per_question(book):
    agr = pd.DataFrame([
        dict(item="a1_uses_some", column="a1_uses_some", type="single", statistic="percent_agreement", estimate=0.9,
             ci_low=0.8, ci_high=0.95, n_pairs=50),
        dict(item="a1_uses_some", column="a1_uses_some", type="single", statistic="kappa", estimate=0.7, ci_low=0.5,
             ci_high=0.85, n_pairs=50),
        dict(item="a3_strategy_status", column="a3_strategy_status", type="single", statistic="kappa", estimate=0.55,
             ci_low=0.4, ci_high=0.7, n_pairs=40),
        dict(item="a3_strategy_status", column="a3_strategy_status", type="single", statistic="weighted_kappa",
             estimate=0.8, ci_low=0.7, ci_high=0.9, n_pairs=40),
        dict(item="a1_channels", column="a1_channels__twitter", type="multiple", statistic="kappa", estimate=0.9,
             ci_low=0.8, ci_high=1.0, n_pairs=30),
    ])
    wide = presurvey.agreement_wide(agr).set_index("column")
    assert wide.loc["a1_uses_some", ["n_pairs", "percent_agreement", "kappa", "kappa_low"]].tolist() == [50, 0.9, 0.7, 0.5]
    assert np.isnan(wide.loc["a1_uses_some", "weighted_kappa"])
    assert wide.loc["a3_strategy_status", ["weighted_kappa", "weighted_kappa_high"]].tolist() == [0.8, 0.9]
    t = presurvey.show_agreement(wide.reset_index(), book, "nb")
    assert t.rows[0][3] == "0,70 (0,50–0,85)" and t.rows[0][4] == "–"
    k = presurvey.kappa_rows(agr, book, "en").set_index("column")
    assert k.loc["a1_channels__twitter", "label"] == "Twitter"
    assert k.loc["a1_channels__twitter", "section"] == book.item("a1_channels").label("en")
    assert pd.isna(k.loc["a1_uses_some", "section"])                       # a question of its own: no section


def test_closing_values_from_the_tables(book):
    profile = pd.DataFrame({"group": ["< 5 000", "5 000–19 999", "≥ 20 000", "kommune (all)", "fylkeskommune"],
                            "population": [200, 150, 50, 400, 20], "mapped": [100, 100, 50, 250, 10],
                            "presurvey": [30, 40, 20, 90, 6], "both": [0] * 5, "presurvey_rate": [0.0] * 5,
                            "presurvey_share_of_respondents": [30 / 96, 40 / 96, 20 / 96, 90 / 96, 6 / 96],
                            "population_share": [200 / 420, 150 / 420, 50 / 420, 400 / 420, 20 / 420]})
    dist = pd.DataFrame({"item": ["a1_uses_some"] * 2, "level": ["yes", "yes"], "unit_type": ["kommune", "fylkeskommune"],
                         "n": [90, 6], "share": [0.8, 1.0]})
    agr = pd.DataFrame({"item": ["a1_uses_some", "a1_uses_some", "a3_strategy_status", "a3_strategy_status"],
                        "column": ["a1_uses_some", "a1_uses_some", "a3_strategy_status", "a3_strategy_status"],
                        "statistic": ["percent_agreement", "kappa", "percent_agreement", "kappa"],
                        "estimate": [0.95, 0.8, 0.85, 0.55]})
    pre = pd.DataFrame({"unit_id": [str(i) for i in range(96)]})
    main = pd.DataFrame({"unit_id": [str(i) for i in range(50, 150)]})
    v = presurvey.closing_values(profile, dist, agr, pre, main, book)
    # 96 respondents of 250 + 10 mapped units; units 50..95 are in both surveys: 46
    assert (v["n_pre"], v["n_k"], v["n_f"], v["n_both"]) == (96, 90, 6, 46)
    assert v["of_mapped"] == pytest.approx(96 / 260)
    assert (v["small_pop"], v["small_resp"]) == (pytest.approx(200 / 420), pytest.approx(30 / 96))
    assert (v["uses_k"], v["uses_f"]) == (0.8, 1.0) and v["agree"] == (0.85, 0.95)
    assert (v["kappa_min"], v["kappa_max"]) == (0.55, 0.8) and not v["stable"]        # 0.55 <= 0.6
    assert v["kappa_min_question"].localize("nb") == book.label("a3_strategy_status", "nb")
    # the smallest class is 48 % of the units but 31 % of the respondents, the largest 12 % and 21 %
    assert v["respondent_note"].localize("nb") == text.get(presurvey.STEM, "respondent_note.skewed", "nb")
    even = profile.assign(presurvey_share_of_respondents=profile["population_share"])
    v = presurvey.closing_values(even, dist, agr, pre, main, book)
    assert v["respondent_note"].localize("en") == text.get(presurvey.STEM, "respondent_note.plain", "en")
