"""Chapter 10's result tables (involvement.tables) on the synthetic sample: hand-computed
shares, and R ``svymean``/``svychisq`` on the same data and design (oracle/reference.json)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report import results

import involvement_sample

ORACLE = Path(__file__).parent / "oracle"


@pytest.fixture(scope="module")
def ref():
    """R's values on the same sample (oracle/make_reference.R; calibrated design as in Python)."""
    return json.loads((ORACLE / "reference.json").read_text(encoding="utf-8"))



def test_reference_sample_is_the_test_sample():
    """oracle/sample.csv, which R read, is still what the generator and ``derive`` make."""
    spec = importlib.util.spec_from_file_location("make_sample", ORACLE / "make_sample.py")
    make_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_sample)
    rows, margins = make_sample.sample_table()
    saved = pd.read_csv(ORACLE / "sample.csv", dtype={"unit_id": str}, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(rows.reset_index(drop=True), saved, check_dtype=False, rtol=0, atol=0)
    saved_m = pd.read_csv(ORACLE / "margins.csv").sort_values(["margin", "level"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(margins.sort_values(["margin", "level"]).reset_index(drop=True), saved_m,
                                  check_dtype=False)


def test_estimates_table_schema_and_domains():
    sample = involvement_sample.make_sample()
    cb, pop, data = sample
    est = inv.estimates_table(data, pop, cb)
    results.check_schema(est, "estimates")
    assert set(est["domain"]) == {"all", "size_class", "region", "centrality", "unit_type"}
    # county municipalities only overall
    ut = est[est["domain"] == "unit_type"]
    assert set(ut["group"]) == {"kommune", "fylkeskommune"}
    assert set(est.loc[est["domain"] == "centrality", "group"]) == {"0", "1", "2", "3"}
    # unit_type=kommune repeats "all"
    a = est[(est["domain"] == "all")].reset_index(drop=True)
    k = est[(est["domain"] == "unit_type") & (est["group"] == "kommune")].reset_index(drop=True)
    np.testing.assert_allclose(a["estimate"], k["estimate"])
    # shares of one item's substantive levels sum to 1 in every group
    for item, levels in ((inv.INVOLVED_ALL, ["yes", "no"]), (inv.PRACTICE, list(inv.PRACTICE_LEVELS))):
        s = est[(est["item"] == item) & est["level"].isin(levels)].groupby(["domain", "group"])["estimate"].sum()
        np.testing.assert_allclose(s, 1.0, atol=1e-12)
    # the headline equals the hand-computed weighted share among municipalities
    kk = data[(data["unit_type"] == "kommune") & data[inv.INVOLVED_ALL].notna()]
    expected = np.average(kk[inv.INVOLVED_ALL] == "yes", weights=kk["weight"])
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    assert row["estimate"] == pytest.approx(expected, rel=1e-12)
    assert row["n_unweighted"] == len(kk)
    # disclosure control accepts the table (no county splits)
    from sosiale_kommuner.report.disclosure import suppress_estimates
    suppress_estimates(est, k=3)


@pytest.mark.oracle
def test_headline_matches_r_svymean(ref):
    sample = involvement_sample.make_sample()
    cb, pop, data = sample
    est = inv.estimates_table(data, pop, cb)
    r = ref["involved_all_yes"]
    row = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "all")].iloc[0]
    assert row["n_unweighted"] == r["n"]
    assert row["estimate"] == pytest.approx(r["estimate"], rel=1e-9)
    assert row["se"] == pytest.approx(r["se"], rel=1e-8)
    by = est[(est["item"] == inv.INVOLVED_ALL) & (est["level"] == "yes") & (est["domain"] == "centrality")]
    by = by.set_index("group").loc[r["by_centrality"]["groups"]]
    np.testing.assert_allclose(by["estimate"], r["by_centrality"]["estimate"], rtol=1e-9)
    np.testing.assert_allclose(by["se"], r["by_centrality"]["se"], rtol=1e-8)


def test_centrality_tests_schema_and_bh():
    sample = involvement_sample.make_sample()
    cb, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    t = inv.centrality_tests(k, cb)
    results.check_schema(t, "tests")
    assert (t["comparison"] == "centrality").all()
    assert t["item"].str.startswith("a9_").all()
    assert len(t) == 21  # 4 + 3 + 5 + 5 options, 9.1, three outcome scales
    from sosiale_kommuner.chapters.item_tests import p_adjust
    np.testing.assert_allclose(t["p_adjusted"], p_adjust(t["p_value"].to_numpy(), "BH"))
    assert (t["p_adjusted"] >= t["p_value"] - 1e-15).all()


@pytest.mark.oracle
def test_centrality_test_statistic_matches_r_svychisq(ref):
    """The Rao–Scott F and its numerator df equal R's; the denominator df is the item tests'
    Satterthwaite df (chapters.item_tests), not R's d0 * degf, so p differs from R's default."""
    sample = involvement_sample.make_sample()
    cb, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    row = inv.centrality_tests(k, cb).set_index("item").loc[inv.OUTCOME]
    r = ref["test_has_involved_by_centrality"]
    assert row["statistic"] == pytest.approx(r["statistic"], rel=1e-8)
    assert row["df1"] == pytest.approx(r["ndf"], rel=1e-8)


@pytest.mark.oracle
def test_typology_tests_match_r_svychisq(ref):
    sample = involvement_sample.make_sample()
    _, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=True)
    t = inv.typology_tests(k).set_index("comparison")                  # drops the fpc itself
    for by in ("size_class", "centrality"):
        r = ref[f"typology_by_{by}"]
        assert t.loc[by, "statistic"] == pytest.approx(r["statistic"], rel=1e-8), by
        assert t.loc[by, "df1"] == pytest.approx(r["ndf"], rel=1e-8)
        assert t.loc[by, "df2"] == pytest.approx(r["ddf"], rel=1e-8)
        assert t.loc[by, "p_value"] == pytest.approx(r["p_value"], rel=1e-6)
