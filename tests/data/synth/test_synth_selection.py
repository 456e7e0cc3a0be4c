"""Who is selected (synth.selection): exact published counts, weighted draws, large populations."""
import numpy as np
import pytest

from sosiale_kommuner.data import synth
from sosiale_kommuner.data.synth import selection

import synth_data


def test_exact_published_counts():
    """The published figures of 2013: 210 of 428 municipalities with a Facebook page; 316 + 15
    mapped units; 161 pre-survey respondents; 200 + 11 main-survey respondents."""
    syn = synth_data.shipped()
    st = syn.status
    k, f = st[st.unit_type == "kommune"], st[st.unit_type == "fylkeskommune"]
    assert (len(k), len(f)) == (428, 18)
    assert k.facebook_page.sum() == 210
    assert (k.mapped.sum(), f.mapped.sum()) == (316, 15)
    assert (k.responded.sum(), f.responded.sum()) == (200, 11)
    assert st.presurvey.sum() == 161
    assert not (st.responded & ~st.mapped).any() and not (st.presurvey & ~st.mapped).any()


def test_select_exact_draws_k_eligible_units():
    rng = np.random.default_rng(1)
    elig = np.array([True, False, True, True, False, True])
    m = selection.select_exact(np.ones(6), 3, rng, elig)
    assert m.sum() == 3 and not (m & ~elig).any()
    assert selection.select_exact(np.ones(6), 0, rng).sum() == 0
    with pytest.raises(synth.SynthError, match="cannot select 5 of 4 eligible units"):
        selection.select_exact(np.ones(6), 5, rng, elig)


def test_select_exact_one_unit_with_probability_proportional_to_weight():
    """For k = 1 the Efraimidis–Spirakis key log(U)/w is largest for unit i with probability
    w_i / sum(w): 0.1, 0.2, 0.3, 0.4 here (four binomial SEs over 20 000 draws)."""
    w = np.array([1.0, 2.0, 3.0, 4.0])
    rng = np.random.default_rng(7)
    n = 20_000
    hits = np.zeros(4)
    for _ in range(n):
        hits += selection.select_exact(w, 1, rng)
    p = w / w.sum()
    assert np.all(np.abs(hits / n - p) <= 4 * np.sqrt(p * (1 - p) / n)), hits / n


def test_expand_population_replicates_the_frame():
    frame2013 = synth_data.frame2013()
    big = synth.expand_population(frame2013, 3)
    assert len(big) == 3 * 446 and big["unit_id"].is_unique
    assert list(big["unit_id"].iloc[[0, 446, 892]]) == ["0101_0", "0101_1", "0101_2"]
    assert (big["size_class"].value_counts().sort_index().to_numpy()
            == 3 * frame2013["size_class"].value_counts().sort_index().to_numpy()).all()


def test_counts_scale_with_the_population():
    frame2013 = synth_data.frame2013()
    params = synth_data.params()
    big = synth.expand_population(frame2013, 50)
    st = synth.draw_status(big, params, 3)
    k = st[st.unit_type == "kommune"]
    assert k.responded.sum() == 200 * 50 and k.mapped.sum() == 316 * 50
    assert st.presurvey.sum() == 161 * 50


def test_selection_rises_with_size():
    """Coverage and response weights grow with size class (generator_params.yaml): on a large
    population the largest class responds most often."""
    frame2013 = synth_data.frame2013()
    params = synth_data.params()
    big = synth.expand_population(frame2013, 50)
    st = synth.draw_status(big, params, 4)
    mun = (big["unit_type"] == "kommune").to_numpy()
    rate = [st.loc[mun & (big["size_class"] == sc).to_numpy(), "responded"].mean()
            for sc in big["size_class"].cat.categories]
    assert rate[0] < rate[1] < rate[2]
