"""Loading the processed survey files and building the analysis designs (survey_data)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import frame
from sosiale_kommuner.data import respondents as survey_data
from sosiale_kommuner.data.respondents import SurveyDataError
from sosiale_kommuner.files import write_parquet
from sosiale_kommuner.survey import estimation


@pytest.fixture(scope="module")
def population():
    pop = frame.load_population(config.paths().frame)
    return pop.assign(unit_type=pop["unit_type"].astype(str))


@pytest.fixture(scope="module")
def responses():
    """The project's generator (synthetic data): 200 municipalities and 11 counties."""
    from sosiale_kommuner.data import synth

    return synth.generate(exports=False).responses()


@pytest.fixture(scope="module")
def weights(responses, population):
    return survey_data.provisional_weights_for(responses, population)


@pytest.fixture(scope="module")
def data(responses, population, weights):
    return survey_data.merge(responses, population, weights)


def test_provisional_weights_reproduce_the_margins(weights, data, population):
    assert len(weights) == 211
    k = data[data["unit_type"] == "kommune"]
    assert k["weight"].sum() == pytest.approx(428)
    by_size = k.groupby(k["size_class"].astype(str))["weight"].sum()
    assert by_size.to_dict() == pytest.approx({"< 5 000": 228, "5 000–19 999": 147, "≥ 20 000": 53})
    assert data.loc[data["unit_type"] == "fylkeskommune", "weight"].sum() == pytest.approx(18)
    assert survey_data.calibrated_margins(data, population) == ["size_class", "region"]


def test_merge_adds_population_attributes_and_names_missing_units(responses, population, weights, data):
    assert len(data) == len(responses)
    assert {"size_class", "region", "centrality", "weight", "base_weight"} <= set(data.columns)
    assert data.loc[data["unit_type"] == "fylkeskommune", "size_class"].isna().all()
    with pytest.raises(SurveyDataError, match="no weight for respondents of units"):
        survey_data.merge(responses, population, weights.iloc[1:])
    bad = responses.copy()
    bad.loc[0, "unit_id"] = "9999"
    with pytest.raises(SurveyDataError, match="9999"):
        survey_data.merge(bad, population, weights)


def test_load_reads_the_processed_files(tmp_path, responses, population, weights):
    P = config.paths(None, tmp_path)
    write_parquet(population, P.processed / "population.parquet")
    write_parquet(responses, P.processed / "responses.parquet")
    with pytest.raises(SurveyDataError, match="weights.parquet not found.*03_weighting"):
        survey_data.load(P)
    provisional = survey_data.load(P, provisional_weights=True)
    write_parquet(weights, P.processed / "weights.parquet")
    loaded = survey_data.load(P)
    assert np.allclose(loaded["weight"], provisional["weight"])


def test_municipal_design(data, population):
    d = survey_data.design_for(data, population, "kommune")
    assert d.n == 200 and d.df == 197 and d.has_fpc
    N = dict(zip(d.strata_labels, d.N_h))
    assert N == {"< 5 000": 228, "5 000–19 999": 147, "≥ 20 000": 53}
    labels = d.calibration.labels
    assert sum(lab.startswith("size_class=") for lab in labels) == 3
    assert sum(lab.startswith("region=") for lab in labels) == 7
    assert not survey_data.design_for(data, population, "kommune", fpc=False).has_fpc


def test_county_design(data, population):
    d = survey_data.design_for(data, population, "fylkeskommune")
    assert d.n == 11 and list(d.N_h) == [18] and d.df == 10
    assert d.calibration.model_matrix.shape == (11, 1)


def test_calibration_on_the_strata_alone_changes_nothing(data, population):
    """With weights N_h / n_h (constant within strata), calibrating on the strata leaves Taylor
    SEs unchanged (within-stratum centring already removes the stratum means); the raked
    weights' region calibration changes them."""
    base = data.assign(weight=data["base_weight"])
    plain = survey_data.design_for(base, population, "kommune", margins=[])
    on_size = survey_data.design_for(base, population, "kommune", margins=["size_class"])
    raked = survey_data.design_for(data, population, "kommune")
    y = "a1_n_accounts"
    se = [estimation.mean(d, y)["se"].iloc[0] for d in (plain, on_size, raked)]
    assert se[1] == pytest.approx(se[0], rel=1e-10)
    assert se[2] != pytest.approx(se[0], rel=1e-6)


def test_combined_design(data, population):
    d = survey_data.combined_design(data, population)
    assert d.n == 211 and len(d.strata_labels) == 4
    assert dict(zip(d.strata_labels, d.N_h))["fylkeskommune"] == 18
    diff = estimation.difference(d, "a1_n_accounts", "unit_type", "kommune", "fylkeskommune")
    km = estimation.mean(survey_data.design_for(data, population, "kommune"), "a1_n_accounts")["estimate"].iloc[0]
    fm = estimation.mean(survey_data.design_for(data, population, "fylkeskommune"), "a1_n_accounts")["estimate"].iloc[0]
    assert diff["estimate"] == pytest.approx(km - fm, rel=1e-10)


def test_with_columns_keeps_the_design(data, population):
    d = survey_data.design_for(data, population, "kommune")
    d2 = survey_data.with_columns(d, z=np.ones(d.n))
    assert "z" in d2.data.columns and "z" not in d.data.columns
    assert d2.weights is d.weights and d2.calibration is d.calibration


def test_merged_sparse_cells_are_detected(responses, population):
    """Weights raked with two regions merged: the design calibrates on the merged cell."""
    from sosiale_kommuner.survey import weighting

    k = responses[responses["unit_type"] == "kommune"][["unit_id", "unit_type"]].merge(
        population[["unit_id", "size_class", "region"]], on="unit_id")
    merge = {"Oslo og Akershus": "OA+HO", "Hedmark og Oppland": "OA+HO"}
    k["cell"] = k["region"].astype(object).replace(merge)
    margins = survey_data.population_margins(population, ["size_class", "region"])
    reg = {}
    for r, n in margins["region"].items():
        reg[merge.get(r, r)] = reg.get(merge.get(r, r), 0) + n
    res = weighting.rake(k.assign(size_class=k["size_class"].astype(object)), 1.0,
                         {"size_class": margins["size_class"], "cell": reg})
    w = pd.DataFrame({"unit_id": k["unit_id"], "unit_type": "kommune", "weight": res.weights.to_numpy()})
    data = survey_data.merge(responses[responses["unit_type"] == "kommune"], population, w)
    cells = survey_data.calibration_cells(data, population)
    assert list(cells) == ["size_class", "region"]
    assert set(cells["region"]) == {"Oslo og Akershus + Hedmark og Oppland", "Sør-Østlandet", "Agder og Rogaland",
                                    "Vestlandet", "Trøndelag", "Nord-Norge"}
    d = survey_data.design_for(data, population, "kommune")
    assert sum(lab.startswith("region=") for lab in d.calibration.labels) == 6
