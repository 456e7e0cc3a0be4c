"""Chapter 09's helpers (chapters.size_differences, chapters.size_difference_tables).

Expected values are worked out here independently: minimum detectable differences with
scipy's t quantiles (docs/methods.md §8), Fisher's exact test with scipy on counts tallied
from the data with pandas, respondents and degrees of freedom counted from the data, cells
written out by hand in each locale.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner import config
from sosiale_kommuner.chapters import item_test_figures as fig
from sosiale_kommuner.chapters import item_tests
from sosiale_kommuner.chapters import size_difference_tables as tab
from sosiale_kommuner.chapters import size_differences as ch
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents, synth
from sosiale_kommuner.report import text
from sosiale_kommuner.survey import power

ALPHA, POWER = 0.05, 0.8


@pytest.fixture(scope="module")
def book():
    return cbm.load_codebook()


@pytest.fixture(scope="module")
def chapter(book):
    """The chapter's tables on one synthetic dataset (seed 7), as the notebook makes them."""
    from sosiale_kommuner.data import frame

    pop = frame.load_population(config.paths().frame)
    pop["unit_id"] = pop["unit_id"].astype(str)
    resp = synth.generate(7, population=pop, exports=False).responses()
    data = respondents.merge(resp, pop, respondents.provisional_weights_for(resp, pop))
    specs = item_tests.analysable(book, data.columns)
    dk, dc = respondents.design_for(data, pop, config.KOMMUNE), respondents.combined_design(data, pop)
    size = ch.decorate(item_tests.run_tests(dk, specs, "size_class", extra=True), dk, specs, "size_class", ALPHA, POWER)
    unit = ch.decorate(item_tests.run_tests(dc, specs, "unit_type", extra=True), dc, specs, "unit_type", ALPHA, POWER)
    setup = ch.setup_values(specs, data, dc, alpha=ALPHA, min_group_n=5, power_target=POWER)
    return dict(data=data, specs=specs, dk=dk, dc=dc, size=size, unit=unit, setup=setup)


# --- what is tested -------------------------------------------------------------------------
def test_method_rows_count_the_codebook(book):
    rows = ch.method_rows(item_tests.analysable(book)).set_index("kind")
    # the shipped codebook: 69 options and two-answer questions, 8 longer single choices, 17
    # Likert and 3 numeric questions (tests/chapters/test_item_tests.py counts them too)
    assert rows["columns"].to_dict() == {"binary": 69, "categorical": 8, "ordinal": 17, "numeric": 3}
    assert rows.loc["ordinal", "questions"] == 17 and rows.loc["numeric", "questions"] == 3
    assert rows["test"].to_dict() == {"binary": "rao_scott_f", "categorical": "rao_scott_f",
                                      "ordinal": "rank_test", "numeric": "wald_f"}


def test_setup_counts_come_from_the_data(chapter):
    data, s = chapter["data"], chapter["setup"]
    n_k = int((data["unit_type"] == "kommune").sum())
    n_f = int((data["unit_type"] == "fylkeskommune").sum())
    assert (s["n_k"], s["n_f"], s["n_f_df"]) == (n_k, n_f, n_f - 1)
    # one respondent per PSU; strata: three size classes and the county municipalities
    assert s["design_df"] == n_k + n_f - 4
    assert s["largest"].localize("nb") == "20\u00a0000 innbyggere og flere"
    assert s["smallest"].localize("en") == "under 5,000 inhabitants"


@pytest.mark.parametrize("df_method", ["satterthwaite", "design"])
@pytest.mark.parametrize("fpc", [False, True])
def test_method_text_says_what_this_run_did(chapter, df_method, fpc):
    values = ch.method_values(chapter["setup"], df_method, fpc)
    nb = text.get(ch.STEM, "method", "nb", **values)
    assert ("Satterthwaite" in nb) == (df_method == "satterthwaite")
    assert ("med endelighetskorreksjon" in nb) == fpc
    assert f"({chapter['setup']['design_df']})" in nb
    with pytest.raises(ValueError, match="df_method"):
        ch.method_values(chapter["setup"], "kenward", False)


# --- the tests, read ------------------------------------------------------------------------
def test_mdd_of_every_row_is_the_power_formula(chapter):
    u = chapter["unit"]
    ok = u["effect_se"].notna()
    k = stats.t.isf(ALPHA / 2, u.loc[ok, "effect_df"]) + stats.t.ppf(POWER, u.loc[ok, "effect_df"])
    np.testing.assert_allclose(u.loc[ok, "mdd"], k * u.loc[ok, "effect_se"], rtol=1e-12)
    assert (u["n_small"] == np.minimum(u["n_a"], u["n_b"])).all()


def test_reading_by_hand():
    t = pd.DataFrame({
        "p_value":       [0.001, 0.30,  0.30,  np.nan],
        "p_adjusted":    [0.010, 0.60,  0.60,  np.nan],
        "effect_ci_low": [0.20, -0.10, -0.50,  np.nan],
        "effect_ci_high": [0.60, 0.20,  0.10,  np.nan],
        "mdd":           [0.30,  0.30,  0.30,  np.nan],
    })
    # significant; interval inside (-0.3, 0.3); lower limit beyond -0.3; not tested
    assert ch.reading(t, ALPHA).tolist() == ["significant", "rules_out", "inconclusive", "not_tested"]
    assert set(ch.READINGS) == {"significant", power.RULES_OUT, power.INCONCLUSIVE, "not_tested"}


def test_mdd_result_is_the_contents_page_table(chapter):
    out = ch.mdd_result(chapter["size"], chapter["unit"])
    assert list(out.columns) == ["comparison", "item", "effect_se", "effect_df", "mdd"]
    both = pd.concat([chapter["size"], chapter["unit"]])
    assert len(out) == int((both["p_value"].notna() & both["mdd"].notna()).sum())
    row = out[(out["comparison"] == "unit_type") & (out["item"] == "a1_channels__twitter")].iloc[0]
    k = stats.t.isf(ALPHA / 2, row["effect_df"]) + stats.t.ppf(POWER, row["effect_df"])
    assert row["mdd"] == pytest.approx(k * row["effect_se"], rel=1e-12)


def test_counts_and_values(chapter):
    counts = ch.counts(chapter["size"], chapter["unit"], alpha=ALPHA).set_index("comparison")
    for cmp, t in (("size_class", chapter["size"]), ("unit_type", chapter["unit"])):
        assert counts.loc[cmp, "tested"] == int(t["p_value"].notna().sum())
        assert counts.loc[cmp, "significant_bh"] == int((t["p_adjusted"] < ALPHA).sum())
    v = ch.size_values(chapter["size"], chapter["setup"], ALPHA)
    assert v["sig"] == int((chapter["size"]["p_adjusted"] < ALPHA).sum())
    assert v["raw"] == int((chapter["size"]["p_value"] < ALPHA).sum())


@pytest.mark.parametrize("untested, nb", [
    ((0, 0), "Alle variablene hadde minst 5 svar i hver gruppe og er testet."),
    ((0, 4), "4 variabler hadde færre enn 5 svar fra fylkeskommunene og er ikke testet for kommune eller "
             "fylkeskommune."),
    ((1, 0), "1 variabel hadde færre enn 5 svar i en av størrelsesgruppene og er ikke testet for "
             "kommunestørrelse."),
    ((2, 3), "2 variabler for kommunestørrelse og 3 for kommune eller fylkeskommune hadde færre enn 5 svar "
             "i en av gruppene og er ikke testet."),
])
def test_counts_text_names_only_what_was_not_tested(untested, nb):
    c = pd.DataFrame({"comparison": ["size_class", "unit_type"], "columns": [97, 97],
                      "tested": [97 - untested[0], 97 - untested[1]], "not_testable": list(untested),
                      "significant_raw": [9, 3], "significant_bh": [5, 1]})
    assert " ".join(ch.counts_values(c, 5)["untested"].localize("nb").split()) == nb


def test_forests_are_split_by_area_and_kind(chapter, book):
    fs = ch.forests(chapter["size"], book, "size")
    assert all(len(f.part) <= 25 for f in fs)
    props = [f for f in fs if f.kind == fig.PROPORTION]
    drawn = sorted(i for f in props for i in f.part["item"])
    tested = chapter["size"][chapter["size"]["p_value"].notna()]
    assert drawn == sorted(tested[tested["effect_measure"].str.startswith("diff_prop")]["item"])
    assert len({f.label for f in fs}) == len(fs)
    assert [f.kind for f in fs][-1] == fig.SCORE


def test_mdd_overview_at_measured_design_effects(chapter):
    s = chapter["setup"]
    det = ch.mdd_overview(chapter["unit"], chapter["dc"], chapter["specs"], s, ALPHA, POWER)
    tab_ = det.table.set_index("deff_basis")
    assert list(tab_.index) == ["srs", "lower_quartile", "median", "upper_quartile"]
    df = float(np.median(chapter["unit"].loc[chapter["unit"]["p_value"].notna(), "effect_df"]))
    k = stats.t.isf(ALPHA / 2, df) + stats.t.ppf(POWER, df)
    for basis, row in tab_.iterrows():
        se = np.sqrt(row["deff"] * 0.25 * (1 / s["n_f"] + 1 / s["n_k"]))
        assert row["mdd"] == pytest.approx(k * se, rel=1e-12), basis
    assert det.values["mdd"] == tab_.loc["median", "mdd"] and det.values["df"] == df


def test_exact_check_is_fisher_on_unweighted_counts(chapter):
    exact = ch.exact_check(chapter["dc"], chapter["specs"], chapter["unit"], ALPHA).set_index("item")
    data = chapter["data"]
    col = data["a1_channels__twitter"]
    table = [[int(((data["unit_type"] == u) & (col == v)).sum()) for v in (True, False)]
             for u in ("fylkeskommune", "kommune")]
    assert exact.loc["a1_channels__twitter", "p_exact"] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
    assert "a4_formalisation" not in exact.index           # Likert: no exact test
    v = ch.exact_values(exact.reset_index(), ALPHA)
    assert v["agree"] + v["disagree"] == v["total"] == len(exact)


def test_closing_text_fills_in_both_languages(chapter, book):
    counts = ch.counts(chapter["size"], chapter["unit"], alpha=ALPHA)
    det = ch.mdd_overview(chapter["unit"], chapter["dc"], chapter["specs"], chapter["setup"], ALPHA, POWER)
    values = ch.closing_values(chapter["size"], chapter["unit"], counts, det, book, chapter["setup"], ALPHA)
    k_size = int((chapter["size"]["p_adjusted"] < ALPHA).sum())
    assert values["k_size"] == k_size and values["n_size"] == int(chapter["size"]["p_value"].notna().sum())
    for lang in ("nb", "en"):
        words = text.get(ch.STEM, "closing", lang, **values)
        assert "{" not in words and "nan" not in words.lower()


# --- tables for readers ----------------------------------------------------------------------
def _row(**kw):
    return pd.Series(kw)


@pytest.mark.parametrize("lang, measure, values, expected", [
    ("nb", "diff_prop:True", (0.12, 0.03, 0.21), "+12 (3–21)"),
    ("nb", "diff_prop:yes", (-0.05, -0.12, 0.02), "\u22125 (\u221212 til 2)"),
    ("en", "diff_prop:yes", (-0.05, -0.12, 0.02), "\u22125 (\u221212 to 2)"),
    ("nb", "diff_mean_score", (0.25, -0.10, 0.60), "+0,25 (\u22120,10 til 0,60)"),
    ("en", "diff_mean", (8.47, 7.41, 9.53), "+8.5 (7.4–9.5)"),
])
def test_effect_cells_follow_the_measure(lang, measure, values, expected):
    est, lo, hi = values
    row = _row(effect_measure=measure, effect_size=est, effect_ci_low=lo, effect_ci_high=hi, mdd=0.284)
    assert tab.effect_column().cell(row, lang) == expected


def test_mdd_cells_follow_the_measure():
    assert tab.mdd_column().cell(_row(effect_measure="diff_prop:True", mdd=0.284), "nb") == "28"
    assert tab.mdd_column().cell(_row(effect_measure="diff_mean_score", mdd=1.234), "nb") == "1,23"
    assert tab.mdd_column().cell(_row(effect_measure="diff_mean", mdd=np.nan), "en") == "\u2013"


def test_question_text_names_the_scale(book):
    assert tab.question_text(book, "a4_formalisation", "diff_mean_score", "nb") == "Grad av formalisering (skår 1–5)"
    assert tab.question_text(book, "a1_first_year", "diff_mean", "en").endswith("(years)")
    assert tab.question_text(book, "a1_channels__twitter", "diff_prop:True", "nb") == "Kanaler: Twitter"


def test_tables_show_words_not_codes(chapter, book):
    import re

    sig = ch.significant(chapter["unit"], 1.0)     # every tested row
    for lang in ("nb", "en"):
        t = tab.effects_table(sig, lang, book, tab.UNIT_BY_AREA)
        cells = [c for r in t.rows for c in r] + t.headers
        assert not [c for c in cells if re.search(r"[a-z]+_[a-z_]+|\bnan\b|True|False", c)], lang
        readings = {r[3] for r in t.rows}
        assert readings <= {text.get(ch.STEM, f"reading.{k}", lang) for k in ch.READINGS}
    counts = ch.counts(chapter["size"], chapter["unit"], alpha=ALPHA)
    ct = tab.counts_table(counts, "nb")
    assert ct.headers == ["Tester", "Kommunestørrelse", "Fylkeskommuner og kommuner"]
    c = counts.set_index("comparison")
    assert ct.rows[1] == ["Testet", str(c.loc["size_class", "tested"]), str(c.loc["unit_type", "tested"])]


# --- the built chapter (the session's shared build) --------------------------------------------
def check_built_chapter(tables_dir, reports_dir):
    """What chapter 09 writes and shows, read back: the tables' schemas and their agreement, the
    counts of both editions' closing texts, no English-only key-number table."""
    import re

    from sosiale_kommuner.report import results
    from sosiale_kommuner.report.text import formats

    t = tables_dir
    tests = pd.read_csv(t / "09_size_differences__tests.csv")
    results.check_schema(tests, "tests")
    results.check_schema(pd.read_csv(t / "09_size_differences__pairwise.csv"), "tests")
    assert set(tests["comparison"]) == {"size_class", "unit_type"}
    for cmp, d in tests.groupby("comparison"):
        ok = d["p_value"].notna()
        np.testing.assert_allclose(d.loc[ok, "p_adjusted"], item_tests.p_adjust(d.loc[ok, "p_value"], "BH"))
    mdd = pd.read_csv(t / "09_size_differences__mdd.csv")
    assert list(mdd.columns) == ["comparison", "item", "effect_se", "effect_df", "mdd"]
    k = stats.t.isf(0.025, mdd["effect_df"]) + stats.t.ppf(0.8, mdd["effect_df"])
    np.testing.assert_allclose(mdd["mdd"], k * mdd["effect_se"], rtol=1e-9)
    tested = tests[tests["p_value"].notna()]
    assert set(zip(mdd["comparison"], mdd["item"])) == set(zip(tested["comparison"], tested["item"]))
    assert not (t / "09_size_differences__key_number.csv").exists()
    for lang, page in (("nb", reports_dir / "09_size_differences.html"),
                       ("en", reports_dir / "en" / "09_size_differences.html")):
        words = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")).replace("\u00a0", " ")
        d = tests[tests["comparison"] == "size_class"]
        n, k_sig = formats.integer(d["p_value"].notna().sum(), lang), int((d["p_adjusted"] < 0.05).sum())
        lead = {"nb": f"Av {n} designbaserte tester viser {k_sig}", "en": f"Of {n} design-based tests, {k_sig} show"}
        assert lead[lang].replace("\u00a0", " ") in " ".join(words.split()), lang


@pytest.mark.pipeline
def test_the_built_chapter(built):
    check_built_chapter(built.paths.tables, built.paths.reports)
