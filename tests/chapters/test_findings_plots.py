"""The figure of each question of a findings chapter (chapters.findings_plots): what is drawn,
in which order, what the notes under it say, and the alt text — on the hand-made tables of
``findings_sample.py``."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import findings_sample as fs
from sosiale_kommuner.chapters import findings_plots as fp
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.report import figures


@pytest.fixture(scope="module")
def cb():
    figures.use_style()
    return cbm.load_codebook()


def test_drawn_rows_are_the_answers_by_group_without_dont_know(cb):
    d = fp.chart_rows(fs.table(fs.collaborates()), cb, "a8_collaborates", "nb")
    assert d["label"].tolist() == ["Ja", "Nei"] * 5
    assert list(dict.fromkeys(d["series"])) == ["all:all", "size_class:< 5 000", "size_class:5 000–19 999",
                                                "size_class:≥ 20 000", "unit_type:fylkeskommune"]
    assert d["n_unweighted"].tolist() == [183, 183, 66, 66, 77, 77, 40, 40, 10, 10]
    assert not fp.has_chart(cb, "a1_first_year") and fp.has_chart(cb, "a8_collab_with")


def test_a_choice_figure_marks_few_answers_and_leaves_dont_know_out(cb):
    fig = fp.item_chart(fs.table(fs.collaborates()), cb, "a8_collaborates", "en")
    notes = figures.notes(fig)
    assert "dont_know" in notes and notes["small_n"] == {"k": 30}     # the county municipalities: 10 answers
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:5] == ["All municipalities (n = 183)", "Under 5,000 inhabitants (n = 66)",
                          "5,000–19,999 inhabitants (n = 77)", "20,000 inhabitants or more (n = 40)",
                          "County municipalities (n = 10)"]
    plt.close(fig)
    fig = fp.item_chart(fs.table(fs.partners()), cb, "a8_collab_with", "nb")    # options: no "Vet ikke"
    assert "dont_know" not in figures.notes(fig) and "suppressed" in figures.notes(fig)
    plt.close(fig)


def test_likert_bars_are_centred_on_the_middle_level(cb):
    """Shares 10/20/30/25/15 %: each bar starts at −(0.10 + 0.20 + 0.30/2) = −0.45 and ends at +0.55."""
    fig = fp.item_chart(fs.table(fs.aware()), cb, "a8_aware_others", "nb")
    bars = [p for p in fig.axes[0].patches if p.get_height() > 0]
    assert len(bars) == 5 * 5                                   # 5 levels x 5 groups
    starts = sorted({round(b.get_x(), 9) for b in bars})[0]
    ends = max(b.get_x() + b.get_width() for b in bars)
    assert starts == pytest.approx(-0.45) and ends == pytest.approx(0.55)
    assert "dont_know" in figures.notes(fig)
    plt.close(fig)


def test_alt_text_and_caption_say_every_value(cb):
    t = fs.table(fs.collaborates())
    alt = fp.alt_values(t, cb, "a8_collaborates").localize("nb")
    assert alt.startswith("Punktdiagram. Samarbeider dere med andre kommuner/fylkeskommuner om sosiale medier? ")
    assert "Ja (Alle kommuner): 33\u00a0% (29–38)" in alt and "Nei (Fylkeskommuner): 50\u00a0% (22–78)" in alt
    cap = fp.caption_values(t, cb, "a8_collaborates").localize("en")
    assert cap == ("Collaborates with other local governments on social media. Share of those who answered, with "
                   "95% confidence intervals, for all municipalities, for each municipality size and for the county "
                   "municipalities.")
    likert = fp.alt_values(fs.table(fs.aware()), cb, "a8_aware_others").localize("en")
    assert likert.startswith("Stacked bar chart.") and "To a very small extent (All municipalities): 10% (5–15)" in likert
