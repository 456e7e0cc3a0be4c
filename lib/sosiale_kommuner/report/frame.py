"""The frame around every page of the book: header, chapter list, pager, footer.

Every page — a chapter (:mod:`.chapter_page`), the contents page (:mod:`.index_page`) and
the book's own pages (:mod:`.book_pages`) — gets the same frame, in its edition's language:

* a skip link, the study's title (linking the contents), the link to the same page in the
  other edition, and the synthetic-data notice;
* the chapter list, always in reach: a sidebar on wide screens and, on phones, a menu that
  opens without scripts (``<details>``); both list the contents page, every chapter and the
  book's own pages, with the current page marked ``aria-current="page"``;
* an "on this page" list (built by :mod:`.page_html` from the page's own headings);
* previous/next links in reading order (:func:`sosiale_kommuner.report.book.reading_order`);
* the footer: SSB's attribution where SSB's figures are shown, a link to "how to cite",
  and the build details in a collapsed block.

:func:`top_html` and :func:`bottom_html` return the frame before and after a page's
``<main>`` content; the nbconvert template of the chapters and the Jinja template of the
other pages both place them, so the two kinds of page cannot drift apart.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from . import provenance, text
from .book import BOOK_PAGES, INDEX, Book, ChapterInfo, reading_order
from .editions import EDITION_DIRS

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
#: Placeholder in :func:`top_html` that :mod:`.page_html` replaces by the "on this page" list.
TOC_SLOT = "<!--sk:on-this-page-->"

esc = html.escape


def chapter_title(chapter: ChapterInfo, lang: str) -> str:
    """A chapter's title in ``lang``: its own text's ``title``, else the contents page's, else
    the graph's."""
    if text.has(chapter.stem, "title", lang):
        return text.get(chapter.stem, "title", lang)
    key = f"chapters.{chapter.stem}.title"
    if text.has("index", key, lang):
        return text.get("index", key, lang)
    return chapter.title


def page_label(key: str, book: Book, lang: str) -> str:
    """What the chapter list and the pager call a page: ``04 Bruk av sosiale medier``."""
    if key == INDEX:
        return text.common("pages.index", lang)
    if key in BOOK_PAGES:
        return text.common(f"pages.{key}", lang)
    chapter = book.get(key)
    return f"{chapter.number} {chapter_title(chapter, lang)}" if chapter else key


def page_title(key: str, book: Book, lang: str) -> str:
    """The ``<title>`` of a page: ``<page> · Sosiale kommuner 2013``."""
    study = text.common("study.title", lang)
    if key == INDEX:
        return f"{study} · {text.common('study.subtitle', lang)}"
    return f"{page_label(key, book, lang)} · {study}"


def _link(key: str, current: str, label: str) -> str:
    mark = ' aria-current="page"' if key == current else ""
    return f'<a href="{esc(key)}.html"{mark}>{esc(label)}</a>'


def book_list_html(book: Book, current: str, lang: str) -> str:
    """The contents page, the chapters and the book's own pages as linked lists."""
    chapters = "".join(
        f'<li>{_link(c.stem, current, page_label(c.stem, book, lang))}</li>' for c in book)
    pages = "".join(f"<li>{_link(k, current, page_label(k, book, lang))}</li>" for k in BOOK_PAGES)
    about = esc(text.common("nav.about", lang))
    return (f'<p class="sk-book-home">{_link(INDEX, current, text.common("pages.index", lang))}</p>'
            f'<ol class="sk-book-chapters">{chapters}</ol>'
            f'<p class="sk-book-group">{about}</p><ul class="sk-book-pages">{pages}</ul>')


def sidebar_html(book: Book, current: str, lang: str) -> str:
    """The chapter list for wide screens."""
    return (f'<nav class="sk-sidebar" aria-label="{esc(text.common("nav.book", lang))}">'
            f"{book_list_html(book, current, lang)}</nav>")


def menu_html(book: Book, current: str, lang: str) -> str:
    """The chapter list for phones: a menu that opens without scripts."""
    label = esc(text.common("nav.menu", lang))
    return (f'<details class="sk-menu"><summary>{label}</summary>'
            f'<nav aria-label="{label}">{book_list_html(book, current, lang)}</nav></details>')


def pager_html(book: Book, current: str, lang: str) -> str:
    """Previous and next page in reading order, with the contents between them (unless a
    neighbour is the contents); a page outside the book links the contents only."""
    order = reading_order(book)
    label = esc(text.common("nav.pager", lang))
    contents = (f'<a class="sk-pager-contents" href="index.html">'
                f'{esc(text.common("nav.contents", lang))}</a>')
    if current not in order:
        return f'<nav class="sk-nav sk-pager" aria-label="{label}">{contents}</nav>'
    i = order.index(current)
    links = {}
    for rel, j in (("prev", i - 1), ("next", i + 1)):
        if 0 <= j < len(order):
            word = text.common("nav.previous" if rel == "prev" else "nav.next", lang)
            arrow = "←" if rel == "prev" else "→"
            links[rel] = (f'<a class="sk-pager-{rel}" rel="{rel}" href="{esc(order[j])}.html">'
                          f'<span class="sk-pager-dir"><span aria-hidden="true">{arrow} </span>{esc(word)}</span> '
                          f'<span class="sk-pager-title">{esc(page_label(order[j], book, lang))}</span></a>')
    middle = contents if INDEX not in (current, *(order[j] for j in (i - 1, i + 1) if 0 <= j < len(order))) else ""
    return f'<nav class="sk-nav sk-pager" aria-label="{label}">{links.get("prev", "")}{middle}{links.get("next", "")}</nav>'


def twin_html(key: str, lang: str) -> str:
    """The link from a page to the same page in the other edition(s)."""
    links = []
    for other in text.LANGS:
        if other == lang:
            continue
        up = "../" * EDITION_DIRS[lang].count("/")
        href = f"{up}{EDITION_DIRS[other]}{key}.html"
        links.append(f'<a href="{esc(href)}" hreflang="{other}" lang="{other}">'
                     f'{esc(text.common("edition.other", lang))}</a>')
    return f'<p class="sk-twin">{" · ".join(links)}</p>'


def top_html(book: Book, current: str, lang: str, *, synthetic: bool, toc: bool = True) -> str:
    """The frame before a page's ``<main>``: skip link, header, menu, sidebar (and the slot of
    the "on this page" list when ``toc``)."""
    study = esc(text.common("study.title", lang))
    subtitle = esc(text.common("study.subtitle", lang))
    return (
        f'<a class="sk-skip" href="#main">{esc(text.common("nav.skip", lang))}</a>\n'
        f'<header class="sk-header">\n<div class="sk-header-row">'
        f'<p class="sk-study"><a href="index.html">{study}</a> <span class="sk-subtitle">{subtitle}</span></p>'
        f"{twin_html(current, lang)}</div>\n"
        f"{provenance.notice_html(synthetic, lang)}\n"
        f"{menu_html(book, current, lang)}\n</header>\n"
        f'<div class="sk-layout">\n{sidebar_html(book, current, lang)}\n<div class="sk-page">\n'
        f'{TOC_SLOT if toc else ""}\n'
    )


def bottom_html(book: Book, current: str, lang: str, *, attribution: str = "", build: str = "") -> str:
    """The frame after a page's ``</main>``: pager, footer with attribution, the link to how
    to cite, and the build details collapsed."""
    cite = esc(text.common("cite.link", lang))
    details = ""
    if build:
        details = (f'<details class="sk-build"><summary>{esc(text.common("footer.build", lang))}</summary>\n'
                   f'<p>{esc(text.common("footer.build_intro", lang))}</p>\n{build}\n</details>')
    return (
        f"{pager_html(book, current, lang)}\n</div>\n</div>\n"
        f'<footer class="sk-footer">\n{attribution}\n'
        f'<p class="sk-cite-link"><a href="index.html#cite">{cite}</a></p>\n{details}\n</footer>\n'
    )


def download_label(stem: str, name: str, lang: str) -> str:
    """What a result table holds, in words: the caption of the chapter's figure or table drawn
    from it (``caption.<name>`` in the chapter's texts), else the kind of table
    (``downloads.kind.<name>``), else its file name."""
    kind = name[len(stem) + 2:-4] if name.startswith(f"{stem}__") and name.endswith(".csv") else ""
    if not kind:
        return name
    if text.has(stem, f"caption.{kind}", lang):
        words = re.sub(r"<[^>]+>", "", text.to_html(text.raw(stem, f"caption.{kind}", lang), inline=True))
        if "{" not in words:
            return html.unescape(words).rstrip(". ")
    if text.has(text.COMMON, f"downloads.kind.{kind}", lang):
        return text.common(f"downloads.kind.{kind}", lang)
    return name


def stylesheet() -> str:
    """The pages' stylesheet: ``report.css``, and ``tables.css`` when it exists (inlined)."""
    root = TEMPLATE_ROOT / "sk_report"
    parts = [(root / "report.css").read_text(encoding="utf-8")]
    extra = root / "tables.css"
    if extra.is_file():
        parts.append(extra.read_text(encoding="utf-8"))
    return "\n".join(p.rstrip("\n") for p in parts) + "\n"


__all__ = ["chapter_title", "download_label", "page_label", "page_title", "book_list_html", "sidebar_html", "menu_html",
           "pager_html", "twin_html", "top_html", "bottom_html", "stylesheet", "TOC_SLOT"]
