"""The published claims and figures the key findings are set against: ``<raw>/published_claims.yaml``.

The file is data, not code: each claim names its source (publisher, title, date, address),
quotes the sentence as published — in the language it was published in, bokmål or nynorsk —
or says ``quote: null`` when the readable copy of the source does not carry it, and gives the
figures the contents page compares the project's estimates with (``share`` on 0–1, or
``count`` of ``of``). The page cites each claim with its source; what the claim says in the
reader's language is the text layer's (``index.yaml``: ``claim.<id>``).

A missing file is not an error (a raw folder of real exports may leave it out): the findings
then show no published comparison. A malformed file is, naming the file and the claim.
"""
from __future__ import annotations

import datetime as _dt
import html
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml
from babel.dates import format_skeleton

from sosiale_kommuner.config import Paths

from . import text
from .text.formats import LOCALES

#: Inside the raw folder.
CLAIMS_FILE = "published_claims.yaml"
QUOTE_LANGS = ("nb", "nn")


class ClaimsError(ValueError):
    """``published_claims.yaml`` is not as described in this module's docstring."""


@dataclass(frozen=True)
class Source:
    key: str
    publisher: str
    title: str
    date: str
    url: str = ""

    def date_text(self, lang: str) -> str:
        """``13. februar 2014`` / ``13 February 2014``; ``april 2011``; ``2014``."""
        parts = [int(p) for p in self.date.split("-")]
        if len(parts) == 1:
            return str(parts[0])
        d = _dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
        return format_skeleton("yMMMMd" if len(parts) > 2 else "yMMMM", d, locale=LOCALES[lang])


@dataclass(frozen=True)
class Claim:
    key: str
    source: Source
    quote: str | None
    language: str
    figures: Mapping[str, Any] = field(default_factory=dict)

    def figure(self, name: str) -> float:
        if name not in self.figures:
            raise ClaimsError(f"{CLAIMS_FILE}: claim {self.key!r} has no figure {name!r}")
        return self.figures[name]

    def share(self) -> float:
        """The claim's share: ``share``, or ``count / of``."""
        if "share" in self.figures:
            return float(self.figures["share"])
        return float(self.figure("count")) / float(self.figure("of"))


def _source(key: str, spec: Any) -> Source:
    if not isinstance(spec, Mapping) or not {"publisher", "title", "date"} <= set(spec):
        raise ClaimsError(f"{CLAIMS_FILE}: source {key!r} needs publisher, title and date")
    date = str(spec["date"])
    try:
        parts = [int(p) for p in date.split("-")]
        if not 1 <= len(parts) <= 3:
            raise ValueError
        _dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ClaimsError(f"{CLAIMS_FILE}: source {key!r}: date must be YYYY, YYYY-MM or YYYY-MM-DD, "
                          f"not {date!r}") from None
    return Source(key, str(spec["publisher"]), str(spec["title"]), date, str(spec.get("url") or ""))


def parse_claims(doc: Any) -> dict[str, Claim]:
    """Claims by id from the parsed YAML document (checks every claim)."""
    if not isinstance(doc, Mapping):
        raise ClaimsError(f"{CLAIMS_FILE}: expected a mapping with 'sources' and 'claims'")
    sources = {k: _source(k, v) for k, v in (doc.get("sources") or {}).items()}
    out = {}
    for key, spec in (doc.get("claims") or {}).items():
        if not isinstance(spec, Mapping) or spec.get("source") not in sources:
            raise ClaimsError(f"{CLAIMS_FILE}: claim {key!r} must name one of the sources {sorted(sources)}")
        lang = str(spec.get("language", "nb"))
        if lang not in QUOTE_LANGS:
            raise ClaimsError(f"{CLAIMS_FILE}: claim {key!r}: language must be one of {QUOTE_LANGS}")
        figures = spec.get("figures") or {}
        if not isinstance(figures, Mapping) or not all(isinstance(v, (int, float)) for v in figures.values()):
            raise ClaimsError(f"{CLAIMS_FILE}: claim {key!r}: figures must map names to numbers")
        quote = spec.get("quote")
        out[key] = Claim(key, sources[spec["source"]], " ".join(str(quote).split()) if quote else None,
                         lang, dict(figures))
    return out


def load_claims(paths: Paths) -> dict[str, Claim]:
    """The claims of ``<raw>/published_claims.yaml``; {} when the file is absent."""
    path = paths.raw / CLAIMS_FILE
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ClaimsError(f"{CLAIMS_FILE}: not valid YAML ({exc})") from None
    return parse_claims(doc)


def cite_html(claim: Claim, lang: str, **values: Any) -> str:
    """The claim in the reader's language, its quotation as published, and its source."""
    esc = html.escape
    said = text.get("index", f"claim.{claim.key}", lang, **{**claim.figures, **values}) \
        if text.has("index", f"claim.{claim.key}", lang) else ""
    s = claim.source
    title = f'<a href="{esc(s.url)}" hreflang="nb">{esc(s.title)}</a>' if s.url else esc(s.title)
    source = f'<span lang="nb">{esc(s.publisher)}</span>: <cite lang="nb">{title}</cite>, {esc(s.date_text(lang))}'
    if claim.quote:
        quote = (f'<blockquote class="sk-quote" lang="{claim.language}"><p>«{esc(claim.quote)}»</p></blockquote>')
    else:
        quote = f'<p class="sk-quote-missing">{esc(text.get("index", "finding.no_quote", lang))}</p>'
    return (f'<div class="sk-claim"><p class="sk-claim-said">{text.to_html(said, inline=True)}</p>'
            f'{quote}<p class="sk-claim-source">— {source}</p></div>')


__all__ = ["Claim", "Source", "ClaimsError", "load_claims", "parse_claims", "cite_html", "CLAIMS_FILE"]
