"""Readers' names for the data's codes: groups, domains, tests, effects, answer levels, headers.

The data carry codes (``"< 5 000"``, ``"fylkeskommune"``, ``3``, ``rao_scott_f``,
``diff_prop:True``, ``dont_know``); a page shows ``under 5 000 innbyggere`` / ``under 5,000
inhabitants``, ``fylkeskommuner`` / ``county municipalities``, ``Rao–Scotts F-test`` /
``Rao–Scott F test``, ``Vet ikke`` / ``Don't know``. Numbers inside labels follow the locale.

Where the words live:

* groups and domains: ``common.yaml`` (``size_class.*``, ``unit_type.*``, ``centrality.*``,
  ``region.*``, ``domain.*``);
* the vocabulary of tables and figures: ``tables.yaml`` (``header.*`` column headers of the
  result tables, ``test.*``, ``comparison.*``, ``contrast.*``, ``effect_measure.*``,
  ``level.*``, ``legend.*``, ``axis.*``, ``note.*``);
* the questionnaire's words (questions, options, answer levels, areas): the codebook.

Examples::

    labels.test_name("rao_scott_f", "nb")                    # 'Rao–Scotts F-test'
    labels.effect_measure("diff_prop:True", "en")            # 'Difference in the share ticking ...'
    labels.effect_measure("diff_prop:yes", "nb", codebook, "a1_uses_some")
    labels.level(codebook, "b2_benefit", "dont_know", "nb")   # 'Vet ikke'
    labels.boolean(True, "nb")                               # 'Ja'  (never Python's True)
    labels.header("p_adjusted", "nb")                        # 'Justert p-verdi'
    labels.header("population_2015", "nb", page="00_population")  # the chapter's own header
    labels.pair("[≥ 20 000 - < 5 000]", "nb")               # '20 000 og flere minus under 5 000'
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


# -- the vocabulary of tables and figures (tables.yaml) ---------------------------------------
#: The text-layer page holding the vocabulary of tables and figures.
TABLES = "tables"
DONT_KNOW = "dont_know"
#: Levels of the estimates schema that are not answer levels of the codebook.
DERIVED_LEVELS = ("dont_know", "top2", "mean_score", "mean")


def vocab(key: str, lang: str, **values: Any) -> str:
    """A text of ``tables.yaml`` (``vocab("legend.significant", "nb", alpha=0.05)``)."""
    return text.get(TABLES, key, lang, **values)


def header(name: str, lang: str, page: str | None = None) -> str:
    """The column header of ``name``: the chapter's ``header.<name>`` (``page``) if it has one,
    else the shared ``tables.yaml`` one; a column without either is an error, never shown raw."""
    for where in ([page] if page else []) + [TABLES]:
        if text.has(where, f"header.{name}", lang):
            return text.get(where, f"header.{name}", lang)
    pages = f"report/text/{lang}/{page}.yaml or " if page else ""
    raise text.TextError(f"no column header for {name!r}: add header.{name} to {pages}"
                         f"report/text/{lang}/{TABLES}.yaml (both languages), or rename the column")


def test_name(code: Any, lang: str) -> str:
    """``rao_scott_f`` -> ``Rao–Scotts F-test`` / ``Rao–Scott F test`` (docs/methods.md §5)."""
    return vocab(f"test.{code}", lang)


def comparison(code: Any, lang: str) -> str:
    """A ``comparison`` of the tests schema in words (``unit_type`` -> ``Fylkeskommuner og kommuner``)."""
    return vocab(f"comparison.{code}", lang)


def contrast(code: Any, lang: str) -> str:
    """The pre-specified contrast of a comparison (``size_class`` -> ``største minus minste ...``)."""
    return vocab(f"contrast.{code}", lang)


def boolean(value: Any, lang: str) -> str:
    """A yes/no value as a word (``Ja`` / ``Yes``), never Python's ``True``."""
    if isinstance(value, str):
        value = {"true": True, "false": False}.get(value.strip().lower(), value)
    if value is True or value is False or (hasattr(value, "dtype") and str(getattr(value, "dtype")) == "bool"):
        return vocab(f"level.{str(bool(value)).lower()}", lang)
    raise ValueError(f"not a yes/no value: {value!r}")


def level(codebook: Any, item: str, key: Any, lang: str) -> str:
    """An answer level of the estimates or tests schema: a codebook level (``yes`` -> ``Ja``),
    an option ticked (``True``), or a derived level (``dont_know``, ``top2``, ``mean_score``)."""
    k = str(key)
    if k in DERIVED_LEVELS:
        return vocab(f"level.{k}", lang)
    if k in ("True", "true"):
        return vocab("level.ticked", lang)
    if k in ("False", "false"):
        return vocab("level.not_ticked", lang)
    if codebook is None:
        raise ValueError(f"level {k!r} of {item!r} needs the codebook to be named")
    return codebook.level_label(item.split("__")[0], k, lang)


def item(codebook: Any, column: str, lang: str) -> str:
    """A question (``a1_uses_some``) or an option column (``a2_channels__facebook``) in words."""
    return codebook.label(column, lang)


def area(codebook: Any, number: Any, lang: str) -> str:
    """A questionnaire area by its number (``1`` -> ``Bruk av sosiale medier``)."""
    return codebook.area_label(int(number), lang)


def _split_pair(measure: str) -> tuple[str, str | None]:
    m = re.fullmatch(r"(.*?)\s*\[(.*)\]\s*", str(measure))
    return (m.group(1), m.group(2)) if m else (str(measure), None)


def pair(code: str, lang: str) -> str:
    """A pairwise contrast ``[≥ 20 000 - < 5 000]`` -> ``20 000 og flere minus under 5 000``."""
    inner = _split_pair(f"x {code}")[1] if "[" in str(code) else str(code)
    a, sep, b = str(inner).partition(" - ")
    if not sep:
        raise ValueError(f"not a pair 'a - b': {code!r}")
    return vocab("contrast.pair", lang, a=size_class(a.strip(), lang, short=True),
                 b=size_class(b.strip(), lang, short=True))


def effect_measure(measure: str, lang: str, codebook: Any = None, item: str | None = None) -> str:
    """An ``effect_measure`` of the tests schema in words (docs/contracts.md §6).

    ``diff_prop:True`` (an option ticked) needs nothing else; ``diff_prop:<level>`` of a
    single-choice item needs ``codebook`` and ``item`` to name the level. A pairwise suffix
    ``[a - b]`` is dropped here (see :func:`pair`).
    """
    base, _ = _split_pair(measure)
    if base.startswith("diff_prop:"):
        lev = base.split(":", 1)[1]
        if lev in ("True", "true"):
            return vocab("effect_measure.diff_prop_ticked", lang)
        return vocab("effect_measure.diff_prop", lang, level=level(codebook, item or "", lev, lang))
    if base in ("diff_mean_score", "diff_mean"):
        return vocab(f"effect_measure.{base}", lang)
    raise ValueError(f"unknown effect measure {measure!r} (docs/contracts.md §6)")


def is_proportion(measure: str) -> bool:
    """Is the effect a difference of proportions (shown in percentage points)?"""
    return str(measure).startswith("diff_prop")


__all__ = ["size_class", "unit_type", "centrality", "region", "group", "domain", "Label", "TABLES",
           "vocab", "header", "test_name", "comparison", "contrast", "boolean", "level", "item", "area",
           "pair", "effect_measure", "is_proportion", "DERIVED_LEVELS"]
