"""Shared by the report's page tests: an executed notebook built by hand, its export, a parser.

The notebook is what papermill leaves (parameters, injected parameters, code, stderr, a
figure, a table, hidden cells, JavaScript, stdout, a bare repr, Markdown), built by hand so
the tests are fast and exact. :func:`export` exports it as the build does and returns the
English edition (``editions=True``: both, by path under ``reports/``).
"""
from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import nbformat
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.build import hashing
from sosiale_kommuner.build.graph import Chapter, Graph
from sosiale_kommuner.report import chapter_page, tables

FAKE_HASH = "0123456789abcdef" * 4

CH00 = Chapter("00_population", "The population of local governments",
               raw=("frame/municipalities_2013.csv", "frame/counties_2013.csv"))
CH_SURVEY = Chapter("05_strategies", "Strategies", raw=("survey/*.csv",))


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
    shown = tables.render(pd.DataFrame({"group": ["a"], "n": [1234]}), "en",
                          [tables.text("group"), tables.number("n", fmt="int")])
    tbl = nbformat.v4.new_code_cell("tables.render(df, lang, columns)", execution_count=5, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/html": shown,
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


def export(raw, out, chapter=CH00, params=None, nb=None, editions=False, tables=None, book=None):
    """A chapter page as the build exports it: the footer's facts as the build computes them."""
    P = config.paths(raw, out)
    params = {"raw_dir": str(raw), "out_dir": str(out), "lang": "en", "seed": 7} if params is None else params
    graph = Graph((chapter,))
    pages = chapter_page.export_chapter(nb or executed_notebook(), graph.info(chapter.stem), P, params,
                                        book=book or graph.book(), code_hash=FAKE_HASH,
                                        raw_checksums=hashing.raw_checksums(chapter, P), tables=tables)
    assert sorted(pages) == sorted([f"{chapter.stem}.html", f"en/{chapter.stem}.html"])
    return pages if editions else pages[f"en/{chapter.stem}.html"]


def make_raw(tmp_path):
    """A small raw folder with frame and survey files (each test module's ``raw`` fixture)."""
    r = tmp_path / "raw"
    (r / "frame").mkdir(parents=True)
    (r / "survey").mkdir()
    (r / "frame" / "municipalities_2013.csv").write_text("unit_id,name\n0301,Oslo\n")
    (r / "frame" / "counties_2013.csv").write_text("unit_id,name\n03,Oslo\n")
    (r / "survey" / "export.csv").write_text("id,q1\n1,yes\n")
    return r


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(text):
    """Every start tag of an HTML text: [(tag, {attribute: value})]."""
    c = Collector()
    c.feed(text)
    return c.tags


def section(page: str, start: str, end: str) -> str:
    """The part of ``page`` from the first ``start`` to the next ``end``."""
    i = page.index(start)
    return page[i:page.index(end, i)]
