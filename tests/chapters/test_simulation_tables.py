"""Chapter 11's tables for readers: words for codes, a rate and its interval in one cell, the locale."""
import pandas as pd

from sosiale_kommuner.chapters import simulation_tables as tab


def _overall():
    return pd.DataFrame({"comparison": ["size_class", "unit_type"], "tests_per_replicate": [81, 34],
                         "replicates": 1000, "rate": [0.049, 0.0512], "ci_low": [0.044, 0.0481],
                         "ci_high": [0.054, 0.0543], "half_width": [0.0021, 0.00315], "any_rejection": [0.98, 0.8]})


def test_null_rejection_table_in_both_languages():
    nb, en = tab.null_rejection_table(_overall(), "nb"), tab.null_rejection_table(_overall(), "en")
    assert nb.rows[0] == ["Kommunestørrelse", "81", "4,9\u00a0% (4,4–5,4)", "0,21", "98,0\u00a0%"]
    assert en.rows[1] == ["County municipalities and municipalities", "34", "5.1% (4.8–5.4)", "0.32", "80.0%"]
    assert nb.headers[2] == "Andel som forkaster (95 % MC-intervall)"
    assert en.headers[3] == "± percentage points (Monte Carlo)"


def test_tail_fdp_dependence_power_tables():
    tails = pd.DataFrame({"comparison": ["unit_type"], "threshold": [0.005], "tests": [12_345], "below": [70],
                          "share": [0.00567], "ci_low": [0.00442], "ci_high": [0.00716], "ratio": [1.134]})
    assert tab.tail_table(tails, "nb").rows[0] == ["Fylkeskommuner og kommuner", "0,005", "12\u00a0345", "70",
                                                  "0,57\u00a0% (0,44–0,72)", "1,1"]
    fdp = pd.DataFrame({"comparison": ["size_class"], "tests": [97], "true_nulls": [70], "mean_fdp": [0.031],
                        "ci_low": [0.027], "ci_high": [0.035], "half_width": [0.004], "bh_bound": [0.0361],
                        "mean_discoveries": [7.25], "mean_false_discoveries": [0.214]})
    assert tab.fdp_table(fdp, "en").rows[0] == ["Municipality size", "97", "70", "3.1% (2.7–3.5)", "0.40", "3.6%",
                                                "7.2"]
    dep = pd.DataFrame({"comparison": ["size_class"], "tests": [80], "mean_correlation": [-0.0123],
                        "share_positive": [0.47], "min_correlation": [-0.61], "max_correlation": [0.9],
                        "dispersion_ratio": [1.234]})
    assert tab.dependence_table(dep, "nb").rows[0] == ["Kommunestørrelse", "80", "\u22120,012", "47\u00a0%",
                                                      "\u22120,61", "+0,90", "1,23"]
    pws = pd.DataFrame({"comparison": ["unit_type"], "tests": [30], "power": [0.229], "ci_low": [0.158],
                        "ci_high": [0.3], "half_width": [0.0708], "power_bh": [0.041], "half_width_bh": [0.0807]})
    assert tab.power_table(pws, "en").rows[0] == ["County municipalities and municipalities", "30", "22.9% (15.8–30.0)",
                                                  "7.08", "4.1%", "8.07"]
    assert len(set(tab.power_table(pws, "nb").headers)) == 6          # no header twice


def test_coverage_and_county_tables_name_the_codes():
    cs = pd.DataFrame({"scenario": ["null"], "comparison": ["size_class"], "columns": [97], "coverage": [0.951],
                       "ci_low": [0.948], "ci_high": [0.954], "half_width": [0.003], "below": [2], "above": [0]})
    assert tab.coverage_table(cs, "nb").rows[0] == ["Global nullhypotese", "Kommunestørrelse", "97",
                                                   "95,1\u00a0% (94,8–95,4)", "0,30", "2", "0"]
    cty = pd.DataFrame({"scenario": ["planted"], "interval": ["published"], "proportions": [190],
                        "coverage": [0.9], "ci_low": [0.89], "ci_high": [0.91], "half_width": [0.01], "below": [3],
                        "above": [1]})
    row = tab.county_table(cty, "en").rows[0]
    assert row[:2] == ["Planted differences", "Published, with the finite population correction (target the "
                                              "dataset's value)"]
    assert row[3] == "90.0% (89.0–91.0)"
