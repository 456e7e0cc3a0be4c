"""Chapter pages: what a reviewer sees, in both editions, inside the book's frame."""
from __future__ import annotations

import base64
import re

import nbformat
import pytest
from report_kit import CH00, CH_SURVEY, FAKE_HASH, executed_notebook, export, make_raw, parse, png, section

from sosiale_kommuner import config
from sosiale_kommuner.build.graph import Chapter, Graph
from sosiale_kommuner.report import chapter_page, frame
from sosiale_kommuner.report.book import BOOK_PAGES, Book, ChapterInfo


@pytest.fixture
def raw(tmp_path):
    return make_raw(tmp_path)


def test_page_hides_code_and_keeps_narrative(raw, tmp_path):
    page = export(raw, tmp_path / "out")
    for gone in ("CODE_MARKER", "WARNING_MARKER", "REMOVED_MARKER", "/tmp/secret_out", "alert(1)",
                 "In&nbsp;[", "Out[", "class=\"jp-InputPrompt", "cell-id=", "start_time", "2026-01-01", "TABLE", "PosixPath"):
        assert gone not in page, gone
    assert "This chapter answers <em>one question</em>" in page
    assert "STDOUT_MARKER" in page
    assert "<strong>What this shows</strong>: 42 units" in page
    assert "1,234" in page
    assert "<title>00 The municipalities and county municipalities · Sosiale kommuner 2013</title>" in page
    assert page.count("<h1") == 1  # the notebook's own title, none added


def test_both_editions_have_their_language_and_link_their_twin(raw, tmp_path):
    pages = export(raw, tmp_path / "out", editions=True)
    nb, en = pages["00_population.html"], pages["en/00_population.html"]
    assert '<html lang="nb">' in nb and '<html lang="en">' in en
    assert ('a', {'href': 'en/00_population.html', 'hreflang': 'en', 'lang': 'en'}) in parse(nb)
    assert ('a', {'href': '../00_population.html', 'hreflang': 'nb', 'lang': 'nb'}) in parse(en)
    # the frame speaks the edition's language
    assert "Hopp til innholdet" in nb and "Skip to the content" in en
    assert "<title>00 Kommunene og fylkeskommunene · Sosiale kommuner 2013</title>" in nb


def test_figure_has_alt_text_and_no_size_attributes(raw, tmp_path):
    imgs = [a for t, a in parse(export(raw, tmp_path / "out")) if t == "img"]
    assert len(imgs) == 1
    assert imgs[0]["alt"] == "Bars of municipalities by size class"
    assert imgs[0]["src"].startswith("data:image/png;base64,")
    assert base64.b64decode(imgs[0]["src"].split(",", 1)[1]) == png()


def test_page_is_offline(raw, tmp_path):
    page = export(raw, tmp_path / "out")
    tags = parse(page)
    assert not [a for t, a in tags if t == "script"], "no scripts at all"
    for tag, attrs in tags:
        for attr in ("src", "href"):
            v = attrs.get(attr) or ""
            if tag != "a":
                assert not re.match(r"^(https?:)?//", v), (tag, attr, v)
    assert "@import" not in page and "url(http" not in page
    assert "mathjax" not in page.lower() and "require.js" not in page.lower()
    # a link in the text to an external site is fine
    assert ('a', {'href': 'https://www.ssb.no/'}) in tags


def test_synthetic_notice_follows_flag(raw, tmp_path):
    marker = "Synthetic demonstration data."
    assert marker not in export(raw, tmp_path / "o1")  # no flag file: no notice
    flag = raw / "survey" / "SYNTHETIC.yaml"
    flag.write_text("synthetic: false\ngenerator: none\n")
    assert marker not in export(raw, tmp_path / "o2")
    flag.write_text("synthetic: true\nseed: 20130901\n")
    page = export(raw, tmp_path / "o3")
    assert page.count(marker) == 1 and 'class="sk-notice"' in page
    flag.write_text("synthetic: maybe\n")
    with pytest.raises(ValueError, match="SYNTHETIC.yaml"):
        export(raw, tmp_path / "o4")


BOOK = Book.of([ChapterInfo("00_a", "First"), ChapterInfo("01_b", "Second"), ChapterInfo("02_c", "Third")])


def _hrefs(html: str) -> list[str]:
    return [a["href"] for t, a in parse(html) if t == "a"]


def test_pager_follows_the_reading_order_of_the_book():
    assert _hrefs(chapter_page.nav_html(BOOK.chapters[1], BOOK, "en")) == ["00_a.html", "index.html", "02_c.html"]
    # the first chapter comes after the contents; the last is followed by the methods page
    assert _hrefs(chapter_page.nav_html(BOOK.chapters[0], BOOK, "en")) == ["index.html", "01_b.html"]
    assert _hrefs(chapter_page.nav_html(BOOK.chapters[2], BOOK, "en")) == ["01_b.html", "index.html", "methods.html"]
    assert _hrefs(frame.pager_html(BOOK, "glossary", "nb")) == ["questionnaire.html", "index.html"]
    assert _hrefs(frame.pager_html(BOOK, "index", "nb")) == ["00_a.html"]
    nb = chapter_page.nav_html(BOOK.chapters[0], BOOK, "nb")
    assert 'rel="prev"' in nb and "Forrige" in nb and "Innhold" in nb and 'aria-label="Forrige og neste side"' in nb
    # a page not in the book links to the contents only
    assert _hrefs(chapter_page.nav_html(ChapterInfo("99_x", "Scratch"), BOOK, "en")) == ["index.html"]


def test_chapter_list_is_always_in_reach_without_scripts():
    top = frame.top_html(BOOK, "01_b", "en", synthetic=False)
    sidebar = section(top, '<nav class="sk-sidebar"', "</nav>")
    menu = section(top, '<details class="sk-menu">', "</details>")
    expected = ["index.html", "00_a.html", "01_b.html", "02_c.html", *[f"{k}.html" for k in BOOK_PAGES]]
    assert _hrefs(sidebar) == expected and _hrefs(menu) == expected
    # the current page is marked, in both lists, and nowhere else
    assert top.count('aria-current="page"') == 2
    assert '<a href="01_b.html" aria-current="page">01 Second</a>' in sidebar
    assert "<summary>Chapters and pages</summary>" in menu
    assert 'aria-label="The report"' in sidebar and "<script" not in top


def _headed_notebook():
    nb = executed_notebook()
    nb.cells += [
        nbformat.v4.new_markdown_cell("## First part\n\nText.\n\n### A detail\n\nMore."),
        nbformat.v4.new_code_cell("page.heading('second')", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": '<h2 id="second">Second part</h2>'})]),
    ]
    return nb


def test_on_this_page_lists_the_headings_with_anchors(raw, tmp_path):
    page = export(raw, tmp_path / "out", nb=_headed_notebook(), tables={"00_population__checks.csv": 300})
    toc = section(page, '<nav class="sk-toc sk-toc-wide"', "</nav>")
    assert _hrefs(toc) == ["#First-part", "#A-detail", "#second", "#downloads"]
    assert "<ol><li><a href=\"#First-part\">First part</a><ol><li><a href=\"#A-detail\">A detail</a></li></ol></li>" in toc
    assert toc.index("On this page") < toc.index("First part")
    narrow = section(page, '<details class="sk-toc sk-toc-narrow">', "</details>")
    assert _hrefs(narrow) == _hrefs(toc) and "<summary>On this page</summary>" in narrow
    # every section heading has a visible anchor beside it; nbconvert's hidden one is gone
    for anchor in ("First-part", "A-detail", "second", "downloads"):
        assert re.search(rf'<h[23] id="{anchor}">[^<]+</h[23]><a aria-label="Link to this section: [^"]+" '
                         rf'class="sk-anchor" href="#{anchor}">#</a>', page), anchor
    assert 'class="anchor-link"' not in page
    # a page with fewer headings gets no list
    short = export(raw, tmp_path / "short")
    assert "sk-toc" not in section(short, "<body", "<main")


def test_first_use_of_a_glossary_term_links_to_the_glossary(raw, tmp_path):
    nb = executed_notebook()
    nb.cells += [
        nbformat.v4.new_markdown_cell("## The design effect\n\nThe design effect of a Rao-Scott test; the design "
                                      "effects again, and `design effect` in code."),
    ]
    nb_only = nbformat.v4.new_markdown_cell("Designeffekten er stor, og designeffekt nevnes igjen.")
    nb_only.metadata["tags"] = ["lang-nb"]
    nb.cells.append(nb_only)
    pages = export(raw, tmp_path / "out", nb=nb, editions=True)
    en, nb_page = pages["en/00_population.html"], pages["00_population.html"]
    main = section(en, "<main", "</main>")
    assert main.count('href="glossary.html#g-design-effect"') == 1
    assert 'The <a class="sk-term" href="glossary.html#g-design-effect">design effect</a> of a ' in main
    assert '<a class="sk-term" href="glossary.html#g-rao-scott">Rao-Scott</a> test' in main
    assert '<h2 id="The-design-effect">The design effect</h2>' in main          # headings are left alone
    assert "<code>design effect</code>" in main                               # and code
    # the Norwegian edition links the Norwegian word, once, and not the English text
    nb_main = section(nb_page, "<main", "</main>")
    assert nb_main.count('href="glossary.html#g-design-effect"') == 1
    assert '<a class="sk-term" href="glossary.html#g-design-effect">Designeffekten</a> er stor' in nb_main
    assert 'g-rao-scott">Rao-Scott' in nb_main                                  # a name is the same in both


def test_chapter_lists_its_tables_for_download(raw, tmp_path):
    tables = {"00_population__estimates.csv": 12345, "00_population__size_classes.csv": 200,
              "00_population__odd_one.csv": 50}
    pages = export(raw, tmp_path / "out", tables=tables, editions=True)
    en = section(pages["en/00_population.html"], '<section aria-labelledby="downloads"', "</section>")
    assert _hrefs(en) == ["#downloads", "../tables/00_population__estimates.csv",
                          "../tables/00_population__odd_one.csv", "../tables/00_population__size_classes.csv"]
    assert ">Estimates with confidence intervals</a> <span class=\"sk-file\">00_population__estimates.csv · 12.3 kB" in en
    # a table behind one of the chapter's captions is named by that caption
    assert ">Municipalities and inhabitants by municipality size</a>" in en
    assert ">00_population__odd_one.csv</a> <span class=\"sk-file\">0.1 kB" in en
    nb = section(pages["00_population.html"], '<section aria-labelledby="downloads"', "</section>")
    assert 'href="tables/00_population__estimates.csv"' in nb and "12,3 kB" in nb and "Tallgrunnlag" in nb
    assert 'id="downloads"' not in export(raw, tmp_path / "none", tables={})


def test_ssb_attribution_only_where_ssb_figures_are(raw, tmp_path):
    assert "Kilde: Statistisk sentralbyrå" not in export(raw, tmp_path / "o", chapter=CH_SURVEY)
    framed = Chapter("09_size_differences", "Size", raw=("survey/*.csv", "frame/municipalities_2013.csv"))
    assert "Kilde: Statistisk sentralbyrå" in export(raw, tmp_path / "o", chapter=framed)
    g = Graph((Chapter(CH00.stem, CH00.title, raw=CH00.raw, writes=("population.parquet",)), Chapter("03_weighting", "W", reads=("population.parquet",)),
               Chapter("99_x", "X", reads=("nothing.parquet",))))
    assert g.shows_ssb("00_population") and g.shows_ssb("03_weighting") and not g.shows_ssb("99_x")


def test_raw_change_changes_only_that_chapters_footer(raw, tmp_path):
    a00, a05 = export(raw, tmp_path / "o1"), export(raw, tmp_path / "o1", chapter=CH_SURVEY)
    (raw / "survey" / "export.csv").write_text("id,q1\n1,no\n")
    b00, b05 = export(raw, tmp_path / "o2"), export(raw, tmp_path / "o2", chapter=CH_SURVEY)
    assert a00 == b00
    assert a05 != b05


def test_page_is_byte_identical_across_output_roots(raw, tmp_path):
    one = export(raw, tmp_path / "first")
    two = export(raw, tmp_path / "second" / "deeper")
    assert one == two
    assert one.endswith("</html>\n")


def test_printed_folders_are_scrubbed(raw, tmp_path):
    nb = executed_notebook()
    out = tmp_path / "out"
    stdout_cell = next(c for c in nb.cells if c.source == "print(x)")
    stdout_cell.outputs[0]["text"] = f"wrote {out}/data/processed/population.parquet from {raw}/frame\n"
    page = export(raw, out, nb=nb)
    assert str(tmp_path) not in page
    assert "wrote &lt;out&gt;/data/processed/population.parquet from &lt;raw&gt;/frame" in page


def test_error_output_becomes_one_line(raw, tmp_path):
    nb = executed_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1/0", outputs=[nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=["\x1b[0;31mTraceback in /home/someone/file.py\x1b[0m"])]))
    page = export(raw, tmp_path / "o", nb=nb)
    assert "Error while building this chapter: ZeroDivisionError: division by zero" in page
    assert "/home/someone" not in page


def test_plain_dataframe_numbers_right_aligned():
    import pandas as pd

    html = pd.DataFrame({"rule": ["read x"], "rows_in": [446], "share": ["63.2 %"]}).to_html()
    out = chapter_page.align_numbers(html)
    assert '<td class="sk-num">446</td>' in out and '<td class="sk-num">63.2 %</td>' in out
    assert "<td>read x</td>" in out


@pytest.mark.slow
def test_real_notebook_figure_alt_via_papermill(tmp_path, raw):
    """plots.show's alt text survives a real kernel run and lands in <img alt>."""
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": config.KERNEL_NAME, "display_name": "Python (sosiale-kommuner)", "language": "python"}
    p = nbformat.v4.new_code_cell("raw_dir = None\nout_dir = None")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_markdown_cell("# Tiny"), nbformat.v4.new_code_cell(
        "import warnings\nimport matplotlib.pyplot as plt\nfrom sosiale_kommuner.report import figures\nfigures.use_style()\n"
        "warnings.warn('hidden')\nfig, ax = plt.subplots()\nax.bar(['a', 'b'], [1, 2])\n"
        "ax.set(title='T', xlabel='class', ylabel='units')\nfigures.show(fig, alt='Two bars, a lower than b')")]
    src, dst = tmp_path / "tiny.ipynb", tmp_path / "tiny.out.ipynb"
    nbformat.write(nb, src)
    pm.execute_notebook(str(src), str(dst), kernel_name=config.KERNEL_NAME, parameters={"out_dir": str(tmp_path / "o")},
                        progress_bar=False, log_output=False)
    page = export(raw, tmp_path / "o", nb=nbformat.read(dst, as_version=4))
    imgs = [a for t, a in parse(page) if t == "img"]
    assert [i["alt"] for i in imgs] == ["Two bars, a lower than b"]
    assert "UserWarning" not in page and "warnings.warn" not in page and "plots.show" not in page


def test_fake_hash_reaches_the_footer(raw, tmp_path):
    assert FAKE_HASH in section(export(raw, tmp_path / "out"), '<footer class="sk-footer">', "</footer>")
