"""Chapter 10's words for codes (involvement.labels): read from the text layer, numbers in the locale."""
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report.text import TextError

NBSP = "\u00a0"


@pytest.mark.parametrize("term, lang, label", [
    ("size_class=≥ 20 000", "en", "20,000 inhabitants or more (vs under 5,000)"),
    ("size_class=5 000–19 999", "nb", f"5{NBSP}000–19{NBSP}999 innbyggere (mot under 5{NBSP}000)"),
    ("centrality=3", "en", "Central municipalities (vs least central municipalities)"),
    ("centrality=1", "nb", "Mindre sentrale kommuner (mot minst sentrale kommuner)"),
    ("strategy_adopted", "en", "Adopted strategy"),
    ("comm_fte", "nb", "Kommunikasjonsbemanning (per årsverk)"),
    ("(Intercept)", "nb", "Konstantledd"),
])
def test_term_label(term, lang, label):
    assert inv.term_label(term, lang) == label


def test_an_unknown_term_is_an_error_not_a_machine_name():
    with pytest.raises(TextError, match="term.unknown_term"):
        inv.term_label("unknown_term", "en")


def test_every_model_term_has_words_in_both_languages():
    for lang in ("nb", "en"):
        words = {inv.term_label(t, lang) for t in inv.NUMERIC_TERMS + ("(Intercept)",)}
        assert len(words) == len(inv.NUMERIC_TERMS) + 1
        assert not words & set(inv.NUMERIC_TERMS)


@pytest.mark.parametrize("domain, group, lang, label", [
    ("centrality", "0", "en", "Least central municipalities"),
    ("centrality", 3, "nb", "Sentrale kommuner"),
    ("unit_type", "fylkeskommune", "nb", "Fylkeskommuner"),
    ("all", "all", "en", "All municipalities"),
    ("size_class", "< 5 000", "nb", f"Under 5{NBSP}000 innbyggere"),
])
def test_group_label(domain, group, lang, label):
    assert inv.group_label(domain, group, lang) == label


def test_practice_labels_cover_the_levels_in_both_languages():
    assert [inv.practice_label(lv, "nb") for lv in inv.PRACTICE_LEVELS] == ["Ingen", "Informere", "Konsultere",
                                                                             "Samskape"]
    assert inv.practice_label("none", "en") == "No involvement"
