"""The book's own pages: the methods, the questionnaire and the glossary, in both editions.

* ``methods.html`` — the three steps, coverage and response, weighting, variance and degrees
  of freedom, tests and multiplicity, the simulation check, disclosure control, and what
  synthetic data means here. The words are the text layer's (``methods.yaml``, after
  docs/methods.md); every fact about the data is read from the chapters' result tables
  (cleaning, weighting, tests, simulation) and a section whose table is missing says so.
* ``questionnaire.html`` — every question of the three surveys from the codebook
  (:mod:`sosiale_kommuner.data.codebook`): number, wording, type, answers, "Vet ikke",
  routing, in the edition's language (the English edition gives the English label with the
  Norwegian wording beside it).
* ``glossary.html`` — :mod:`.glossary`.

:func:`write_book_pages` writes them all, atomically, after the chapters.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Mapping

from babel.lists import format_list

from sosiale_kommuner.config import N_COUNTY_MUNICIPALITIES, N_MUNICIPALITIES, Paths
from sosiale_kommuner.files import atomic_write_text

from . import glossary, labels, provenance, text
from .book import BOOK_PAGES, Book
from .editions import EDITION_DIRS
from .index_page import design_rows, design_table_html, read_status, render_page
from .key_findings import Missing, Tables
from .text.formats import LANGS, LOCALES, number

esc = html.escape


# --- methods -------------------------------------------------------------------------------

def _row(df, column: str, value: str):
    rows = df[df[column].astype(str).str.strip() == value]
    if rows.empty:
        raise Missing("", "row")
    return rows.iloc[0]


def _k_min(paths: Paths) -> int:
    from .disclosure import DEFAULT_K

    for entry in read_status(paths).values():
        value = (entry.get("params") or {}).get("k_min")
        if isinstance(value, int):
            return value
    return DEFAULT_K


def methods_html(paths: Paths, lang: str) -> str:
    """The body of the methods page, with the data's facts from the result tables."""
    tables = Tables(paths.tables)
    t = lambda key, **v: text.get("methods", key, lang, **v)  # noqa: E731

    def section(key: str, *parts: str) -> str:
        return f'<h2 id="{key}">{esc(t(f"heading.{key}"))}</h2>\n' + "\n".join(p for p in parts if p)

    def filled(key: str, stem: str, values) -> str:
        try:
            return text.to_html(t(key, **values()))
        except (Missing, KeyError, IndexError, ValueError):
            return f'<p class="sk-missing">{esc(t("missing", chapter=str(int(stem[:2]))))}</p>'

    def steps() -> dict[str, Any]:
        cov = tables.read("02_cleaning", "coverage_summary")
        k, f = _row(cov, "group", "kommune (all)"), _row(cov, "group", "fylkeskommune")
        return {"k_mapped": int(k["mapped"]), "k_pop": N_MUNICIPALITIES, "f_mapped": int(f["mapped"]),
                "f_pop": N_COUNTY_MUNICIPALITIES, "pre": int(k["presurvey"]) + int(f["presurvey"]),
                "k_answered": int(k["main_survey"]), "f_answered": int(f["main_survey"])}

    def weighting() -> dict[str, Any]:
        choice = tables.read("03_weighting", "margin_choice")
        chosen = choice[choice["chosen"].astype(str).str.lower() == "true"].iloc[0]
        names = [labels.domain(m.strip(), lang).lower() for m in str(chosen["margins"]).split("+")]
        return {"margins": text.Localized(lambda _: format_list(names, locale=LOCALES[lang]))}

    def weights() -> dict[str, Any]:
        w = tables.read("03_weighting", "weight_summary")
        k, f = _row(w, "unit_type", "kommune"), _row(w, "unit_type", "fylkeskommune")
        return {"n": int(k["n"]), "min": float(k["min"]), "max": float(k["max"]), "kish": float(k["kish_n"]),
                "deff": float(k["deff_weighting"]), "n_f": int(f["n"]), "w_f": float(f["sum"]) / int(f["n"])}

    def tests() -> dict[str, Any]:
        df = tables.read("09_size_differences", "tests")
        tested = df[df["p_value"].notna()]
        return {"tested_size": int((tested["comparison"] == "size_class").sum()),
                "tested_unit": int((tested["comparison"] == "unit_type").sum())}

    def n_f() -> dict[str, Any]:
        cov = tables.read("02_cleaning", "coverage_summary")
        return {"n_f": int(_row(cov, "group", "fylkeskommune")["main_survey"])}

    def simulation() -> dict[str, Any]:
        df = tables.read("11_simulation", "null_rejection")
        s, u = _row(df, "comparison", "size_class"), _row(df, "comparison", "unit_type")
        return {"replicates": int(s["replicates"]), "rate_size": float(s["rate"]),
                "ci_size": (float(s["ci_low"]), float(s["ci_high"])), "rate_unit": float(u["rate"]),
                "ci_unit": (float(u["ci_low"]), float(u["ci_high"]))}

    try:
        rows, source = design_rows(paths, lang)
        coverage_table = design_table_html(rows, lang, published=source is None) if source else ""
    except ValueError:
        coverage_table = ""
    if not coverage_table:
        coverage_table = f'<p class="sk-missing">{esc(t("missing", chapter="2"))}</p>'
    synthetic = provenance.is_synthetic(paths)
    columns = "".join(text.to_html(t(f"columns.{k}")) for k in ("estimates", "tests", "models"))
    return "\n".join([
        f'<h1 id="top">{esc(t("title"))}</h1>', text.to_html(t("intro")),
        section("steps", filled("steps", "02", steps), text.to_html(t("steps_nonresponse"))),
        section("coverage", text.to_html(t("coverage")), coverage_table),
        section("weighting", filled("weighting", "03", weighting), filled("weighting_summary", "03", weights)),
        section("variance", text.to_html(t("variance"))),
        section("tests", filled("tests", "09", tests), filled("tests_multiplicity", "02", n_f)),
        section("simulation", filled("simulation", "11", simulation)),
        section("disclosure", text.to_html(t("disclosure", k=_k_min(paths)))),
        section("synthetic" if synthetic else "real", text.to_html(t("synthetic" if synthetic else "real"))),
        section("files", text.to_html(t("files")),
                f'<details class="sk-columns"><summary>{esc(t("files_summary"))}</summary>{columns}</details>'),
    ])


# --- questionnaire -------------------------------------------------------------------------

def _or(words: list[str], lang: str) -> str:
    return format_list(words, style="or", locale=LOCALES[lang])


def _quoted(words: str, lang: str) -> str:
    return f"«{words}»" if lang == "nb" else f"“{words}”"


def _item_html(cb, it, lang: str, survey: str) -> str:
    q = lambda key, **v: text.get("questionnaire", key, lang, **v)  # noqa: E731
    wording = it.nb if lang == "nb" else it.en
    extra = "" if lang == "nb" else f' <i lang="nb" class="sk-q-nb">{esc(it.nb)}</i>'
    facts = [q(f"type.{it.type}")]
    if it.min is not None and it.max is not None and it.is_numeric:
        show = (lambda v: str(int(v))) if it.type == "year" else (lambda v: number(v, 0 if v == int(v) else 1, lang))
        facts.append(q("range", min=show(it.min), max=show(it.max)))
    if it.filter_item is not None:
        parent = cb.item(it.filter_item)
        answers = [_quoted(c.label(lang), lang) for c in parent.codes if c.code in it.filter_codes]
        facts.append(q("filter", question=parent.qno, answers=_or(answers, lang)))
    if it.has_dont_know:
        facts.append(q("dont_know"))
    if survey == "main" and "presurvey" in it.surveys:
        facts.append(q("shared"))
    if it.personal:
        facts.append(q("personal"))
    answers = ""
    levels = list(it.options) if it.is_multiple else [c for c in it.codes]
    if levels:
        items = []
        for lv in levels:
            nb = f' <i lang="nb" class="sk-q-nb">{esc(lv.nb)}</i>' if lang != "nb" and lv.nb != lv.en else ""
            items.append(f"<li>{esc(lv.label(lang))}{nb}</li>")
        answers = f'<ul class="sk-q-options" aria-label="{esc(q("options"))}">{"".join(items)}</ul>'
    return (f'<li class="sk-q" id="q-{survey}-{esc(it.id)}"><p class="sk-q-text"><span class="sk-q-no">{esc(it.qno)}</span> '
            f'{esc(wording)}{extra}</p><p class="sk-q-facts">{esc(" ".join(facts))}</p>{answers}</li>')


def questionnaire_html(cb, lang: str) -> str:
    """The body of the questionnaire page: every survey, area by area, question by question."""
    q = lambda key, **v: text.get("questionnaire", key, lang, **v)  # noqa: E731
    out = [f'<h1 id="top">{esc(q("title"))}</h1>', text.to_html(q("intro")), text.to_html(q("wording_note"))]
    for survey in ("mapping", "presurvey", "main"):
        out.append(f'<h2 id="{survey}">{esc(q(f"survey.{survey}"))}</h2>{text.to_html(q(f"survey_intro.{survey}"))}')
        items = cb.items(survey=survey)
        if survey != "main":
            out.append('<ol class="sk-questions">' + "".join(_item_html(cb, it, lang, survey) for it in items) + "</ol>")
            continue
        for area in sorted({it.area for it in items}, key=lambda a: (a == 0, a)):
            label = cb.area_label(area, lang)
            title = q("area", area=area, label=label) if area else q("background")
            out.append(f'<h3 id="area-{area}">{esc(title)}</h3>')
            out.append('<ol class="sk-questions">' + "".join(
                _item_html(cb, it, lang, survey) for it in items if it.area == area) + "</ol>")
    return "\n".join(out)


# --- writing -----------------------------------------------------------------------------

def render_book_page(key: str, paths: Paths, book: Book, lang: str, codebook=None) -> str:
    """One of :data:`~.book.BOOK_PAGES` in edition ``lang``."""
    if key == "methods":
        body = methods_html(paths, lang)
    elif key == "questionnaire":
        if codebook is None:
            from sosiale_kommuner.data.codebook import load_codebook
            codebook = load_codebook(paths.raw)
        body = questionnaire_html(codebook, lang)
    elif key == "glossary":
        body = glossary.glossary_html(lang, synthetic=provenance.is_synthetic(paths))
    else:
        raise ValueError(f"not a page of the book: {key!r}; expected one of {BOOK_PAGES}")
    return render_page("page.html.j2", key=key, book=book, lang=lang, synthetic=provenance.is_synthetic(paths),
                       body={"body_html": body}, toc=key != "glossary", link_glossary=key == "methods",
                       build=build_html(paths, lang))


def build_html(paths: Paths, lang: str) -> str:
    """The collapsed build details of a book page: version, packages, and the raw files read."""
    from sosiale_kommuner import __version__
    from sosiale_kommuner.files import sha256_file

    rows = [(text.common("footer.version", lang), f"sosiale-kommuner {__version__}"),
            (text.common("footer.packages", lang),
             ", ".join(f"{k} {v}" for k, v in provenance.package_versions().items()))]
    raw = [(name, sha256_file(path)) for name, path in sorted(inputs(paths).items()) if path.is_file()]
    return ('<div class="sk-provenance">\n' + provenance.build_table_html(rows, text.common("footer.title", lang))
            + (provenance.build_table_html(raw, text.common("footer.raw_caption", lang)) if raw else "")
            + "\n</div>")


def write_book_pages(paths: Paths, book: Book, pages: tuple[str, ...] = BOOK_PAGES) -> list[Path]:
    """Write the book's own pages of every edition; return their paths."""
    out = []
    for lang in LANGS:
        for key in pages:
            path = paths.reports / EDITION_DIRS[lang] / f"{key}.html"
            out.append(atomic_write_text(path, render_book_page(key, paths, book, lang)))
    return out


def inputs(paths: Paths) -> Mapping[str, Path]:
    """The raw files the book's own pages read (for the build's up-to-date check)."""
    from .claims import CLAIMS_FILE

    return {name: paths.raw / name for name in ("survey/codebook.yaml", "survey/SYNTHETIC.yaml", CLAIMS_FILE)}


__all__ = ["methods_html", "questionnaire_html", "render_book_page", "write_book_pages", "inputs"]
