"""The respondent table and the designs built from calibration.json (data/respondents.py).

The designs are checked against a design built by hand from the same pieces (strata, fpc,
base weights, the calibration margins) and against R's conventions stated in the module:
strata = size class with N_h of the frame, one county stratum with N = 18.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import frame
from sosiale_kommuner.data import respondents as R
from sosiale_kommuner.data.respondents import SurveyDataError
from sosiale_kommuner.files import atomic_write_text, write_parquet
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.calibration import Calibration
from sosiale_kommuner.survey.design import SurveyDesign


@pytest.fixture(scope="module")
def population():
    pop = frame.load_population(config.paths().frame)
    return pop.assign(unit_type=pop["unit_type"].astype(str))


@pytest.fixture(scope="module")
def synthetic():
    """The project's generator (synthetic data): 200 municipalities and 11 counties."""
    from sosiale_kommuner.data import synth

    return synth.generate(exports=False)


@pytest.fixture(scope="module")
def responses(synthetic):
    return synthetic.responses()


@pytest.fixture(scope="module")
def calibrated(synthetic, population):
    """Chapter 03's weighting of the generator's respondents (with its coverage flags)."""
    from sosiale_kommuner.chapters.weighting import calibrate_population_weights

    return calibrate_population_weights(population, synthetic.status, margins=("size_class", "region"))


@pytest.fixture(scope="module")
def root(tmp_path_factory, responses, population, calibrated):
    """An output root as notebooks 00, 02 and 03 leave it."""
    P = config.paths(None, tmp_path_factory.mktemp("out"))
    write_parquet(population, P.processed / "population.parquet")
    write_parquet(responses, P.processed / "responses.parquet")
    write_parquet(calibrated.table[R.WEIGHTS_COLUMNS], P.processed / "weights.parquet")
    atomic_write_text(P.processed / R.CALIBRATION_FILE, R.calibration_json(calibrated.calibration))
    return P


@pytest.fixture(scope="module")
def data(root):
    return R.load(root)


def test_load_gives_every_respondent_its_design_columns(data, calibrated):
    assert len(data) == 211 and data["weight"].notna().all()
    k = data[data["unit_type"] == "kommune"]
    assert k["weight"].sum() == pytest.approx(428) and data.loc[data["unit_type"] == "fylkeskommune", "weight"].sum() \
        == pytest.approx(18)
    assert (k["stratum"] == k["size_class"].astype(str)).all()
    assert k.groupby("stratum")["fpc"].first().to_dict() == {"< 5 000": 228, "5 000–19 999": 147, "≥ 20 000": 53}
    assert (k["calib__region"] == k["region"].astype(str)).all()  # no merged cells in this weighting
    assert k["calib__unit_type"].isna().all()
    assert data.loc[data["unit_type"] == "fylkeskommune", "calib__region"].isna().all()
    # base weights: N_c / responded_c of the base-weight cells, as chapter 03 made them
    cells = calibrated.base_cells.set_index(["unit_type", "cell"])["base_weight"]
    assert np.allclose(k["base_weight"], [cells[("kommune", s)] for s in k["stratum"]], rtol=1e-15)


def test_the_calibration_document_is_deterministic_json(root, calibrated):
    text = (root.processed / R.CALIBRATION_FILE).read_text(encoding="utf-8")
    assert text == R.calibration_json(calibrated.calibration)
    doc = json.loads(text)
    k = doc["populations"]["kommune"]
    assert [m["variable"] for m in k["margins"]] == ["size_class", "region"]
    assert sum(c["population"] for c in k["margins"][1]["cells"]) == 428
    assert doc["populations"]["fylkeskommune"]["strata"] == {"variable": None, "population": {"fylkeskommune": 18}}


def test_municipal_design_is_the_hand_built_one(data, population):
    d = R.design_for(data, population, "kommune")
    k = data[data["unit_type"] == "kommune"].reset_index(drop=True)
    cal = Calibration.from_columns(k.assign(size_class=k["size_class"].astype(str), region=k["region"].astype(str)),
                                   ["size_class", "region"], k["base_weight"])
    hand = SurveyDesign(k, "weight", strata=k["size_class"].astype(str).to_numpy(),
                        fpc={"< 5 000": 228, "5 000–19 999": 147, "≥ 20 000": 53}, calibration=cal)
    assert d.n == 200 and d.df == 197 and d.has_fpc
    for y in ("a1_n_accounts", "a1_uses_some"):
        a = estimation.proportions(d, y) if y == "a1_uses_some" else estimation.mean(d, y)
        b = estimation.proportions(hand, y) if y == "a1_uses_some" else estimation.mean(hand, y)
        np.testing.assert_allclose(a["se"], b["se"], rtol=1e-10)
    assert sum(lab.startswith("region=") for lab in d.calibration.labels) == 7
    assert not R.design_for(data, population, "kommune", fpc=False).has_fpc


def test_county_design(data, population):
    d = R.design_for(data, population, "fylkeskommune")
    assert d.n == 11 and list(d.N_h) == [18] and d.df == 10
    assert d.calibration.model_matrix.shape == (11, 1)


def test_combined_design(data, population):
    d = R.combined_design(data, population)
    assert d.n == 211 and len(d.strata_labels) == 4 and d.df == 207
    assert dict(zip(d.strata_labels, d.N_h))["fylkeskommune"] == 18
    diff = estimation.difference(d, "a1_n_accounts", "unit_type", "kommune", "fylkeskommune")
    km = estimation.mean(R.design_for(data, population, "kommune"), "a1_n_accounts")["estimate"].iloc[0]
    fm = estimation.mean(R.design_for(data, population, "fylkeskommune"), "a1_n_accounts")["estimate"].iloc[0]
    assert diff["estimate"] == pytest.approx(km - fm, rel=1e-10)


def test_margins_are_read_never_guessed(data, population):
    """Naming a margin the weights were not calibrated on is an error (the old code detected
    margins from the weights); a subset of the calibrated margins is allowed."""
    with pytest.raises(SurveyDataError, match="not calibrated on") as e:
        R.design_for(data, population, "kommune", margins=["size_class", "centrality"])
    assert "centrality" in str(e.value)
    only = R.design_for(data, population, "kommune", margins=["size_class"])
    assert all(lab.startswith("size_class=") for lab in only.calibration.labels)
    with pytest.raises(SurveyDataError, match="no design columns") as e:
        R.design_for(data.drop(columns=["calib__size_class", "calib__region", "calib__unit_type"]), population)
    assert "respondents.load" in e.value.hint


def test_mismatched_files_stop_the_load(root, responses, population, calibrated, tmp_path):
    P = config.paths(None, tmp_path)
    for name in ("population.parquet", "responses.parquet"):
        (P.processed).mkdir(parents=True, exist_ok=True)
        (P.processed / name).write_bytes((root.processed / name).read_bytes())
    with pytest.raises(SurveyDataError, match="weights.parquet not found"):
        R.load(P)
    w = calibrated.table[R.WEIGHTS_COLUMNS].copy()
    w.loc[0, "weight"] *= 1.5  # weights from another run
    write_parquet(w, P.processed / "weights.parquet")
    with pytest.raises(SurveyDataError, match="calibration.json not found"):
        R.load(P)
    atomic_write_text(P.processed / R.CALIBRATION_FILE, R.calibration_json(calibrated.calibration))
    with pytest.raises(SurveyDataError, match="do not reproduce a calibration total") as e:
        R.load(P)
    assert "rerun 03_weighting" in str(e.value)
    doc = json.loads(R.calibration_json(calibrated.calibration))
    doc["populations"]["kommune"]["margins"][1]["cells"] = doc["populations"]["kommune"]["margins"][1]["cells"][1:]
    atomic_write_text(P.processed / R.CALIBRATION_FILE, json.dumps(doc))
    write_parquet(calibrated.table[R.WEIGHTS_COLUMNS], P.processed / "weights.parquet")
    with pytest.raises(SurveyDataError, match="outside the calibration"):
        R.load(P)


def test_merge_names_missing_units(responses, population, calibrated):
    weights = calibrated.table
    with pytest.raises(SurveyDataError, match="no weight for respondents of units"):
        R.merge(responses, population, weights.iloc[1:])
    bad = responses.copy()
    bad.loc[0, "unit_id"] = "9999"
    with pytest.raises(SurveyDataError, match="9999"):
        R.merge(bad, population, weights)
    # chapter 03's in-memory table carries the design columns, so it can be designed as it is
    merged = R.merge(responses, population, weights)
    assert {"stratum", "fpc", "base_weight", "calib__size_class"} <= set(merged.columns)


def test_provisional_weights_follow_the_same_calibration(responses, population):
    w = R.provisional_weights_for(responses, population)
    data = R.merge(responses, population, w)
    k = data[data["unit_type"] == "kommune"]
    by_size = k.groupby(k["size_class"].astype(str))["weight"].sum()
    assert by_size.to_dict() == pytest.approx({"< 5 000": 228, "5 000–19 999": 147, "≥ 20 000": 53})
    d = R.design_for(data, population, "kommune")
    assert [lab.split("=")[0] for lab in d.calibration.labels].count("region") >= 6


def test_with_columns_keeps_the_design(data, population):
    d = R.design_for(data, population, "kommune")
    d2 = R.with_columns(d, z=np.ones(d.n))
    assert "z" in d2.data.columns and "z" not in d.data.columns
    assert d2.weights is d.weights and d2.calibration is d.calibration


def test_merged_sparse_cells_travel_in_the_calibration(responses, population):
    """Sparse region cells merged by the raking (min_cell) are cells of calibration.json, and
    the design calibrates on the merged cell: two regions -> one model-matrix column."""
    from sosiale_kommuner.survey.weighting import rake_weights

    k = responses[responses["unit_type"] == "kommune"][["unit_id", "unit_type"]].merge(
        population[["unit_id", "size_class", "region"]], on="unit_id")
    kk = k.assign(size_class=k["size_class"].astype(object), region=k["region"].astype(object))
    margins = R.population_margins(population, ["size_class", "region"])
    res = rake_weights(kk, 1.0, margins, min_cell=int(kk["region"].value_counts().min()) + 1)
    assert not res.collapses.empty
    classes = kk["size_class"].unique()
    spec = R.population_calibration(res, strata_counts={c: R.stratum_counts(population)[c] for c in classes},
                                    stratum="size_class", base_weights={c: 1.0 for c in classes},
                                    base_cell="size_class")
    w = pd.DataFrame({"unit_id": k["unit_id"], "unit_type": "kommune", "weight": res.weights.to_numpy()})
    data = R.merge(responses[responses["unit_type"] == "kommune"], population, w, {"kommune": spec})
    merged_into = res.collapses["into"].iloc[-1]
    assert merged_into in set(data["calib__region"])
    d = R.design_for(data, population, "kommune")
    assert sum(lab.startswith("region=") for lab in d.calibration.labels) == res.margins["margin"].eq("region").sum()
