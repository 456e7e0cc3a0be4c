"""Disclosure control: primary and secondary suppression with real values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.report import disclosure, results
from sosiale_kommuner.report.disclosure import DisclosureError, suppress_counts, suppress_estimates


def est_rows(item, domain, groups, levels=("yes",), *, est=0.5):
    """Rows of an estimates table: groups = {group: n_unweighted}."""
    rows = []
    for g, n in groups.items():
        for i, lev in enumerate(levels):
            e = est if len(levels) == 1 else (i + 1) / (len(levels) * (len(levels) + 1) / 2)
            rows.append(dict(item=item, area=1, level=lev, domain=domain, group=g, estimate=e,
                             se=0.05, ci_low=e - 0.1, ci_high=e + 0.1, n_unweighted=n,
                             n_weighted=n * 2.0, suppressed=False))
    return rows


def frame(*parts):
    return pd.DataFrame([r for p in parts for r in p], columns=results.ESTIMATES_COLUMNS)


SIZE = {"< 5 000": 2, "5 000–19 999": 40, "≥ 20 000": 25}


def test_primary_and_secondary_suppression_within_item_and_domain():
    df = frame(est_rows("q1", "all", {"all": 67}), est_rows("q1", "size_class", SIZE))
    out = suppress_estimates(df, k=3)
    got = out.set_index("group")
    # primary: 2 < 3
    assert got.loc["< 5 000", "suppressed"]
    # secondary: next-smallest group (25) goes too, so the small one cannot be recovered from 'all'
    assert got.loc["≥ 20 000", "suppressed"]
    assert not got.loc["5 000–19 999", "suppressed"]
    assert not got.loc["all", "suppressed"]
    for g in ("< 5 000", "≥ 20 000"):
        assert got.loc[g, ["estimate", "se", "ci_low", "ci_high", "n_weighted"]].isna().all()
    # bases are kept, unsuppressed values untouched
    assert got.loc["< 5 000", "n_unweighted"] == 2
    assert got.loc["≥ 20 000", "n_unweighted"] == 25
    assert got.loc["5 000–19 999", "estimate"] == 0.5
    assert got.loc["all", "ci_high"] == pytest.approx(0.6)
    # the result passes the schema check
    results.check_schema(out, "estimates")


def test_all_levels_of_a_group_go_together_and_two_suppressed_need_no_more():
    groups = {"0": 1, "1": 2, "2": 30, "3": 50}
    df = frame(est_rows("q2", "centrality", groups, levels=("never", "sometimes", "often")))
    out = suppress_estimates(df, k=3)
    sup = out.groupby("group")["suppressed"].agg(["all", "any"])
    assert sup.loc["0", "all"] and sup.loc["1", "all"]          # every level of both small groups
    assert not sup.loc["2", "any"] and not sup.loc["3", "any"]  # two suppressed already: no secondary
    assert out["suppressed"].sum() == 6


def test_secondary_ties_broken_by_group_label_and_items_independent():
    df = frame(est_rows("a", "region", {"Nord-Norge": 1, "Vestlandet": 9, "Trøndelag": 9}),
               est_rows("b", "region", {"Nord-Norge": 12, "Vestlandet": 9, "Trøndelag": 9}))
    out = suppress_estimates(df, k=3)
    a = out[out["item"] == "a"].set_index("group")["suppressed"]
    assert a.to_dict() == {"Nord-Norge": True, "Vestlandet": False, "Trøndelag": True}
    assert not out.loc[out["item"] == "b", "suppressed"].any()


def test_k_is_a_parameter_and_unit_type_has_no_total():
    df = frame(est_rows("q", "unit_type", {"kommune": 200, "fylkeskommune": 11}))
    assert not suppress_estimates(df, k=3)["suppressed"].any()
    out = suppress_estimates(df, k=12).set_index("group")
    # the county group is below 12; municipalities and counties are never combined in a
    # published estimate, so the municipalities stay
    assert out["suppressed"].to_dict() == {"kommune": False, "fylkeskommune": True}
    both = suppress_estimates(df, k=12, separate_domains=()).set_index("group")
    assert both["suppressed"].to_dict() == {"kommune": True, "fylkeskommune": True}
    sized = frame(est_rows("q", "size_class", {"< 5 000": 5, "5 000–19 999": 11, "≥ 20 000": 30}))
    assert suppress_estimates(sized, k=6)["suppressed"].tolist() == [True, True, False]


def test_empty_groups_need_no_secondary_suppression():
    df = frame(est_rows("q", "centrality", {"0": 0, "1": 40, "2": 30, "3": 50}))
    out = suppress_estimates(df).set_index("group")["suppressed"]
    assert out.to_dict() == {"0": True, "1": False, "2": False, "3": False}
    df = frame(est_rows("q", "centrality", {"0": 0, "1": 2, "2": 30, "3": 50}))
    out = suppress_estimates(df).set_index("group")["suppressed"]
    assert out.to_dict() == {"0": True, "1": True, "2": True, "3": False}


def test_small_total_is_suppressed():
    df = frame(est_rows("q", "all", {"all": 2}))
    out = suppress_estimates(df)
    assert bool(out["suppressed"].iloc[0]) and np.isnan(out["estimate"].iloc[0])


def test_county_municipalities_not_split_further():
    bad = frame(est_rows("q", "region", {"Vestlandet / fylkeskommune": 4, "Vestlandet / kommune": 30}))
    with pytest.raises(DisclosureError, match="county municipalities"):
        suppress_estimates(bad)
    dropped = suppress_estimates(bad, county_split="drop")
    assert dropped["group"].tolist() == ["Vestlandet / kommune"]
    odd = frame(est_rows("q", "unit_type", {"fylkeskommune < 5 000": 4}))
    with pytest.raises(DisclosureError):
        suppress_estimates(odd)
    ok = frame(est_rows("q", "unit_type", {"kommune": 200, "fylkeskommune": 11}))
    assert len(suppress_estimates(ok)) == 2


def test_write_result_applies_suppression(tmp_path):
    P = config.paths(tmp_path / "raw", tmp_path / "out")
    df = frame(est_rows("q1", "all", {"all": 67}), est_rows("q1", "size_class", SIZE))
    path = results.write_result(df, P, "99_test", "estimates", schema="estimates")
    back = pd.read_csv(path)
    assert back["suppressed"].tolist() == [False, True, False, True]
    assert back.loc[1, "estimate"] != back.loc[1, "estimate"]  # NaN: empty cell in the CSV
    text = path.read_text()
    assert "q1,1,yes,size_class,< 5 000,,,,,,2,,True" in text  # df emptied too
    # switched off explicitly
    raw = results.write_result(df, P, "99_test", "raw", schema="estimates", k_min=None)
    assert not pd.read_csv(raw)["suppressed"].any()
    # positional call of the original signature still works
    results.write_result(pd.DataFrame({"a": [1]}), P, "99_test", "plain", None)


def test_suppress_counts_primary_and_secondary():
    t = pd.DataFrame({"yes": [10, 2, 7], "no": [5, 8, 9], "dont_know": [4, 6, 0]},
                     index=["< 5 000", "5 000–19 999", "≥ 20 000"])
    out = suppress_counts(t, k=3)
    mask = out.isna()
    # primary: the 2; row '5 000–19 999' then needs a second cell (6 is smallest non-zero),
    # column 'yes' needs a second (7), column 'dont_know' gets 6 already (two suppressed),
    # row '≥ 20 000' now has one (7) -> its smallest non-zero free cell (9) goes, then column
    # 'no' has one (9) -> 5 goes; row '< 5 000' has one (5) -> 4 goes; column dont_know: 6,4 ok.
    expected = pd.DataFrame({"yes": [False, True, True], "no": [True, False, True],
                             "dont_know": [True, True, False]}, index=t.index)
    pd.testing.assert_frame_equal(mask, expected)
    # every row and column has 0 or >= 2 suppressed cells
    assert set(mask.sum(axis=0)) <= {0, 2, 3} and set(mask.sum(axis=1)) <= {0, 2, 3}
    assert out.loc["< 5 000", "yes"] == 10 and out.loc["≥ 20 000", "dont_know"] == 0
    assert str(out.dtypes.iloc[0]) == "Int64"


def test_suppress_counts_one_column_and_margins():
    one = pd.DataFrame({"n": [120, 1, 40, 50]}, index=list("abcd"))
    out = suppress_counts(one)
    assert out["n"].isna().tolist() == [False, True, True, False]
    ct = pd.DataFrame({"x": [5, 1, 6], "y": [7, 9, 16], "All": [12, 10, 22]}, index=["a", "b", "All"])
    out = suppress_counts(ct, margins=True)
    assert out.isna().to_numpy().tolist() == [[True, True, False], [True, True, False], [False, False, False]]
    with pytest.raises(DisclosureError):
        suppress_counts(pd.DataFrame({"x": [1.5]}))


def test_bad_k():
    with pytest.raises(ValueError):
        suppress_estimates(frame(est_rows("q", "all", {"all": 5})), k=0)
    assert disclosure.SUPPRESSED_SYMBOL == ":"


def test_publish_estimates_returns_what_was_written(tmp_path):
    P = config.paths(tmp_path / "raw", tmp_path / "out")
    df = frame(est_rows("q1", "all", {"all": 67}), est_rows("q1", "size_class", SIZE))
    shown = results.publish_estimates(df, P, "99_test", "estimates")
    back = pd.read_csv(results.table_path(P, "99_test", "estimates"))
    assert shown["suppressed"].tolist() == back["suppressed"].tolist() == [False, True, False, True]
    pd.testing.assert_series_equal(shown["estimate"], back["estimate"], check_names=False)
