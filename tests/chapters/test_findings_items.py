"""Each question of a findings chapter on its page (chapters.findings_items): the table's cells,
rows and headers, its caption, and what goes on the page — checked against the hand-made
tables of ``findings_sample.py``."""
from __future__ import annotations

import pytest

import findings_sample as fs
from sosiale_kommuner.chapters import findings_items as fi
from sosiale_kommuner.data import codebook as cbm

NB_SP = "\u00a0"


@pytest.fixture(scope="module")
def cb():
    return cbm.load_codebook()


def test_a_single_choice_table_has_shares_n_and_dont_know_apart(cb):
    t = fs.table(fs.collaborates())
    shown = fi.table_rows(t, cb, "a8_collaborates", "nb")
    assert shown["answer"].tolist() == ["Ja", "Nei", "Antall svar (n)", "«Vet ikke», andel av alle svar",
                                        "Antall svar medregnet «Vet ikke» (n)"]
    # all municipalities, the three size classes, the county municipalities
    assert shown.iloc[0, 1:].tolist() == [f"33{NB_SP}% (29–38)", f"31{NB_SP}% (21–41)", f"42{NB_SP}% (32–52)",
                                          f"25{NB_SP}% (15–35)", f"50{NB_SP}% (22–78)"]
    assert shown.iloc[2, 1:].tolist() == ["183", "66", "77", "40", "10"]
    assert shown.iloc[3, 1:].tolist()[0] == f"6{NB_SP}% (3–10)"
    assert shown.iloc[4, 1:].tolist() == ["191", "69", "80", "43", "10"]
    en = fi.table_rows(t, cb, "a8_collaborates", "en")
    assert en.iloc[0, 1] == "33% (29–38)" and en["answer"].iloc[3] == "“Don't know”, share of all answers"


def test_a_likert_table_adds_the_two_highest_levels_and_the_mean_score(cb):
    shown = fi.table_rows(fs.table(fs.aware()), cb, "a8_aware_others", "nb")
    assert shown["answer"].tolist()[:7] == ["I svært liten grad", "I liten grad", "I noen grad", "I stor grad",
                                            "I svært stor grad", "To høyeste nivåer", "Gjennomsnittsskår (1–5)"]
    assert shown.iloc[5, 1] == f"40{NB_SP}% (33–47)"          # 0.25 + 0.15
    assert shown.iloc[6, 1] == "2,26 (2,10–2,42)"
    assert shown.iloc[7, 1:].tolist() == ["174", "58", "58", "58", "9"]


def test_suppressed_cells_few_answers_in_the_header_and_the_note(cb):
    t = fs.table(fs.partners())
    table = fi.item_table(t, cb, "a8_collab_with", "nb", k_min=3)
    # every size class has 21 respondents and the county municipalities 2: all below 30
    assert table.headers == ["Svar", "Alle kommuner", "Under 5\u00a0000 innbyggere (få svar)",
                             "5\u00a0000–19\u00a0999 innbyggere (få svar)", "20\u00a0000 innbyggere og flere (få svar)",
                             "Fylkeskommuner (få svar)"]
    assert [r[-1] for r in table.rows] == [":", ":", ":", ":", "2"]
    assert "suppressed" in table.notes and "«:» betyr prikket" in table.note_html()
    one = fi.item_table(fs.table(fs.collaborates()), cb, "a8_collaborates", "en", k_min=3)
    assert one.headers[1:] == ["All municipalities", "Under 5,000 inhabitants", "5,000–19,999 inhabitants",
                               "20,000 inhabitants or more", "County municipalities (few answers)"]
    assert not one.notes
    html = one.html("cap", "cap")
    assert '<th scope="col" class="sk-num">County municipalities (few answers)</th>' in html
    assert '<td class="sk-num">33% (29–38)</td>' in html


def test_a_numeric_question_has_one_row_per_group(cb):
    t = fs.table(fs.first_year())
    shown = fi.mean_rows(t, cb, "a1_first_year", "nb")
    assert shown["mean"].tolist()[0] == "2011,1 (2011,0–2011,3)"
    assert shown["mean"].tolist()[-1] == "2010,9 (2009,9–2011,9)"
    assert shown["group"].tolist()[-1] == "Fylkeskommuner (få svar)" and shown["n"].tolist() == [168, 40, 41, 42, 10]
    table = fi.item_table(t, cb, "a1_first_year", "en", k_min=3)
    assert table.headers == ["Group", "Mean (95% CI)", "Answers (n)"]
    assert table.rows[0] == ["All municipalities", "2011.1 (2011.0–2011.3)", "168"]


def test_caption_says_who_was_asked_and_marks_few_answers(cb):
    t = fs.table(fs.partners())
    assert fi.table_caption(t, cb, "a8_collab_with").localize("nb") == (
        "Hvem samarbeider dere med? Andel som krysset av for hvert alternativ (95 % konfidensintervall). "
        "Spørsmålet ble bare stilt til dem som svarte «Ja» på «Samarbeider med andre». «Få svar»: færre enn "
        "30 svar i gruppen; anslagene er svært usikre.")
    big = fs.table([r for r in fs.collaborates() if r["group"] != "fylkeskommune"])
    assert "«Få svar»" not in fi.table_caption(big, cb, "a8_collaborates").localize("nb")


class Page:
    """Records what a chapter would show (a stand-in for ChapterPage)."""

    def __init__(self):
        self.calls = []

    def markdown(self, make):
        self.calls.append(("markdown", make("nb")))

    def figure(self, draw, *, label, caption, n, source, **values):
        self.calls.append(("figure", label, caption, n, source, sorted(values)))

    def table(self, make, *, label, caption, n, source, **values):
        self.calls.append(("table", label, caption, n, source, sorted(values)))


def test_a_question_on_the_page_and_an_area(cb):
    t = fs.table(fs.collaborates() + fs.partners() + fs.first_year())
    page = Page()
    fi.show_item(page, t, cb, "a8_collaborates", k_min=3)
    assert page.calls == [
        ("markdown", "### 8.3 Samarbeider med andre"),
        ("figure", "a8_collaborates", "item_figure", 183 + 10, "estimates", ["alt_words", "caption_words"]),
        ("table", "a8_collaborates_table", "item_table", 183 + 10, "estimates", ["caption_words"])]
    page = Page()
    fi.show_item(page, t, cb, "a1_first_year", k_min=3)          # a year: a table, no figure
    assert [c[0] for c in page.calls] == ["markdown", "table"] and page.calls[1][3] == 168 + 10
    assert fi.area_items(t, cb, 8) == ["a8_collaborates", "a8_collab_with"]   # questionnaire order
    page = Page()
    fi.show_area(page, t, cb, 8, k_min=3)
    assert [c[1] for c in page.calls if c[0] == "table"] == ["a8_collaborates_table", "a8_collab_with_table"]
