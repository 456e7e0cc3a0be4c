"""Chapter 10's labels and number formats (involvement.labels)."""
import pytest

from sosiale_kommuner.chapters import involvement as inv


@pytest.mark.parametrize("term, lang, label", [
    ("size_class=≥ 20 000", "en", "Size class ≥ 20 000 vs < 5 000"),
    ("size_class=5 000–19 999", "nb", "Størrelse 5 000–19 999 mot < 5 000"),
    ("centrality=3", "en", "Centrality 3 vs 0 (least central)"),
    ("centrality=1", "nb", "Sentralitet 1 mot 0 (minst sentral)"),
    ("strategy_adopted", "en", "Adopted strategy"),
    ("comm_fte", "nb", "Kommunikasjonsårsverk (per årsverk)"),
    ("unknown_term", "en", "unknown_term"),
])
def test_term_label(term, lang, label):
    assert inv.term_label(term, lang) == label


def test_every_model_term_has_a_label_in_both_languages():
    for t in inv.NUMERIC_TERMS + ("(Intercept)",):
        assert inv.term_label(t, "en") != t and inv.term_label(t, "nb") != t


@pytest.mark.parametrize("domain, group, lang, label", [
    ("centrality", "0", "en", "0 Least central"),
    ("centrality", 3, "nb", "3 Sentrale kommuner"),
    ("unit_type", "fylkeskommune", "nb", "Fylkeskommuner"),
    ("all", "all", "en", "All municipalities"),
    ("size_class", "< 5 000", "en", "< 5 000"),
])
def test_group_label(domain, group, lang, label):
    assert inv.group_label(domain, group, lang) == label


def test_percent_and_points():
    assert inv.pct(0.4249) == "42 %" and inv.pct(0.4251, 1) == "42.5 %"
    assert inv.pp(0.12) == "+12 pp" and inv.pp(-0.034, 1) == "-3.4 pp"


def test_practice_labels_cover_the_levels():
    for lang in ("en", "nb"):
        assert list(inv.PRACTICE_LABELS[lang]) == list(inv.PRACTICE_LEVELS)
