"""Finishing a rendered page: heading anchors, the "on this page" list, glossary links.

:func:`finish` takes a whole page (as :mod:`.chapter_page` or :mod:`.book_pages` rendered it)
and works on its ``<main>`` only:

1. every ``h2``/``h3`` gets an id (kept if it has one; else made from its text, unique on
   the page) and a visible anchor link beside it (``#``), which a reader can copy;
2. the "on this page" list is built from those headings and put where the frame left its
   slot (:data:`.frame.TOC_SLOT`); pages with fewer than :data:`MIN_TOC` headings get none;
3. the first use of each glossary term links to the glossary (:func:`.glossary.link_terms`).

Deterministic: the same page in gives the same page out.
"""
from __future__ import annotations

import html
import re
import unicodedata

from bs4 import BeautifulSoup

from . import glossary, text
from .frame import TOC_SLOT

#: A page lists its sections only when it has at least this many h2/h3 headings.
MIN_TOC = 3
#: Headings inside these are not sections of the page.
_NOT_SECTIONS = ("figure", "table", "nav", "details", "header", "footer", "aside")

_MAIN = re.compile(r"<main\b[^>]*>.*</main>", re.S)
#: Inline images (long base64 strings): set aside while the page is parsed, put back after.
_DATA_URI = re.compile(r'"data:[^"]{256,}"')


def heading_id(words: str, taken: set[str]) -> str:
    """An id from a heading's words (``Hvem som svarte`` -> ``hvem-som-svarte``), unique in ``taken``."""
    ascii_ = unicodedata.normalize("NFKD", words.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a"))
    base = re.sub(r"[^a-z0-9]+", "-", ascii_.encode("ascii", "ignore").decode()).strip("-") or "section"
    out, i = base, 2
    while out in taken:
        out, i = f"{base}-{i}", i + 1
    taken.add(out)
    return out


def _sections(main, soup, lang: str) -> list[tuple[int, str, str]]:
    """Give every h2/h3 an id and an anchor; return (level, id, words) in page order."""
    taken = {t["id"] for t in main.find_all(id=True)}
    for old in main.find_all("a", class_="anchor-link"):   # nbconvert's hidden pilcrows
        old.decompose()
    out = []
    for h in main.find_all(["h2", "h3"]):
        if any(p.name in _NOT_SECTIONS for p in h.parents):
            continue
        words = " ".join(h.get_text(" ", strip=True).split())
        if not h.get("id"):
            h["id"] = heading_id(words, taken)
        wrap = soup.new_tag("div", attrs={"class": f"sk-heading sk-heading-{h.name}"})
        h.wrap(wrap)
        anchor = soup.new_tag("a", attrs={"class": "sk-anchor", "href": f"#{h['id']}",
                                          "aria-label": text.common("nav.anchor", lang, heading=words)})
        anchor.string = "#"
        wrap.append(anchor)
        out.append((int(h.name[1]), h["id"], words))
    return out


def toc_html(sections: list[tuple[int, str, str]], lang: str) -> str:
    """The "on this page" list: a sticky column on wide screens, a closed menu on narrow ones."""
    if len(sections) < MIN_TOC:
        return ""
    out, in_sub = ["<ol>"], False
    for i, (level, anchor, words) in enumerate(sections):
        link = f'<a href="#{html.escape(anchor)}">{html.escape(words)}</a>'
        if level == 3 and i:
            if not in_sub:
                out.append("<ol>")
                in_sub = True
            out.append(f"<li>{link}</li>")
            continue
        if in_sub:
            out.append("</ol>")
            in_sub = False
        out.append(("</li>" if i else "") + f"<li>{link}")
    out.append(("</ol>" if in_sub else "") + "</li></ol>")
    listing = "".join(out)
    label = html.escape(text.common("nav.on_this_page", lang))
    return (f'<nav class="sk-toc sk-toc-wide" aria-label="{label}"><p class="sk-toc-title">{label}</p>{listing}</nav>'
            f'<details class="sk-toc sk-toc-narrow"><summary>{label}</summary>'
            f'<nav aria-label="{label}">{listing}</nav></details>')


def finish(page: str, lang: str, *, link_glossary: bool = True, toc: bool = True) -> str:
    """The page with heading anchors, its "on this page" list and glossary links (see above)."""
    m = _MAIN.search(page)
    if m is None:
        return page.replace(TOC_SLOT, "")
    uris: list[str] = []

    def keep(u: re.Match) -> str:
        uris.append(u.group(0))
        return f'"sk-data:{len(uris) - 1}"'

    soup = BeautifulSoup(_DATA_URI.sub(keep, m.group(0)), "html.parser")
    main = soup.find("main")
    sections = _sections(main, soup, lang)
    if link_glossary:
        glossary.link_terms(main, soup, lang)
    listing = toc_html(sections, lang) if toc else ""
    body = re.sub(r'"sk-data:(\d+)"', lambda u: uris[int(u.group(1))], str(main))
    return page[:m.start()].replace(TOC_SLOT, listing) + body + page[m.end():]


_CELL_ANCHOR = re.compile(r' id="cell-id=[^"]*"')


def tidy_html(text: str) -> str:
    """Drop cell anchors, trailing spaces and runs of blank lines (cosmetic, deterministic)."""
    text = _CELL_ANCHOR.sub("", text)
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


__all__ = ["finish", "toc_html", "heading_id", "tidy_html", "MIN_TOC"]
