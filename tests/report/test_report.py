"""Chapter pages, provenance footer, contents page and table styling."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest

import sosiale_kommuner
from sosiale_kommuner import config
from sosiale_kommuner.build import hashing
from sosiale_kommuner.build.graph import Chapter, Graph
from sosiale_kommuner.report import chapter_page, index_page, provenance, styling
from sosiale_kommuner.report.book import Book, ChapterInfo

FAKE_HASH = "0123456789abcdef" * 4


def png(width=40, height=20) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(width / 10, height / 10), dpi=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def executed_notebook() -> nbformat.NotebookNode:
    """An executed chapter notebook, as papermill leaves it (built by hand: fast, exact)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "sosiale-kommuner", "display_name": "Python (sosiale-kommuner)", "language": "python"}
    nb.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00", "input_path": "/somewhere/nb.ipynb"}
    params = nbformat.v4.new_code_cell("raw_dir = None\nout_dir = None\nlang = 'en'", execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("# Parameters\nout_dir = '/tmp/secret_out'\n", execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    intro = nbformat.v4.new_markdown_cell("# 00 A test chapter\n\nThis chapter answers *one question*. See [SSB](https://www.ssb.no/).")
    imports = nbformat.v4.new_code_cell("import pandas as pd  # CODE_MARKER", execution_count=3, outputs=[
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: WARNING_MARKER\n"),
    ])
    fig = nbformat.v4.new_code_cell("plots.show(fig, alt='...')", execution_count=4, outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png()).decode(), "text/plain": "<IPython.core.display.Image object>"},
                               metadata={"image/png": {"alt": "Bars of municipalities by size class"}}),
    ])
    tbl = nbformat.v4.new_code_cell("styling.table(df)", execution_count=5, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/html": styling.to_html(pd.DataFrame({"class": ["a"], "n": [1234]})),
                                                       "text/plain": "TABLE"}, execution_count=5),
    ])
    hidden = nbformat.v4.new_code_cell("print('REMOVED_MARKER')", execution_count=6, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="REMOVED_MARKER\n")])
    hidden.metadata["tags"] = ["remove-cell"]
    js = nbformat.v4.new_code_cell("Javascript()", execution_count=7, outputs=[
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"})])
    out = nbformat.v4.new_code_cell("print(x)", execution_count=8, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="STDOUT_MARKER\n")])
    bare = nbformat.v4.new_code_cell("tables.write_result(...)", execution_count=10, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "PosixPath('/x/reports/tables/a.csv')"}, execution_count=10)])
    closing = nbformat.v4.new_code_cell("Markdown(...)", execution_count=9, outputs=[
        nbformat.v4.new_output("display_data", data={"text/markdown": "**What this shows**: 42 units"})])
    nb.cells = [params, injected, intro, imports, fig, tbl, hidden, js, out, bare, closing]
    for i, c in enumerate(nb.cells):
        c.metadata["papermill"] = {"duration": 0.1 * i, "start_time": f"2026-01-01T00:00:0{i}"}
    return nb


@pytest.fixture
def raw(tmp_path):
    """A small raw folder with frame and survey files."""
    r = tmp_path / "raw"
    (r / "frame").mkdir(parents=True)
    (r / "survey").mkdir()
    (r / "frame" / "municipalities_2013.csv").write_text("unit_id,name\n0301,Oslo\n")
    (r / "frame" / "counties_2013.csv").write_text("unit_id,name\n03,Oslo\n")
    (r / "survey" / "export.csv").write_text("id,q1\n1,yes\n")
    return r


CH00 = Chapter("00_population", "The population of local governments",
               raw=("frame/municipalities_2013.csv", "frame/counties_2013.csv"))
CH_SURVEY = Chapter("05_strategies", "Strategies", raw=("survey/*.csv",))


def export(raw, out, chapter=CH00, params=None, nb=None):
    """A chapter page as the build exports it: the footer's facts as the build computes them."""
    P = config.paths(raw, out)
    params = {"raw_dir": str(raw), "out_dir": str(out), "lang": "en", "seed": 7} if params is None else params
    graph = Graph((chapter,))
    pages = chapter_page.export_chapter(nb or executed_notebook(), graph.info(chapter.stem), P, params,
                                        book=graph.book(), code_hash=FAKE_HASH,
                                        raw_checksums=hashing.raw_checksums(chapter, P))
    assert sorted(pages) == sorted([f"{chapter.stem}.html", f"en/{chapter.stem}.html"])
    assert '<html lang="nb">' in pages[f"{chapter.stem}.html"]
    return pages[f"en/{chapter.stem}.html"]   # these tests read the English edition


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(text):
    c = Collector()
    c.feed(text)
    return c.tags


# --- chapter page -----------------------------------------------------------------

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
    P = config.paths(raw, tmp_path / "o3")
    assert marker in index_page.render_index(P, Book())
    flag.write_text("synthetic: maybe\n")
    with pytest.raises(ValueError, match="SYNTHETIC.yaml"):
        export(raw, tmp_path / "o4")


def test_navigation_previous_contents_next():
    chs = Book.of([ChapterInfo("00_a", "First"), ChapterInfo("01_b", "Second"), ChapterInfo("02_c", "Third")])
    mid = parse(chapter_page.nav_html(chs.chapters[1], chs, "en"))
    hrefs = [a["href"] for t, a in mid if t == "a"]
    assert hrefs == ["00_a.html", "index.html", "02_c.html"]
    first = chapter_page.nav_html(chs.chapters[0], chs, "en")
    assert [a["href"] for t, a in parse(first) if t == "a"] == ["index.html", "01_b.html"]
    assert "first chapter" in first
    last = chapter_page.nav_html(chs.chapters[2], chs, "en")
    assert [a["href"] for t, a in parse(last) if t == "a"] == ["01_b.html", "index.html"]
    # a page not in the book links to the contents only
    alone = chapter_page.nav_html(ChapterInfo("99_x", "Scratch"), chs, "en")
    assert [a["href"] for t, a in parse(alone) if t == "a"] == ["index.html"]


def test_footer_provenance(raw, tmp_path):
    page = export(raw, tmp_path / "out", params={"raw_dir": str(raw), "out_dir": str(tmp_path / "out"),
                                                  "lang": "en", "seed": 7, "export_path": "/x/y", "k_min": 3})
    footer = page[page.index('<footer class="sk-footer">'):]
    assert f"sosiale-kommuner {sosiale_kommuner.__version__}" in footer
    assert FAKE_HASH in footer
    assert '<code>k_min = 3</code>, <code>lang = "en"</code>, <code>seed = 7</code>' in footer
    assert "raw_dir" not in footer and "out_dir" not in footer and "export_path" not in footer
    assert str(tmp_path) not in page
    # the chapter's raw files by path inside the raw folder, with their real SHA-256
    for name in ("frame/municipalities_2013.csv", "frame/counties_2013.csv"):
        digest = hashlib.sha256((raw / name).read_bytes()).hexdigest()
        assert f"<code>{name}</code></td><td class=\"sk-hash\">{digest}</td>" in footer
    assert "survey/export.csv" not in footer
    for pkg in provenance.KEY_PACKAGES:
        assert re.search(rf"\b{pkg} \d+\.\d+", footer), pkg
    assert "Kilde: Statistisk sentralbyrå" in footer


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
    assert "hidden" not in page and "plots.show" not in page


# --- contents page ------------------------------------------------------------------

def test_index_falls_back_to_published_design(raw, tmp_path):
    P = config.paths(raw, tmp_path / "out")
    text = index_page.render_index(P, Book())
    assert "published figures" in text
    assert "<td>Municipalities (kommuner)</td><td class=\"sk-num\">428</td><td class=\"sk-num\">316</td><td class=\"sk-num\">200</td>" in text
    assert "63.3 %" in text and "73.3 %" in text
    assert "Kilde: Statistisk sentralbyrå" in text
    assert not [a for t, a in parse(text) if t == "script"]


def test_index_design_key_numbers_tables_and_status(raw, tmp_path):
    out = tmp_path / "out"
    P = config.paths(raw, out)
    P.tables.mkdir(parents=True)
    pd.DataFrame({"unit_type": ["kommune", "fylkeskommune"], "population": [428, 18],
                  "mapped": [316, 15], "answered": [200, 11]}).to_csv(P.tables / "02_cleaning__design.csv", index=False)
    pd.DataFrame({"label": ["Municipalities", "County municipalities"], "value": ["428", "18"],
                  "note": ["Oslo counted here", ""]}).to_csv(P.tables / "00_population__key_number.csv", index=False)
    (P.tables / "00_population__size_classes.csv").write_text("a\n1\n")
    chs = Book.of([ChapterInfo("00_population", "The population of local governments"),
                   ChapterInfo("01_presurvey", "Pre-survey"), ChapterInfo("02_cleaning", "Cleaning"),
                   ChapterInfo("03_weighting", "Weighting"), ChapterInfo("04_use", "Use")])
    for c in chs.chapters[:4]:
        (P.reports / f"{c.stem}.html").write_text("<html></html>")
    P.pipeline_state.mkdir(parents=True)
    (P.pipeline_state / "status.json").write_text(json.dumps({
        "00_population": {"state": "ok", "reason": "", "fingerprint": "fp-00_population-1", "params": {"seed": 1}, "error": None},
        "01_presurvey": {"state": "failed", "reason": "KeyError: 'q1'", "fingerprint": "", "error": {"ename": "KeyError"}},
        "02_cleaning": {"state": "skipped", "reason": "01_presurvey failed", "fingerprint": "", "error": None},
        "03_weighting": {"state": "ok", "reason": "", "fingerprint": "fp-03_weighting-1", "params": {"seed": 2}, "error": None},
    }))
    path = index_page.write_index(P, chs, stale={"03_weighting"})
    assert path == out / "reports" / "index.html"
    text = path.read_text()
    assert "Computed by this build" in text and "published figures" not in text
    assert '<td>Municipalities (kommuner)</td><td class="sk-num">428</td><td class="sk-num">316</td><td class="sk-num">200</td>' in text
    (P.tables / "02_cleaning__design.csv").unlink()
    pd.DataFrame({"group": ["< 5 000", "5 000–19 999", "≥ 20 000", "kommune (all)", "fylkeskommune"],
                  "population": [228, 147, 53, 428, 18], "mapped": [130, 133, 53, 316, 15],
                  "main_survey": [67, 89, 44, 200, 11]}).to_csv(P.tables / "02_cleaning__coverage_summary.csv", index=False)
    text = index_page.render_index(P, chs, stale={"03_weighting"})
    assert 'tables/02_cleaning__coverage_summary.csv">' in text
    assert '<tr class="sk-sub"><td>size class &lt; 5 000</td><td class="sk-num">228</td><td class="sk-num">130</td><td class="sk-num">67</td><td class="sk-num">57.0 %</td><td class="sk-num">51.5 %</td>' in text
    assert '<tr class="sk-total"><td>All local governments</td><td class="sk-num">446</td><td class="sk-num">331</td><td class="sk-num">211</td>' in text
    assert text.index("size class ≥ 20 000") < text.index("County municipalities (fylkeskommuner)")
    text = path.read_text()
    assert "<strong>Municipalities: 428</strong> <span class=\"sk-published\">(Oslo counted here)</span><br>County municipalities: 18" in text
    assert '<a href="tables/00_population__size_classes.csv">' in text
    assert '<a href="tables/02_cleaning__design.csv">' in text
    row = lambda stem: text[text.index(f'id="chapter-{stem}"'):].split("</tr>")[0]
    assert "up to date" in row("00_population") and '<a href="00_population.html">' in row("00_population")
    assert "last build failed: KeyError: &#39;q1&#39;" in row("01_presurvey")
    assert "skipped in the last build: 01_presurvey failed" in row("02_cleaning")
    assert "out of date" in row("03_weighting")
    assert "not built yet" in row("04_use") and "04_use.html" not in row("04_use")
    # deterministic
    index_page.write_index(P, chs, stale={"03_weighting"})
    assert index_page.render_index(P, chs, stale={"03_weighting"}) == path.read_text()


# --- tables -------------------------------------------------------------------------

def test_styling_table_formats_and_is_deterministic():
    df = pd.DataFrame({"group": ["small", "large"], "estimate": [0.63249, float("nan")],
                       "n_unweighted": [12345, 2], "suppressed": [False, True]})
    html_en = styling.to_html(df, percent=["estimate"], labels={"group": "Size class", "small": "Under 5 000"})
    assert html_en == styling.to_html(df, percent=["estimate"], labels={"group": "Size class", "small": "Under 5 000"})
    assert ">63.2%<" in html_en and ">12,345<" in html_en and ">:<" in html_en
    assert ">Size class<" in html_en and ">Under 5 000<" in html_en
    assert "suppressed" in html_en and ">suppressed<" not in html_en  # the note, not a column
    assert "row_heading" not in html_en and "blank" not in html_en  # no index
    assert "sk-num" in html_en and "text-align: right" in html_en
    nb = styling.to_html(df, percent=["estimate"], lang="nb")
    assert ">63,2\u00a0%<" in nb and ">12\u202f345<" in nb and "prikket" in nb
    ids = set(re.findall(r'id="([^"]+)"', html_en))
    assert len(ids) == 1 and ids.pop().startswith("T_sk")
    other = styling.to_html(df.assign(n_unweighted=[1, 2]), percent=["estimate"])
    assert re.findall(r'id="([^"]+)"', other) != re.findall(r'id="([^"]+)"', html_en)


def test_styling_counts_and_value_labels():
    from sosiale_kommuner.report.disclosure import suppress_counts
    t = suppress_counts(pd.DataFrame({"yes": [10, 2], "no": [5, 8]}, index=["a", "b"])).reset_index(names="cls")
    html = styling.to_html(t, counts_suppressed=True, value_labels={"cls": {"a": "Alpha"}})
    assert html.count(">:<") == 4 and ">Alpha<" in html
    assert styling.format_number(-1234.5, decimals=1) == "\u22121,234.5"
    assert styling.format_number(None) == "–"
    with pytest.raises(KeyError):
        styling.table(t, percent=["nope"])


def test_plain_dataframe_numbers_right_aligned():
    html = pd.DataFrame({"rule": ["read x"], "rows_in": [446], "share": ["63.2 %"]}).to_html()
    out = chapter_page.align_numbers(html)
    assert '<td class="sk-num">446</td>' in out and '<td class="sk-num">63.2 %</td>' in out
    assert "<td>read x</td>" in out
