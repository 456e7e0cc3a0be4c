"""The text layer: every text in both languages with the same placeholders; locale formats."""
from __future__ import annotations

import datetime

import pytest

from sosiale_kommuner.report import text
from sosiale_kommuner.report.text import formats


def test_every_text_exists_in_both_languages():
    assert text.missing() == []


def test_placeholders_agree_between_languages():
    assert text.mismatched_fields() == []


def test_every_text_fills_in_with_dummy_values():
    """Each template parses, and its format names are known (a typo fails here, not in a build)."""
    import string

    for lang in text.LANGS:
        for page, texts in text.catalogue(lang).items():
            for key, template in texts.items():
                specs = {name: spec for _, name, spec, _ in string.Formatter().parse(template) if name}
                values = {}
                for name, spec in specs.items():
                    base = name.split(".")[0].split("[")[0]
                    values[base] = ((0.1, 0.2) if spec.startswith("ci") else
                                    ["a", "b"] if spec == "list" else
                                    datetime.date(2013, 1, 1) if spec == "date" else
                                    3 if (not spec or spec.startswith(("int", "plural"))) else 0.5)
                text.fill(template, lang, values, where=f"{lang}/{page}: {key}")


@pytest.mark.parametrize("lang, expected", [
    ("nb", ["4\u00a0989\u00a0702", "0,52", "52\u00a0%", "76\u201386", "1. januar 2013", "\u221225", "a, b og c"]),
    ("en", ["4,989,702", "0.52", "52%", "76\u201386", "1 January 2013", "\u221225", "a, b and c"]),
])
def test_numbers_dates_and_lists_follow_the_locale(lang, expected):
    got = [formats.fmt(4989702, "int", lang), formats.fmt(0.52, "num2", lang), formats.fmt(0.52, "pct", lang),
           formats.fmt((0.7567, 0.8566), "ci", lang), formats.fmt(datetime.date(2013, 1, 1), "date", lang),
           formats.fmt(-0.25, "pp", lang), formats.fmt(["a", "b", "c"], "list", lang)]
    assert got == expected


def test_p_values_and_rounding():
    assert formats.p_value(0.0463, "nb") == "0,046"
    assert formats.p_value(0.00001, "en") == "<\u00a00.001"
    assert formats.percent(0.1234, 1, "nb") == "12,3\u00a0%"
    assert formats.signed(0.0, 2, "en") == "0.00"          # zero has no sign
    assert formats.number(float("nan"), 2, "nb") == "\u2013"


def test_fill_formats_and_refuses_unformatted_floats():
    assert text.fill("{n:int} {n:plural(kommune|kommuner)}", "nb", {"n": 1}) == "1 kommune"
    assert text.fill("{n:int} {n:plural(kommune|kommuner)}", "nb", {"n": 1234}) == "1\u00a0234 kommuner"
    with pytest.raises(text.TextError, match="needs a format"):
        text.fill("{x}", "en", {"x": 0.5})
    with pytest.raises(text.TextError, match="no value given"):
        text.fill("{x:pct}", "en", {})


def test_missing_text_is_named_with_its_file():
    with pytest.raises(text.TextError, match=r"report/text/nb/common.yaml"):
        text.get("common", "no.such.key", "nb")


def test_markdown_becomes_html_deterministically():
    md = "**Bold** and a list:\n\n* one\n* two"
    assert text.to_html(md) == text.to_html(md)
    assert "<strong>Bold</strong>" in text.to_html(md) and "<li>one</li>" in text.to_html(md)
    assert text.to_html("just *this*", inline=True) == "just <em>this</em>"
    assert "&lt;script&gt;" in text.to_html("<script>x</script>")
