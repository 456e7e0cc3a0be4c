"""The weighting chapter's tables (chapters/weighting_tables.py) on a toy frame; every expected
value is a count, a hand sum or a share computed directly from the toy data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import weighting as R
from sosiale_kommuner.chapters import weighting_tables as T
from sosiale_kommuner.data import typed

from weighting_toy import toy_population


@pytest.fixture(scope="module")
def toy():
    pop, cov = toy_population()
    cov = cov.assign(facebook_page=np.arange(len(cov)) % 3 == 0)
    return pop, cov, R.units_table(pop, cov), R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))


def test_rates_by_unit_type_then_each_breakdown(toy):
    pop, cov, units, _ = toy
    rates = T.rates_table(units, ("size_class", "region"))
    assert list(rates.columns) == T.RATES_COLUMNS
    assert rates["by"].tolist() == ["unit_type"] * 2 + ["size_class"] * 3 + ["region"] * 3
    k = rates[rates.by == "unit_type"].set_index("group").loc["kommune"]
    mun = cov[cov.unit_type == "kommune"]
    assert (k.N, k.mapped, k.responded) == (120, mun.mapped.sum(), mun.responded.sum())
    small = rates[(rates.by == "size_class") & (rates.group == "< 5 000")].iloc[0]
    in_small = (pop.size_class.astype(object) == "< 5 000").to_numpy()
    assert small.N == in_small.sum() and small.responded == cov.responded.to_numpy()[in_small].sum()
    assert small.response_rate == pytest.approx(small.responded / small.N)
    assert small.response_rate_mapped == pytest.approx(small.responded / small.mapped)


def test_flag_table_and_design_effects(toy):
    pop, cov, units, pw = toy
    checks = {"base": dict(margins=("size_class",), flag=R.flag_check(pw, units)),
              "with_region": dict(margins=("size_class", "region"), flag=R.flag_check(pw, units))}
    flags = T.flag_table(checks)
    assert flags[["candidate", "unit_type", "margins"]].values.tolist() == [
        ["base", "kommune", "size_class"], ["base", "fylkeskommune", "size_class"],
        ["with_region", "kommune", "size_class + region"], ["with_region", "fylkeskommune", "size_class + region"]]
    data = T.with_flag(pw.table[["unit_id", "unit_type"]], units)
    known = units.set_index("unit_id").facebook_page
    assert (data.facebook_page == data.unit_id.map(known).map({True: "yes", False: "no"})).all()
    deffs = T.design_effects(pw, data, [])
    w = pw.table.loc[pw.table.unit_type == "kommune", "weight"].to_numpy()
    assert deffs.item.tolist() == ["facebook_page"] and deffs.level.tolist() == ["yes"]
    assert deffs.kish_n.iloc[0] == pytest.approx(w.sum() ** 2 / (w ** 2).sum())      # Kish: (sum w)^2 / sum w^2
    # the weighted share: the municipal respondents' weights of units with a page over all weights
    page = data.loc[data.unit_type == "kommune", "facebook_page"].eq("yes").to_numpy()
    assert deffs.estimate.iloc[0] == pytest.approx(w[page].sum() / w.sum())


def test_weighted_against_unweighted(book):
    data = typed.to_typed(pd.DataFrame({"a1_uses_some": [1, 1, 1, 3, 2]}), book, survey="main").assign(
        unit_id=list("abcde"), unit_type="kommune")
    est = pd.DataFrame({"item": ["a1_uses_some"] * 3, "level": ["yes", "planned", "no"], "domain": "all",
                        "group": "all", "estimate": [0.5, 0.3, 0.2], "ci_low": 0.1, "ci_high": 0.9, "n_unweighted": 5})
    truth = {"a1_uses_some": {"unit_type": {"kommune": {"yes": 0.55, "planned": 0.25, "no": 0.2}}}}
    wvu = T.weighted_vs_unweighted(est, data, [book.item("a1_uses_some")], truth).set_index("level")
    # unweighted: yes 3 of 5, planned 1 of 5, no 1 of 5
    assert wvu.unweighted.to_dict() == pytest.approx({"yes": 0.6, "planned": 0.2, "no": 0.2})
    assert wvu.difference.to_dict() == pytest.approx({"yes": -0.1, "planned": 0.1, "no": 0.0})
    assert wvu.truth.to_dict() == {"yes": 0.55, "planned": 0.25, "no": 0.2}
    top = T.largest_differences(wvu.reset_index().assign(level=["yes", "planned", "mean"]), k=5)
    assert top.level.tolist() == ["yes", "planned"]                       # means are left out; ties keep order
