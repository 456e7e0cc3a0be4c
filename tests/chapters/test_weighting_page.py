"""What a reader sees of the weighting chapter (chapters/weighting_page.py): numbers and codes in
words of both languages, the margin choice and the design's variance said from the data."""
from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import weighting as R
from sosiale_kommuner.chapters import weighting_page as P
from sosiale_kommuner.chapters import weighting_tables as T
from sosiale_kommuner.report import text

from weighting_toy import toy_population

MACHINE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def test_small_numbers_and_margins_in_words():
    assert P.scientific(2.5e-11, "nb") == "2,5 · 10⁻¹¹" and P.scientific(2.5e-11, "en") == "2.5 · 10⁻¹¹"
    assert P.scientific(1e-10, "nb") == "10⁻¹⁰" and P.scientific(0.0, "en") == "0"
    assert P.margins_words("size_class + region", "nb") == "kommunestørrelse og landsdel"
    assert P.margins_words(("size_class", "region", "centrality"), "en") == "municipality size, region and centrality"
    assert P.group_words("centrality", 3, "nb") == "3 Sentrale kommuner"
    assert P.group_words("size_class", "< 5 000", "en") == "Under 5,000 inhabitants"
    assert P.group_words("unit_type", "fylkeskommune", "nb") == "Fylkeskommuner"


def _choice(truth_errors, flags=(0.51, 0.505), covered=(True, True)):
    def flag(w, c):
        return pd.DataFrame({"unit_type": ["kommune"], "census": [0.5], "weighted": [w], "se": [0.03], "covered": [c]})

    def truth(err):
        return None if err is None else pd.DataFrame({"estimate": [0.5 + err] * 2, "truth": [0.5] * 2,
                                                      "covered": [True, True]})
    return {"base": dict(margins=("size_class", "region"), flag=flag(flags[0], covered[0]), truth=truth(truth_errors[0])),
            "with_centrality": dict(margins=("size_class", "region", "centrality"), flag=flag(flags[1], covered[1]),
                                    truth=truth(truth_errors[1]))}


def test_the_decision_in_words():
    # mean absolute errors 0.02 and 0.01: the second wins, 1,000 against 2,000 points
    nb = P.decision_markdown(R.choose_margins(_choice((0.02, 0.01))))("nb")
    assert nb == ("Kontrollene valgte vektingen etter kommunestørrelse, landsdel og sentralitet: Den har minst "
                  "gjennomsnittlig avvik fra populasjonsverdiene, 1,000 prosentpoeng mot 2,000.")
    # within 1e-4 (0.01 points): the simpler one, and both errors are given
    en = P.decision_markdown(R.choose_margins(_choice((0.02, 0.02 - 5e-5))))("en")
    assert "2.000 percentage points by municipality size and region and 1.995 by municipality size, region and " \
           "centrality" in en and "below 0.01 percentage points" in en
    # the better one's Facebook-page interval misses: left out, and said so
    left_out = P.decision_markdown(R.choose_margins(_choice((0.02, 0.0), covered=(True, False))))("nb")
    assert "Vektingen etter kommunestørrelse, landsdel og sentralitet ble holdt utenfor" in left_out
    # without population values the Facebook-page error decides: 0,50 against 1,00 points
    flag = P.decision_markdown(R.choose_margins(_choice((None, None))))("nb")
    assert "nærmest tellingen av facebooksider, 0,50 prosentpoeng unna mot 1,00" in flag
    forced = P.decision_markdown(R.choose_margins(_choice((0.02, 0.01)), False))("en")
    assert forced.endswith("the weights used are calibrated to municipality size and region.")


def _pw(variance: str, base_weights):
    return SimpleNamespace(municipal=SimpleNamespace(calibration=SimpleNamespace(variance=variance)),
                           table=pd.DataFrame({"unit_type": "kommune", "base_weight": base_weights}))


def test_the_variance_is_said_as_the_design_computes_it():
    t = lambda key, lang="nb": text.get(P.STEM, key, lang)  # noqa: E731
    words = P.variance_markdown(_pw("calibrate", [3.4, 1.65, 1.2]))("nb")
    assert words == " ".join([t("variance"), t("variance_calibrate"), t("variance_unequal_base")])
    assert "vektet med grunnvektene" in words
    assert P.variance_markdown(_pw("rake", [2.0, 2.0]))("en") == " ".join(
        [t("variance", "en"), t("variance_rake", "en"), t("variance_equal_base", "en")])
    pop, cov = toy_population()
    real = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    assert real.municipal.calibration.variance == "calibrate"               # what the chapter's weights carry
    assert t("variance_calibrate") in P.variance_markdown(real)("nb")


def test_tables_figures_and_closing_on_a_toy():
    pop, cov = toy_population()
    cov = cov.assign(facebook_page=np.arange(len(cov)) % 2 == 0)
    units = R.units_table(pop, cov)
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    rates = T.rates_table(units, ("size_class", "region"))
    checks = {"base": dict(margins=pw.margins, flag=R.flag_check(pw, units), truth=None)}
    choice = R.choose_margins(checks)
    summary = T.weight_summary(pw)
    for lang in ("nb", "en"):
        for table in (P.show_rates(rates, lang), P.show_base_cells(pw.base_cells, lang),
                      P.show_choice(choice.table, lang, False), P.show_flag(T.flag_table(checks), lang),
                      P.show_summary(summary, lang), P.show_balance(T.balance_table(units, pw, ("size_class",)), lang)):
            assert not [h for h in table.headers if MACHINE.match(h)], table.headers
            assert not [c for row in table.rows for c in row if c in ("True", "False", "nan") or MACHINE.match(c)]
    fig = P.plot_weights(pw, "nb")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    n_f = int((pw.table.unit_type == "fylkeskommune").sum())
    assert legend == ["Under 5 000 innbyggere", "5 000–19 999 innbyggere", "20 000 innbyggere og flere",
                      f"Fylkeskommunene ({n_f} svar)"]
    plt.close(fig)
    wvu = pd.DataFrame({"level": ["yes", "no", "mean"], "difference": [0.05, -0.02, 3.0]})
    v = P.closing_values(rates, pw, choice, checks, summary, wvu, None)
    assert v["truth_line"] == "" and v["max_diff"] == 0.05 and v["median_diff"] == pytest.approx(0.035)
    fb = checks["base"]["flag"].set_index("unit_type").loc["kommune"]
    assert v["flag_verdict"].localize("nb") == text.get(P.STEM, "closing_flag_covers" if fb.covered
                                                        else "closing_flag_misses", "nb")
    tsum = pd.DataFrame({"domain": ["all", "kommune", "fylkeskommune"], "rows": [10, 8, 2],
                         "covered": [0.9, 0.875, 1.0], "mean_abs_error": [0.05, 0.04, 0.09]})
    line = P.closing_values(rates, pw, choice, checks, summary, wvu, tsum)["truth_line"].localize("en")
    assert line.startswith("\n* Check (b): 90.0% of 10 intervals") and "alone, 100.0% of 2 intervals" in line
    closing = text.get(P.STEM, "closing", "nb", **v)
    assert closing.count("\n* ") == 4 and f"{int(summary.set_index('unit_type').loc['kommune', 'n'])} svar)" in closing


def test_the_introduction_says_not_at_random_only_when_the_data_show_it():
    rates = pd.DataFrame({"by": ["unit_type", "unit_type", "size_class", "size_class"],
                          "unit_type": ["kommune", "fylkeskommune", "kommune", "kommune"],
                          "group": ["kommune", "fylkeskommune", "< 5 000", "≥ 20 000"], "N": [300, 18, 200, 100],
                          "mapped": [200, 15, 100, 100], "responded": [120, 11, 50, 70],
                          "mapped_rate": [2 / 3, 15 / 18, 0.5, 1.0], "response_rate_mapped": [0.6, 11 / 15, 0.5, 0.7],
                          "response_rate": [0.4, 11 / 18, 0.25, 0.7]})
    v = P.intro_values(rates, "centrality", has_truth=False)
    assert (v["k_resp"], v["k_pop"], v["f_resp"], v["f_pop"]) == (120, 300, 11, 18)
    assert v["skew"].localize("nb") == ("Svarene er ikke tilfeldig fordelt: Kommunene med under 5\u00a0000 innbyggere "
                                        "ble sjeldnere funnet i kartleggingen enn kommunene med 20\u00a0000 innbyggere "
                                        "og flere (50\u00a0% mot 100\u00a0%), og de svarte sjeldnere (50\u00a0% mot "
                                        "70\u00a0% av dem med kontaktperson).")
    assert v["checks"].localize("en").startswith("one check the weights are not fitted to")
    even = rates.assign(response_rate_mapped=[0.6, 0.7, 0.7, 0.7])        # answering as often: no claim
    assert P.intro_values(even, "centrality", True)["skew"].localize("nb") == text.get(P.STEM, "skew.other", "nb")
