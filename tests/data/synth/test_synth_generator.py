"""One dataset in memory (synth.generator): determinism and the two paths."""
import pandas as pd

from sosiale_kommuner.data import synth

import synth_data


def test_same_seed_same_data():
    a = synth.generate(seed=7, exports=False)
    b = synth.generate(seed=7, exports=False)
    c = synth.generate(seed=8, exports=False)
    pd.testing.assert_frame_equal(a.latent, b.latent)
    pd.testing.assert_frame_equal(a.status, b.status)
    assert not a.latent.equals(c.latent)


def test_fast_path_gives_the_answers_of_the_full_path():
    """``exports=False`` (simulations) and ``exports=True`` (the shipped files) draw the same
    routed answers and the same status from the same seed."""
    syn = synth_data.shipped()
    full = synth_data.shipped_full()
    pd.testing.assert_frame_equal(syn.latent, full.latent)
    pd.testing.assert_frame_equal(syn.status, full.status)
    assert syn.exports == {} and syn.truth is None and syn.people is None
    assert set(full.exports) == {synth.MAPPING_FILE, synth.PRESURVEY_FILE, synth.MAIN_FILE}
    assert full.truth["seed"] == full.seed == 2013


def test_a_planted_size_effect_shows_on_a_large_population():
    frame2013 = synth_data.frame2013()
    big = synth.expand_population(frame2013, 50)
    s = synth.generate(seed=3, population=big, exports=False)
    t = s.typed("all")
    mun = (t["unit_type"] == "kommune").to_numpy()
    tw = t.loc[mun].groupby(big.loc[mun, "size_class"], observed=True)["a1_channels__twitter"].mean()
    assert list(tw.index) == ["< 5 000", "5 000–19 999", "≥ 20 000"]
    assert tw.is_monotonic_increasing                     # planted: size_class [0, 0.9, 2.2]
