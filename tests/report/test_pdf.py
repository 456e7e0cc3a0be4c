"""The PDF of each edition: skipped in one line without Chromium, and with it a real book
whose table of contents lists every chapter at the page it starts on."""
from __future__ import annotations

import io

import pytest

from sosiale_kommuner import config
from sosiale_kommuner.build import book as build_book
from sosiale_kommuner.report import pdf
from sosiale_kommuner.report.book import BOOK_PAGES, Book, ChapterInfo

BOOK = Book.of([ChapterInfo("00_a", "First"), ChapterInfo("01_b", "Second"), ChapterInfo("02_c", "Third")])
TITLES = {"00_a": "Kommunene", "01_b": "Forundersøkelsen", "02_c": "Vektingen"}


class Ctx:
    """What :func:`build.book.update_pdfs` needs of a build."""

    def __init__(self, paths):
        self.paths, self.lines = paths, []
        self.project = type("P", (), {"book": staticmethod(lambda: BOOK), "package_dir": None})()

    def say(self, line):
        self.lines.append(line)


def _site(tmp_path) -> config.Paths:
    """Hand-made pages of the Norwegian edition: each part longer than one sheet, with a link."""
    P = config.paths(tmp_path / "raw", tmp_path / "out")
    P.reports.mkdir(parents=True)
    filler = '<div style="height: 320mm">…</div>'
    for key in ("index", *BOOK.stems, *BOOK_PAGES):
        title = TITLES.get(key, key)
        body = (f'<h1 id="top">{title}</h1><p>MARKER-{key} <a href="01_b.html#part">til kapittel 1</a> '
                f'<a href="tables/x.csv">CSV</a></p>{filler}<h2 id="part">Del</h2>')
        (P.reports / f"{key}.html").write_text(
            f'<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"></head><body><main id="main">{body}'
            "</main></body></html>", encoding="utf-8")
    return P


def test_pdf_is_skipped_in_one_line_without_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "none")
    assert pdf.unavailable() == f"{pdf.CHROMIUM_ENV}=none"
    ctx = Ctx(_site(tmp_path))
    build_book.update_pdfs(ctx)
    assert ctx.lines == [f"PDF skipped: {pdf.CHROMIUM_ENV}=none"]
    monkeypatch.delenv(pdf.CHROMIUM_ENV)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    ctx = Ctx(ctx.paths)
    build_book.update_pdfs(ctx)
    assert ctx.lines == ["PDF skipped: Chromium is not installed (Debian package 'chromium')"]
    assert not list(ctx.paths.reports.rglob("*.pdf"))


def test_combined_page_keeps_ids_unique_and_links_inside_the_book(tmp_path):
    page, keys = pdf.combined_html(_site(tmp_path), BOOK, "nb")
    assert keys == ["index", "00_a", "01_b", "02_c", *BOOK_PAGES]
    assert page.count('id="p-01_b--part"') == 1 and page.count('href="#p-01_b--part"') == len(keys)
    assert 'href="tables/x.csv"' not in page and "<a>CSV</a>" in page
    for key in keys:
        assert f'<section class="sk-print-page sk-print-{key}" id="p-{key}">' in page
        assert f'<a href="#p-{key}">' in page                                  # the contents link it


@pytest.mark.slow
def test_pdf_has_pages_and_a_contents_listing_every_chapter_at_its_page(tmp_path):
    if pdf.unavailable():
        pytest.skip(f"no PDF here: {pdf.unavailable()}")
    from pypdf import PdfReader

    P = _site(tmp_path)
    path, pages = pdf.make_pdf(P, BOOK, "nb")
    assert path == P.reports / "sosiale-kommuner-2013.pdf" and pages > 1
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == pages
    text = [p.extract_text() for p in reader.pages]
    contents = next(i for i, t in enumerate(text) if "Innhold" in t and "01 Second" in t)
    lines = [" ".join(line.split()) for line in text[contents].splitlines()]
    for chapter in BOOK:
        starts = next(i for i, t in enumerate(text) if f"MARKER-{chapter.stem}" in t) + 1     # 1-based page
        assert f"{chapter.number} {chapter.title} {starts}" in lines, (chapter.stem, starts, lines)
    # every page but the title page carries its number at the foot
    assert all(t.split() and str(i + 1) in t.split() for i, t in enumerate(text) if i > 0)
    assert reader.metadata["/CreationDate"] == pdf.FIXED_DATE.decode()
