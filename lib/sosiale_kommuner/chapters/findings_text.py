"""The findings chapters 04–08: what each covers, the groups every question is shown for,
and the values their texts are filled in with.

The five chapters share one pattern. Each estimates every question of its questionnaire
areas (:func:`~.item_estimates.estimate_items`) and publishes the table with disclosure
control (``reports/tables/<stem>__estimates.csv``, docs/contracts.md §6); everything the
chapter shows is drawn from that published table:

* per question (:mod:`.findings_items`): the municipalities as a whole, each size class, and
  the county municipalities, whose estimates rest on few respondents (:func:`shown_groups`);
  "Vet ikke" as its own row, outside the shares;
* the closing text, whose every number is read from the table (:func:`closing_values`) for
  the facts the chapter names (:class:`Fact`).

The words are the text layer's: each chapter's own file (``report/text/<lang>/<stem>.yaml``:
title, introduction, headings, the closing text) and the wording the five chapters share
(``report/text/<lang>/findings.yaml``: how to read the numbers, captions, table rows).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from babel.numbers import format_decimal

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook, Item
from sosiale_kommuner.report import labels, text
from sosiale_kommuner.report.text import formats

from .item_estimates import MEAN, MEAN_SCORE, TOP2, lookup

#: The text-layer page of the wording the findings chapters share.
FINDINGS = "findings"
ALL = ("all", "all")
COUNTY = ("unit_type", FYLKESKOMMUNE)
#: Levels of the estimates table that are not answers a respondent chose.
SUMMARY_LEVELS = (DONT_KNOW, TOP2, MEAN_SCORE, MEAN)


@dataclass(frozen=True)
class Fact:
    """A number the closing text reads, under ``name``: the share (or mean) of ``item``'s
    ``level``, or, with ``level=None``, the options of a multiple-choice ``item`` ranked by
    their share among the municipalities (see :func:`fact_values` for the values each gives)."""

    name: str
    item: str
    level: str | None = None


@dataclass(frozen=True)
class FindingsChapter:
    """One findings chapter: its stem, the questionnaire areas it covers, and its closing facts."""

    stem: str
    areas: tuple[int, ...]
    facts: tuple[Fact, ...] = ()


CHAPTERS: dict[str, FindingsChapter] = {c.stem: c for c in (
    FindingsChapter("04_adoption", (1,), (
        Fact("uses", "a1_uses_some", "yes"), Fact("planned", "a1_uses_some", "planned"),
        Fact("channels", "a1_channels"), Fact("accounts", "a1_n_accounts", MEAN),
        Fact("daily", "a1_post_frequency", "daily"), Fact("information", "a1_dialogue", "information"),
        Fact("central", "a1_responsibility", "central"))),
    FindingsChapter("05_areas_of_use", (2,), (
        Fact("areas", "a2_use_areas"), Fact("crisis_plan", "a2_crisis_plan", "yes"),
        Fact("sectors", "a2_sector_accounts", "central_only"),
        Fact("services", "a2_extent_services", TOP2), Fact("political", "a2_extent_political", TOP2))),
    FindingsChapter("06_strategy_leadership", (3, 4, 5), (
        Fact("adopted", "a3_strategy_status", "adopted"), Fact("in_progress", "a3_strategy_status", "in_progress"),
        Fact("none", "a3_strategy_status", "none"), Fact("goals", "a3_strategy_goals"),
        Fact("evaluated", "a3_strategy_evaluated", "yes"), Fact("formal", "a4_formal_elements"),
        Fact("formalised", "a4_formalisation", TOP2), Fact("admin", "a5_admin_leadership", TOP2),
        Fact("political", "a5_political_leadership", TOP2), Fact("mayor", "a5_mayor_account", "yes"),
        Fact("resources", "a5_resources", TOP2))),
    FindingsChapter("07_benefit_advice", (6, 7), (
        Fact("benefit", "a6_benefit_overall", TOP2), Fact("reputation", "a6_benefit_reputation", TOP2),
        Fact("feedback", "a6_benefit_feedback", TOP2), Fact("development", "a6_benefit_development", TOP2),
        Fact("negative", "a6_negative_experience", "yes"), Fact("need", "a7_need_knowledge", TOP2),
        Fact("forms", "a7_advice_forms"), Fact("sources", "a7_advice_from"),
        Fact("separate", "a7_separate_counties", TOP2))),
    FindingsChapter("08_sharing", (8,), (
        Fact("aware", "a8_aware_others", TOP2), Fact("shared", "a8_shared_experience", TOP2),
        Fact("collaborates", "a8_collaborates", "yes"), Fact("partners", "a8_collab_with"),
        Fact("want", "a8_want_more_knowledge", "yes"))),
)}


# -- the published table --------------------------------------------------------------------------
def read_estimates(path) -> pd.DataFrame:
    """Read a published estimates CSV back (level keys such as ``none`` kept as text)."""
    t = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"level": str, "group": str, "item": str})
    t["suppressed"] = t["suppressed"].astype(str).str.lower().isin(["true", "1"])
    return t


def row(table: pd.DataFrame, item: str, level: str, group: tuple[str, str] = ALL) -> pd.Series | None:
    """The row of (item, level) for ``group`` = (domain, group), or None when the table has none."""
    try:
        return lookup(table, item, level, *group)
    except KeyError:
        return None


def usable(r: pd.Series | None) -> bool:
    """Does the row hold an estimate (present, not suppressed, not empty)?"""
    return r is not None and not bool(r["suppressed"]) and pd.notna(r["estimate"])


def shown_groups(table: pd.DataFrame) -> list[tuple[str, str]]:
    """The groups every question is shown for, as (domain, group): all municipalities, each
    size class (in the table's order) and the county municipalities (those the table has).
    ``unit_type = kommune`` is left out: it is the same estimate as ``all``."""
    sizes = table.loc[table["domain"] == "size_class", "group"].astype(str).drop_duplicates().tolist()
    out = [ALL] if (table["domain"] == "all").any() else []
    out += [("size_class", g) for g in sizes]
    if ((table["domain"] == COUNTY[0]) & (table["group"].astype(str) == COUNTY[1])).any():
        out.append(COUNTY)
    return out


def group_name(group: tuple[str, str], lang: str) -> str:
    """A group's name as a label of its own, with a capital (``Under 5 000 innbyggere``)."""
    domain, code = group
    words = labels.group(domain, code, lang) if domain != "all" else text.common("domain.all", lang)
    return words[:1].upper() + words[1:]


def base_n(table: pd.DataFrame, item: str, group: tuple[str, str]) -> int:
    """The respondents with a substantive answer to ``item`` in ``group`` (0 when none)."""
    t = table[(table["item"] == item) & (table["domain"] == group[0]) & (table["group"].astype(str) == group[1])
              & (table["level"].astype(str) != DONT_KNOW)]
    return int(t["n_unweighted"].max()) if len(t) else 0


# -- words of the questionnaire ------------------------------------------------------------------------
def _sentence(words: str) -> str:
    words = words.strip()
    return words if words[-1:] in ".?!" else f"{words}."


def question_words(cb: Codebook, item: str, lang: str) -> str:
    """The question as the questionnaire asks it (the codebook's label); a closing remark in
    brackets (``(flere svar mulig)``) is left to the caption to say."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", cb.item(item).label(lang)).strip()


def question(cb: Codebook, item: str, lang: str) -> str:
    """:func:`question_words` ending as a sentence (a caption's first)."""
    return _sentence(question_words(cb, item, lang))


def short_name(cb: Codebook, item: str, lang: str) -> str:
    """A question's short name: the export's header in Norwegian, the English description."""
    it = cb.item(item)
    return it.header if lang == "nb" else it.label("en")


def answer(cb: Codebook, item: str, level: str, lang: str) -> str:
    """An answer (level or option) of ``item`` in words, with what the table adds (``top2``, ...)."""
    if level in SUMMARY_LEVELS:
        return labels.vocab(f"level.{level}", lang)
    return cb.item(item).level_label(level, lang)


def answers(it: Item) -> list[str]:
    """The answers of a question a respondent could choose, in questionnaire order ("Vet ikke" not)."""
    if it.is_multiple:
        return [o.key for o in it.options]
    if it.is_categorical:
        return list(it.substantive_keys)
    return [MEAN]


def year(x: Any, lang: str) -> str:
    """A (mean) year with one decimal and no thousands separator: ``2011,1`` / ``2011.1``."""
    if x is None or pd.isna(x):
        return formats.EN_DASH
    return format_decimal(round(float(x), 1), format="0.0", locale=formats.LOCALES[lang])


def routing(cb: Codebook, item: str) -> text.Localized:
    """Who was asked ``item``, when only some were: a sentence of ``findings.yaml``, else ``""``."""
    it = cb.item(item)

    def make(lang: str) -> str:
        if not it.filter_item:
            return ""
        parent = cb.item(it.filter_item)
        names = [quote(parent.level_label(parent.code_to_key[c], lang), lang) for c in it.filter_codes]
        either = names[0] if len(names) == 1 else text.get(
            FINDINGS, "either", lang, first=", ".join(names[:-1]), last=names[-1])
        asked = quote(short_name(cb, parent.id, lang), lang)
        return text.get(FINDINGS, "routing", lang, answers=either, question=asked)
    return text.Localized(make)


def quote(words: str, lang: str) -> str:
    """Words quoted as the language does: «Ja» / “Yes”."""
    return f"«{words}»" if lang == "nb" else f"“{words}”"


# -- values of the texts ----------------------------------------------------------------------------------
def _est(r: pd.Series | None) -> float:
    return float(r["estimate"]) if usable(r) else float("nan")


def _ci(r: pd.Series | None) -> tuple[float, float]:
    return (float(r["ci_low"]), float(r["ci_high"])) if usable(r) else (float("nan"), float("nan"))


def _label(cb: Codebook, item: str, level: str | None) -> text.Localized:
    """An answer quoted, for prose: «Facebook» / “Facebook”."""
    return text.Localized(lambda lang: quote(answer(cb, item, level, lang), lang) if level else formats.EN_DASH)


def fact_values(table: pd.DataFrame, cb: Codebook, fact: Fact) -> dict[str, Any]:
    """The values of one fact, each name prefixed with ``<fact.name>_`` (the bare name is the
    estimate itself).

    A level: ``<name>`` (share 0–1, or a mean), ``_ci``, ``_n``; ``_county``, ``_county_ci``,
    ``_county_n``; ``_low`` and ``_low_class``, ``_high`` and ``_high_class`` (the size classes
    with the smallest and largest estimate). Ranked options (``level=None``): ``_first``,
    ``_second``, ``_third``, ``_last`` (the option's words) each with ``_share``, ``_first_ci``,
    ``_n``; ``_county_first`` with ``_county_first_share`` and ``_county_n``. A missing or
    suppressed estimate is NaN (printed ``–``).
    """
    p = fact.name
    if fact.level is None:
        return _ranked_values(table, cb, fact)
    r, rc = row(table, fact.item, fact.level), row(table, fact.item, fact.level, COUNTY)
    out = {p: _est(r), f"{p}_ci": _ci(r), f"{p}_n": base_n(table, fact.item, ALL),
           f"{p}_county": _est(rc), f"{p}_county_ci": _ci(rc), f"{p}_county_n": base_n(table, fact.item, COUNTY)}
    sizes = [(g, row(table, fact.item, fact.level, ("size_class", g[1]))) for g in shown_groups(table)
             if g[0] == "size_class"]
    sizes = [(g, r) for g, r in sizes if usable(r)]
    low = min(sizes, key=lambda x: x[1]["estimate"], default=None)
    high = max(sizes, key=lambda x: x[1]["estimate"], default=None)
    for key, found in (("low", low), ("high", high)):
        out[f"{p}_{key}"] = _est(found[1]) if found else float("nan")
        out[f"{p}_{key}_class"] = (labels.Label("size_class", found[0][1]) if found
                                   else text.Localized(lambda lang: formats.EN_DASH))
    return out


def _ranked(table: pd.DataFrame, item: str, group: tuple[str, str]) -> list[pd.Series]:
    t = table[(table["item"] == item) & (table["domain"] == group[0]) & (table["group"].astype(str) == group[1])
              & ~table["level"].astype(str).isin(SUMMARY_LEVELS) & ~table["suppressed"].astype(bool)
              & table["estimate"].notna()]
    return [r for _, r in t.sort_values(["estimate", "level"], ascending=[False, True], kind="stable").iterrows()]


def _ranked_values(table: pd.DataFrame, cb: Codebook, fact: Fact) -> dict[str, Any]:
    p, ranked, county = fact.name, _ranked(table, fact.item, ALL), _ranked(table, fact.item, COUNTY)
    out: dict[str, Any] = {f"{p}_n": base_n(table, fact.item, ALL), f"{p}_county_n": base_n(table, fact.item, COUNTY)}
    places = {"first": 0, "second": 1, "third": 2, "last": len(ranked) - 1}
    for place, i in places.items():
        r = ranked[i] if 0 <= i < len(ranked) else None
        out[f"{p}_{place}"] = _label(cb, fact.item, str(r["level"]) if r is not None else None)
        out[f"{p}_{place}_share"] = _est(r)
    out[f"{p}_first_ci"] = _ci(ranked[0] if ranked else None)
    top = county[0] if county else None
    out[f"{p}_county_first"] = _label(cb, fact.item, str(top["level"]) if top is not None else None)
    out[f"{p}_county_first_share"] = _est(top)
    return out


def dont_know_values(table: pd.DataFrame, cb: Codebook) -> dict[str, Any]:
    """"Vet ikke" among the municipalities over the chapter's questions that offer it:
    ``dk_questions`` (how many), ``dk_max`` with ``dk_max_question`` (the question, quoted)
    and ``dk_max_n``, ``dk_min`` with ``dk_min_question``; and ``dont_know``, the closing
    texts' shared sentence about them (``findings.yaml`` ``closing_dont_know``)."""
    t = table[(table["level"].astype(str) == DONT_KNOW) & (table["domain"] == "all")]
    shown = t[~t["suppressed"].astype(bool) & t["estimate"].notna()]
    out: dict[str, Any] = {"dk_questions": int(t["item"].nunique())}
    for key, pick in (("max", "idxmax"), ("min", "idxmin")):
        r = shown.loc[getattr(shown["estimate"], pick)()] if len(shown) else None
        out[f"dk_{key}"] = float(r["estimate"]) if r is not None else float("nan")
        out[f"dk_{key}_n"] = int(r["n_unweighted"]) if r is not None else 0
        item = str(r["item"]) if r is not None else None
        out[f"dk_{key}_question"] = text.Localized(
            lambda lang, item=item: quote(question_words(cb, item, lang), lang) if item else formats.EN_DASH)
    sentence = dict(out)
    out["dont_know"] = text.Localized(lambda lang: text.get(FINDINGS, "closing_dont_know", lang, **sentence)
                                      if sentence["dk_questions"] and len(shown) else "")
    return out


def closing_values(table: pd.DataFrame, cb: Codebook, chapter: FindingsChapter) -> dict[str, Any]:
    """Every value the chapter's closing text may use: its facts (:func:`fact_values`) and
    "Vet ikke" (:func:`dont_know_values`), all read from the published ``table``."""
    out: dict[str, Any] = {}
    for fact in chapter.facts:
        out.update(fact_values(table, cb, fact))
    out.update(dont_know_values(table, cb))
    return out


def intro_values(data: pd.DataFrame, population: pd.DataFrame) -> dict[str, int]:
    """The populations and the respondents: ``n_municipalities``, ``n_county`` (units of the
    frame) and ``answered_municipalities``, ``answered_county`` (respondents)."""
    def count(df: pd.DataFrame, kind: str) -> int:
        return int((df["unit_type"].astype(str) == kind).sum())

    return dict(n_municipalities=count(population, KOMMUNE), n_county=count(population, FYLKESKOMMUNE),
                answered_municipalities=count(data, KOMMUNE), answered_county=count(data, FYLKESKOMMUNE))


def reading_values(table: pd.DataFrame, population: pd.DataFrame, k_min: int) -> dict[str, Any]:
    """The values of the shared guide to reading the numbers (``findings.yaml`` ``reading``):
    the populations, the suppression limit ``k``, and the degrees of freedom of the county
    municipalities' and one size class's intervals in this table (``county_n``/``county_df``,
    ``size_n``/``size_df``/``size_class``, from its first question that has them)."""
    kinds = population["unit_type"].astype(str)
    out: dict[str, Any] = dict(k=int(k_min), n_municipalities=int((kinds == KOMMUNE).sum()),
                               n_county=int((kinds == FYLKESKOMMUNE).sum()))
    rows = table[~table["suppressed"].astype(bool) & table["df"].notna()
                 & ~table["level"].astype(str).isin((DONT_KNOW,))]
    county = rows[(rows["domain"] == COUNTY[0]) & (rows["group"].astype(str) == COUNTY[1])]
    size = rows[rows["domain"] == "size_class"]
    for key, part in (("county", county), ("size", size)):
        r = part.iloc[0] if len(part) else None
        out[f"{key}_n"] = int(r["n_unweighted"]) if r is not None else 0
        out[f"{key}_df"] = int(r["df"]) if r is not None else 0
        if key == "size":
            out["size_class"] = labels.Label("size_class", r["group"]) if r is not None else formats.EN_DASH
    return out


def reading(table: pd.DataFrame, population: pd.DataFrame, k_min: int):
    """The shared guide to reading the numbers (``findings.yaml`` ``reading.*``), as
    ``make(lang) -> Markdown`` for ``page.markdown``; the county municipalities' parts only
    when the table has them."""
    values = reading_values(table, population, k_min)
    parts = ["intro", "shares", "intervals", "df" if values["county_n"] else "df_no_county"]
    parts += ["county"] if values["county_n"] else []
    parts += ["differences", "suppression"]

    def make(lang: str) -> str:
        head, *points = (text.get(FINDINGS, f"reading.{p}", lang, **values) for p in parts)
        return head + "\n\n" + "\n".join(points)
    return make


def area_name(cb: Codebook, area: int) -> text.Localized:
    """A questionnaire area's name (the codebook's), for a heading ``Tema 1: {area}``."""
    return text.Localized(lambda lang: cb.area_label(int(area), lang))


__all__ = ["CHAPTERS", "FindingsChapter", "Fact", "FINDINGS", "ALL", "COUNTY", "SUMMARY_LEVELS", "read_estimates",
           "row", "usable", "shown_groups", "group_name", "base_n", "question_words", "question", "short_name",
           "answer", "answers", "year", "routing", "quote", "fact_values", "dont_know_values", "closing_values",
           "intro_values", "reading_values", "reading", "area_name"]
