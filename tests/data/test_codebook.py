"""Tests of the codebook: parsing and checking ``codebook.yaml``, look-ups and labels.

Expected values come from the YAML file itself, read here with plain ``yaml.safe_load``
(not through the code under test), or from small hand-written codebooks.
"""
import copy
import os

import pytest
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cb

CODEBOOK = config.DEFAULT_RAW_DIR / "survey" / "codebook.yaml"


@pytest.fixture(scope="module")
def doc():
    """The shipped codebook as plain YAML."""
    return yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))


def _surveys(spec):
    return spec["survey"] if isinstance(spec["survey"], list) else [spec["survey"]]


#: A minimal codebook written by hand: one value set, a filtered Likert item, options.
TINY = {
    "meta": {"missing_codes": {"-1": {"key": "not_shown"}}, "export_columns": {"respondent": "ID"}},
    "areas": {0: {"nb": "Bakgrunn", "en": "Background"}, 1: {"nb": "Bruk", "en": "Use"}},
    "value_sets": {"yn": {"ordered": False, "dont_know": 9, "codes": {
        1: {"key": "yes", "nb": "Ja", "en": "Yes"}, 2: {"key": "no", "nb": "Nei", "en": "No"},
        9: {"key": "dont_know", "nb": "Vet ikke", "en": "Don't know"}}}},
    "items": [
        {"id": "uses", "area": 1, "survey": ["presurvey", "main"], "type": "single", "values": "yn",
         "qno": "1.1", "header": "Bruk", "nb": "Bruker dere?", "en": "Do you use?"},
        {"id": "how", "area": 1, "survey": "main", "type": "likert5", "qno": "1.2", "header": "Grad",
         "nb": "I hvilken grad?", "en": "To what extent?", "dont_know": 9,
         "filter": {"item": "uses", "codes": [1]},
         "codes": {1: {"key": "l1", "nb": "a", "en": "a"}, 2: {"key": "l2", "nb": "b", "en": "b"},
                   3: {"key": "l3", "nb": "c", "en": "c"}, 4: {"key": "l4", "nb": "d", "en": "d"},
                   5: {"key": "l5", "nb": "e", "en": "e"}, 9: {"key": "dont_know", "nb": "Vet ikke", "en": "DK"}}},
        {"id": "where", "area": 1, "survey": "main", "type": "multiple", "qno": "1.3", "header": "Kanaler",
         "nb": "Hvor?", "en": "Where?",
         "options": [{"key": "fb", "nb": "Facebook", "en": "Facebook"}, {"key": "tw", "nb": "Twitter", "en": "Twitter"}]},
        {"id": "fte", "area": 0, "survey": "main", "type": "number", "min": 0, "max": 60, "qno": "0.4",
         "header": "Årsverk", "nb": "Årsverk", "en": "FTE"},
    ],
}


def test_tiny_codebook_parsed_as_written():
    book = cb.parse_codebook(copy.deepcopy(TINY))
    uses, how, where, fte = (book.item(i) for i in ("uses", "how", "where", "fte"))
    assert uses.surveys == ("presurvey", "main") and uses.dont_know == 9 and not uses.is_ordered
    assert uses.level_keys == ["yes", "no", "dont_know"] and uses.substantive_keys == ["yes", "no"]
    assert how.is_ordered and how.filter_item == "uses" and how.filter_codes == (1,)
    assert how.substantive_codes == [1, 2, 3, 4, 5]
    assert str(how.dtype) == "category" and how.dtype.ordered
    assert list(how.dtype.categories) == ["l1", "l2", "l3", "l4", "l5", "dont_know"]
    assert where.columns == ["where__fb", "where__tw"] and where.dtype == "boolean"
    assert where.export_header(where.options[1]) == "1.3 Kanaler: Twitter"
    assert fte.dtype == "Float64" and (fte.min, fte.max) == (0, 60) and fte.missing_codes == ("-1",)
    assert book.item("where__tw") is where                      # an option column finds its item
    assert book.label("where__tw", "nb") == "Hvor?: Twitter"
    assert book.option_label("where__fb", "en") == "Facebook"
    assert book.level_label("how", "dont_know", "en") == "DK"
    assert [it.id for it in book.items(survey="main", type=("single", "likert5"))] == ["uses", "how"]
    assert [it.id for it in book.shared_items()] == ["uses"]
    assert [it.id for it in book.analysable_items()] == ["uses", "how", "where"]   # area 0 is background
    assert book.typed_columns("main") == ["uses", "how", "where__fb", "where__tw", "fte"]
    assert set(book.column_map("main")) == {"1.1 Bruk", "1.2 Grad", "1.3 Kanaler: Facebook",
                                            "1.3 Kanaler: Twitter", "0.4 Årsverk"}
    assert book.missing_codes == {"-1": "not_shown"} and book.export_columns == {"respondent": "ID"}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["items"][0].update(id="Bad Id"), "snake_case"),
    (lambda d: d["items"].append(dict(d["items"][0])), "duplicate id"),
    (lambda d: d["items"][0].update(type="slider"), "type 'slider'"),
    (lambda d: d["items"][0].update(area=7), "area 7"),
    (lambda d: d["items"][0].update(survey="followup"), "survey"),
    (lambda d: d["items"][0].update(values="nope"), "unknown value set"),
    (lambda d: d["items"][0].pop("header"), "field 'header' missing"),
    (lambda d: d["items"][1]["codes"].pop(5), "exactly five substantive codes"),
    (lambda d: (d["items"][1].update(dont_know=8), d["items"][1]["codes"].pop(9)), "dont_know code 8"),
    (lambda d: d["items"][1]["filter"].update(item="ghost"), "unknown item 'ghost'"),
    (lambda d: d["items"][1]["filter"].update(codes=[3]), r"filter codes \[3\] unknown"),
    (lambda d: d["items"][2]["options"].append({"key": "fb", "nb": "x", "en": "x"}), "option keys"),
    (lambda d: d["items"][3].update(header="Kanaler: Facebook", qno="1.3", type="text"), "export header"),
])
def test_malformed_codebook_is_named(change, message):
    d = copy.deepcopy(TINY)
    change(d)
    with pytest.raises(cb.CodebookError, match=message):
        cb.parse_codebook(d)


def test_every_item_of_the_yaml_is_loaded_in_order(book, doc):
    assert list(book.items_by_id) == [spec["id"] for spec in doc["items"]]
    for spec in doc["items"]:
        it = book.item(spec["id"])
        assert (it.area, it.type, it.qno, it.nb, it.en) == (spec["area"], spec["type"], str(spec["qno"]),
                                                           spec["nb"], spec["en"])
        assert it.surveys == tuple(_surveys(spec))


def test_analysable_items_are_the_main_survey_areas_one_to_nine(book, doc):
    """docs/contracts.md §6: areas 1-9 of the main survey, free text excluded."""
    expected = [s["id"] for s in doc["items"]
                if "main" in _surveys(s) and 1 <= s["area"] <= 9 and s["type"] != "text"]
    assert [it.id for it in book.analysable_items()] == expected
    assert {it.area for it in book.analysable_items()} == set(range(1, 10))


def test_typed_column_names_are_unique_snake_case(book):
    cols = book.typed_columns("main")
    assert len(cols) == len(set(cols))
    assert all(c == c.lower() and " " not in c for c in cols)


def test_value_sets_are_resolved(book, doc):
    extent = doc["value_sets"]["extent5"]
    it = book.item("a5_admin_leadership")
    assert it.code_to_key == {int(c): v["key"] for c, v in extent["codes"].items()}
    assert it.dont_know == extent["dont_know"] and it.is_ordered
    assert it.substantive_keys == ["very_small", "small", "some", "large", "very_large"]
    assert it.level_keys[-1] == "dont_know"
    assert book.item("bg_unit_type").level_keys == ["kommune", "fylkeskommune"]


def test_involvement_items_and_routing(book):
    assert book.item("a9_work_kinds").columns == [
        "a9_work_kinds__land_use_planning", "a9_work_kinds__local_development",
        "a9_work_kinds__culture_events", "a9_work_kinds__services"]
    assert [o.key for o in book.options("a9_methods")] == ["open_posts", "groups", "polls", "consultations", "live_events"]
    assert book.item("a9_has_involved").filter_item == "a1_uses_some"
    assert book.item("a9_has_involved").filter_codes == (1,)


def test_labels_in_both_languages(book):
    assert book.level_label("a5_admin_leadership", "dont_know", "nb") == "Vet ikke"
    assert book.label("a9_methods__polls", "en") == "Methods of involvement: Polls"
    assert book.option_label("a9_methods__polls", "nb") == "Avstemninger"
    assert book.area_label(9, "nb").startswith("Innbyggerinvolvering")
    assert book.dont_know_label("en") == "Don't know"
    with pytest.raises(ValueError, match="lang must be one of"):
        book.label("a1_uses_some", "de")
    with pytest.raises(cb.CodebookError, match="no item 'no_such_item'"):
        book.item("no_such_item")
    with pytest.raises(cb.CodebookError, match="has no level 'sometimes'"):
        book.level_label("a5_admin_leadership", "sometimes")


def test_codebook_path_accepts_raw_folder_survey_folder_or_file(tmp_path):
    raw = config.DEFAULT_RAW_DIR
    assert cb.codebook_path(raw) == CODEBOOK
    assert cb.codebook_path(raw / "survey") == CODEBOOK
    assert cb.codebook_path(CODEBOOK) == CODEBOOK
    with pytest.raises(cb.CodebookError, match="no codebook.yaml"):
        cb.codebook_path(tmp_path)


def test_load_codebook_rereads_a_changed_file(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    first = cb.load_codebook(tmp_path)
    assert cb.load_codebook(path) is first                      # cached by path and mtime
    changed = copy.deepcopy(TINY)
    changed["items"][0]["en"] = "Changed"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cb.load_codebook(tmp_path).item("uses").en == "Changed"
