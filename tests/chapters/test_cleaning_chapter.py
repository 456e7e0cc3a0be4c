"""Chapter 02's helpers (chapters/cleaning.py): the cleaning log in words, coverage, item
nonresponse and the scrub of personal data, on small hand-made results (the arithmetic is in
the comments) and the wording filled in from the text layer."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sosiale_kommuner.chapters import cleaning as ch
from sosiale_kommuner.data import cleaning as data_cleaning
from sosiale_kommuner.data import privacy
from sosiale_kommuner.report import text

NB_SPACE = "\u00a0"


def _log(survey: str, rows: list[tuple]) -> list[dict]:
    """Log rows from (code, rows_in, rows_out, repaired)."""
    return [dict(survey=survey, step=i + 1, code=c, rule=c, rows_in=a, rows_out=b, removed=a - b, repaired=r, note="")
            for i, (c, a, b, r) in enumerate(rows)]


def _result() -> data_cleaning.CleaningResult:
    """A main survey of 30 rows: 2 tests, 3 empty starts, 3 units with 7 submissions (4 rows
    removed), 5 kommunenummer repaired; 18 + 3 respondents. A pre-survey of 12 clean rows."""
    main = _log("main", [("read", 30, 30, 1), ("validate", 30, 30, 0), ("tests", 30, 28, 0), ("empty", 28, 25, 0),
                         ("link", 25, 25, 5), ("duplicates", 25, 21, 0), ("recode", 21, 21, 0), ("scrub", 21, 21, 6),
                         ("pseudonymise", 21, 21, 0), ("result", 21, 21, 0)])
    pre = _log("presurvey", [("read", 12, 12, 0), ("validate", 12, 12, 0), ("tests", 12, 12, 0), ("empty", 12, 12, 0),
                             ("link", 12, 12, 0), ("duplicates", 12, 12, 0), ("recode", 12, 12, 0),
                             ("scrub", 12, 12, 0), ("pseudonymise", 12, 12, 0), ("result", 12, 12, 0)])
    log = pd.DataFrame(main + pre, columns=data_cleaning.LOG_COLUMNS)
    dups = pd.DataFrame({"unit_id": ["0101", "0102", "0301"], "submissions": [2, 2, 3],
                         "rule": ["complete", "complete", "submitted"], "undated": [0, 1, 0]})
    none = dups.iloc[:0]
    details = {
        "main": dict(read_repairs=1, link_repairs={"leading_zero": 3, "name": 2, "oslo_county": 0}, duplicates=dups,
                     dont_know=7, scrubbed={"email": 2, "phone": 3, "national_id": 0, "name": 1},
                     respondents={"kommune": 18, "fylkeskommune": 3}),
        "presurvey": dict(read_repairs=0, link_repairs={"leading_zero": 0, "name": 0, "oslo_county": 0},
                          duplicates=none, dont_know=0, scrubbed=dict.fromkeys(("email", "phone", "national_id", "name"), 0),
                          respondents={"kommune": 11, "fylkeskommune": 1}),
    }
    free_text = {"main": {"texts": 10, "flagged": 4, "unexplained": 1, "rate": 0.1, "kinds": {"phone": 1}},
                 "presurvey": {"texts": 0, "flagged": 0, "unexplained": 0, "rate": 0.0, "kinds": {}}}
    return data_cleaning.CleaningResult(pd.DataFrame(), pd.DataFrame({"unit_id": range(12)}), pd.DataFrame(), log,
                                        privacy.Contacts(), free_text, details)


def test_log_values_count_what_the_rules_did():
    v = ch.log_values(_result(), "main")
    assert (v["n_rows"], v["tests"], v["empty"]) == (30, 2, 3)
    # three units, 2 + 2 + 3 = 7 submissions, 7 - 3 = 4 removed; one of them had an undated submission
    assert (v["dup_units"], v["dup_submissions"], v["dup_removed"], v["undated"]) == (3, 7, 4, 1)
    assert (v["link_repaired"], v["leading_zero"], v["by_name"], v["oslo_county"]) == (5, 3, 2, 0)
    assert (v["read_repairs"], v["n_k"], v["n_f"]) == (1, 18, 3)
    assert ch.log_text_keys(v) == ["log_removed", "log_duplicates", "log_undated", "log_link", "log_read_repairs",
                                   "log_result"]
    pre = ch.log_values(_result(), "presurvey")
    assert ch.log_text_keys(pre) == ["log_none_removed", "log_no_duplicates", "log_result"]


def test_the_log_in_words_in_both_languages():
    words = ch.log_markdown(_result(), "main")
    nb, en = words("nb"), words("en")
    assert nb.startswith("Eksporten fra hovedundersøkelsen har 30 rader. Av dem ble 2 fjernet som testsvar og 3 som")
    assert "Valget av innsending ble avgjort for 2 av hvor utfylte innsendingene var og for 1 av når innsendingene " \
           "sist ble endret." in nb
    assert "5 kommunenumre ble rettet da svarene ble knyttet til populasjonen: 3 hadde mistet nullen foran og 2 var " \
           "skrevet som navn i stedet for nummer." in nb           # the kind that repaired nothing is left out
    assert nb.endswith("Igjen står 18 kommuner og 3 fylkeskommuner, med én rad hver.")
    assert "The choice was decided by completeness for 2 and by the time of the last change for 1." in en
    assert "5 municipality numbers were repaired" in en
    pre = ch.log_markdown(_result(), "presurvey")("nb")
    assert "Ingen av dem var testsvar" in pre and "Ingen enhet sendte inn mer enn én gang." in pre


def test_the_log_table_shows_every_rule_in_words():
    t = ch.show_log(_result().log, "main", "nb")
    assert t.headers == ["Regel", "Rader inn", "Rader ut", "Fjernet", "Rettet"]
    assert [r[0] for r in t.rows] == [text.get(ch.STEM, f"rule.{c}", "nb") for c in
                                      ("read", "validate", "tests", "empty", "link", "duplicates", "recode", "scrub",
                                       "pseudonymise", "result")]
    assert t.rows[2][1:] == ["30", "28", "2", "0"]
    assert list(ch.log_table(_result().log).columns) == ch.LOG_TABLE_COLUMNS          # codes and numbers only


def test_duplicates_are_listed_with_names_and_the_deciding_criterion():
    dups = ch.duplicates_table(_result())
    assert dups["survey"].tolist() == ["main"] * 3
    pop = pd.DataFrame({"unit_id": ["0101", "0102", "0301"], "name": ["Halden", "Moss", "Oslo"]})
    t = ch.show_duplicates(dups, pop, "en")
    assert t.rows == [["0101 Halden", "2", "Most complete"], ["0102 Moss", "2", "Most complete"],
                      ["0301 Oslo", "3", "Changed last"]]


SUMMARY = pd.DataFrame({
    "group": ["< 5 000", "5 000–19 999", "≥ 20 000", ch.ALL_MUNICIPALITIES, ch.COUNTY],
    "population": [200, 150, 50, 400, 20], "mapped": [100, 120, 50, 270, 15], "presurvey": [40, 50, 30, 120, 5],
    "main_survey": [50, 80, 40, 170, 10], "both": [20, 30, 20, 70, 3],
})
SUMMARY = SUMMARY.assign(mapped_rate=SUMMARY.mapped / SUMMARY.population, response_rate=SUMMARY.main_survey / SUMMARY.mapped)


def test_coverage_in_numbers_and_words():
    rates = ch.coverage_rates(SUMMARY).set_index(["group", "measure"])["value"]
    assert rates[("< 5 000", "mapped")] == pytest.approx(0.5) and rates[("< 5 000", "answered")] == pytest.approx(0.25)
    v = ch.coverage_values(SUMMARY)
    # 170 / 270 and 10 / 15 of those with a contact; 170 / 400 and 10 / 20 of all
    assert v["k_response"] == pytest.approx(170 / 270) and v["f_response"] == pytest.approx(2 / 3)
    assert v["k_of_population"] == pytest.approx(0.425) and v["f_of_population"] == pytest.approx(0.5)
    assert (v["first_mapped"], v["last_mapped"]) == (pytest.approx(0.5), pytest.approx(1.0))
    assert v["groups"].localize("nb").startswith(f"Kommuner med under 5{NB_SPACE}000 innbyggere: kontaktperson "
                                                 f"funnet 50{NB_SPACE}%, svarte 25{NB_SPACE}%")
    assert ch.mapping_values(SUMMARY) == dict(units=420, k_units=400, k_mapped=270, f_units=20, f_mapped=15)
    t = ch.show_coverage(SUMMARY, "en")
    assert t.rows[3][0] == "All municipalities" and t.rows[4][0] == "County municipalities"
    assert t.rows[0][-1] == "25%"                                                  # 50 of 200 answered


def test_privacy_counts_and_the_false_positive_rate():
    priv = ch.privacy_table(_result())
    assert priv.set_index("survey").loc["main", ["texts", "flagged", "unexplained", "replaced_phone"]].tolist() == [
        10, 4, 1, 3]
    v = ch.privacy_values(priv, [])
    # one unexplained hit among 10 + 0 texts; 2 + 3 + 0 + 1 pieces replaced
    assert (v["all_texts"], v["unexplained"], v["rate"], v["replaced"], v["leaks"]) == (10, 1, 0.1, 6, 0)
    assert text.get(ch.STEM, "privacy", "nb", **v).startswith(
        "Hovedundersøkelsen har 10 fritekstsvar. Detektoren fant personopplysninger i 4 av dem og erstattet 2 "
        "e-postadresser, 3 telefonnumre, 0 fødselsnumre og 1 navn")
    assert "0 fødselsnummer" not in text.get(ch.STEM, "privacy", "nb", **v)


def test_by_area_and_the_zoomed_axis(book):
    answers = pd.DataFrame({"item": ["a", "b", "c"], "area": [1, 1, 2], "missing_share": [0.02, 0.04, 0.01],
                            "dont_know_share": [0.0, 0.06, 0.03], "shown": [10, 10, 10], "missing": [0, 0, 0],
                            "dont_know": [0, 0, 0]})
    by_area = ch.answers_by_area(answers).set_index("area")
    assert by_area.loc[1, "items"] == 2 and by_area.loc[1, "missing_share"] == pytest.approx(0.03)
    assert by_area.loc[1, "dont_know_share"] == pytest.approx(0.03) and by_area.loc[2, "missing_share"] == 0.01
    fig = ch.plot_by_area(by_area.reset_index(), book, "nb")
    # largest share 0.03: the axis ends at the first 2 % step above 1.1 * 0.03 = 0.033, that is 4 %
    assert fig.axes[0].get_xlim() == pytest.approx((0.0, 0.04))
    assert list(fig.axes[0].get_xticks()) == pytest.approx([0.0, 0.02, 0.04])
    plt.close(fig)
    assert ch.most_dont_know(answers, 2)["item"].tolist() == ["b", "c"]
