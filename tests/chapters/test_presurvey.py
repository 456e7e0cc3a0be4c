"""Chapter 01's agreement statistics and distributions (chapters.presurvey), computed by hand
on small tables (the arithmetic is in the comments)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import presurvey
from sosiale_kommuner.data import typed


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
    d = presurvey.distribution(pre, book, ["a3_strategy_status", "a1_uses_some"], "en")
    k = d[(d["item"] == "a3_strategy_status") & (d["unit_type"] == "kommune")].set_index("level")
    # municipalities a-f: adopted 2, none 1, in_progress 1, planned 1 of 5 substantive; "Vet ikke" 1 of 6
    assert k.loc["adopted", "share"] == pytest.approx(2 / 5) and k.loc["adopted", "n"] == 5
    assert k.loc["dont_know", "share"] == pytest.approx(1 / 6) and k.loc["dont_know", "n"] == 6
    assert k.loc["adopted", "label"] == "Yes, adopted"
    f = d[(d["item"] == "a3_strategy_status") & (d["unit_type"] == "fylkeskommune")]
    assert f["share"].isna().all()                                       # the one county did not answer
    u = d[(d["item"] == "a1_uses_some") & (d["unit_type"] == "fylkeskommune")].set_index("level")
    assert u.loc["yes", "share"] == 1.0 and u.loc["yes", "n"] == 1
