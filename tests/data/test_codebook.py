"""Tests of the codebook loader and accessors."""
import numpy as np
import pandas as pd
import pytest
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cb


def test_all_areas_covered(book):
    main = book.items(survey="main")
    counts = {a: len([i for i in main if i.area == a]) for a in range(10)}
    assert set(counts) == set(range(10))
    for a in range(1, 10):
        assert 4 <= counts[a] <= 9, (a, counts[a])
    assert len(book.analysable_items()) == 47


def test_ids_snake_case_and_unique(book):
    cols = book.typed_columns("main")
    assert len(cols) == len(set(cols))
    for c in cols:
        assert c == c.lower() and " " not in c


def test_background_items(book):
    for iid in ("bg_unit_type", "bg_kommunenummer", "bg_role", "bg_comm_fte"):
        assert book.item(iid).area == 0
    assert book.item("bg_comm_fte").type == "number"
    assert book.item("bg_unit_type").level_keys == ["kommune", "fylkeskommune"]


def test_involvement_items(book):
    assert book.option_columns("a9_work_kinds") == [
        "a9_work_kinds__land_use_planning", "a9_work_kinds__local_development",
        "a9_work_kinds__culture_events", "a9_work_kinds__services"]
    assert [o.key for o in book.options("a9_target_groups")] == ["young_people", "immigrants", "whole_population"]
    assert [o.key for o in book.options("a9_methods")] == ["open_posts", "groups", "polls", "consultations", "live_events"]
    assert [o.key for o in book.options("a9_barriers")] == [
        "resources", "competence", "legal_uncertainty", "negative_comments", "leadership"]
    assert book.item("a9_has_involved").filter_item == "a1_uses_some"


def test_labels_and_levels(book):
    assert book.likert_levels("a5_admin_leadership") == ["very_small", "small", "some", "large", "very_large"]
    assert book.likert_levels("a5_admin_leadership", include_dont_know=True)[-1] == "dont_know"
    assert book.level_label("a5_admin_leadership", "dont_know", "nb") == "Vet ikke"
    assert book.label("a9_methods__polls", "en") == "Methods of involvement: Polls"
    assert book.option_label("a9_methods__polls", "nb") == "Avstemninger"
    assert book.area_label(9, "nb").startswith("Innbyggerinvolvering")
    with pytest.raises(ValueError):
        book.label("a1_uses_some", "de")
    with pytest.raises(cb.CodebookError):
        book.item("no_such_item")


def test_shared_items(book):
    shared = [i.id for i in book.shared_items()]
    assert "a1_uses_some" in shared and "a3_strategy_status" in shared and "bg_comm_fte" not in shared


def test_to_typed_and_scores(book):
    coded = pd.DataFrame({
        "a5_admin_leadership": [1, 5, 9, np.nan],
        "a9_methods__polls": [1, 0, np.nan, 1],
        "bg_comm_fte": [0.5, 2, np.nan, 1],
        "a1_first_year": [2010, np.nan, 2012, 2013],
    })
    t = cb.to_typed(coded, book)
    s = t["a5_admin_leadership"]
    assert s.cat.ordered and list(s.cat.categories)[-1] == "dont_know"
    assert s.iloc[2] == "dont_know" and pd.isna(s.iloc[3])
    assert cb.likert_scores(s).tolist()[:2] == [1.0, 5.0]
    assert np.isnan(cb.likert_scores(s).iloc[2])
    assert cb.is_dont_know(s).tolist() == [False, False, True, False]
    assert t["a9_methods__polls"].dtype == "boolean" and pd.isna(t["a9_methods__polls"].iloc[2])
    assert str(t["a1_first_year"].dtype) == "Int64"
    with pytest.raises(cb.CodebookError, match="code 7"):
        cb.to_typed(pd.DataFrame({"a5_admin_leadership": [7]}), book)


def test_malformed_codebook_errors(book):
    doc = yaml.safe_load((config.DEFAULT_RAW_DIR / "survey" / "codebook.yaml").read_text(encoding="utf-8"))
    doc["items"][0]["id"] = "Bad Id"
    with pytest.raises(cb.CodebookError, match="snake_case"):
        cb.parse_codebook(doc)
    doc = yaml.safe_load((config.DEFAULT_RAW_DIR / "survey" / "codebook.yaml").read_text(encoding="utf-8"))
    doc["items"].append(dict(doc["items"][-1]))
    with pytest.raises(cb.CodebookError, match="duplicate id"):
        cb.parse_codebook(doc)
