"""The population frame and size classes (docs/contracts.md §4).

The facts checked are SSB's, as data/raw/frame/PROVENANCE.md records them."""
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import frame


@pytest.fixture(scope="module")
def population():
    return frame.load_population(config.paths().frame)


def test_two_populations(population):
    counts = population["unit_type"].value_counts()
    assert counts["kommune"] == 428
    assert counts["fylkeskommune"] == 18
    assert population["unit_id"].is_unique


def test_oslo_counted_once_as_municipality(population):
    oslo = population[population["name"] == "Oslo"]
    assert list(oslo["unit_id"]) == ["0301"]
    assert list(oslo["unit_type"]) == ["kommune"]
    assert "03" not in set(population.loc[population["unit_type"] == "fylkeskommune", "unit_id"])


def test_unit_ids_are_strings_of_4_and_2_digits(population):
    k = population[population["unit_type"] == "kommune"]["unit_id"]
    f = population[population["unit_type"] == "fylkeskommune"]["unit_id"]
    assert k.str.fullmatch(r"\d{4}").all() and f.str.fullmatch(r"\d{2}").all()
    assert "0101" in set(k)  # leading zero kept


def test_default_size_classes_228_147_53(population):
    k = population[population["unit_type"] == "kommune"]
    assert k["size_class"].value_counts(sort=False).tolist() == [228, 147, 53]
    assert population.loc[population["unit_type"] == "fylkeskommune", "size_class"].isna().all()


@pytest.mark.parametrize("pop, label", [
    (0, "< 5 000"), (4_999, "< 5 000"), (5_000, "5 000–19 999"),
    (19_999, "5 000–19 999"), (20_000, "≥ 20 000"), (623_966, "≥ 20 000"),
])
def test_size_class_boundaries(pop, label):
    assert str(frame.size_class([pop]).iloc[0]) == label


def test_size_class_other_boundaries():
    got = frame.size_class([2_999, 3_000, 10_000, 50_000], boundaries=(3_000, 10_000, 50_000))
    assert [str(x) for x in got] == ["< 3 000", "3 000–9 999", "10 000–49 999", "≥ 50 000"]


@pytest.mark.parametrize("bad", [(), (20_000, 5_000), (0, 5_000), (5_000, 5_000)])
def test_size_class_rejects_bad_boundaries(bad):
    with pytest.raises(ValueError, match="boundaries"):
        frame.size_class([100], boundaries=bad)


def test_size_class_rejects_missing_population():
    with pytest.raises(frame.FrameError, match="missing"):
        frame.size_class([100.0, None])


def test_three_vestfold_municipalities_classed_by_2015(population):
    three = population.set_index("unit_id").loc[["0706", "0719", "0720"]]
    assert three["population"].isna().all()
    assert (three["size_basis"] == "2015").all()
    assert [str(c) for c in three["size_class"]] == ["≥ 20 000", "5 000–19 999", "5 000–19 999"]
    assert three["population_2015"].sum() == 62_647


def test_population_total_and_residual(population):
    facts = frame.check_population(population)
    assert facts["sum_2013_known"] == 4_989_702
    assert facts["residual_for_three"] == 61_573


def test_regions_and_centrality(population):
    k = population[population["unit_type"] == "kommune"]
    assert k["region"].notna().all() and population["region"].notna().all()
    assert population.set_index("unit_id").loc["0301", "region"] == "Oslo og Akershus"
    assert population.set_index("unit_id").loc["1103", "region"] == "Agder og Rogaland"
    assert population.set_index("unit_id").loc["20", "region"] == "Nord-Norge"
    assert k["centrality"].value_counts().sort_index().tolist() == [149, 51, 78, 150]
    f = population[population["unit_type"] == "fylkeskommune"]
    assert f["centrality"].isna().all()


def test_every_fylke_in_one_region():
    seen = [f for fs in config.REGIONS.values() for f in fs]
    assert len(seen) == len(set(seen)) == 19


def test_missing_frame_file_is_named(tmp_path):
    with pytest.raises(frame.FrameError, match="municipalities_2013.csv"):
        frame.load_population(tmp_path)


def test_bad_kommunenummer_names_row_and_column(tmp_path):
    src = config.paths().frame
    for name in frame.FRAME_FILES:
        (tmp_path / name).write_bytes((src / name).read_bytes())
    df = pd.read_csv(tmp_path / frame.MUNICIPALITIES_FILE, dtype=str)
    df.loc[4, "kommunenummer"] = "111"
    df.to_csv(tmp_path / frame.MUNICIPALITIES_FILE, index=False)
    with pytest.raises(frame.FrameError, match=r"row 6, column 'kommunenummer'.*'111'"):
        frame.load_population(tmp_path)


def test_check_population_catches_double_oslo(population):
    extra = population[population["unit_id"] == "0301"].assign(unit_id="03", unit_type="fylkeskommune")
    with pytest.raises(frame.FrameError):
        frame.check_population(pd.concat([population.iloc[:-1], extra]))


def test_size_class_labels_and_thousands():
    assert frame.size_class_labels() == ["< 5 000", "5 000–19 999", "≥ 20 000"]
    assert frame.size_class_labels((1000,)) == ["< 1 000", "≥ 1 000"]
    assert frame.fmt_thousands(5051275) == "5 051 275"


def test_size_class_rejects_negative_population():
    with pytest.raises(frame.FrameError, match="negative"):
        frame.size_class([100, -1])


def test_region_of_an_unknown_county_is_named():
    assert frame.region_of("03") == "Oslo og Akershus"
    with pytest.raises(frame.FrameError, match="'13' belongs to no NUTS-2 region"):
        frame.region_of("13")


def _copy_frame(tmp_path):
    src = config.paths().frame
    for name in frame.FRAME_FILES:
        (tmp_path / name).write_bytes((src / name).read_bytes())
    return pd.read_csv(tmp_path / frame.MUNICIPALITIES_FILE, dtype=str)


def test_duplicate_kommunenummer_and_missing_column_are_named(tmp_path):
    df = _copy_frame(tmp_path)
    pd.concat([df, df.iloc[[0]]]).to_csv(tmp_path / frame.MUNICIPALITIES_FILE, index=False)
    with pytest.raises(frame.FrameError, match=r"duplicate kommunenummer \['0101'\]"):
        frame.load_population(tmp_path)
    df.drop(columns=["population_2015"]).to_csv(tmp_path / frame.MUNICIPALITIES_FILE, index=False)
    with pytest.raises(frame.FrameError, match="column 'population_2015' missing"):
        frame.load_population(tmp_path)


def test_an_unexpected_missing_2013_figure_is_named(tmp_path):
    df = _copy_frame(tmp_path)
    df.loc[df["kommunenummer"] == "0101", "population"] = ""
    df.to_csv(tmp_path / frame.MUNICIPALITIES_FILE, index=False)
    with pytest.raises(frame.FrameError, match=r"no 2013 population for \['0101'\]"):
        frame.load_population(tmp_path)


def test_check_population_returns_the_checked_figures(population):
    facts = frame.check_population(population)
    assert facts["n_municipalities"] == 428 and facts["n_county_municipalities"] == 18
    assert facts["n_without_2013"] == 3
    assert facts["size_class_counts"] == {"< 5 000": 228, "5 000–19 999": 147, "≥ 20 000": 53}
    with pytest.raises(frame.FrameError, match="expected 428 municipalities, found 427"):
        frame.check_population(population.iloc[1:])
