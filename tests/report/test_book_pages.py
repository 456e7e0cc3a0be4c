"""The book's own pages: methods (facts from the result tables), questionnaire (from the
codebook) and glossary, in both editions."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from report_kit import make_raw, section

from sosiale_kommuner import config
from sosiale_kommuner.data.codebook import load_codebook
from sosiale_kommuner.report import book_pages, glossary
from sosiale_kommuner.report.book import Book, ChapterInfo

NBSP = "\u00a0"
BOOK = Book.of([ChapterInfo("00_population", "P")])


@pytest.fixture
def raw(tmp_path):
    return make_raw(tmp_path)


@pytest.fixture
def built(raw, tmp_path):
    shutil.copy(config.DEFAULT_RAW_DIR / "survey" / "codebook.yaml", raw / "survey" / "codebook.yaml")
    (raw / "survey" / "SYNTHETIC.yaml").write_text("synthetic: true\n")
    P = config.paths(raw, tmp_path / "out")
    P.tables.mkdir(parents=True)
    pd.DataFrame({"group": ["< 5 000", "kommune (all)", "fylkeskommune"], "population": [228, 428, 18],
                  "mapped": [130, 316, 15], "presurvey": [56, 152, 9], "main_survey": [67, 200, 11]}
                 ).to_csv(P.tables / "02_cleaning__coverage_summary.csv", index=False)
    pd.DataFrame({"candidate": ["base", "with centrality"], "margins": ["size_class + region",
                  "size_class + region + centrality"], "chosen": [True, False]}
                 ).to_csv(P.tables / "03_weighting__margin_choice.csv", index=False)
    pd.DataFrame({"unit_type": ["kommune", "fylkeskommune"], "n": [200, 11], "sum": [428, 18],
                  "min": [0.979, 1.636364], "median": [1.7, 1.636364], "max": [3.7747, 1.636364],
                  "max_min_ratio": [3.86, 1], "cv": [0.44, 0], "kish_n": [167.559, 11], "deff_weighting": [1.1936, 1]}
                 ).to_csv(P.tables / "03_weighting__weight_summary.csv", index=False)
    pd.DataFrame({"item": ["a", "b", "c", "a", "b"], "comparison": ["size_class"] * 3 + ["unit_type"] * 2,
                  "p_value": [0.1, 0.2, None, 0.3, 0.4]}).to_csv(P.tables / "09_size_differences__tests.csv", index=False)
    P.pipeline_state.mkdir(parents=True)
    (P.pipeline_state / "status.json").write_text(json.dumps({"04_adoption": {"state": "ok", "params": {"k_min": 5}}}))
    return P


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", section(page, "<main", "</main>")).split())


def test_methods_page_takes_the_data_facts_from_the_result_tables(built):
    nb = _text(book_pages.render_book_page("methods", built, BOOK, "nb"))
    # steps: 316 of 428 and 15 of 18 mapped; 152 + 9 = 161 answered the pre-survey; 200 and 11 the main survey
    assert "det lyktes for 316 av 428 kommuner og 15 av 18 fylkeskommuner" in nb
    assert "som 161 svarte på" in nb and "200 kommuner og 11 fylkeskommuner svarte" in nb
    # the chosen margins, in words
    assert "gjengir antall kommuner etter kommunestørrelse og landsdel" in nb
    # weights 0.979..3.7747 -> 0,98..3,77; Kish 167.559 -> 168; deff 1.1936 -> 1,19; 18/11 = 1.636 -> 1,64
    assert "går fra 0,98 til 3,77" in nb and "(Kish) er 168 svar" in nb and "designeffekt på 1,19" in nb
    assert "står for 1,64 fylkeskommuner" in nb
    # tests: size_class rows with a p-value: 2; unit_type: 2
    assert ": 2 mellom de tre kommunestørrelsene og 2 mellom kommuner og fylkeskommuner" in nb
    # k_min from the chapters' parameters
    assert "færre enn 5 svar" in nb
    # the simulation chapter was not built: the section says so
    assert "Tallene for dette kommer fra kapittel 11, som ikke er bygget." in nb
    pd.DataFrame({"comparison": ["size_class", "unit_type"], "replicates": [20, 20], "rate": [0.046782, 0.032139],
                  "ci_low": [0.035841, 0.022838], "ci_high": [0.057724, 0.041440]}
                 ).to_csv(built.tables / "11_simulation__null_rejection.csv", index=False)
    en = _text(book_pages.render_book_page("methods", built, BOOK, "en"))
    # 0.046782 -> 4.7 %, 0.035841..0.057724 -> 3.6-5.8
    assert "on 20 new data sets" in en and "rejected in 4.7% (CI 3.6–5.8%)" in en and "in 3.2% (CI 2.3–4.1%)" in en
    assert "reproduce the number of municipalities by municipality size and region" in en
    for machine in ("size_class", "kish_n", "coverage_summary", "p_value"):
        assert machine not in section(book_pages.render_book_page("methods", built, BOOK, "nb"), "<main", "<details")


def test_questionnaire_from_the_codebook_in_both_languages(built):
    nb = book_pages.render_book_page("questionnaire", built, BOOK, "nb")
    en = book_pages.render_book_page("questionnaire", built, BOOK, "en")
    cb = load_codebook(built.raw)
    main_nb, main_en = section(nb, "<main", "</main>"), section(en, "<main", "</main>")
    # every question of every survey, once per survey that asks it
    n_items = sum(len(cb.items(survey=s)) for s in ("mapping", "presurvey", "main"))
    assert main_nb.count('<li class="sk-q"') == n_items == main_en.count('<li class="sk-q"')
    q12 = section(main_nb, 'id="q-main-a1_channels"', '<li class="sk-q"')
    assert "Hvilke sosiale medier bruker organisasjonen?" in q12 and "Flere svar mulig." in q12
    assert "Stilles bare til dem som svarte «Ja» på spørsmål 1.1." in q12 and "Også stilt i forundersøkelsen." in q12
    # routing on two answers, joined by "eller" / "or"
    form = section(main_nb, 'id="q-main-a3_strategy_form"', '<li class="sk-q"')
    assert "svarte «Under utarbeidelse» eller «Ja, vedtatt» på spørsmål 3.1" in form
    assert "answered “Being prepared” or “Yes, adopted” to question 3.1" in section(main_en, 'id="q-main-a3_strategy_form"', '<li class="sk-q"')
    # the English edition gives the label and, marked as Norwegian, the wording
    q12en = section(main_en, 'id="q-main-a1_channels"', '<li class="sk-q"')
    assert "Social media channels in use" in q12en
    assert '<i class="sk-q-nb" lang="nb">Hvilke sosiale medier bruker organisasjonen?' in q12en
    assert "From 2004 to 2013." in section(main_en, 'id="q-main-a1_first_year"', '<li class="sk-q"')
    assert "«Vet ikke» er et eget svar." in section(main_nb, 'id="q-main-a6_benefit_overall"', '<li class="sk-q"')
    assert "Personopplysning" in section(main_nb, 'id="q-mapping-map_contact_email"', '<li class="sk-q"')
    assert 'class="sk-term"' not in main_nb     # the survey's own words get no glossary links
    assert "<h3 id=\"area-9\">Tema 9: Innbyggerinvolvering i lokalt utviklingsarbeid</h3>" in main_nb


REQUIRED = ("rao_scott", "benjamini_hochberg", "mdd", "design_effect", "kish_n", "calibration", "ame")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_glossary_page_lists_every_term_alphabetically(built, lang):
    page = book_pages.render_book_page("glossary", built, BOOK, lang)
    soup = BeautifulSoup(section(page, "<main", "</main>") + "</main>", "html.parser")
    entries = soup.select("div.sk-gloss-entry")
    keys = [t.key for t in glossary.terms(lang)]
    assert set(REQUIRED) <= set(keys)
    assert [e["id"] for e in entries] == [f"g-{k.replace('_', '-')}" for k in keys]
    words = [e.dt.get_text(strip=True) for e in entries]
    assert words == sorted(words, key=lambda w: glossary.sort_key(w, lang))
    other = "en" if lang == "nb" else "nb"
    assert all(e.select_one(f'p.sk-gloss-other span[lang="{other}"]') for e in entries)
    assert not soup.select("a.sk-term")                 # the glossary does not link to itself
    assert 'class="sk-toc' not in page


def test_norwegian_order_puts_the_last_three_letters_last():
    words = ["åpen", "ørsk", "ære", "zebra", "«Vet ikke»", "ape"]
    assert sorted(words, key=lambda w: glossary.sort_key(w, "nb")) == ["ape", "«Vet ikke»", "zebra", "ære", "ørsk", "åpen"]


def test_term_forms_match_inflections_and_abbreviations_in_capitals():
    rx = glossary.matcher("nb")
    found = lambda s: [m.lastgroup[2:] for m in rx.finditer(s)]  # noqa: E731
    assert found("designeffektene og Rao-Scott-testen") == ["design_effect", "rao_scott"]
    assert found("MDD er stor") == ["mdd"] and found("mdd er stor") == []
    assert found("landsdelene") == ["region"] and found("utlandsdel") == []
    assert found("Benjamini–Hochberg-korreksjonen") == ["benjamini_hochberg"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_glossary_names_synthetic_data_only_for_synthetic_data(lang):
    term = next(t for t in glossary.terms(lang) if t.key == "synthetic_data")
    assert f'id="{term.anchor}"' in glossary.glossary_html(lang, synthetic=True)
    real = glossary.glossary_html(lang, synthetic=False)
    assert f'id="{term.anchor}"' not in real
    assert real.count('class="sk-gloss-entry"') == len(glossary.terms(lang)) - len(glossary.SYNTHETIC_ONLY)
