"""The glossary: its terms, its page, and the links from each term's first use on a page.

The terms live in the text layer (``report/text/<lang>/glossary.yaml``: ``terms.<key>.term``,
``.other`` — the term in the other language —, ``.definition`` and ``.match``). ``match``
lists the word forms that count as a use of the term, separated by ``|``; a trailing ``*``
stands for any ending (``designeffekt*`` matches *designeffekten*), a hyphen also matches
an en dash, and a form written in capitals only (``MDD``) must match in capitals.

:func:`link_terms` is run by the exporter over every page's ``<main>``: the first use of each
term links to its entry (``glossary.html#g-<key>``), so chapter writers need not do it.
Headings, links, code, tables, quotations and navigation are left alone.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass

from bs4 import NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from . import text

PAGE = "glossary"
#: Elements whose text never becomes a glossary link.
SKIP = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style", "summary",
                  "button", "label", "table", "blockquote", "nav", "title", "dfn", "svg", "figcaption"})
#: Elements (by class) whose text never becomes a glossary link.
SKIP_CLASSES = frozenset({"sk-no-gloss", "sk-notice", "sk-twin"})


@dataclass(frozen=True)
class Term:
    """One entry of the glossary in one language."""

    key: str
    term: str
    other: str
    definition: str
    patterns: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return "g-" + self.key.replace("_", "-")


def sort_key(word: str, lang: str) -> str:
    """Alphabetical order of the language: Norwegian puts æ, ø, å after z; accents and
    leading quotation marks do not count."""
    w = word.lower().lstrip("«“\"'(")
    if lang == "nb":
        w = w.replace("æ", "{").replace("ø", "|").replace("å", "}")
    w = unicodedata.normalize("NFD", w)
    return "".join(ch for ch in w if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=None)
def terms(lang: str) -> tuple[Term, ...]:
    """Every term of the glossary in ``lang``, in alphabetical order."""
    entries = text.section(PAGE, "terms", lang)
    keys = sorted({k.split(".")[0] for k in entries})
    out = [Term(key=k, term=entries[f"{k}.term"], other=entries[f"{k}.other"],
                definition=entries[f"{k}.definition"],
                patterns=tuple(p.strip() for p in entries[f"{k}.match"].split("|") if p.strip()))
           for k in keys]
    return tuple(sorted(out, key=lambda t: sort_key(t.term, lang)))


def _pattern(form: str) -> str:
    star = form.endswith("*")
    body = form[:-1] if star else form
    rx = ""
    for ch in body:
        if ch in "-\u2013\u2011":
            rx += "[-\u2013\u2011]"
        elif ch == " ":
            rx += r"\s+"
        elif ch in "'\u2019":
            rx += "['\u2019]"
        else:
            rx += re.escape(ch)
    rx += r"\w*" if star else r"(?!\w)"
    if body.upper() == body and any(c.isalpha() for c in body):
        rx = f"(?-i:{rx})"           # an abbreviation matches in capitals only
    return rx


@functools.lru_cache(maxsize=None)
def matcher(lang: str) -> re.Pattern:
    """One expression finding any term's forms; the group name says which term (``t_<key>``)."""
    groups = []
    for t in sorted(terms(lang), key=lambda t: -max(len(p) for p in t.patterns)):
        forms = sorted(t.patterns, key=len, reverse=True)
        groups.append(f"(?P<t_{t.key}>{'|'.join(_pattern(p) for p in forms)})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(groups) + ")", re.IGNORECASE)


def _skipped(node: NavigableString, stop: Tag) -> bool:
    for parent in node.parents:
        if parent is stop or parent is None:
            return False
        if parent.name in SKIP or SKIP_CLASSES & set(parent.get("class") or ()):
            return True
    return False


def link_terms(root: Tag, soup, lang: str, href: str = f"{PAGE}.html") -> list[str]:
    """Link the first use of each glossary term in ``root`` to its entry; return the keys linked.

    ``soup`` is the document ``root`` belongs to (to make the new ``<a>`` elements).
    """
    rx = matcher(lang)
    anchors = {t.key: t.anchor for t in terms(lang)}
    linked: list[str] = []
    plain = (Comment, Declaration, Doctype, ProcessingInstruction)
    for node in list(root.find_all(string=True)):
        if isinstance(node, plain) or not node.strip() or _skipped(node, root):
            continue
        value, pos, pieces = str(node), 0, []
        for m in rx.finditer(value):
            key = m.lastgroup[2:]
            if key in linked:
                continue
            linked.append(key)
            pieces.append(value[pos:m.start()])
            a = soup.new_tag("a", attrs={"class": "sk-term", "href": f"{href}#{anchors[key]}"})
            a.string = m.group(0)
            pieces.append(a)
            pos = m.end()
        if not pieces:
            continue
        pieces.append(value[pos:])
        for piece in pieces:
            if isinstance(piece, str):
                if piece:
                    node.insert_before(NavigableString(piece))
            else:
                node.insert_before(piece)
        node.extract()
        if len(linked) == len(anchors):
            break
    return linked


#: Terms that describe the demonstration data: in the glossary only when the data are synthetic.
SYNTHETIC_ONLY = frozenset({"synthetic_data"})


def glossary_html(lang: str, synthetic: bool = True) -> str:
    """The body of the glossary page: title, introduction and every term with its definition
    (the terms of :data:`SYNTHETIC_ONLY` only when the build's data are ``synthetic``)."""
    other = html.escape(text.get(PAGE, "other_label", lang))
    other_lang = next(x for x in text.LANGS if x != lang)
    items = []
    for t in terms(lang):
        if t.key in SYNTHETIC_ONLY and not synthetic:
            continue
        items.append(
            f'<div class="sk-gloss-entry" id="{t.anchor}"><dt><dfn>{text.to_html(t.term, inline=True)}</dfn></dt>'
            f'<dd><p class="sk-gloss-other">{other} <span lang="{other_lang}">{html.escape(t.other)}</span></p>'
            f"{text.to_html(t.definition)}</dd></div>")
    return (f'<h1 id="top">{html.escape(text.get(PAGE, "title", lang))}</h1>\n'
            f"{text.to_html(text.get(PAGE, 'intro', lang))}\n"
            f'<dl class="sk-glossary">\n' + "\n".join(items) + "\n</dl>")


__all__ = ["Term", "terms", "matcher", "link_terms", "glossary_html", "sort_key", "PAGE", "SYNTHETIC_ONLY"]
