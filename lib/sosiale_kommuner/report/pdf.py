"""The whole report as one PDF per edition, printed offline by Chromium.

``reports/sosiale-kommuner-2013.pdf`` (bokmål) and ``reports/en/sosiale-kommuner-2013.pdf``
(English) hold a title page, a table of contents with page numbers, the key findings and who
answered, every chapter, and the methods, questionnaire and glossary pages — the figures and
tables exactly as in the HTML, because they are the HTML: :func:`combined_html` takes the
``<main>`` of every built page of the edition, gives its ids a per-page prefix so that they
stay unique, turns links between pages into links inside the PDF, and adds ``print.css``
(A4, page numbers at the foot of every page, each page of the book on a new sheet).

Chromium prints it headless, with networking and every background service off and a fresh
profile (:data:`CHROMIUM_FLAGS`). Chromium cannot put page numbers into a table of
contents, so the PDF is printed twice: the first print tells on which page each part starts
(its named destinations, read back with pypdf), the second has those numbers in the table
of contents, whose layout does not depend on them. The file is made deterministic where
Chromium allows: its creation and modification dates are set to a fixed value (PDFs are
outside the byte-identity rule of docs/contracts.md §8 all the same).

Without Chromium (:func:`unavailable` says why) the build skips this step in one line.
The executable is found on ``PATH`` (``chromium``, ``chromium-browser``) or named by
:data:`CHROMIUM_ENV`; ``CHROMIUM_ENV=none`` turns the PDFs off.
"""
from __future__ import annotations

import functools
import html
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bs4 import BeautifulSoup

from sosiale_kommuner import __version__
from sosiale_kommuner.config import Paths
from sosiale_kommuner.files import atomic_write_bytes

from . import frame, provenance, text
from .book import BOOK_PAGES, INDEX, PDF_NAME, Book
from .editions import EDITION_DIRS
from .text.formats import LANGS, integer

#: Names the Chromium executable (a path), or ``none`` to make no PDFs.
CHROMIUM_ENV = "SOSIALE_KOMMUNER_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--disable-default-apps", "--no-default-browser-check", "--mute-audio", "--disable-dev-shm-usage",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pdf-header-footer", "--generate-pdf-document-outline", "--allow-file-access-from-files",
)
#: Seconds one print may take.
TIMEOUT = 300
#: The fixed creation date written into every PDF (same length as Chromium's own).
FIXED_DATE = b"D:20130101000000+00'00'"
_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[+\-Z][^)]*\)")
PRINT_CSS = Path(__file__).resolve().parent / "templates" / "sk_report" / "print.css"


class PdfError(RuntimeError):
    """Chromium is there but the PDF could not be made (names the edition and the reason)."""


def chromium() -> str | None:
    """The Chromium executable, or None."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        return None if named.lower() == "none" else (shutil.which(named) or (named if Path(named).is_file() else None))
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def unavailable() -> str | None:
    """Why no PDF can be made here (None when it can)."""
    if os.environ.get(CHROMIUM_ENV, "").strip().lower() == "none":
        return f"{CHROMIUM_ENV}=none"
    if chromium() is None:
        return "Chromium is not installed (Debian package 'chromium')"
    return None


@functools.lru_cache(maxsize=None)
def printer_version() -> str:
    exe = chromium()
    if exe is None:
        return ""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.strip().splitlines()[-1] if out.strip() else ""


def pdf_path(paths: Paths, lang: str) -> Path:
    return paths.reports / EDITION_DIRS[lang] / PDF_NAME


# --- the combined page ---------------------------------------------------------------------

def _anchor(key: str, ident: str = "") -> str:
    return f"p-{key}" + (f"--{ident}" if ident else "")


def _page_main(page_html: str, key: str, keys: set[str]):
    """The ``<main>`` of one page with ids prefixed and links made internal to the book."""
    soup = BeautifulSoup(page_html, "html.parser")
    main = soup.find("main")
    for gone in main.select(".sk-anchor, .sk-downloads, script"):
        gone.decompose()
    if key == INDEX:
        for sel in ('section[aria-labelledby="chapters"]', 'section[aria-labelledby="tables"]', "h1"):
            for gone in main.select(sel):
                gone.decompose()
    for tag in main.find_all(id=True):
        tag["id"] = _anchor(key, tag["id"])
    for tag in main.find_all(attrs={"aria-labelledby": True}):
        tag["aria-labelledby"] = _anchor(key, tag["aria-labelledby"])
    for a in main.find_all("a", href=True):
        href = a["href"]
        m = re.fullmatch(r"(?:\.\./)?(?:en/)?([\w-]+)\.html(?:#(.*))?", href)
        if href.startswith("#"):
            a["href"] = "#" + _anchor(key, href[1:])
        elif m and m.group(1) in keys:
            a["href"] = "#" + _anchor(m.group(1), m.group(2) or "")
        elif not re.match(r"https?://", href):
            del a["href"]          # the CSV files and other local files are not in the PDF
    main.name = "section"
    main.attrs = {"class": ["sk-print-page", f"sk-print-{key}"], "id": _anchor(key)}
    return main


def _toc(book: Book, lang: str, keys: list[str], pages: dict[str, int] | None) -> str:
    items = []
    for key in keys:
        label = html.escape(text.get(INDEX, "heading.findings", lang) if key == INDEX
                            else frame.page_label(key, book, lang))
        number = integer(pages[key], lang) if pages and key in pages else ""
        items.append(f'<li><a href="#{_anchor(key)}"><span class="sk-toc-label">{label}</span>'
                     f'<span class="sk-toc-page">{number}</span></a></li>')
    title = html.escape(text.common("pages.index", lang))
    return (f'<nav class="sk-print-toc" aria-label="{title}"><h1 id="contents">{title}</h1>'
            f'<ol>{"".join(items)}</ol></nav>')


def combined_html(paths: Paths, book: Book, lang: str, pages: dict[str, int] | None = None) -> tuple[str, list[str]]:
    """The print page of edition ``lang`` and the keys of the pages it holds (in order).

    ``pages``: the page number each part starts on (from a first print), for the contents.
    """
    folder = paths.reports / EDITION_DIRS[lang]
    keys = [k for k in (INDEX, *book.stems, *BOOK_PAGES) if (folder / f"{k}.html").is_file()]
    sections = [str(_page_main((folder / f"{k}.html").read_text(encoding="utf-8"), k, set(keys))) for k in keys]
    esc = html.escape
    study, subtitle = text.common("study.title", lang), text.common("study.subtitle", lang)
    cover = (f'<section class="sk-cover"><p class="sk-cover-title">{esc(study)}</p>'
             f'<p class="sk-cover-sub">{esc(subtitle)}</p>'
             f"{provenance.notice_html(provenance.is_synthetic(paths), lang)}"
             f'<p class="sk-cover-meta">{esc(text.common("edition.name", lang))} · '
             f'{esc(text.common("cite.version", lang, version=__version__))}</p></section>')
    css = frame.stylesheet() + PRINT_CSS.read_text(encoding="utf-8")
    page = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(study)} · {esc(subtitle)}</title>\n<style>\n{css}</style>\n</head>\n"
            f'<body class="sk-print">\n{cover}\n{_toc(book, lang, keys, pages)}\n' + "\n".join(sections)
            + "\n</body>\n</html>\n")
    return page, keys


# --- printing ------------------------------------------------------------------------------

def print_pdf(source: Path, target: Path) -> bytes:
    """Print ``source`` (an HTML file) with Chromium; the PDF's bytes."""
    exe = chromium()
    if exe is None:
        raise PdfError(unavailable() or "no Chromium")
    with tempfile.TemporaryDirectory(prefix="sk-pdf-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={target}",
               source.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {TIMEOUT} s") from None
    if not target.is_file() or target.stat().st_size == 0:
        last = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        raise PdfError(f"Chromium wrote no PDF ({last[0][:200]})")
    return target.read_bytes()


def start_pages(data: bytes, keys: list[str]) -> dict[str, int]:
    """The page (1-based) each part of the book starts on, from the PDF's named destinations."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    out = {}
    for name, dest in reader.named_destinations.items():
        key = str(name).lstrip("/")
        if key.startswith("p-") and "--" not in key and key[2:] in keys:
            out[key[2:]] = reader.get_destination_page_number(dest) + 1
    return out


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def fix_dates(data: bytes) -> bytes:
    """The PDF with its creation and modification dates set to :data:`FIXED_DATE`."""
    return _DATE.sub(lambda m: b"/" + m.group(1) + b" (" + FIXED_DATE + b")", data)


def make_pdf(paths: Paths, book: Book, lang: str) -> tuple[Path, int]:
    """Print the PDF of edition ``lang`` (twice: see the module docstring); (path, pages)."""
    target = pdf_path(paths, lang)
    with tempfile.TemporaryDirectory(prefix="sk-print-", dir=paths.pipeline_state if paths.pipeline_state.is_dir()
                                     else None) as tmp:
        # the print page sits beside nothing it could fetch: every image is inline
        source, out = Path(tmp) / f"book-{lang}.html", Path(tmp) / f"book-{lang}.pdf"
        page, keys = combined_html(paths, book, lang)
        source.write_text(page, encoding="utf-8")
        first = print_pdf(source, out)
        numbers = start_pages(first, keys)
        missing = [k for k in keys if k not in numbers]
        if missing:
            raise PdfError(f"{lang}: no page found for {', '.join(missing)} in the first print")
        page, _ = combined_html(paths, book, lang, numbers)
        source.write_text(page, encoding="utf-8")
        out.unlink()
        data = fix_dates(print_pdf(source, out))
    atomic_write_bytes(target, data)
    return target, page_count(data)


def write_pdfs(paths: Paths, book: Book) -> list[tuple[Path, int]]:
    """The PDF of every edition; [(path, pages)]."""
    return [make_pdf(paths, book, lang) for lang in LANGS]


__all__ = ["combined_html", "make_pdf", "write_pdfs", "print_pdf", "start_pages", "page_count", "fix_dates",
           "unavailable", "chromium", "printer_version", "pdf_path", "PdfError", "CHROMIUM_ENV", "LANGS"]
