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


def _one_row_table(lang):
    import pandas as pd

    from sosiale_kommuner.report import tables

    return tables.Table(pd.DataFrame({"check": ["rad"], "value": [1]}), lang,
                        [tables.text("check"), tables.number("value", "int")], page="00_population")


def test_a_table_that_is_not_a_reader_table_is_refused(monkeypatch, captured):
    """One table toolkit: raw HTML (or a pandas Styler) is no longer a chapter table."""
    monkeypatch.setenv(editions.EDITIONS_ENV, "nb")
    page = editions.ChapterPage("00_population", "nb")
    with pytest.raises(TypeError, match="'checks' of 00_population: .* must return a report.tables.Table, got str"):
        page.table(lambda lang: "<table><tr><td>1</td></tr></table>", label="checks", source="checks")
    assert captured == []


def test_figures_and_tables_are_numbered_with_caption_n_and_data_link(monkeypatch, captured):
    monkeypatch.setenv(editions.EDITIONS_ENV, "nb,en")
    page = editions.ChapterPage("00_population", "nb")

    def draw(lang):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, 1], [0, 1])
        return fig

    page.table(lambda lang: _one_row_table(lang), label="checks", source="checks")
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


def test_figures_are_hidpi_at_their_natural_width_with_a_phone_drawing(monkeypatch, captured):
    import re

    import pandas as pd

    from sosiale_kommuner.report import charts, figures

    monkeypatch.setenv(editions.EDITIONS_ENV, "nb")
    figures.use_style()
    d = pd.DataFrame({"label": ["A", "B"], "effect_size": [0.02, 0.3], "effect_ci_low": [-0.05, 0.2],
                      "effect_ci_high": [0.09, 0.4], "p_adjusted": [0.01, 0.5]})
    page = editions.ChapterPage("00_population", "nb")
    page.figure(lambda lang: charts.forest(d, lang, scale=100, global_test=True), label="part_1",
                caption="units_and_inhabitants", classes="x")

    def fixed(lang):  # a drawing that ignores the layout: one PNG only
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.plot([0, 1], [0, 1])
        return fig

    page.figure(fixed, label="part_2", caption="units_and_inhabitants", classes="x")
    forest, plain = (h for h, _ in captured)
    img = re.search(r'<img class="sk-plot" src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)" '
                    r'data-text-px="([\d.]+)"', forest)
    import base64
    png = base64.b64decode(img.group(1))
    assert figures.png_size(png)[0] == 2 * int(img.group(2)) or abs(figures.png_size(png)[0] - 2 * int(img.group(2))) <= 1
    assert int(img.group(2)) <= figures.COLUMN_PX and float(img.group(4)) >= 13.8
    assert f'<picture><source media="{figures.NARROW_MEDIA}"' in forest
    assert "<picture>" not in plain
    # the chart's notes reach the caption; two parts share one caption text, numbered apart
    assert "Figur 0.1." in forest and "Figur 0.2." in plain
    assert "Fylte punkter viser at den samlede testen" in forest and "Benjamini–Hochbergs metode" in forest
    assert 'id="fig-part-1"' in forest and 'id="fig-part-2"' in plain


def test_a_reader_table_gets_the_numbered_caption_and_its_box(monkeypatch, captured):
    import pandas as pd

    from sosiale_kommuner.report import tables

    monkeypatch.setenv(editions.EDITIONS_ENV, "nb,en")
    page = editions.ChapterPage("00_population", "nb")
    df = pd.DataFrame({"check": [f"rad {i}" for i in range(27)], "value": range(27)})
    page.table(lambda lang: tables.Table(df, lang, [tables.text("check"), tables.number("value", "int")],
                                         page="00_population"), label="checks", source="checks")
    nb_html, en_html = (h for h, _ in captured)
    assert nb_html.startswith('<div class="sk-table-box" id="tab-checks" role="region" tabindex="0" '
                              'aria-label="Tabell 0.1. Fakta om rammen som kontrolleres.">')
    assert '<caption><span class="sk-number">Tabell 0.1.</span> Fakta om rammen' in nb_html
    assert "<th scope=\"col\">Kontroll</th>" in nb_html and "<th scope=\"col\">Check</th>" in en_html
    assert "<summary>Vis de øvrige 2 radene</summary>" in nb_html


def test_tables_in_text_passages_sit_in_a_focusable_box():
    out = editions.boxed_tables("<p>x</p><table><thead><tr><th>Test</th><th>Effekt</th></tr></thead></table>", "nb")
    assert out == ('<p>x</p><div class="sk-table-box" role="region" tabindex="0" aria-label="Test, Effekt">'
                   "<table><thead><tr><th>Test</th><th>Effekt</th></tr></thead></table></div>")
    assert 'aria-label="Tabell"' in editions.boxed_tables("<table><tr><td>1</td></tr></table>", "nb")
