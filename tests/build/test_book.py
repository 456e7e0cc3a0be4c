"""The book step after the chapters: written when its inputs change, left alone otherwise."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

from sosiale_kommuner import config
from sosiale_kommuner.build import book as build_book
from sosiale_kommuner.build.graph import Chapter, Project
from sosiale_kommuner.report import pdf
from sosiale_kommuner.report.book import BOOK_PAGES


class Ctx:
    """The parts of a build's context the book step reads."""

    def __init__(self, paths, pdf=True):
        self.paths, self.lines = paths, []
        self.opts = SimpleNamespace(pdf=pdf)
        self.project = Project(chapters=(Chapter("00_population", "P"),))
        self.records, self.declared, self.export_hash = {}, {}, "x"

    def say(self, line):
        self.lines.append(line)


def _pages(paths) -> dict[str, float]:
    return {p.relative_to(paths.reports).as_posix(): p.stat().st_mtime_ns for p in paths.reports.rglob("*.html")}


def test_book_pages_are_written_once_and_again_when_a_raw_input_changes(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "none")
    raw = tmp_path / "raw"
    shutil.copytree(config.DEFAULT_RAW_DIR, raw, ignore=shutil.ignore_patterns("frame", "*.csv"))
    ctx = Ctx(config.paths(raw, tmp_path / "out"))
    ctx.paths.pipeline_state.mkdir(parents=True)
    assert build_book.update_book(ctx, {}) is True
    expected = {f"{d}{k}.html" for d in ("", "en/") for k in ("index", *BOOK_PAGES)}
    first = _pages(ctx.paths)
    assert set(first) == expected
    assert ctx.lines == [f"PDF skipped: {pdf.CHROMIUM_ENV}=none"]
    # nothing changed: nothing is written
    assert build_book.update_book(ctx, {}) is False and _pages(ctx.paths) == first
    # a published claim changed: the pages are written again
    claims = raw / "published_claims.yaml"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert build_book.update_book(ctx, {}) is True
    # a chapter's status changed: likewise
    assert build_book.update_book(ctx, {"00_population": {"state": "failed", "reason": "x"}}) is True


def test_no_pdf_option_says_so_and_makes_none(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "none")
    raw = tmp_path / "raw"
    shutil.copytree(config.DEFAULT_RAW_DIR, raw, ignore=shutil.ignore_patterns("frame", "*.csv"))
    ctx = Ctx(config.paths(raw, tmp_path / "out"), pdf=False)
    ctx.paths.pipeline_state.mkdir(parents=True)
    assert build_book.update_book(ctx, {}) is True
    assert ctx.lines == ["PDF not made (--no-pdf)."]
    assert not list(ctx.paths.reports.rglob("*.pdf"))
