"""The ground truth (synth.truth): population values computed by hand on a tiny population,
planted effects and null columns from hand-written parameters, and the shipped truth.yaml."""
import numpy as np
import pandas as pd
import pytest
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.data import synth

import synth_data


@pytest.fixture()
def tiny():
    """Four municipalities and one county municipality with hand-set answers."""
    pop = pd.DataFrame({
        "unit_type": ["kommune"] * 4 + ["fylkeskommune"],
        "size_class": pd.Categorical(["< 5 000", "< 5 000", "≥ 20 000", "≥ 20 000", None],
                                     categories=["< 5 000", "5 000–19 999", "≥ 20 000"], ordered=True),
        "region": ["Nord-Norge", "Nord-Norge", "Vestlandet", "Vestlandet", "Vestlandet"],
        "centrality": pd.array([0, 0, 3, 3, pd.NA], dtype="Int64"),
    })
    coded = pd.DataFrame({
        "a2_crisis_plan": [1.0, 2.0, 9.0, 1.0, np.nan],              # yes, no, "Vet ikke", yes, not shown
        "a1_channels__twitter": [1.0, 0.0, 1.0, 1.0, 1.0],
        "a5_admin_leadership": [1.0, 5.0, 4.0, np.nan, 2.0],        # scores 1, 5, 4, -, 2
        "bg_comm_fte": [0.5, 1.0, 4.0, 6.0, 10.0],
    })
    return coded, pop


def _value(pv, column, domain, group, statistic, level=""):
    r = pv[(pv.column == column) & (pv.domain == domain) & (pv.group == group) & (pv.statistic == statistic)
           & (pv.level == level)]
    assert len(r) == 1, (column, domain, group, statistic, level)
    return r.iloc[0]


def test_population_values_by_hand(tiny, book):
    coded, pop = tiny
    pv = synth.population_values(coded, pop, book)
    # a2_crisis_plan, all units: answers yes, no, dk, yes (the county was not shown it)
    yes = _value(pv, "a2_crisis_plan", "all", "all", "share", "yes")
    assert yes["value"] == pytest.approx(2 / 3) and yes["n"] == 4       # "Vet ikke" out of the denominator
    assert _value(pv, "a2_crisis_plan", "all", "all", "dont_know", "dont_know")["value"] == pytest.approx(1 / 4)
    assert _value(pv, "a2_crisis_plan", "size_class", "≥ 20 000", "share", "yes")["value"] == 1.0
    assert np.isnan(_value(pv, "a2_crisis_plan", "size_class", "5 000–19 999", "share", "yes")["value"])
    # an option: the share ticking it; municipality domains leave the county out
    assert _value(pv, "a1_channels__twitter", "all", "all", "proportion")["value"] == pytest.approx(4 / 5)
    assert _value(pv, "a1_channels__twitter", "unit_type", "kommune", "proportion")["value"] == pytest.approx(3 / 4)
    assert _value(pv, "a1_channels__twitter", "region", "Nord-Norge", "proportion")["value"] == pytest.approx(1 / 2)
    assert _value(pv, "a1_channels__twitter", "centrality", "3", "proportion")["value"] == 1.0
    # Likert: mean of the level number, shares of levels
    assert _value(pv, "a5_admin_leadership", "all", "all", "mean_score")["value"] == pytest.approx((1 + 5 + 4 + 2) / 4)
    assert _value(pv, "a5_admin_leadership", "unit_type", "kommune", "share", "large")["value"] == pytest.approx(1 / 3)
    # a number (background item bg_comm_fte is the one background column with values)
    assert _value(pv, "bg_comm_fte", "unit_type", "kommune", "mean")["value"] == pytest.approx(11.5 / 4)


def test_planted_effects_and_null_columns(book):
    params = {"items": {
        "a1_channels__twitter": {"model": "binary", "size_class": [0.0, 0.5, 1.0]},
        "a1_channels__instagram": {"model": "binary", "intercept": -2.0},
        "a1_channels__flickr": {"model": "binary", "fylkeskommune": 1.0},
        "a1_channels__facebook": {"model": "binary", "facebook_forces_yes": True},
    }}
    effects, nulls = synth.planted_effects(params, book)
    by = {e["column"]: e for e in effects}
    assert by["a1_channels__twitter"]["differs_by"] == ["size_class", "centrality", "region", "unit_type"]
    assert by["a1_channels__instagram"]["differs_by"] == []
    assert by["a1_channels__flickr"]["differs_by"] == ["unit_type"]
    assert by["a1_channels__facebook"]["forced_by"] == "facebook_page"
    assert by["a1_channels__twitter"]["asked_if"] == "a1_uses_some in [1]"
    for cmp in ("size_class", "centrality", "region"):
        assert {"a1_channels__instagram", "a1_channels__flickr"} <= set(nulls[cmp])
        assert "a1_channels__twitter" not in nulls[cmp] and "a1_channels__facebook" not in nulls[cmp]
    assert "a1_channels__instagram" in nulls["unit_type"] and "a1_channels__flickr" not in nulls["unit_type"]
    # every analysable column has a record
    assert len(effects) == sum(len(it.columns) for it in book.analysable_items())


def test_shipped_truth_file():
    params = synth_data.params()
    truth = yaml.safe_load((config.DEFAULT_RAW_DIR / "survey" / synth.TRUTH_FILE).read_text(encoding="utf-8"))
    assert truth["synthetic"] is True and truth["seed"] == params["seed"]
    assert truth["counts"]["kommune"] == {"facebook_page": 210, "mapped": 316, "presurvey": truth["counts"]["kommune"]["presurvey"],
                                          "responded": 200, "population": 428}
    assert truth["counts"]["kommune"]["presurvey"] + truth["counts"]["fylkeskommune"]["presurvey"] == 161
    assert truth["involvement_model"]["coefficients"] == params["items"]["a9_has_involved"]["coefficients"]
    pv = truth["population_values"]
    assert set(pv["a1_channels__twitter"]) == {"all", "unit_type", "size_class", "region", "centrality"}
    assert "a1_channels__instagram" in truth["null_columns"]["size_class"]
    for cmp in ("size_class", "centrality", "region", "unit_type"):
        assert "a1_channels__facebook" not in truth["null_columns"][cmp], cmp


def test_population_values_of_the_shipped_dataset():
    """The truth's 2013 values are plain means over the synthetic units."""
    syn = synth_data.shipped()
    pv = synth.population_values(syn.latent, syn.population, syn.codebook)
    t = syn.typed("all")
    row = _value(pv, "a1_channels__twitter", "unit_type", "kommune", "proportion")
    mun = t.loc[t.unit_type == "kommune", "a1_channels__twitter"].dropna().astype(float)
    assert row["value"] == pytest.approx(mun.mean()) and row["n"] == len(mun)
