"""Chapter pages: an executed notebook -> the HTML page reviewers read (docs/contracts.md §8).

:func:`export_chapter` is called by the build with the executed notebook; the build
writes the returned text atomically to ``reports/<stem>.html``. The contents page is
:mod:`.index_page`.

The page is rendered by our own nbconvert template ``templates/sk_report/index.html.j2``,
which *extends* JupyterLab's standard ``lab/index.html.j2`` and overrides only:

* the head: no require.js / MathJax / mermaid / widget scripts (those come from CDNs; the
  pages must work offline) and a small inline stylesheet instead of JupyterLab's;
* the body frame (:mod:`.frame`): study title, synthetic-data notice, the chapter list
  (sidebar and phone menu), "on this page", previous/next, and the footer with the
  provenance in a collapsed block; after rendering, :mod:`.page_html` adds heading anchors,
  the "on this page" list and the glossary links; at the end of the page, the chapter's
  result tables to download (:func:`downloads_html`);
* figures: ``<img alt=...>`` with the alt text that :func:`plots.show` stores in the output
  metadata (``output.metadata["image/png"]["alt"]``), scaled to the screen;
* stderr streams and JavaScript/widget outputs are dropped.

Before rendering, :func:`prepare_notebook` removes what a reviewer should not see: code,
the ``parameters`` cell and papermill's ``injected-parameters`` cell, cells tagged
``remove-cell``, stderr (warnings), tracebacks (replaced by a one-line error), bare
``text/plain`` results of a cell's last expression (``PosixPath(...)``, ``<Axes: ...>``),
code cells left without output, and everything that varies between runs (cell ids, papermill
timings, kernel metadata). As a last safety net the raw folder and output root are
replaced by ``<raw>``/``<out>`` if a notebook printed them. LaTeX in markdown is left as
typed (no MathJax offline).
"""
from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import Any, Mapping

import nbformat
from nbconvert import HTMLExporter

from sosiale_kommuner.config import Paths

from . import frame, page_html, provenance, text
from .book import Book, ChapterInfo
from .editions import EDITION_DIRS, tables_href
from .frame import chapter_title, download_label, twin_html
from .page_html import tidy_html

#: Output metadata key marking the edition an output belongs to (:mod:`.editions`).
LANG_KEY = "sk_lang"

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "sk_report"

#: Cells with any of these tags never reach the page.
REMOVE_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})
#: Tags that hide a cell's outputs but keep nothing else either (code is hidden anyway).
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})

_DROP_MIMETYPES = ("application/javascript", "application/vnd.jupyter.widget-view+json")


def _tags(cell: Mapping[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


_NUMERIC_TD = re.compile(r"<td>(\s*[-\u2212+]?[\d.,\u00a0\u202f ]*\d[\d.,\u00a0\u202f ]*(?:\s?%)?\s*)</td>")


def align_numbers(table_html: str) -> str:
    """Mark the numeric cells of a plain pandas table ``class="sk-num"`` (right-aligned).

    Chapters show their tables through :mod:`.tables`; this keeps a plain ``DataFrame`` readable.
    """
    if isinstance(table_html, list):  # nbformat may store multi-line strings as lists
        table_html = "".join(table_html)
    return _NUMERIC_TD.sub(r'<td class="sk-num">\1</td>', table_html)


def _clean_output(out: nbformat.NotebookNode, lang: str | None = None) -> nbformat.NotebookNode | None:
    """One output as shown on the page of edition ``lang``, or None to drop it."""
    kind = out.get("output_type")
    edition = out.get("metadata", {}).get(LANG_KEY)
    if lang is not None and edition is not None and edition != lang:
        return None
    if kind == "stream":
        if out.get("name") != "stdout" or not out.get("text", "").strip():
            return None
        return nbformat.v4.new_output("stream", name="stdout", text=out["text"])
    if kind == "error":
        return nbformat.v4.new_output(
            "stream", name="stdout",
            text=text.common("page.error", lang or text.LANGS[0], error=f"{out.get('ename', 'Error')}: "
                                                                       f"{out.get('evalue', '')}") + "\n",
        )
    if kind in ("display_data", "execute_result"):
        data = {k: v for k, v in out.get("data", {}).items() if k not in _DROP_MIMETYPES}
        if not data:
            return None
        if kind == "execute_result" and set(data) == {"text/plain"}:
            # a bare repr left by a cell's last expression (a Path returned by write_result,
            # matplotlib's "<Axes: ...>" / "Text(...)" / "<... at 0x7f...>"): noise for a
            # reader and often different between runs. Chapters show values with Markdown.
            return None
        if "text/html" in data and 'class="dataframe"' in data["text/html"]:
            data["text/html"] = align_numbers(data["text/html"])
        meta = {k: v for k, v in out.get("metadata", {}).items() if k in data}
        return nbformat.v4.new_output("display_data", data=data, metadata=meta)
    return None


def prepare_notebook(nb: nbformat.NotebookNode, lang: str | None = None) -> nbformat.NotebookNode:
    """A copy of ``nb`` with only what the page of edition ``lang`` shows, free of run-specific
    values (``lang=None``: every edition's outputs). Outputs marked with another language
    (:mod:`.editions`) and markdown cells tagged ``lang-<other>`` are left out."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & REMOVE_TAGS:
            continue
        if lang is not None and any(tg.startswith("lang-") and tg != f"lang-{lang}" for tg in tags):
            continue
        if cell.cell_type == "code":
            outputs = [] if tags & REMOVE_OUTPUT_TAGS else [
                o for o in (_clean_output(x, lang) for x in cell.get("outputs", [])) if o is not None]
            if not outputs:
                continue
            new = nbformat.v4.new_code_cell(source="", outputs=outputs)
        elif cell.cell_type == "markdown":
            if not cell.source.strip():
                continue
            new = nbformat.v4.new_markdown_cell(source=cell.source)
            if cell.get("attachments"):
                new["attachments"] = cell["attachments"]
        else:  # raw cells are not shown
            continue
        new["id"] = f"sk{len(cells) + 1}"  # stable ids; the anchors are removed after rendering
        new["metadata"] = {"tags": sorted(tags)} if tags else {}
        cells.append(new)
    nb.cells = cells
    nb.metadata = {}
    return nb


def _has_title(nb: nbformat.NotebookNode) -> bool:
    """Does the page already open with a title (a markdown ``# ...`` or an ``<h1>`` output)?"""
    for c in nb.cells:
        if c.cell_type == "markdown" and re.match(r"^\s*#\s", c.source):
            return True
        if any("<h1" in "".join(o.get("data", {}).get("text/html", "")) for o in c.get("outputs", [])):
            return True
    return False


def nav_html(chapter: ChapterInfo, book: Book, lang: str = "nb") -> str:
    """Previous / next page in the book's reading order (:func:`.frame.pager_html`)."""
    return frame.pager_html(book, chapter.stem, lang)


def downloads_html(stem: str, tables: Mapping[str, int], lang: str) -> str:
    """The chapter's result tables to download: ``{file name: size in bytes}``."""
    title = html.escape(text.common("downloads.title", lang))
    if not tables:
        return ""
    items = []
    for name, size in sorted(tables.items()):
        label = download_label(stem, name, lang)
        meta = text.common("downloads.size", lang, kb=size / 1000)
        file = f"{html.escape(name)} · " if label != name else ""
        items.append(f'<li><a href="{html.escape(tables_href(lang, name))}" download>{html.escape(label)}</a> '
                     f'<span class="sk-file">{file}{html.escape(meta)}</span></li>')
    return (f'<section class="sk-downloads" aria-labelledby="downloads"><h2 id="downloads">{title}</h2>'
            f'{text.to_html(text.common("downloads.intro", lang))}<ul>{"".join(items)}</ul></section>')


def _scrub_paths(text: str, paths: Paths) -> str:
    for folder, label in ((paths.raw, "<raw>"), (paths.out, "<out>")):
        for variant in {str(folder), folder.as_posix()}:
            text = text.replace(variant, html.escape(label))
    return text


def render_chapter(nb: nbformat.NotebookNode, chapter: ChapterInfo, *, book: Book, synthetic: bool,
                   footer: str, lang: str = "nb", tables: Mapping[str, int] | None = None) -> str:
    """Render the page of edition ``lang`` with the page frame; no file system access.

    ``tables``: the chapter's result tables (file name -> size in bytes) to list for download.
    """
    page = prepare_notebook(nb, lang)
    title = chapter_title(chapter, lang)
    if not _has_title(page):
        heading = f'<h1 id="top">{html.escape(chapter.number)} {html.escape(title)}</h1>'
        page.cells.insert(0, nbformat.v4.new_code_cell(source="", outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": heading})]))
        page.cells[0]["id"] = "sk0"
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_ROOT)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    resources = {
        "metadata": {"name": chapter.stem},
        "language_code": lang,
        "sk": {
            "page_title": frame.page_title(chapter.stem, book, lang) if book.get(chapter.stem)
            else f"{chapter.number} {title} · {text.common('study.title', lang)}",
            "stylesheet": frame.stylesheet(),
            "top_html": frame.top_html(book, chapter.stem, lang, synthetic=synthetic),
            "main_end_html": downloads_html(chapter.stem, tables or {}, lang),
            "bottom_html": frame.bottom_html(book, chapter.stem, lang,
                                             attribution=provenance.attribution_html(chapter, lang),
                                             build=footer),
        },
    }
    body, _ = exporter.from_notebook_node(page, resources=resources)
    return tidy_html(page_html.finish(body, lang))


def export_chapter(nb: nbformat.NotebookNode, chapter: ChapterInfo, paths: Paths, params: dict, *,
                   book: Book, code_hash: str, raw_checksums: dict[str, str],
                   tables: Mapping[str, int] | None = None) -> dict[str, str]:
    """The pages of an executed chapter notebook, one per edition: ``{path under reports/: HTML}``
    (``<stem>.html`` in bokmål, ``en/<stem>.html`` in English); the caller writes them.

    ``params`` are the papermill parameters the chapter ran with; the footer prints them
    without paths, with ``code_hash`` and the ``raw_checksums`` of the files the chapter
    read (the build computes both). The synthetic-data notice follows
    ``<raw>/survey/SYNTHETIC.yaml``. ``tables`` are the chapter's result tables, file name ->
    size in bytes (the build passes the ones the chapter wrote), listed at the end of the page.
    """
    synthetic = provenance.is_synthetic(paths)
    pages = {}
    for lang in text.LANGS:
        footer = provenance.footer_html(stem=chapter.stem, code_hash=code_hash, params=params,
                                        raw_checksums=dict(raw_checksums), lang=lang)
        page = render_chapter(nb, chapter, book=book, synthetic=synthetic, footer=footer, lang=lang,
                              tables=tables)
        pages[f"{EDITION_DIRS[lang]}{chapter.stem}.html"] = _scrub_paths(page, paths)
    return pages


__all__ = ["export_chapter", "prepare_notebook", "render_chapter", "nav_html", "twin_html", "tidy_html",
           "chapter_title", "downloads_html", "LANG_KEY"]
