"""The generator's parameters, random streams, covariates and item models (synth.params)."""
import zlib

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.data.synth import params as P

import synth_data


def _units():
    """Three municipalities (size classes 0, 1, 2) and one county municipality."""
    return pd.DataFrame({
        "unit_id": ["1", "2", "3", "04"],
        "unit_type": ["kommune", "kommune", "kommune", "fylkeskommune"],
        "size_class": pd.Categorical(["small", "mid", "big", None], categories=["small", "mid", "big"], ordered=True),
        "region": ["Nord-Norge", "Vestlandet", "Nord-Norge", "Vestlandet"],
        "centrality": pd.array([0, 3, 2, pd.NA], dtype="Int64"),
    })


def test_linear_predictor_by_hand():
    cov = P.covariates(_units())
    spec = {"intercept": -1.0, "size_class": [0.0, 0.5, 1.0], "centrality": 0.2,
            "region": {"Nord-Norge": 0.3}, "fylkeskommune": -0.4, "loading": 0.5}
    u = np.array([1.0, -2.0, 0.0, 2.0])
    eta = P.linear_predictor(spec, cov, u, defaults={})
    expected = [-1.0 + 0.0 + 0.2 * 0 + 0.3 + 0.5 * 1.0,     # small, least central, north
                -1.0 + 0.5 + 0.2 * 3 + 0.0 + 0.5 * -2.0,    # mid, central
                -1.0 + 1.0 + 0.2 * 2 + 0.3 + 0.0,           # big, centrality 2, north
                -1.0 - 0.4 + 0.5 * 2.0]                     # county: no size class or centrality
    np.testing.assert_allclose(eta, expected, rtol=0, atol=1e-15)


def test_linear_predictor_centrality_by_class_and_defaults():
    cov = P.covariates(_units())
    eta = P.linear_predictor({"centrality": [0.0, 0.1, 0.2, 0.9]}, cov, np.ones(4),
                             defaults={"intercept": 0.25, "loading": 0.5})
    np.testing.assert_allclose(eta, [0.25 + 0.0 + 0.5, 0.25 + 0.9 + 0.5, 0.25 + 0.2 + 0.5, 0.25 + 0.5])


def test_bad_inputs_are_named():
    cov = P.covariates(_units())
    with pytest.raises(P.SynthError, match="need 3 values"):
        P.linear_predictor({"size_class": [0.0, 1.0]}, cov, np.zeros(4), {})
    plain = _units().assign(size_class=["small", "mid", "big", None])
    with pytest.raises(P.SynthError, match="must be categorical"):
        P.covariates(plain)
    no_centrality = _units().assign(centrality=pd.array([0, pd.NA, 2, pd.NA], dtype="Int64"))
    with pytest.raises(P.SynthError, match="needs a size class and a centrality"):
        P.covariates(no_centrality)


def test_stream_is_seeded_by_seed_salt_and_key():
    """The documented recipe: default_rng([seed, crc32(salt), crc32(key)])."""
    got = P.stream(2013, "answers", "a1_uses_some").random(3)
    ref = np.random.default_rng([2013, zlib.crc32(b"answers"), zlib.crc32(b"a1_uses_some")]).random(3)
    np.testing.assert_array_equal(got, ref)
    assert not np.array_equal(got, P.stream(2013, "answers", "a1_channels__twitter").random(3))


def test_planted_terms():
    spec = {"model": "binary", "size_class": [0.0, 0.0, 0.0], "centrality": 0.1,
            "region": {"Nord-Norge": 0.0}}
    assert P.planted_terms(spec) == {"size_class": False, "centrality": True, "region": False,
                                     "fylkeskommune": False}
    inv = {"model": "involvement", "fylkeskommune": -0.5, "coefficients": {"x": 0.0, "y": 0.8}}
    assert P.planted_terms(inv) == {"size_class": False, "centrality": False, "region": False,
                                    "fylkeskommune": True, "covariates": True}


def test_item_spec_from_the_parameters(book):
    """Every typed column of the main survey has its own model in the shipped parameters."""
    params = synth_data.params()
    for it in book.items(survey="main", type=("single", "multiple", "likert5", "integer", "number", "year")):
        for col in it.columns:
            if it.id != "bg_unit_type":                  # the unit's own type, not drawn
                assert P.item_spec(params, it, col) is params["items"][col], col


@pytest.mark.parametrize("column, model", [
    ("a9_methods__polls", "binary"),        # an option
    ("a2_crisis_plan", "binary"),           # yes / no / "Vet ikke"
    ("a5_political_leadership", "ordinal"), # Likert
    ("a1_post_frequency", "ordinal"),       # single, marked ordered
    ("bg_role", "categorical"),             # single, unordered, not yes/no
    ("a1_n_accounts", "count"),
    ("bg_comm_fte", "lognormal"),
    ("a1_first_year", "year"),
])
def test_item_spec_default_by_type(book, column, model):
    assert P.item_spec({}, book.item(column), column) == {"model": model}


def test_load_params_copies_a_dict():
    params = synth_data.params()
    p = P.load_params(params)
    p["items"]["a1_channels__blog"]["intercept"] = 99
    assert params["items"]["a1_channels__blog"]["intercept"] == -2.0
