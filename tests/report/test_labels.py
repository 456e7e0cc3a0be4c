"""Readers' names for codes: tests, comparisons, effect measures, levels, yes/no and headers."""
from __future__ import annotations

import numpy as np
import pytest

from sosiale_kommuner.data import codebook
from sosiale_kommuner.report import labels, results, text
from sosiale_kommuner.report.text.formats import LANGS

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def book():
    return codebook.load_codebook()


@pytest.mark.parametrize("lang", LANGS)
def test_every_test_and_comparison_of_the_schema_has_words(lang):
    for code in ("rao_scott_f", "rank_test", "wald_f", "design_t_difference"):
        words = labels.test_name(code, lang)
        assert words and "_" not in words and words != code
    for code in results.TEST_COMPARISONS:
        assert "_" not in labels.comparison(code, lang)


def test_test_names_are_spelled_out_in_each_language():
    assert labels.test_name("rao_scott_f", "nb") == "Rao–Scotts F-test"
    assert labels.test_name("rao_scott_f", "en") == "Rao–Scott F test"


@pytest.mark.parametrize("lang", LANGS)
def test_every_column_of_the_result_schemas_has_a_header(lang):
    # interval limits are shown inside their estimate's cell, never as columns of their own
    inside = {"ci_low", "ci_high", "effect_ci_low", "effect_ci_high", "df"}
    for schema in (results.ESTIMATES_COLUMNS, results.TESTS_COLUMNS, results.MODELS_COLUMNS):
        for col in set(schema) - inside:
            head = labels.header(col, lang)
            assert head and "_" not in head, (col, head)


def test_a_chapters_own_header_comes_first_and_a_missing_one_names_the_file():
    assert labels.header("size_class", "nb", page="00_population") == "Innbyggere"
    assert labels.header("p_adjusted", "nb", page="00_population") == "Justert p-verdi"
    with pytest.raises(text.TextError, match=r"header\.no_such_column .*00_population\.yaml.*tables\.yaml"):
        labels.header("no_such_column", "nb", page="00_population")


def test_effect_measures_in_words(book):
    assert labels.effect_measure("diff_prop:True", "nb") == "Forskjell i andel som har krysset av, prosentpoeng"
    assert labels.effect_measure("diff_prop:True [≥ 20 000 - < 5 000]", "en") == \
        "Difference in the share ticking the option, percentage points"
    assert labels.effect_measure("diff_mean_score", "nb") == "Forskjell i gjennomsnittsskår (skala 1–5)"
    item = next(it for it in book.analysable_items() if "yes" in it.level_keys)
    assert labels.effect_measure("diff_prop:yes", "nb", book, item.id) == "Forskjell i andel «Ja», prosentpoeng"
    assert labels.effect_measure("diff_prop:yes", "en", book, item.id) == \
        "Difference in the share answering “Yes”, percentage points"
    with pytest.raises(ValueError, match="unknown effect measure"):
        labels.effect_measure("ratio", "nb")


def test_pairs_of_size_classes_read_as_a_subtraction():
    # Babel: nb groups thousands with a no-break space, en with a comma
    assert labels.pair("[≥ 20 000 - < 5 000]", "nb") == f"20{NBSP}000 og flere minus under 5{NBSP}000"
    assert labels.pair("[5 000–19 999 - < 5 000]", "en") == "5,000–19,999 minus under 5,000"


def test_yes_no_is_a_word_never_python(book):
    assert labels.boolean(True, "nb") == "Ja" and labels.boolean(np.bool_(False), "en") == "No"
    assert labels.boolean("True", "en") == "Yes"
    with pytest.raises(ValueError):
        labels.boolean("maybe", "nb")


def test_levels(book):
    assert labels.level(book, "any", "dont_know", "nb") == "Vet ikke"
    assert labels.level(book, "any", "dont_know", "en") == "Don't know"
    assert labels.level(book, "any", "True", "nb") == "Krysset av"
    item = next(it for it in book.analysable_items() if "yes" in it.level_keys)
    assert labels.level(book, item.id, "yes", "nb") == "Ja"
    assert labels.area(book, 1, "nb") == "Bruk av sosiale medier"
