"""Numbers, percentages, intervals, dates and lists in the reader's language (Babel).

Norwegian bokmål writes ``4 989 702``, ``0,52``, ``52 %``, ``76–86`` and ``1. januar 2013``;
English ``4,989,702``, ``0.52``, ``52%``, ``76–86`` and ``1 January 2013``. Every number a
reader sees — in prose, table cells, captions and figure axes — goes through :func:`fmt`
with one of the format names below, so both editions follow their locale's rules.

=============  ===========================================  =============  ============
name           value                                        nb             en
=============  ===========================================  =============  ============
``int``        a count                                      ``4 989 702``  ``4,989,702``
``num``..      a number with 0–3 decimals (``num2``)        ``0,52``       ``0.52``
``pct``..      a proportion 0–1 as percent (``pct1``)       ``52 %``       ``52%``
``pctn``..     a proportion as a bare percent number        ``52``         ``52``
``pp``..       a difference of proportions, signed points   ``+25``        ``+25``
``ci``..       an interval (lo, hi) of proportions, points  ``76–86``      ``76–86``
``cinum``..    an interval (lo, hi) of numbers              ``0,52–0,61``  ``0.52–0.61``
``signed``..   a signed number (``signed2``)                ``−0,05``      ``−0.05``
``p``          a p-value                                    ``0,046``      ``0.046``
``date``       a date                                       ``1. januar 2013``
``list``       a list of words, joined                      ``a, b og c``  ``a, b and c``
=============  ===========================================  =============  ============

A trailing digit sets the decimals (``pct1``, ``num3``, ``ci1``); the default is 0 for
percentages and points, 2 for numbers. Minus signs are typographic (U+2212).
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

LANGS = ("nb", "en")
#: Babel locale of each language: Norway's bokmål, and British English (``1 January 2013``).
LOCALES = {"nb": "nb_NO", "en": "en_GB"}
MINUS = "\u2212"
EN_DASH = "\u2013"

_SPEC = re.compile(r"^(?P<name>[a-z]+)(?P<digits>\d)?$")
_DEFAULT_DIGITS = {"num": 2, "pct": 0, "pctn": 0, "pp": 0, "ci": 0, "cinum": 2, "signed": 2}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, not {lang!r}")
    return lang


def locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[check_lang(lang)])


def _decimal(x: float, digits: int, lang: str, group: bool = True) -> str:
    pattern = "#,##0" if group else "0"
    if digits:
        pattern += "." + "0" * digits
    text = format_decimal(round(float(x), digits) + 0.0, format=pattern, locale=LOCALES[lang])
    return text.replace("-", MINUS)


def number(x: Any, digits: int = 2, lang: str = "nb") -> str:
    """``x`` with ``digits`` decimals, grouped (``4 989 702,00`` / ``4,989,702.00``)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return EN_DASH
    return _decimal(x, digits, check_lang(lang))


def integer(x: Any, lang: str = "nb") -> str:
    """A count: ``4 989 702`` (nb, with no-break spaces) / ``4,989,702`` (en)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return EN_DASH
    return _decimal(round(float(x)), 0, check_lang(lang))


def percent(p: Any, digits: int = 0, lang: str = "nb", sign: bool = True) -> str:
    """A proportion (0–1) as a percentage: ``52 %`` (nb) / ``52%`` (en); ``sign=False``: ``52``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return EN_DASH
    text = _decimal(100.0 * float(p), digits, check_lang(lang))
    if not sign:
        return text
    return f"{text}\u00a0%" if lang == "nb" else f"{text}%"


def signed(x: Any, digits: int = 2, lang: str = "nb") -> str:
    """A signed number: ``+0,05`` / ``−0,05`` (zero has no sign)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return EN_DASH
    text = _decimal(abs(float(x)), digits, check_lang(lang))
    if round(float(x), digits) == 0:
        return text
    return ("+" if float(x) > 0 else MINUS) + text


def points(d: Any, digits: int = 0, lang: str = "nb") -> str:
    """A difference of proportions (0–1) in signed percentage points: ``+25`` / ``−3``."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return EN_DASH
    return signed(100.0 * float(d), digits, lang)


def interval(lo: Any, hi: Any, digits: int = 0, lang: str = "nb", scale: float = 100.0) -> str:
    """``lo–hi`` with an en dash; proportions are shown as percent numbers (``76–86``)."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (lo, hi)):
        return EN_DASH
    a = _decimal(scale * float(lo), digits, check_lang(lang))
    b = _decimal(scale * float(hi), digits, lang)
    return f"{a}{EN_DASH}{b}"


def p_value(p: Any, lang: str = "nb") -> str:
    """A p-value: three decimals, ``< 0,001`` below that (nb) / ``< 0.001`` (en)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return EN_DASH
    p = float(p)
    if p < 0.001:
        return f"<\u00a0{_decimal(0.001, 3, check_lang(lang))}"
    return _decimal(p, 3, check_lang(lang))


def date(d: _dt.date | str, lang: str = "nb") -> str:
    """A date in words: ``1. januar 2013`` / ``1 January 2013``."""
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d)
    return format_date(d, format="long", locale=LOCALES[check_lang(lang)])


def join(words, lang: str = "nb") -> str:
    """``a, b og c`` / ``a, b and c``."""
    words = [str(w) for w in words]
    if not words:
        return ""
    return format_list(words, locale=LOCALES[check_lang(lang)])


def fmt(value: Any, spec: str, lang: str) -> str:
    """Format ``value`` by a format name of the table above (the ``{x:pct1}`` of a text)."""
    m = _SPEC.match(spec)
    if not m:
        raise ValueError(f"unknown number format {spec!r}")
    name, digits = m.group("name"), m.group("digits")
    d = int(digits) if digits is not None else _DEFAULT_DIGITS.get(name, 0)
    if name == "int":
        return integer(value, lang)
    if name == "num":
        return number(value, d, lang)
    if name == "pct":
        return percent(value, d, lang)
    if name == "pctn":
        return percent(value, d, lang, sign=False)
    if name == "pp":
        return points(value, d, lang)
    if name == "signed":
        return signed(value, d, lang)
    if name in ("ci", "cinum"):
        lo, hi = value
        return interval(lo, hi, d, lang, scale=100.0 if name == "ci" else 1.0)
    if name == "p":
        return p_value(value, lang)
    if name == "date":
        return date(value, lang)
    if name == "list":
        return join(value, lang)
    raise ValueError(f"unknown number format {spec!r}")
