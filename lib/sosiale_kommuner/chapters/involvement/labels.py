"""Chapter 10's words for its codes, read from the text layer (``report/text/<lang>/10_involvement.yaml``):
model terms (:func:`term_label`), practice types (:func:`practice_label`) and the groups of the
estimates' domains (:func:`group_label`, the shared :func:`sosiale_kommuner.report.labels.group`)."""
from __future__ import annotations

from typing import Any

from sosiale_kommuner.report import labels, text

from .variables import CENTRALITY_REFERENCE, SIZE_REFERENCE, STEM


def t(key: str, lang: str, **values: Any) -> str:
    """The chapter's text ``key`` in ``lang`` (Markdown), filled in with ``values``."""
    return text.get(STEM, key, lang, **values)


def term_label(term: str, lang: str) -> str:
    """A model column in words: ``size_class=≥ 20 000`` -> "20 000 innbyggere og flere (mot under 5 000)",
    ``centrality=3`` -> "Sentrale kommuner (mot minst sentrale)", ``strategy_adopted`` -> "Vedtatt strategi"."""
    if term.startswith("size_class="):
        level = term.split("=", 1)[1]
        return t("term.size_class", lang, level=labels.size_class(level, lang),
                 reference=labels.size_class(SIZE_REFERENCE, lang, short=True))
    if term.startswith("centrality="):
        k = term.split("=", 1)[1]
        return t("term.centrality", lang, level=labels.centrality(k, lang),
                 reference=labels.centrality(CENTRALITY_REFERENCE, lang).lower())
    key = "intercept" if term == "(Intercept)" else term
    if text.has(STEM, f"term.{key}", lang):
        return t(f"term.{key}", lang)
    raise text.TextError(f"no words for model term {term!r}: add term.{key} to report/text/{lang}/{STEM}.yaml")


def practice_label(level: str, lang: str) -> str:
    """A practice type (``none``, ``informing``, ``consulting``, ``co_creating``) in words."""
    return t(f"practice.{level}", lang)


def group_label(domain: str, group: Any, lang: str) -> str:
    """A group of the estimates' domains in words, capitalised as a label of its own."""
    words = labels.group(domain, group, lang)
    return words[:1].upper() + words[1:]


__all__ = ["t", "term_label", "practice_label", "group_label"]
