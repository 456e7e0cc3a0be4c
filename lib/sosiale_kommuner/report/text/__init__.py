"""The text layer: every reader-facing sentence of the report, in bokmål and in English.

The questionnaire's own words (questions, options, answer levels) live in the codebook
(``data/raw/survey/codebook.yaml``); everything else a reader meets — chapter titles,
introductions, closing texts, headings, captions, axis titles, table headers, notes, the
glossary, the index page — lives here, one YAML file per page and language::

    report/text/nb/09_size_differences.yaml      report/text/en/09_size_differences.yaml
    report/text/nb/common.yaml                   report/text/en/common.yaml

A file maps keys to Markdown strings (nested mappings are joined with dots:
``caption.forest``). Values are filled in with ``{name}`` or ``{name:format}``, where the
format is one of :mod:`.formats`'s names (``{share:pct}`` → ``52 %`` / ``52%``) or a plural
choice ``{n:plural(kommune|kommuner)}``. Both languages must have the same keys with the
same placeholders (``tests/report/test_text.py`` fails otherwise). The Norwegian is written
as a Norwegian editor would write it, not translated word for word.

To add a string: add the key with its text to ``nb/<page>.yaml`` and to ``en/<page>.yaml``,
then use it: ``text.get("09_size_differences", "intro", lang, n=...)`` or, in a chapter,
``page.text("intro", n=...)`` (:class:`sosiale_kommuner.report.editions.ChapterPage`).
"""
from __future__ import annotations

import functools
import re
import string
from pathlib import Path
from typing import Any, Mapping

import mistune
import yaml

from .formats import LANGS, check_lang, fmt, integer

TEXT_DIR = Path(__file__).resolve().parent
COMMON = "common"
_PLURAL = re.compile(r"^plural\((?P<one>[^|()]*)\|(?P<other>[^|()]*)\)$")


class TextError(KeyError):
    """A text is missing, or its placeholders do not match the values given."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def _flatten(doc: Mapping, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, str):
            out[name] = value.rstrip("\n")
        else:
            raise TextError(f"text {name!r} must be a string, not {type(value).__name__}")
    return out


@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, dict[str, str]]:
    """Every page's texts in ``lang``: ``{page: {key: text}}``."""
    folder = TEXT_DIR / check_lang(lang)
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
        if not isinstance(doc, Mapping):
            raise TextError(f"report/text/{lang}/{path.name}: expected a mapping of keys to texts")
        out[path.stem] = _flatten(doc)
    return out


def has(page: str, key: str, lang: str) -> bool:
    return key in catalogue(lang).get(page, {})


def raw(page: str, key: str, lang: str) -> str:
    """The text of ``key`` on ``page`` before its values are filled in."""
    try:
        return catalogue(lang)[page][key]
    except KeyError:
        raise TextError(f"no text {key!r} in report/text/{lang}/{page}.yaml") from None


class _Formatter(string.Formatter):
    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, spec: str) -> str:
        localize = getattr(value, "localize", None)
        if callable(localize):
            return localize(self.lang, spec)
        if m := _PLURAL.match(spec):
            return m.group("one") if int(value) == 1 else m.group("other")
        if spec:
            return fmt(value, spec, self.lang)
        if isinstance(value, bool):
            raise TextError("a yes/no value cannot be printed; choose a text for each case")
        if isinstance(value, int):
            return integer(value, self.lang)
        if isinstance(value, float):
            raise TextError(f"a number ({value!r}) needs a format: {{x:num2}}, {{x:pct}}, ...")
        return str(value)


class Localized:
    """A value written differently in each language (``make(lang) -> str``), for a placeholder."""

    def __init__(self, make):
        self.make = make

    def localize(self, lang: str, spec: str = "") -> str:
        return self.make(lang)


def fields(template: str) -> set[str]:
    """The placeholder names of a text (``{n:int} of {total}`` → ``{"n", "total"}``)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template)
            if name}


def fill(template: str, lang: str, values: Mapping[str, Any], where: str = "") -> str:
    """A text with its placeholders filled in, numbers formatted for ``lang``."""
    missing = fields(template) - set(values)
    if missing:
        raise TextError(f"{where or 'text'}: no value given for {sorted(missing)}")
    return _Formatter(lang).vformat(template, (), dict(values))


def get(page: str, key: str, lang: str, **values: Any) -> str:
    """The text ``key`` of ``page`` in ``lang``, filled in with ``values`` (Markdown)."""
    return fill(raw(page, key, lang), lang, values, where=f"report/text/{lang}/{page}.yaml: {key}")


def section(page: str, prefix: str, lang: str) -> dict[str, str]:
    """Every text of ``page`` under ``prefix.`` (e.g. a table's column headers), unfilled."""
    cut = len(prefix) + 1
    return {k[cut:]: v for k, v in catalogue(lang).get(page, {}).items() if k.startswith(prefix + ".")}


def common(key: str, lang: str, **values: Any) -> str:
    """A text of ``common.yaml`` (labels shared by every page)."""
    return get(COMMON, key, lang, **values)


_MARKDOWN = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def to_html(markdown: str, inline: bool = False) -> str:
    """Markdown as HTML (deterministic); ``inline=True`` drops the surrounding paragraph."""
    out = _MARKDOWN(markdown).strip()
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def missing() -> list[tuple[str, str, str]]:
    """``(lang, page, key)`` of every text that exists in one language only."""
    cats = {lang: catalogue(lang) for lang in LANGS}
    out = []
    pages = sorted(set().union(*(c.keys() for c in cats.values())))
    for page in pages:
        keys = {lang: set(cats[lang].get(page, {})) for lang in LANGS}
        for lang in LANGS:
            others = set().union(*(keys[o] for o in LANGS if o != lang))
            out += [(lang, page, k) for k in sorted(others - keys[lang])]
    return out


def mismatched_fields() -> list[tuple[str, str, dict[str, set[str]]]]:
    """``(page, key, {lang: fields})`` of texts whose placeholders differ between languages."""
    cats = {lang: catalogue(lang) for lang in LANGS}
    out = []
    for page in sorted(cats[LANGS[0]]):
        for key, template in sorted(cats[LANGS[0]][page].items()):
            per = {lang: fields(cats[lang].get(page, {}).get(key, template)) for lang in LANGS}
            if len({frozenset(v) for v in per.values()}) > 1:
                out.append((page, key, per))
    return out


__all__ = ["LANGS", "TextError", "Localized", "catalogue", "has", "raw", "get", "common", "fill", "fields", "section", "to_html",
           "missing", "mismatched_fields"]
