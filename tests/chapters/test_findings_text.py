"""The findings chapters 04–08 (chapters.findings_text): what each covers, the groups shown,
the values of their texts; and, on the shared build, their published tables, the rule for
each interval's degrees of freedom, and closing texts whose numbers are the table's.

Expected values are read off the hand-made tables of ``findings_sample.py`` or, for the
build, recomputed from the published CSV with pandas alone.
"""
from __future__ import annotations

import html as htmlmod
import math
import re

import nbformat
import pandas as pd
import pytest

import findings_sample as fs
from sosiale_kommuner import config
from sosiale_kommuner.chapters import findings_text as ft
from sosiale_kommuner.chapters import item_estimates
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.report import results, text

STEMS = list(ft.CHAPTERS)


@pytest.fixture(scope="module")
def cb():
    return cbm.load_codebook()


def _say(template: str, lang: str, values: dict) -> str:
    return text.fill(template, lang, values)


# -- the chapters and their notebooks ---------------------------------------------------------------
def test_chapters_cover_areas_one_to_eight_once_and_their_facts_exist(cb):
    areas = [a for spec in ft.CHAPTERS.values() for a in spec.areas]
    assert sorted(areas) == list(range(1, 9))
    for spec in ft.CHAPTERS.values():
        for fact in spec.facts:
            it = cb.item(fact.item)
            assert it.area in spec.areas, (spec.stem, fact)
            if fact.level is None:
                assert it.is_multiple, fact
            elif fact.level == "top2":
                assert it.type == "likert5", fact
            elif fact.level == "mean":
                assert it.is_numeric, fact
            else:
                assert fact.level in it.substantive_keys, fact


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_is_calls_only(stem):
    """docs/contracts.md §3: parameters, then calls; no prose cells, no functions, text from the text layer."""
    nb = nbformat.read(config.NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
    params = nb.cells[0].source
    for p in ("raw_dir = None", "out_dir = None", 'lang = "nb"', "k_min = 3"):
        assert p in params
    assert all(c.cell_type == "code" for c in nb.cells)
    src = "\n".join(c.source for c in nb.cells[1:])
    assert "def " not in src and "display(" not in src and "Markdown(" not in src
    assert f'STEM = "{stem}"' in src and "page = ChapterPage(STEM, lang)" in src
    assert 'publish_estimates(est, P, STEM, "estimates", k_min=k_min)' in src
    assert nb.cells[-1].source.splitlines() == ['page.heading("closing")',
                                                'page.text("closing", **ft.closing_values(pub, cb, spec))']
    for area in ft.CHAPTERS[stem].areas:
        assert f"items.show_area(page, pub, cb, {area}, k_min)" in src


# -- groups and words --------------------------------------------------------------------------------
def test_groups_are_all_municipalities_size_classes_then_county():
    t = fs.table(fs.collaborates())
    assert ft.shown_groups(t) == [fs.ALL, *fs.SIZE_GROUPS, fs.COUNTY]
    assert ft.shown_groups(t[t["group"] != "fylkeskommune"]) == [fs.ALL, *fs.SIZE_GROUPS]
    assert [ft.group_name(g, "nb") for g in ft.shown_groups(t)] == [
        "Alle kommuner", "Under 5\u00a0000 innbyggere", "5\u00a0000–19\u00a0999 innbyggere",
        "20\u00a0000 innbyggere og flere", "Fylkeskommuner"]
    assert ft.group_name(fs.COUNTY, "en") == "County municipalities"
    assert ft.base_n(t, "a8_collaborates", fs.ALL) == 183          # the "Vet ikke" base (191) is not it
    assert ft.base_n(t, "a8_collaborates", ("size_class", "nowhere")) == 0


def test_question_routing_and_years(cb):
    assert ft.question(cb, "a8_collab_with", "nb") == "Hvem samarbeider dere med?"   # "(flere svar mulig)" left out
    assert ft.question(cb, "a8_collab_with", "en") == "Collaboration partners."
    assert ft.routing(cb, "a8_collab_with").localize("nb") == (
        "Spørsmålet ble bare stilt til dem som svarte «Ja» på «Samarbeider med andre».")
    assert ft.routing(cb, "a3_strategy_form").localize("nb") == (
        "Spørsmålet ble bare stilt til dem som svarte «Under utarbeidelse» eller «Ja, vedtatt» på "
        "«Strategi for sosiale medier».")
    assert ft.routing(cb, "a3_strategy_form").localize("en") == (
        "Asked only of those who answered “Being prepared” or “Yes, adopted” to “Status of a strategy for social media”.")
    assert ft.routing(cb, "a8_collaborates").localize("nb") == ""
    assert (ft.year(2011.14, "nb"), ft.year(2011.15, "en"), ft.year(float("nan"), "nb")) == ("2011,1", "2011.2", "–")


# -- values of the texts -----------------------------------------------------------------------------
def test_a_fact_gives_the_share_its_interval_the_size_classes_and_the_county():
    cb = cbm.load_codebook()
    t = fs.table(fs.collaborates())
    v = ft.fact_values(t, cb, ft.Fact("c", "a8_collaborates", "yes"))
    assert (v["c"], v["c_ci"], v["c_n"]) == (0.334, (0.29, 0.38), 183)
    assert (v["c_county"], v["c_county_ci"], v["c_county_n"]) == (0.5, (0.22, 0.78), 10)
    # size classes 0.31, 0.42, 0.25: lowest is "≥ 20 000", highest "5 000–19 999"
    assert (v["c_low"], v["c_high"]) == (0.25, 0.42)
    assert v["c_low_class"].localize("nb") == "20\u00a0000 innbyggere og flere"
    assert v["c_high_class"].localize("en") == "5,000–19,999 inhabitants"
    said = _say("{c:pct} ({c_ci:ci}); {c_low_class}: {c_low:pct}", "nb", v)
    assert said == "33\u00a0% (29–38); 20\u00a0000 innbyggere og flere: 25\u00a0%"
    # a suppressed estimate is no number, and prints as a dash
    t.loc[(t["group"] == "fylkeskommune") & (t["level"] == "yes"), ["estimate", "ci_low", "ci_high"]] = math.nan
    t.loc[(t["group"] == "fylkeskommune") & (t["level"] == "yes"), "suppressed"] = True
    v = ft.fact_values(t, cb, ft.Fact("c", "a8_collaborates", "yes"))
    assert math.isnan(v["c_county"]) and _say("{c_county:pct} ({c_county_ci:ci})", "en", v) == "– (–)"


def test_ranked_options_ties_by_key_and_a_suppressed_county():
    """0.60, 0.48, 0.48, 0.28: "county" and "regional_council" tie and are ordered by key."""
    cb = cbm.load_codebook()
    v = ft.fact_values(fs.table(fs.partners()), cb, ft.Fact("p", "a8_collab_with"))
    words = {k: v[k].localize("nb") for k in ("p_first", "p_second", "p_third", "p_last")}
    assert words == {"p_first": "«Nabokommuner»", "p_second": "«Fylkeskommunen»", "p_third": "«Regionråd»",
                     "p_last": "«Nasjonalt nettverk»"}
    assert (v["p_first_share"], v["p_second_share"], v["p_last_share"], v["p_n"]) == (0.60, 0.48, 0.28, 64)
    assert v["p_first_ci"] == pytest.approx((0.48, 0.72))
    assert v["p_county_first"].localize("en") == "–" and math.isnan(v["p_county_first_share"])
    assert v["p_county_n"] == 2


def test_dont_know_over_the_chapters_questions():
    cb = cbm.load_codebook()
    t = fs.table(fs.collaborates() + fs.aware() + fs.want() + fs.partners())
    v = ft.dont_know_values(t, cb)
    # municipalities: 0.057 (a8_collaborates), 0.071 (a8_aware_others), 0.023 (a8_want_more_knowledge)
    assert v["dk_questions"] == 3 and (v["dk_max"], v["dk_min"]) == (0.071, 0.023)
    assert v["dk_max_n"] == 186
    assert v["dk_max_question"].localize("nb") == (
        "«I hvilken grad kjenner dere til hvordan andre kommuner/fylkeskommuner bruker sosiale medier?»")
    assert v["dont_know"].localize("nb") == (
        "Andelen kommuner som svarte «Vet ikke», var fra 2\u00a0% til 7\u00a0% på de 3 spørsmålene i kapitlet "
        "som hadde dette svaralternativet, høyest på «I hvilken grad kjenner dere til hvordan andre "
        "kommuner/fylkeskommuner bruker sosiale medier?».")
    assert ft.dont_know_values(fs.table(fs.partners()), cb)["dont_know"].localize("en") == ""


def test_intro_and_reading_values():
    population = pd.DataFrame({"unit_type": ["kommune"] * 5 + ["fylkeskommune"] * 2})
    data = pd.DataFrame({"unit_type": ["kommune"] * 3 + ["fylkeskommune"]})
    assert ft.intro_values(data, population) == dict(n_municipalities=5, n_county=2, answered_municipalities=3,
                                                     answered_county=1)
    t = fs.table(fs.collaborates())
    v = ft.reading_values(t, population, 4)
    # the first county row that is not "Vet ikke": 10 respondents, df 9; first size class: 66, df 65
    assert (v["k"], v["county_n"], v["county_df"], v["size_n"], v["size_df"]) == (4, 10, 9, 66, 65)
    nb = ft.reading(t, population, 4)("nb")
    assert "65 frihetsgrader for 66 svar fra kommuner med under 5\u00a0000 innbyggere, og 9 for 10 svar fra fylkeskommunene" in nb
    assert "færre enn 4 svar" in nb and "alle de 5 kommunene" in nb
    no_county = ft.reading(t[t["group"] != "fylkeskommune"], population, 4)("en")
    assert "rest on so few respondents" not in no_county and "among the county municipalities" not in no_county
    assert "65 degrees of freedom for 66 respondents" in no_county
    assert "rest on so few respondents" in ft.reading(t, population, 4)("en")


def _full_table(cb, spec) -> pd.DataFrame:
    """Every estimate a chapter could publish, with made-up but distinct shares."""
    rows, k = [], 0
    for it in item_estimates.items_of_areas(cb, spec.areas):
        levels = ([o.key for o in it.options] if it.is_multiple else list(it.substantive_keys) if it.is_categorical
                  else ["mean"])
        levels += ["top2", "mean_score"] if it.type == "likert5" else []
        levels += ["dont_know"] if it.has_dont_know else []
        for g in fs.GROUPS:
            for lev in levels:
                k += 1
                est = 2011.0 if lev == "mean" else 3.1 if lev == "mean_score" else (k % 89 + 5) / 100
                rows.append(fs.row(it.id, lev, g, est, est * 0.9, est * 1.1, 12 if g == fs.COUNTY else 150,
                                   area=it.area))
    return fs.table(rows)


@pytest.mark.parametrize("stem", STEMS)
def test_every_closing_text_gets_all_its_numbers(stem, cb):
    spec = ft.CHAPTERS[stem]
    t = _full_table(cb, spec)
    values = ft.closing_values(t, cb, spec)
    for lang in text.LANGS:
        said = text.get(stem, "closing", lang, **values)
        # a missing value would print as a lone dash; intervals and size classes have digits on both sides
        assert not re.search(r"(?<!\d)\u2013|\u2013(?!\d)", said), said
        assert "nan" not in said.lower() and "{" not in said
        first = spec.facts[0]
        if first.level is not None:
            assert text.fill("{x:pct}", lang, {"x": values[first.name]}) in said
        assert text.fill("{x:pct}", lang, {"x": values["dk_max"]}) in said


# -- the shared build ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def build(built):
    return built


def _published(build, stem) -> pd.DataFrame:
    path = build.paths.tables / f"{stem}__estimates.csv"
    assert path.exists(), f"{path.name} missing; run_all output:\n{build.stdout[-3000:]}"
    return ft.read_estimates(path)


@pytest.mark.pipeline
@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_estimates_table_follows_the_schema(build, stem):
    t = _published(build, stem)
    results.check_schema(t, "estimates", where=stem)
    spec = ft.CHAPTERS[stem]
    cb = cbm.load_codebook(build.paths.raw)
    assert set(t["area"]) == set(spec.areas)
    assert set(t["item"]) == {it.id for it in item_estimates.items_of_areas(cb, spec.areas)}
    assert {"all", "size_class", "unit_type"} == set(t["domain"])
    assert set(t.loc[t["domain"] == "unit_type", "group"]) == {"kommune", "fylkeskommune"}
    assert (t.loc[t["group"] == "fylkeskommune", "n_unweighted"] <= 18).all()
    sup = t["suppressed"]
    assert t.loc[sup, "estimate"].isna().all()
    props = t[~sup & ~t["level"].isin(["mean", "mean_score"])]
    assert ((props["estimate"] >= 0) & (props["estimate"] <= 1)).all()
    assert ((props["ci_low"] <= props["estimate"] + 1e-12) & (props["estimate"] <= props["ci_high"] + 1e-12)).all()


@pytest.mark.pipeline
@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_each_interval_uses_the_degrees_of_freedom_of_its_own_base(build, stem):
    """The rule the chapters state (docs/contracts.md §7): respondents in the row's base minus the
    strata among them. A size class and the county municipalities are one stratum each (n − 1);
    the municipalities as a whole have as many strata as size classes with respondents in the base."""
    t = _published(build, stem)
    t = t[~t["suppressed"]]
    one = t[t["domain"].isin(["size_class", "unit_type"]) & (t["group"] != "kommune")]
    assert (one["df"] == one["n_unweighted"] - 1).all(), one[one["df"] != one["n_unweighted"] - 1].head()
    full = _published(build, stem)
    sizes = full[(full["domain"] == "size_class") & (full["n_unweighted"] > 0)]
    strata = sizes.groupby(["item", "level"]).size().rename("strata")
    alls = t[t["domain"] == "all"].join(strata, on=["item", "level"])
    assert len(alls) and (alls["df"] == alls["n_unweighted"] - alls["strata"]).all()


def _closing_section(page: str) -> str:
    """The words of the closing section (spaces, no-break ones too, collapsed to one)."""
    start = page.find('id="closing"')
    assert start >= 0, "no closing section in the page"
    end = page.find("</main>", start)
    body = page[start:end]
    body = body[:body.find('class="sk-downloads"')] if 'class="sk-downloads"' in body else body
    return " ".join(htmlmod.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.mark.pipeline
@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_closing_text_is_the_tables_numbers_in_both_editions(build, stem):
    t = _published(build, stem)
    cb = cbm.load_codebook(build.paths.raw)
    values = ft.closing_values(t, cb, ft.CHAPTERS[stem])
    for lang, folder in (("nb", build.paths.reports), ("en", build.paths.reports / "en")):
        shown = _closing_section((folder / f"{stem}.html").read_text(encoding="utf-8"))
        expected = " ".join(re.sub(r"[*_]", "", text.get(stem, "closing", lang, **values)).split())
        numbers = re.compile(r"\d[\d\u00a0,.]*")
        assert numbers.findall(shown) == numbers.findall(expected)
        first = ft.CHAPTERS[stem].facts[0]
        key = first.name if first.level is not None else f"{first.name}_first_share"
        # the chapter's first fact, recomputed from the CSV without the module
        r = t[(t["item"] == first.item) & (t["domain"] == "all")]
        r = r[r["level"] == first.level] if first.level is not None else r[~r["level"].isin(ft.SUMMARY_LEVELS)]
        assert values[key] == pytest.approx(r["estimate"].max())
        assert " ".join(text.fill("{x:pct}", lang, {"x": values[key]}).split()) in shown
