"""The contents page: key findings computed from result tables written here, in both editions.

Every expected number below is derived by hand from the tables the test writes (the
rounding is shown where it matters), never taken from the code under test.
"""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from report_kit import make_raw, parse, section

from sosiale_kommuner import config
from sosiale_kommuner.report import claims, index_page
from sosiale_kommuner.report.book import Book, ChapterInfo

NBSP = "\u00a0"
ESTIMATE_COLUMNS = ["item", "area", "level", "domain", "group", "estimate", "se", "ci_low", "ci_high",
                    "n_unweighted", "n_weighted", "suppressed"]
TEST_COLUMNS = ["item", "area", "comparison", "test", "statistic", "df1", "df2", "p_value", "p_adjusted",
                "effect_measure", "effect_size", "effect_ci_low", "effect_ci_high", "n"]
CLAIMS = """
sources:
  beta: {publisher: HK for KS FoU, title: BETA.KOMM 2011, date: 2011-04, url: "https://example.org/beta"}
  sk: {publisher: I all offentlighet, title: Sosiale kommuner 2013, date: 2014-02-13}
claims:
  adopted_2011: {source: beta, quote: "58 % har allerede tatt i bruk sosiale medier", language: nb, figures: {share: 0.58}}
  design_answered: {source: sk, quote: null, figures: {k_answered: 200, k_mapped: 316, f_answered: 11, f_mapped: 15}}
  size_variation: {source: sk, quote: null}
"""
BOOK = Book.of([ChapterInfo(s, s) for s in ("00_population", "02_cleaning", "04_adoption", "06_strategy_leadership",
                                            "09_size_differences")])


@pytest.fixture
def raw(tmp_path):
    return make_raw(tmp_path)


def _estimate(item, level, domain, group, est, lo, hi, n):
    return dict(item=item, area=1, level=level, domain=domain, group=group, estimate=est, se=0.02, ci_low=lo,
                ci_high=hi, n_unweighted=n, n_weighted=428 if domain == "all" else 18, suppressed=False)


def _test(item, comparison, p_adj, measure, effect, lo, hi, n=200):
    return dict(item=item, area=1, comparison=comparison, test="rao_scott_f", statistic=1.0, df1=1.0, df2=9.0,
                p_value=p_adj / 2, p_adjusted=p_adj, effect_measure=measure, effect_size=effect,
                effect_ci_low=lo, effect_ci_high=hi, n=n)


@pytest.fixture
def site(raw, tmp_path):
    """An output root with the tables, pages and status of a partial build."""
    shutil.copy(config.DEFAULT_RAW_DIR / "survey" / "codebook.yaml", raw / "survey" / "codebook.yaml")
    (raw / "survey" / "SYNTHETIC.yaml").write_text("synthetic: true\n")
    (raw / claims.CLAIMS_FILE).write_text(CLAIMS, encoding="utf-8")
    P = config.paths(raw, tmp_path / "out")
    P.tables.mkdir(parents=True)
    (P.reports / "en").mkdir()
    pd.DataFrame([_estimate("a1_uses_some", "yes", "all", "all", 0.8117, 0.7567, 0.8566, 200),
                  _estimate("a1_uses_some", "yes", "unit_type", "fylkeskommune", 0.9091, 0.6844, 0.9776, 11)],
                 columns=ESTIMATE_COLUMNS).to_csv(P.tables / "04_adoption__estimates.csv", index=False)
    pd.DataFrame([
        _test("a1_uses_some", "size_class", 0.1102, "diff_prop:yes", 0.2788, 0.1520, 0.3978),
        _test("a1_channels__twitter", "size_class", 0.0117, "diff_prop:True", 0.3988, 0.1990, 0.5600),
        _test("a2_sector_accounts", "size_class", 0.0300, "diff_prop:many_sectors", -0.4512, -0.6049, -0.2013),
        _test("a5_admin_leadership", "size_class", 0.0010, "diff_mean_score", 0.9000, 0.3000, 1.5000),
        _test("a5_resources", "size_class", float("nan"), "diff_mean_score", 0.1, -0.1, 0.3),   # not tested
        _test("a1_uses_some", "unit_type", 0.9126, "diff_prop:yes", 0.0974, -0.2574, 0.2083, 211),
        _test("a1_channels__twitter", "unit_type", 0.0400, "diff_prop:True", 0.3977, 0.0318, 0.6218, 180),
    ], columns=TEST_COLUMNS).to_csv(P.tables / "09_size_differences__tests.csv", index=False)
    pd.DataFrame({"group": ["< 5 000", "5 000–19 999", "≥ 20 000", "kommune (all)", "fylkeskommune"],
                  "population": [228, 147, 53, 428, 18], "mapped": [130, 133, 53, 316, 15],
                  "presurvey": [56, 67, 29, 152, 9], "main_survey": [67, 89, 44, 200, 11]}
                 ).to_csv(P.tables / "02_cleaning__coverage_summary.csv", index=False)
    for stem in ("00_population", "02_cleaning", "04_adoption", "09_size_differences"):
        for folder in (P.reports, P.reports / "en"):
            up = "../" if folder.name == "en" else ""
            (folder / f"{stem}.html").write_text(
                '<figure class="sk-figure" id="fig-other"><figcaption><a class="sk-source" '
                f'href="{up}tables/{stem}__other.csv">Data</a></figcaption></figure>'
                '<figure class="sk-figure" id="fig-uses"><figcaption><span class="sk-number">Figure 4.1.</span> '
                f'<a class="sk-source" href="{up}tables/{stem}__estimates.csv">Data</a></figcaption></figure>')
    P.pipeline_state.mkdir(parents=True)
    (P.pipeline_state / "status.json").write_text(json.dumps({
        "00_population": {"state": "ok", "reason": "up to date", "fingerprint": "f0", "error": None},
        "02_cleaning": {"state": "ok", "reason": "", "fingerprint": "f2", "error": None},
        "04_adoption": {"state": "ok", "reason": "", "fingerprint": "f4", "error": None},
        "06_strategy_leadership": {"state": "failed", "reason": "cell 7 (x = df['q1']): KeyError: 'q1'",
                                   "fingerprint": "", "error": {"ename": "KeyError"}},
        "09_size_differences": {"state": "ok", "reason": "", "fingerprint": "f9", "error": None},
    }))
    return P


def _findings(page: str, key: str) -> str:
    return section(page, f'id="finding-{key}"', "</li>\n<li") if f'id="finding-{key}"' in page else ""


def test_key_findings_are_computed_from_the_tables(site):
    page = index_page.render_index(site, BOOK, stale={"04_adoption"}, lang="nb")
    use = section(page, 'id="finding-use"', 'id="finding-areas"')
    # 0.8117 -> 81 %, interval 0.7567-0.8566 -> 76-86, n 200; counties 0.9091 -> 91 %, 0.6844-0.9776 -> 68-98
    assert f"<strong>81{NBSP}%</strong> av kommunene brukte sosiale medier" in use
    assert f"(KI 76–86{NBSP}%, n = 200)" in use and f"Fylkeskommunene: 91{NBSP}% (KI 68–98{NBSP}%, n = 11)" in use
    # size classes: +0.2788 -> +28 points, 0.1520..0.3978 -> +15..+40, BH-adjusted 0.1102 >= 0.05
    assert ("De største mot de minste kommunene: +28 prosentpoeng (KI +15 til +40), ikke "
            in re.sub(r"<[^>]+>", "", use))
    assert "justert p = 0,110" in use
    # county municipalities: not significant, so the minimum detectable difference for 11 against
    # 200 answers under simple random sampling: (qt(.975, 10) + qt(.8, 10)) * sqrt(.25 (1/11 + 1/200))
    # = (2.228139 + 0.8790578) * 0.1548459 = 0.4811 -> 48 points
    assert "bare en forskjell på minst 48 prosentpoeng" in use and "justert p = 0,913" in use
    # set against BETA.KOMM's 58 % of 2011: the whole interval 76-86 lies above it
    assert f"fant i 2011 at 58{NBSP}% av kommunene" in use and "Anslaget for 2013 ligger over dette tallet" in use
    assert '<blockquote class="sk-quote" lang="nb"><p>«58 % har allerede tatt i bruk sosiale medier»</p>' in use
    assert "HK for KS FoU" in use and "april 2011" in use
    # the link goes to the figure drawn from the estimates table, and to the table itself
    assert '<a href="04_adoption.html#fig-uses">Se kapittel 4</a>' in use
    assert '<a href="tables/04_adoption__estimates.csv">Tallgrunnlag (CSV)</a>' in use
    # the chapter is out of date: the finding says its number is from the previous build
    assert "Kapittel 4 er ikke oppdatert etter siste endring" in use


def test_size_and_county_findings_count_the_tests_after_benjamini_hochberg(site):
    page = index_page.render_index(site, BOOK, lang="nb")
    size = re.sub(r"<[^>]+>", "", section(page, 'id="finding-size"', 'id="finding-counties"'))
    # size_class rows with an adjusted p: 4 (one has none); below 0.05: twitter, sector accounts, leadership
    assert "Av 4 spørsmål og svaralternativer som ble testet mellom de tre kommunestørrelsene, skilte 3 seg" in size
    # the largest significant difference of proportions is -0.4512 (sector accounts, "many sectors")
    assert ("Størst forskjell: Sektorkontoer: Ja, mange sektorer, −45 prosentpoeng mellom de største og de minste "
            "kommunene (KI −60 til −20; justert p = 0,030)") in size
    assert "får støtte for 3 av 4 spørsmål og svaralternativer" in size
    assert "setningen finnes ikke i den lesbare kopien" in size          # the claim has no quotation
    counties = re.sub(r"<[^>]+>", "", section(page, 'id="finding-counties"', "</ol>"))
    assert "Av 2 spørsmål og svaralternativer som ble testet mellom kommuner og fylkeskommuner, skilte 1 seg" in counties
    assert "Med 11 fylkeskommuner som svarte, kan testene bare oppdage forskjeller på minst 48 prosentpoeng" in counties


def test_a_finding_whose_table_is_missing_says_so(site):
    page = index_page.render_index(site, BOOK, lang="nb")
    strategy = section(page, 'id="finding-strategy"', 'id="finding-benefit"')
    assert "Tallet mangler: kapittel 6 er ikke bygget, så tabellen det bygger på, finnes ikke." in strategy
    assert not re.search(rf"\d{NBSP}%", re.sub(r"<[^>]+>", "", section(strategy, "sk-finding-lead", "</p>")))
    (site.tables / "09_size_differences__tests.csv").unlink()
    page = index_page.render_index(site, BOOK, lang="en")
    use = section(page, 'id="finding-use"', 'id="finding-areas"')
    assert use.count("No tests: chapter 9 has not been built.") == 1       # said once, not per test
    assert "<strong>81%</strong> of municipalities" in use
    size = section(page, 'id="finding-size"', 'id="finding-counties"')
    assert "No figure: chapter 9 has not been built" in size


def test_english_edition_and_no_machine_names(site):
    en = index_page.render_index(site, BOOK, lang="en")
    nb = index_page.render_index(site, BOOK, lang="nb")
    assert '<html lang="en">' in en and '<html lang="nb">' in nb
    assert ("a", {"href": "../index.html", "hreflang": "nb", "lang": "nb"}) in parse(en)
    assert ("a", {"href": "en/index.html", "hreflang": "en", "lang": "en"}) in parse(nb)
    use = section(en, 'id="finding-use"', 'id="finding-areas"')
    assert "(CI 76–86%, n = 200)" in use and "+28 percentage points (CI +15 to +40)" in use
    assert '<a href="../tables/04_adoption__estimates.csv">Data (CSV)</a>' in use
    assert "The 2013 estimate lies above this figure" in use
    for page in (nb, en):
        main = section(page, "<main", "</main>")
        for machine in ("a1_uses_some", "diff_prop", "p_adjusted", "notebooks/", "status.json", "KeyError"):
            assert machine not in main, machine
        words = re.sub(r"<[^>]+>", " ", main)
        assert not re.search(r"\b0[.,]\d{4,}", words), "a raw number leaked"   # p-values have 3 decimals
        assert "0.8117" not in words and "0.2788" not in words
        assert "<script" not in page


def test_chapter_status_in_words_and_details_collapsed(site):
    page = index_page.render_index(site, BOOK, stale={"04_adoption"}, lang="nb")
    row = lambda stem: section(page, f'id="chapter-{stem}"', "</li>")  # noqa: E731
    assert "sk-status" not in row("00_population") and '<a href="00_population.html">' in row("00_population")
    assert "Kunne ikke bygges." in row("06_strategy_leadership") and "06_strategy_leadership.html" not in row(
        "06_strategy_leadership")
    assert "Utdatert – koden eller dataene er endret" in row("04_adoption")
    # what the build said is in the collapsed build details of the footer only
    footer = section(page, '<footer class="sk-footer">', "</footer>")
    assert "<details class=\"sk-build\">" in footer and "KeyError: &#x27;q1&#x27;</td>" in footer
    assert '<td lang="en">cell 7' in footer                  # the build's own words are English


def test_design_table_from_the_cleaning_chapter_set_against_the_published_figures(site):
    page = index_page.render_index(site, BOOK, lang="nb")
    design = section(page, 'aria-labelledby="design"', "</section>")
    # size class < 5 000: 130 of 228 mapped (57.0 %), 67 of 130 answered (51.5 %), 67 of 228 (29.4 %)
    assert (f'<tr class="sk-sub"><th scope="row">under 5{NBSP}000 innbyggere</th><td class="sk-num">228</td>'
            f'<td class="sk-num">130</td><td class="sk-num">67</td><td class="sk-num">57,0{NBSP}%</td>'
            f'<td class="sk-num">51,5{NBSP}%</td><td class="sk-num">29,4{NBSP}%</td></tr>') in design
    # all: 428 + 18 = 446, 316 + 15 = 331, 200 + 11 = 211
    assert ('<th scope="row">Alle kommuner og fylkeskommuner</th><td class="sk-num">446</td>'
            '<td class="sk-num">331</td><td class="sk-num">211</td>') in design
    assert "Tallene i denne byggingen stemmer med de publiserte." in design
    assert "200 av 316 kommuner og 11 av 15 fylkeskommuner svarte på hovedundersøkelsen." in design
    (site.tables / "02_cleaning__coverage_summary.csv").unlink()
    design = section(index_page.render_index(site, BOOK, lang="en"), 'aria-labelledby="design"', "</section>")
    # no table: the published figures, said to be such; 316/428 = 73.8 %, 200/316 = 63.3 %, 200/428 = 46.7 %
    assert "Published figures from the 2014 report, not computed in this build" in design
    assert ('<th scope="row">Municipalities</th><td class="sk-num">428</td><td class="sk-num">316</td>'
            '<td class="sk-num">200</td><td class="sk-num">73.8%</td><td class="sk-num">63.3%</td>'
            '<td class="sk-num">46.7%</td>') in design


def test_index_of_both_editions_is_written_and_deterministic(site):
    paths = index_page.write_index(site, BOOK)
    assert paths == [site.reports / "index.html", site.reports / "en" / "index.html"]
    assert paths[0].read_text() == index_page.render_index(site, BOOK, lang="nb")
    assert paths[1].read_text() == index_page.render_index(site, BOOK, lang="en")
    text = paths[0].read_text()
    assert "Syntetiske demonstrasjonsdata." in text and "Kilde: Statistisk sentralbyrå" in text
    assert '<section aria-labelledby="cite" class="sk-cite">' in text and "Slik siterer du rapporten" in text
    assert "CITATION.cff" not in section(text, "<main", "</main>")


def test_claims_file_errors_name_the_claim(raw):
    with pytest.raises(claims.ClaimsError, match="claim 'x' must name one of the sources"):
        claims.parse_claims({"sources": {}, "claims": {"x": {"source": "nope"}}})
    with pytest.raises(claims.ClaimsError, match="source 's': date must be"):
        claims.parse_claims({"sources": {"s": {"publisher": "p", "title": "t", "date": "spring"}}})
    assert claims.load_claims(config.paths(raw, raw)) == {}
    repo = claims.load_claims(config.paths(None, None))
    assert repo["facebook_2013"].share() == 210 / 428 and repo["design_answered"].quote is None


def test_findings_use_the_level_chapter_09_ran_with(site):
    status = json.loads((site.pipeline_state / "status.json").read_text())
    status["09_size_differences"]["params"] = {"alpha": 0.02, "power_target": 0.9}
    (site.pipeline_state / "status.json").write_text(json.dumps(status))
    size = re.sub(r"<[^>]+>", "", section(index_page.render_index(site, BOOK, lang="nb"), 'id="finding-size"',
                                          'id="finding-counties"'))
    # at 2 %, the sector accounts (adjusted p 0.030) no longer count: twitter and leadership do
    assert f"skilte 2 seg etter Benjamini–Hochberg-korreksjon (2{NBSP}%-nivå)" in size
    assert "Størst forskjell: Kanaler: Twitter, +40 prosentpoeng" in size
