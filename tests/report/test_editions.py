"""A chapter's outputs in every edition: one output per language, numbered captions, pages split."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from sosiale_kommuner.report import chapter_page, editions  # noqa: E402


@pytest.fixture
def captured(monkeypatch):
    """Capture what ChapterPage displays: (html, metadata) pairs."""
    shown = []

    def display(obj, metadata=None):
        shown.append((obj.data, dict(metadata or {})))

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


def test_one_output_per_edition_under_the_build(monkeypatch, captured):
    monkeypatch.setenv(editions.EDITIONS_ENV, "nb,en")
    page = editions.ChapterPage("00_population", "en")
    page.heading("checks")
    assert [m["sk_lang"] for _, m in captured] == ["nb", "en"]
    assert captured[0][0] == '<h2 id="checks">Kontroll av rammen</h2>'
    assert captured[1][0] == '<h2 id="checks">Checks of the frame</h2>'


def test_interactive_notebook_shows_its_own_language(monkeypatch, captured):
    monkeypatch.delenv(editions.EDITIONS_ENV, raising=False)
    editions.ChapterPage("00_population", "en").heading("checks")
    assert [m["sk_lang"] for _, m in captured] == ["en"]


def test_figures_and_tables_are_numbered_with_caption_n_and_data_link(monkeypatch, captured):
    monkeypatch.setenv(editions.EDITIONS_ENV, "nb,en")
    page = editions.ChapterPage("00_population", "nb")

    def draw(lang):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, 1], [0, 1])
        return fig

    page.table(lambda lang: "<table><tr><td>1</td></tr></table>", label="checks", source="checks")
    ref = page.figure(draw, label="units_and_inhabitants", n=428, source="size_classes", classes="x")
    assert ref.number == "0.1" and page.ref("units_and_inhabitants") is ref
    nb_table, en_table, nb_fig, en_fig = (h for h, _ in captured)
    assert "<caption>" in nb_table and "Tabell 0.1." in nb_table and 'tabindex="0"' in nb_table
    assert 'href="tables/00_population__checks.csv"' in nb_table
    assert "Table 0.1." in en_table and 'href="../tables/00_population__checks.csv"' in en_table
    assert "Figur 0.1." in nb_fig and "n = 428" in nb_fig and 'alt="Søylediagram' in nb_fig
    assert "Figure 0.1." in en_fig and 'alt="Bar charts' in en_fig and "<figcaption>" in en_fig
    with pytest.raises(ValueError, match="used twice"):
        page.table(lambda lang: "<table></table>", label="checks")


def test_export_keeps_each_editions_outputs():
    def out(html, lang=None):
        meta = {"sk_lang": lang} if lang else {}
        return nbformat.v4.new_output("display_data", data={"text/html": html}, metadata=meta)

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[out("<p>NORSK</p>", "nb"), out("<p>ENGLISH</p>", "en"),
                                                         out("<p>BOTH</p>")])]
    nb_page = chapter_page.prepare_notebook(nb, "nb")
    en_page = chapter_page.prepare_notebook(nb, "en")
    texts = lambda p: [o["data"]["text/html"] for c in p.cells for o in c.outputs]  # noqa: E731
    assert texts(nb_page) == ["<p>NORSK</p>", "<p>BOTH</p>"]
    assert texts(en_page) == ["<p>ENGLISH</p>", "<p>BOTH</p>"]


def test_twin_links_point_at_the_other_edition():
    assert 'href="en/09_x.html" hreflang="en"' in chapter_page.twin_html("09_x", "nb")
    assert 'href="../09_x.html" hreflang="nb"' in chapter_page.twin_html("09_x", "en")
