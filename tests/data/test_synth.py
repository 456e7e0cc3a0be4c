"""Tests of the synthetic-data generator (SYNTHETIC DATA)."""
import shutil
import time

import pandas as pd
import pytest
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.data import frame, synth


@pytest.fixture(scope="module")
def syn():
    return synth.generate(exports=False)


def test_exact_published_counts(syn):
    st = syn.status
    k = st[st.unit_type == "kommune"]
    f = st[st.unit_type == "fylkeskommune"]
    assert (len(k), len(f)) == (428, 18)
    assert k.facebook_page.sum() == 210
    assert (k.mapped.sum(), f.mapped.sum()) == (316, 15)
    assert (k.responded.sum(), f.responded.sum()) == (200, 11)
    assert st.presurvey.sum() == 161
    assert not (st.responded & ~st.mapped).any() and not (st.presurvey & ~st.mapped).any()


def test_every_unit_answers_and_routing(syn):
    t = syn.typed("all")
    assert len(t) == 446
    assert t["a1_uses_some"].notna().all()
    users = t["a1_uses_some"] == "yes"
    assert t.loc[~users, "a1_channels__facebook"].isna().all()
    assert t.loc[users, "a1_channels__facebook"].notna().all()
    # a Facebook page implies use of social media and of Facebook
    fb = syn.status["facebook_page"].to_numpy()
    assert (t.loc[fb, "a1_uses_some"] == "yes").all() and t.loc[fb, "a1_channels__facebook"].all()
    inv = t["a9_has_involved"] == "yes"
    assert t.loc[~inv.fillna(False), "a9_methods__polls"].isna().all()


def test_deterministic_in_memory():
    a = synth.generate(seed=7, exports=False)
    b = synth.generate(seed=7, exports=False)
    c = synth.generate(seed=8, exports=False)
    pd.testing.assert_frame_equal(a.latent, b.latent)
    assert not a.latent.equals(c.latent)


def test_planted_size_effect_visible_on_large_population():
    pop = frame.load_population(config.DEFAULT_RAW_DIR / "frame")
    big = synth.expand_population(pop, 50)
    s = synth.generate(seed=3, population=big, exports=False)
    t = s.typed("all")
    mun = t["unit_type"] == "kommune"
    tw = t.loc[mun].groupby(big.loc[mun, "size_class"].to_numpy(), observed=True)["a1_channels__twitter"].mean()
    assert tw.iloc[2] - tw.iloc[0] > 0.2           # planted: strongly by size
    inst = t.loc[mun].groupby(big.loc[mun, "size_class"].to_numpy(), observed=True)["a1_channels__instagram"].mean()
    assert abs(inst.iloc[2] - inst.iloc[0]) < 0.05  # null item
    # scaled exact counts
    assert s.status.loc[s.status.unit_type == "kommune", "responded"].sum() == 200 * 50


def test_fast_enough():
    params = synth.load_params()
    synth.generate(seed=1, params=params, exports=False)
    t0 = time.perf_counter()
    synth.generate(seed=2, params=params, exports=False)
    assert time.perf_counter() - t0 < 1.0


def test_responses_shape(syn):
    r = syn.responses()
    assert list(r.columns[:3]) == ["unit_id", "unit_type", "respondent_id"]
    assert (r.unit_type == "kommune").sum() == 200 and (r.unit_type == "fylkeskommune").sum() == 11
    assert isinstance(r["a5_admin_leadership"].dtype, pd.CategoricalDtype)


def test_truth_file_contents():
    truth = synth.load_truth(config.DEFAULT_RAW_DIR)
    assert truth["synthetic"] is True
    assert truth["counts"]["kommune"]["responded"] == 200
    pv = truth["population_values"]
    assert set(pv["a1_channels__twitter"]) == {"all", "unit_type", "size_class", "region", "centrality"}
    assert pv["a1_channels__twitter"]["unit_type"]["kommune"]["n"] > 0
    assert "a1_channels__instagram" in truth["null_columns"]["size_class"]
    assert "a1_channels__twitter" not in truth["null_columns"]["size_class"]
    # forced "yes" by the organisation-wide Facebook page, which depends on size and unit type
    for cmp in ("size_class", "centrality", "region", "unit_type"):
        assert "a1_channels__facebook" not in truth["null_columns"][cmp], cmp
    fb = next(e for e in truth["planted_effects"] if e["column"] == "a1_channels__facebook")
    assert fb["forced_by"] == "facebook_page" and "unit_type" in fb["differs_by"]
    assert truth["involvement_model"]["coefficients"]["strategy_adopted"] == 0.8
    flag = yaml.safe_load((config.DEFAULT_RAW_DIR / "survey" / "SYNTHETIC.yaml").read_text(encoding="utf-8"))
    assert flag["synthetic"] is True and flag["notice"]["nb"] and flag["notice"]["en"]


def test_population_values_match_latent(syn):
    pv = synth.population_values(syn.latent, syn.population, syn.codebook)
    t = syn.typed("all")
    row = pv[(pv.column == "a1_channels__twitter") & (pv.domain == "unit_type") & (pv.group == "kommune")]
    expect = t.loc[t.unit_type == "kommune", "a1_channels__twitter"].astype("float").mean()
    assert row["value"].iloc[0] == pytest.approx(expect)


def test_export_shape():
    text = (config.DEFAULT_RAW_DIR / "survey" / synth.MAIN_FILE).read_text(encoding="utf-8")
    header = text.split("\n", 1)[0].split(";")
    assert header[:4] == ["Respondent-ID", "Startet", "Sist endret", "Status"]
    assert "1.2 Kanaler: Facebook" in header and "9.4 Metoder: Avstemninger" in header
    assert "Test kommune" in text and "@" in text


@pytest.mark.slow
def test_regeneration_is_byte_identical(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(config.DEFAULT_RAW_DIR / "frame", raw / "frame")
    (raw / "survey").mkdir()
    for f in ("codebook.yaml", "generator_params.yaml"):
        shutil.copy(config.DEFAULT_RAW_DIR / "survey" / f, raw / "survey" / f)
    assert synth.main(["--raw-dir", str(raw)]) == 0
    for name in synth.GENERATED_FILES:
        assert (raw / "survey" / name).read_bytes() == (config.DEFAULT_RAW_DIR / "survey" / name).read_bytes(), name
