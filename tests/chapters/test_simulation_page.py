"""Chapter 11's text values: verdicts, the closing's numbers, and both languages' texts filled in."""
import re

import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import simulation_page as ch
from sosiale_kommuner.report import text


def test_fdp_verdict_and_dependence_kind():
    assert ch.fdp_verdict(pd.Series({"mean_fdp": 0.03, "ci_low": 0.01, "bh_bound": 0.04})) == "within"
    assert ch.fdp_verdict(pd.Series({"mean_fdp": 0.05, "ci_low": 0.03, "bh_bound": 0.04})) == "mc"
    assert ch.fdp_verdict(pd.Series({"mean_fdp": 0.20, "ci_low": 0.10, "bh_bound": 0.04})) == "above"
    assert ch.dependence_kind(pd.Series({"mean_correlation": 0.01})) == "independent"
    assert ch.dependence_kind(pd.Series({"mean_correlation": 0.20})) == "positive"
    assert ch.dependence_kind(pd.Series({"mean_correlation": -0.06})) == "negative"


def test_heavy_tails():
    tails = pd.DataFrame({"comparison": ["size_class", "unit_type"], "threshold": [0.001, 0.001],
                          "ci_low": [0.0, 0.002]})
    assert ch.heavy_tails(tails) == ["unit_type"]
    assert ch.tail_verdict(tails).localize("nb").startswith("For fylkeskommuner mot kommuner er halen tyngre")
    assert ch.tail_verdict(tails.assign(ci_low=0.0)).localize("en").startswith("The tail is consistent")


def test_intro_values_count_from_the_inputs():
    from sosiale_kommuner.chapters.item_tests import ColumnSpec

    specs = [ColumnSpec(c, c, 1, "binary") for c in ("a", "b", "c", "d")]
    pop = pd.DataFrame({"unit_type": [config.KOMMUNE] * 5 + [config.FYLKESKOMMUNE] * 2})
    v = ch.intro_values(specs, {"size_class": {"a", "b", "c"}, "unit_type": {"a"}}, pop, replicates=20,
                        tests=100, process_reps=10, alpha=0.05)
    assert (v["columns"], v["planted_sc"], v["planted_ut"], v["units"], v["n_k"], v["n_f"]) == (4, 1, 3, 70, 5, 2)


def test_county_respondents_is_the_mean_largest_base():
    county = pd.DataFrame({"scenario": "planted", "replicate": [0, 0, 1, 1], "n": [9, 11, 12, 4]})
    assert ch.county_respondents(county) == 11.5


def _summaries():
    cmps = ["size_class", "unit_type"]
    return dict(
        overall=pd.DataFrame({"comparison": cmps, "rate": [0.049, 0.051], "ci_low": [0.047, 0.048],
                              "ci_high": [0.051, 0.054], "half_width": [0.002, 0.003]}),
        tails=pd.DataFrame({"comparison": cmps, "threshold": 0.001, "share": [0.001, 0.0012], "ratio": [1.0, 1.2],
                            "ci_low": [0.0008, 0.0009]}),
        fdp=pd.DataFrame({"comparison": cmps, "mean_fdp": [0.03, 0.06], "ci_low": [0.02, 0.04],
                          "half_width": [0.01, 0.01], "bh_bound": [0.04, 0.045]}),
        dependence=pd.DataFrame({"comparison": cmps, "mean_correlation": [0.01, 0.2], "share_positive": [0.5, 0.6],
                                 "dispersion_ratio": [1.02, 1.1]}),
        power=pd.DataFrame({"smoothed_power": [1.0, 0.995, 0.5]}),
        power_summary=pd.DataFrame({"comparison": cmps, "power": [0.8, 0.4], "half_width": [0.01, 0.02],
                                    "power_bh": [0.7, 0.2]}),
        coverage_summary=pd.DataFrame({"scenario": ["planted", "planted", "null", "null"], "comparison": cmps * 2,
                                       "coverage": [0.94, 0.93, 0.5, 0.5], "half_width": [0.002, 0.003, 0, 0]}),
        county_summary=pd.DataFrame({"scenario": ["planted", "planted", "null", "null"],
                                     "interval": ["published", "analytic"] * 2, "proportions": 190,
                                     "coverage": [0.95, 0.949, 0.1, 0.1], "half_width": [0.004, 0.004, 0, 0]}),
        replicates=1000, n_f=17, county_n=10.4)


def test_closing_values_and_texts():
    v = ch.closing_values(_summaries(), alpha=0.05)
    assert v["rate_sc"] == 0.049 and v["ci_ut"] == (0.048, 0.054) and v["strong"] == 2 and v["planted"] == 3
    assert v["cov_sc"] == 0.94 and v["cp"] == 0.95 and v["ca"] == 0.949     # the planted scenario's rows
    nb, en = (re.sub(r"[ \n]+", " ", text.get(ch.STEM, "closing", lang, **v)) for lang in ("nb", "en"))
    assert "4,9\u00a0%" in nb and "4,7–5,1 %" in nb and "±0,20 prosentpoeng" in nb and "1\u00a0000 simulerte" in nb
    assert "4.9%" in en and "4.7–5.1%" in en and "±0.20 percentage points" in en and "1,000 simulated" in en
    assert "innenfor grensen" in nb and "over grensen i gjennomsnitt" in nb      # 0.03 <= 0.04; 0.06 > 0.045
    assert "positively dependent on average" in en and "alle 17 fylkeskommunene" in nb and "10.4 county" in en
    assert en.count(" * ") == nb.count(" * ") == 5
    for lang in ("nb", "en"):
        assert "{" not in text.get(ch.STEM, "closing", lang, **v)


@pytest.mark.parametrize("key", ["intro", "design", "run", "null", "tail", "fdp", "power", "coverage", "county",
                                 "params_shipped", "params_estimated"])
def test_section_texts_fill_in(key):
    values = dict(columns=97, alpha=0.05, n_k=190, n_f=13, process_reps=250, units=50_750, replicates=20,
                  tests=3_000, planted_sc=27, planted_ut=32, threshold=0.001, county_n=9.5)
    for lang in ("nb", "en"):
        words = text.get(ch.STEM, key, lang, **{k: values[k] for k in text.fields(text.raw(ch.STEM, key, lang))})
        assert "synthetic" not in words.lower() and "syntetisk" not in words.lower()
