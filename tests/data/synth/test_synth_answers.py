"""The answers of every unit (synth.answers): item models, "Vet ikke", the Facebook rule,
the involvement covariates and routing.

Distributions are checked on a large population (the 2013 frame replicated 100 times,
44 600 units) against values derived analytically from the model's formula (written in
generator_params.yaml): a probability ``E[expit(eta + loading * u)]`` over ``u ~ N(0, 1)`` by
Gauss–Hermite quadrature, a uniform ordinal distribution, a Poisson mean. The tolerance is
four binomial (or Poisson) standard errors of the simulated share.
"""
import copy

import numpy as np
import pandas as pd
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import expit

from sosiale_kommuner.data import synth
from sosiale_kommuner.data.synth import answers

import synth_data

REPS = 100


@pytest.fixture(scope="module")
def big():
    frame2013 = synth_data.frame2013()
    return synth.expand_population(frame2013, REPS)


def _draw(big, params, book, seed=5):
    st = synth.draw_status(big, params, seed)
    return answers.draw_answers(big, params, book, seed, st["facebook_page"].to_numpy()), st


def _normal_mean(f, nodes=60):
    """E f(u) for u ~ N(0, 1) (Gauss–Hermite, probabilists' weights)."""
    x, w = hermegauss(nodes)
    return float(np.sum(w * f(x)) / np.sqrt(2 * np.pi))


def _within(share, p, n, k=4.0):
    return abs(share - p) <= k * np.sqrt(p * (1 - p) / n)


def test_binary_item_by_size_class_matches_the_model(big, book):
    """a1_channels__twitter: intercept -1.6, size_class [0, 0.9, 2.2], fylkeskommune 2.4,
    default loading 0.6; drawn for every unit before routing."""
    params = synth_data.params()
    coded, _ = _draw(big, params, book)
    spec = params["items"]["a1_channels__twitter"]
    loading = params["defaults"]["loading"]
    y = coded["a1_channels__twitter"].to_numpy()
    mun = (big["unit_type"] == "kommune").to_numpy()
    for k, sc in enumerate(big["size_class"].cat.categories):
        m = mun & (big["size_class"] == sc).to_numpy()
        eta = spec["intercept"] + spec["size_class"][k]
        p = _normal_mean(lambda u: expit(eta + loading * u))
        assert _within(y[m].mean(), p, m.sum()), (sc, y[m].mean(), p)
    eta = spec["intercept"] + spec["fylkeskommune"]
    p = _normal_mean(lambda u: expit(eta + loading * u))
    assert _within(y[~mun].mean(), p, (~mun).sum())
    # a null item: the same probability in every size class
    inst = coded["a1_channels__instagram"].to_numpy()
    p0 = _normal_mean(lambda u: expit(params["items"]["a1_channels__instagram"]["intercept"] + loading * u))
    for sc in big["size_class"].cat.categories:
        m = mun & (big["size_class"] == sc).to_numpy()
        assert _within(inst[m].mean(), p0, m.sum()), sc


def test_ordinal_item_with_default_cuts_is_uniform(big, book):
    """Default cut points logit(j / k) with spread 1, no effects, no loading: P(Y > j) =
    1 - j / k, so each of the five levels has probability 1/5."""
    params = synth_data.params()
    p = copy.deepcopy(params)
    p["defaults"]["cut_spread"] = 1.0
    p["items"]["a5_political_leadership"] = {"model": "ordinal", "loading": 0.0, "dont_know": 0.0}
    coded, _ = _draw(big, p, book)
    y = coded["a5_political_leadership"].to_numpy()
    n = len(y)
    for level in (1, 2, 3, 4, 5):
        assert _within((y == level).mean(), 0.2, n), level


def test_count_item_mean_and_dont_know_rate(big, book):
    params = synth_data.params()
    p = copy.deepcopy(params)
    p["items"]["a1_n_accounts"] = {"model": "count", "intercept": 1.0, "loading": 0.0}
    coded, _ = _draw(big, p, book)
    y = coded["a1_n_accounts"].to_numpy()
    assert abs(y.mean() - np.e) <= 4 * np.sqrt(np.e / len(y))          # Poisson(e): mean = variance = e
    # "Vet ikke" replaces an answer with probability dont_know (default 0.05) where the item has it
    dk = coded["a2_crisis_plan"].to_numpy() == book.item("a2_crisis_plan").dont_know
    assert _within(dk.mean(), params["defaults"]["dont_know"], len(dk))


def test_facebook_page_forces_use_and_the_channel():
    syn = synth_data.shipped()
    fb = syn.status["facebook_page"].to_numpy()
    assert (syn.latent.loc[fb, "a1_uses_some"] == 1).all()
    assert (syn.latent.loc[fb, "a1_channels__facebook"] == 1).all()


def test_involvement_covariates_by_hand():
    a = {
        "a3_strategy_status": np.array([4.0, 3.0, 9.0, np.nan]),
        "a4_formal_elements__guidelines": np.array([1.0, 0.0, np.nan, 1.0]),
        "a4_formal_elements__archiving": np.array([1.0, 1.0, np.nan, 0.0]),
        "a5_admin_leadership": np.array([5.0, 9.0, np.nan, 1.0]),
        "bg_comm_fte": np.array([2.5, np.nan, 0.0, 1.0]),
    }
    x = answers.involvement_covariates(a)
    np.testing.assert_array_equal(x["strategy_adopted"], [1, 0, 0, 0])
    np.testing.assert_array_equal(x["formal_elements"], [2, 1, 0, 1])
    np.testing.assert_array_equal(x["admin_leadership"], [5, 3, 3, 1])   # "Vet ikke" and missing -> 3
    np.testing.assert_array_equal(x["comm_fte"], [2.5, 0, 0, 1])


def test_routing_blanks_what_a_unit_was_not_shown(book):
    """a9_has_involved is asked if a1_uses_some = 1; a9_methods if a9_has_involved = 1
    (a chain: a blanked filter hides what depends on it)."""
    coded = pd.DataFrame({
        "a1_uses_some": [1.0, 1.0, 3.0],
        "a1_channels__facebook": [1.0, 0.0, 1.0],
        "a9_has_involved": [1.0, 2.0, 1.0],
        "a9_methods__polls": [1.0, 1.0, 1.0],
    }, index=[7, 8, 9])
    got = answers.apply_routing(coded, book)
    expected = pd.DataFrame({
        "a1_uses_some": [1.0, 1.0, 3.0],
        "a1_channels__facebook": [1.0, 0.0, np.nan],
        "a9_has_involved": [1.0, 2.0, np.nan],
        "a9_methods__polls": [1.0, np.nan, np.nan],
    }, index=[7, 8, 9])
    pd.testing.assert_frame_equal(got, expected)


def test_shipped_answers_are_routed():
    syn = synth_data.shipped()
    t = syn.typed("all")
    assert len(t) == 446 and t["a1_uses_some"].notna().all()
    users = t["a1_uses_some"] == "yes"
    assert t.loc[~users, "a1_channels__facebook"].isna().all()
    assert t.loc[users, "a1_channels__facebook"].notna().all()
    involved = (t["a9_has_involved"] == "yes").fillna(False)
    assert t.loc[~involved, "a9_methods__polls"].isna().all()


def test_latent_factor_is_standard_normal():
    u = answers.latent_factor(3, 200_000)
    assert abs(u.mean()) < 4 / np.sqrt(len(u)) and abs(u.std() - 1) < 4 / np.sqrt(2 * len(u))
