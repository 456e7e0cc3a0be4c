"""After the chapters: the book's own pages and the PDFs, each rebuilt only when needed.

:func:`update_book` is the last writing step of a build (before the personal-data scan):

1. the contents page of every edition (:mod:`.index`), and the methods, questionnaire and
   glossary pages (:mod:`sosiale_kommuner.report.book_pages`) — rewritten together when
   anything they show can have changed: the chapters' status and outputs, the report's
   code and text, the raw files they read (codebook, synthetic flag, published claims) and
   ``CITATION.cff``;
2. the PDF of each edition (:mod:`sosiale_kommuner.report.pdf`) — remade when a page of
   that edition changed. Without Chromium the step is skipped with one line saying why;
   a failing print is reported in one line too, and the build's exit code does not change
   (the HTML report is complete without it).

A project exported with the plain exporter (the build's own tests) gets the contents page
only.
"""
from __future__ import annotations

import time
from typing import Any, Mapping

from sosiale_kommuner.report import book_pages, pdf
from sosiale_kommuner.report.provenance import CITATION_FILE

from . import hashing
from .index import current_fingerprints, index_key, stale_chapters
from .state import INDEX_KEY_FILE, write_text

#: ``.pipeline/`` file: what the last PDFs were made from.
PDF_KEY_FILE = "pdf.key"
#: Modules that make the book's pages and PDFs (hashed, with their imports).
BOOK_MODULES = ("sosiale_kommuner.report.book_pages", "sosiale_kommuner.report.pdf",
                "sosiale_kommuner.report.index_page")


def book_key(ctx, status: Mapping[str, Any], fps: Mapping[str, str]) -> str:
    """What the contents and the book's own pages depend on."""
    pdir = ctx.project.package_dir
    code = hashing.module_digests(hashing.module_closure(BOOK_MODULES, pdir), pdir)
    raw = {name: hashing.sha256_file(p) for name, p in sorted(book_pages.inputs(ctx.paths).items()) if p.is_file()}
    cite = hashing.sha256_file(CITATION_FILE) if CITATION_FILE.is_file() else ""
    return hashing.hash_json({"index": index_key(ctx, status, fps), "code": code, "raw": raw, "cite": cite})


def update_book(ctx, status: Mapping[str, Any]) -> bool:
    """Write the contents page, the book's own pages and the PDFs as far as they changed;
    True when the HTML pages were written."""
    from sosiale_kommuner.report import index_page

    fps = current_fingerprints(ctx, status)
    full = ctx.project.exporter == "report"
    key = book_key(ctx, status, fps) if full else index_key(ctx, status, fps)
    key_file = ctx.paths.pipeline_state / INDEX_KEY_FILE
    page = ctx.paths.reports / "index.html"
    wrote = False
    if not (page.is_file() and key_file.is_file() and key_file.read_text(encoding="utf-8") == key):
        book = ctx.project.book()
        index_page.write_index(ctx.paths, book, stale=stale_chapters(status, fps))
        if full:
            book_pages.write_book_pages(ctx.paths, book)
        write_text(key_file, key)
        wrote = True
    if full and ctx.opts.pdf:
        update_pdfs(ctx)
    elif full:
        ctx.say("PDF not made (--no-pdf).")
    return wrote


def update_pdfs(ctx) -> None:
    """Make the PDF of each edition whose pages changed; say in one line if it can't be done."""
    reason = pdf.unavailable()
    if reason:
        ctx.say(f"PDF skipped: {reason}")
        return
    key_file = ctx.paths.pipeline_state / PDF_KEY_FILE
    key = pdf_key(ctx)
    targets = [pdf.pdf_path(ctx.paths, lang) for lang in pdf.LANGS]
    if key_file.is_file() and key_file.read_text(encoding="utf-8") == key and all(p.is_file() for p in targets):
        return
    t0 = time.monotonic()
    try:
        made = pdf.write_pdfs(ctx.paths, ctx.project.book())
    except pdf.PdfError as exc:
        ctx.say(f"PDF not made: {exc}")
        return
    write_text(key_file, key)
    pages = ", ".join(f"{p.relative_to(ctx.paths.out).as_posix()} ({n} pages)" for p, n in made)
    ctx.say(f"PDF: {pages} in {time.monotonic() - t0:.1f} s")


def pdf_key(ctx) -> str:
    """The pages of every edition and the code that prints them."""
    pdir = ctx.project.package_dir
    pages = {p.relative_to(ctx.paths.reports).as_posix(): hashing.sha256_file(p)
             for p in sorted(ctx.paths.reports.rglob("*.html"))}
    code = hashing.module_digests(hashing.module_closure(["sosiale_kommuner.report.pdf"], pdir), pdir)
    return hashing.hash_json({"pages": pages, "code": code, "printer": pdf.printer_version()})


__all__ = ["update_book", "update_pdfs", "book_key", "pdf_key", "PDF_KEY_FILE"]
