"""Readers' names for the data's codes: size classes, unit types, regions, centrality, domains.

The data carry codes (``"< 5 000"``, ``"fylkeskommune"``, ``3``); a page shows
``under 5 000 innbyggere`` / ``under 5,000 inhabitants``, ``fylkeskommuner`` / ``county
municipalities``, ``Sentrale kommuner`` / ``Central municipalities``. The words are the text
layer's (``common.yaml``: ``size_class.*``, ``unit_type.*``, ``centrality.*``, ``region.*``,
``domain.*``); numbers inside labels follow the locale.
"""
from __future__ import annotations

import re
from typing import Any

from . import text

_NUMBER = r"(\d[\d\s\u00a0\u202f]*)"


def _int(s: str) -> int:
    return int(re.sub(r"\D", "", s))


def size_class(code: Any, lang: str, short: bool = False) -> str:
    """``"< 5 000"`` -> ``under 5 000 innbyggere`` / ``under 5,000 inhabitants``.

    ``short=True`` leaves out the word for inhabitants (table cells under a header that says it).
    """
    code = str(code)
    key = "size_class.short" if short else "size_class"
    if m := re.fullmatch(rf"<\s*{_NUMBER}", code):
        return text.common(f"{key}.below", lang, n=_int(m.group(1)))
    if m := re.fullmatch(rf"(?:≥|>=)\s*{_NUMBER}", code):
        return text.common(f"{key}.from", lang, n=_int(m.group(1)))
    if m := re.fullmatch(rf"{_NUMBER}\s*[–-]\s*{_NUMBER}", code):
        return text.common(f"{key}.between", lang, a=_int(m.group(1)), b=_int(m.group(2)))
    if " + " in code:  # merged cells of a raking margin
        return " + ".join(size_class(part, lang, short) for part in code.split(" + "))
    return code


def unit_type(code: Any, lang: str, plural: bool = True) -> str:
    """``kommune`` -> ``kommuner`` / ``municipalities`` (``plural=False``: ``kommune``)."""
    return text.common(f"unit_type.{code}.{'plural' if plural else 'one'}", lang)


def centrality(code: Any, lang: str) -> str:
    """SSB's 2008 centrality class 0–3 -> its name (``Sentrale kommuner`` / ``Central municipalities``)."""
    return text.common(f"centrality.c{int(float(code))}", lang)


def region(code: Any, lang: str) -> str:
    """A NUTS-2 region by its Norwegian name (kept as a proper name in both editions)."""
    key = f"region.{re.sub(r'[^a-z]', '_', str(code).lower())}"
    return text.common(key, lang) if text.has(text.COMMON, key, lang) else str(code)


def group(domain: str, code: Any, lang: str) -> str:
    """The name of a domain's group, whatever the domain."""
    if domain == "size_class":
        return size_class(code, lang)
    if domain == "unit_type":
        return unit_type(code, lang)
    if domain == "centrality":
        return centrality(code, lang)
    if domain == "region":
        return region(code, lang)
    if domain == "all" or str(code) == "all":
        return text.common("domain.all", lang)
    return str(code)


def domain(name: str, lang: str) -> str:
    """``size_class`` -> ``kommunestørrelse`` / ``size class``."""
    return text.common(f"domain.{name}", lang)


class Label(text.Localized):
    """A group's code printed in the reader's language inside a text (``{first_class}``)."""

    def __init__(self, domain: str, code: Any):
        super().__init__(lambda lang: group(domain, code, lang))


__all__ = ["size_class", "unit_type", "centrality", "region", "group", "domain", "Label"]
