"""Tables for readers (report/tables.py): headers in words, numbers in the locale, one cell per
estimate and interval, at most 25 rows shown, a focusable box."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from sosiale_kommuner.report import labels, tables, text

NBSP, MINUS = "\u00a0", "\u2212"


@pytest.mark.parametrize("args, lang, expected", [
    ((0.8123, 0.76, 0.86, "pct"), "nb", f"81{NBSP}% (76–86)"),
    ((0.8123, 0.76, 0.86, "pct"), "en", "81% (76–86)"),
    ((0.12, 0.03, 0.21, "pp"), "nb", "+12 (3–21)"),
    # a negative limit: "−12 til 2", not the unreadable "−12–2"
    ((-0.05, -0.12, 0.02, "pp"), "nb", f"{MINUS}5 ({MINUS}12 til 2)"),
    ((-0.05, -0.12, 0.02, "pp"), "en", f"{MINUS}5 ({MINUS}12 to 2)"),
    ((3.4242, 3.1, 3.74, "num2"), "nb", "3,42 (3,10–3,74)"),
    ((3.4242, 3.1, 3.74, "num2"), "en", "3.42 (3.10–3.74)"),
    ((0.25, -0.1, 0.6, "signed2"), "nb", f"+0,25 ({MINUS}0,10 til 0,60)"),
    ((float("nan"), 0.1, 0.2, "pct"), "nb", "–"),
    ((0.5, None, None, "pct1"), "en", "50.0%"),
])
def test_estimate_and_interval_in_one_cell(args, lang, expected):
    est, lo, hi, fmt = args
    assert tables.estimate_text(est, lo, hi, fmt, lang) == expected


def make_tests() -> pd.DataFrame:
    return pd.DataFrame({
        "label": [f"Spørsmål {i}" for i in range(30)],
        "test": ["rao_scott_f"] * 29 + ["rank_test"],
        "effect_size": [0.12] * 30, "effect_ci_low": [0.03] * 30, "effect_ci_high": [0.21] * 30,
        "p_adjusted": [0.0004] + [0.2] * 29, "n": [211] * 30, "tested": [True] * 29 + [False],
    })


COLUMNS = [tables.text("label", header="item"), tables.coded("test", labels.test_name),
           tables.estimate("effect_size", "effect_ci_low", "effect_ci_high", fmt="pp", header="effect"),
           tables.number("p_adjusted", fmt="p"), tables.number("n", fmt="int"), tables.yes_no("tested", header="test")]


def test_a_table_has_words_for_every_header_and_code():
    page = tables.Table(make_tests(), "nb", COLUMNS).html("<b>Tabell 9.1.</b> Tester", "Tabell 9.1. Tester", "tab-x")
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page.split("<details")[0])
    assert heads == ["Spørsmål", "Test", "Forskjell (95 % KI)", "Justert p-verdi", "Svar (n)", "Test"]
    assert "Rao–Scotts F-test" in page and "rao_scott_f" not in page
    assert ">Ja<" in page and ">Nei<" in page and "True" not in page and "False" not in page
    assert ">+12 (3–21)<" in page and f">&lt;{NBSP}0,001<" in page
    assert '<caption><b>Tabell 9.1.</b> Tester</caption>' in page


def test_at_most_25_rows_shown_and_the_rest_behind_details():
    page = tables.Table(make_tests(), "nb", COLUMNS).html("Tabell 9.1.", "Tabell 9.1. Tester", "tab-x")
    shown, rest = page.split("<details")
    assert shown.count("<tr>") == 1 + tables.MAX_ROWS
    assert "<summary>Vis de øvrige 5 radene</summary>" in rest and rest.count("<tr>") == 1 + 5
    assert "<caption>Tabell 9.1. (fortsatt)</caption>" in rest
    one = tables.Table(make_tests().head(26), "en", COLUMNS).html("T", "T")
    assert "<summary>Show the last row</summary>" in one


def test_every_table_sits_in_a_focusable_scrolling_box():
    page = tables.Table(make_tests().head(3), "en", COLUMNS).html("Table 9.1.", "Table 9.1. Tests", "tab-x")
    assert page.startswith('<div class="sk-table-box" id="tab-x" role="region" tabindex="0" '
                           'aria-label="Table 9.1. Tests">')
    assert "<details" not in page


def test_suppressed_rows_keep_their_mark_and_note():
    df = pd.DataFrame({"group": ["a", "b"], "estimate": [0.5, None], "ci_low": [0.4, None], "ci_high": [0.6, None],
                       "n_unweighted": [40, 2], "suppressed": [False, True]})
    cols = [tables.text("group"), tables.estimate("estimate", "ci_low", "ci_high"), tables.number("n_unweighted", "int")]
    page = tables.Table(df, "nb", cols).html("T", "T")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert cells == [f"50{NBSP}% (40–60)", "40", ":", "2"]
    assert "«:» betyr prikket" in page and "færre enn 3 svar" in page


def test_a_column_without_words_is_an_error_not_a_machine_name():
    with pytest.raises(text.TextError, match="no column header for 'rao_scott_stat'"):
        tables.Table(pd.DataFrame({"rao_scott_stat": [1.0]}), "nb", [tables.number("rao_scott_stat")])
    with pytest.raises(TypeError, match="tables.number"):
        tables.Table(pd.DataFrame({"label": [0.5]}), "nb", [tables.text("label")])
    with pytest.raises(ValueError, match="unknown number format"):
        tables.number("n", fmt="percent")


def test_columns_named_by_the_data_and_cells_written_by_the_chapter():
    """A group's name as a column's header (``title``), and one column holding a share with its
    interval in one row and a count in the next (``formatted``), aligned as numbers."""
    df = pd.DataFrame({"answer": ["Ja", "Svar (n)"], "g": [f"81{NBSP}% (76–86)", "200"]})
    cols = [tables.text("answer", header="level"),
            tables.formatted("g", title=lambda lang: labels.group("size_class", "< 5 000", lang))]
    nb = tables.Table(df, "nb", cols)
    assert nb.headers == ["Svar", f"under 5{NBSP}000 innbyggere"]
    assert tables.Table(df, "en", cols).headers == ["Answer", "under 5,000 inhabitants"]
    page = nb.html("T", "T")
    assert f'<th scope="col" class="sk-num">under 5{NBSP}000 innbyggere</th>' in page
    assert f'<td class="sk-num">81{NBSP}% (76–86)</td>' in page and '<td class="sk-num">200</td>' in page
    assert tables.Table(df.assign(g=[None, "3"]), "nb", cols).rows[0] == ["Ja", "–"]


def test_tables_are_deterministic():
    a = tables.Table(make_tests(), "nb", COLUMNS).html("T", "T", "x")
    assert a == tables.Table(make_tests(), "nb", COLUMNS).html("T", "T", "x")


def test_split_rows_by_area_and_into_pieces():
    df = pd.DataFrame({"area": [1] * 30 + [2] * 3 + [3] * 25, "x": range(58)})
    parts = list(tables.split_rows(df, by="area"))
    assert [k for k, _ in parts] == [(1, 1), (1, 2), 2, 3]
    assert [len(p) for _, p in parts] == [15, 15, 3, 25]
    assert pd.concat([p for _, p in parts])["x"].tolist() == list(range(58))
    assert [len(p) for _, p in tables.split_rows(df.head(51))] == [17, 17, 17]


def test_number_columns_in_the_locale_right_aligned_and_missing_as_a_dash():
    """Thousands separated by a no-break space in bokmål and a comma in English, a decimal comma,
    a true minus sign, percentages from proportions on 0–1 (``63,2 %`` / ``63.2%``)."""
    df = pd.DataFrame({"group": ["small", "large"], "n": [12345, -1234], "x": [-1234.5, None],
                       "share": [0.63249, 0.5]})
    cols = [tables.text("group"), tables.number("n", fmt="int"), tables.number("x", fmt="num1", header="estimate"),
            tables.number("share", fmt="pct1")]
    nb, en = tables.Table(df, "nb", cols), tables.Table(df, "en", cols)
    assert nb.rows == [["small", f"12{NBSP}345", f"{MINUS}1{NBSP}234,5", f"63,2{NBSP}%"],
                       ["large", f"{MINUS}1{NBSP}234", "–", f"50,0{NBSP}%"]]
    assert en.rows == [["small", "12,345", f"{MINUS}1,234.5", "63.2%"], ["large", f"{MINUS}1,234", "–", "50.0%"]]
    page = en.html("T", "T")
    assert '<th scope="row">small</th><td class="sk-num">12,345</td>' in page
    assert '<th scope="col" class="sk-num">Answers (n)</th>' in page

