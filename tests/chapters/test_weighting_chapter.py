"""The weighting chapter's helpers (chapters/weighting.py): the project's weights, the
calibration they travel with (calibration.json), and the chapter's tables and checks.

Synthetic toy frames (not the real one); every expected value is a count or a hand sum.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import weighting as R
from sosiale_kommuner.data import respondents
from sosiale_kommuner.survey import weighting as W


def toy_population(seed=3):
    rng = np.random.default_rng(seed)
    n = 120
    size = pd.Categorical(rng.choice(["< 5 000", "5 000–19 999", "≥ 20 000"], n, p=[0.5, 0.3, 0.2]),
                          categories=["< 5 000", "5 000–19 999", "≥ 20 000"], ordered=True)
    region = pd.Categorical(rng.choice(["A", "B", "C"], n), categories=["A", "B", "C"], ordered=True)
    k = pd.DataFrame({"unit_id": [f"{i:04d}" for i in range(n)], "unit_type": "kommune",
                      "size_class": size, "region": region})
    f = pd.DataFrame({"unit_id": [f"{i:02d}" for i in range(1, 11)], "unit_type": "fylkeskommune",
                      "size_class": pd.Categorical([None] * 10, categories=size.categories, ordered=True),
                      "region": pd.Categorical([None] * 10, categories=region.categories, ordered=True)})
    pop = pd.concat([k, f], ignore_index=True)
    p = np.where(pop.size_class.astype(object) == "≥ 20 000", 0.9, 0.6)
    mapped = rng.random(len(pop)) < p
    cov = pop[["unit_id", "unit_type"]].assign(mapped=mapped, responded=mapped & (rng.random(len(pop)) < p))
    return pop, cov


def test_calibrate_population_weights_sum_to_populations():
    pop, cov = toy_population()
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    t = pw.table
    assert set(respondents.WEIGHTS_COLUMNS) <= set(t.columns)
    assert {"fpc", "calib__size_class", "calib__region", "calib__unit_type"} <= set(t.columns)
    assert t[t.unit_type == "kommune"].weight.sum() == pytest.approx(120, rel=1e-10)
    assert t[t.unit_type == "fylkeskommune"].weight.sum() == pytest.approx(10, rel=1e-10)
    assert len(t) == cov.responded.sum()
    # base weights = N_c / responded_c, and they already sum to the population per cell
    kb = t[t.unit_type == "kommune"].groupby("stratum").base_weight.sum()
    npop = pop[pop.unit_type == "kommune"].size_class.astype(str).value_counts()
    assert np.allclose(kb.sort_index(), npop.sort_index())
    assert pw.municipal.margins.rel_diff.abs().max() < 1e-10
    d = pw.design()
    assert d.has_fpc and d.calibration is not None and d.n == (t.unit_type == "kommune").sum()
    assert pw.stratum_counts["fylkeskommune"] == 10
    dc = pw.design(unit_type="fylkeskommune", fpc=False)
    assert not dc.has_fpc and len(dc.strata_labels) == 1


def test_calibrate_population_weights_errors():
    pop, cov = toy_population()
    with pytest.raises(W.WeightingError, match="without coverage"):
        R.calibrate_population_weights(pop, cov.iloc[1:])
    cov2 = cov.copy()
    cov2.loc[pop.size_class.astype(object) == "≥ 20 000", "responded"] = False
    with pytest.raises(W.EmptyCategoryError, match="≥ 20 000"):
        R.calibrate_population_weights(pop, cov2)


# --- weighting-chapter helpers ------------------------------------------------------------
def test_weighting_report_tables():
    pop, cov = toy_population()
    cov = cov.assign(facebook_page=np.arange(len(cov)) % 2 == 0)
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    u = R.units_table(pop, cov)
    rates = R.coverage_rates(u, "size_class")
    assert rates.N.sum() == 120 and (rates.response_rate <= rates.mapped_rate).all()
    assert R.coverage_rates(u, None).set_index("unit_type").loc["fylkeskommune", "N"] == 10
    bal = R.balance_table(u, pw, columns=("size_class", "region"))
    assert bal.is_margin.all() and bal.diff_weighted.abs().max() < 1e-10
    assert bal.groupby("variable").share_weighted.sum().tolist() == pytest.approx([1.0, 1.0])
    ws = R.weight_summary(pw).set_index("unit_type")
    assert ws.loc["kommune", "sum"] == pytest.approx(120) and ws.loc["fylkeskommune", "cv"] == pytest.approx(0)
    assert ws.loc["kommune", "deff_weighting"] == pytest.approx(1 + ws.loc["kommune", "cv"] ** 2)
    fc = R.flag_check(pw, u).set_index("unit_type")
    assert fc.loc["kommune", "census"] == pytest.approx(0.5)
    assert 0 <= fc.loc["kommune", "ci_low"] <= fc.loc["kommune", "weighted"] <= fc.loc["kommune", "ci_high"] <= 1


def test_truth_coverage_matches_levels_and_options():
    est = pd.DataFrame({"item": ["q1", "q1", "q2", "q3"], "level": ["yes", "no", "opt", "mean"],
                        "domain": ["size_class", "all", "unit_type", "size_class"],
                        "group": ["small", "all", "kommune", "small"], "estimate": [0.5, 0.5, 0.2, 3.0],
                        "ci_low": [0.4, 0.4, 0.1, 2.0], "ci_high": [0.6, 0.6, 0.3, 4.0]})
    truth = {"q1": {"size_class": {"small": {"yes": 0.65}}, "all": {"all": {"no": 0.5}}},
             "q2__opt": {"unit_type": {"kommune": {"proportion": 0.25}}},
             "q3": {"size_class": {"small": {"mean": 3.5}}}}
    cov = R.truth_coverage(est, truth)
    assert cov[["item", "covered"]].values.tolist() == [["q1", False], ["q2", True], ["q3", True]]


def test_margin_choice_rule():
    def flag(w, covered=True):
        return pd.DataFrame({"unit_type": ["kommune"], "census": [0.5], "weighted": [w], "se": [0.03],
                             "covered": [covered]})

    def truth(err):
        return pd.DataFrame({"estimate": [0.5 + err] * 4, "truth": [0.5] * 4, "covered": [True, True, True, False]})

    c = {"base": dict(margins=("a",), flag=flag(0.51), truth=truth(0.02)),
         "more": dict(margins=("a", "b"), flag=flag(0.505), truth=truth(0.01))}
    name, tab, reason = R.margin_choice(c)
    assert name == "more" and tab.chosen.tolist() == [False, True] and "smallest" in reason
    c["more"]["truth"] = truth(0.02 - 5e-5)  # within 1e-4: a tie goes to the simpler weighting
    assert R.margin_choice(c)[0] == "base" and "tie" in R.margin_choice(c)[2]
    c["more"]["truth"] = truth(0.0)
    c["more"]["flag"] = flag(0.7, covered=False)  # best truth but its flag interval misses the census
    assert R.margin_choice(c)[0] == "base"
    no_truth = {k: dict(v, truth=None) for k, v in c.items()}
    no_truth["more"]["flag"] = flag(0.505)
    assert R.margin_choice(no_truth)[0] == "more"


def test_calibration_json_is_written_atomically_and_describes_the_weights(tmp_path):
    pop, cov = toy_population()
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"))
    P = config.paths(None, tmp_path)
    path = R.write_calibration(pw, P)
    assert path == P.processed / "calibration.json" and not list(P.processed.glob(".*tmp"))
    doc = json.loads(path.read_text(encoding="utf-8"))
    k = doc["populations"]["kommune"]
    # the strata's population counts are the frame's, the margins' totals sum to the population
    n_pop = pop[pop.unit_type == "kommune"].size_class.astype(str).value_counts().to_dict()
    assert k["strata"] == {"variable": "size_class", "population": {c: n_pop[c] for c in k["strata"]["population"]}}
    for m in k["margins"]:
        assert sum(c["population"] for c in m["cells"]) == 120
    assert doc["populations"]["fylkeskommune"]["margins"][0]["cells"][0]["population"] == 10
    # base weights N_c / responded_c per cell
    resp = cov.merge(pop, on=["unit_id", "unit_type"])
    resp = resp[resp.responded & (resp.unit_type == "kommune")].size_class.astype(str).value_counts()
    assert k["base_weights"]["cells"] == pytest.approx({c: n_pop[c] / resp[c] for c in resp.index})
    # written twice: the same bytes
    first = path.read_bytes()
    R.write_calibration(pw, P)
    assert path.read_bytes() == first


def test_merged_cells_are_written_as_cells():
    pop, cov = toy_population()
    pw = R.calibrate_population_weights(pop, cov, margins=("size_class", "region"), min_cell=40)
    assert not pw.municipal.collapses.empty
    region = pw.calibration["kommune"]["margins"][1]
    merged = [c for c in region["cells"] if len(c["categories"]) > 1]
    assert merged and merged[0]["cell"] == " + ".join(merged[0]["categories"])
    assert set(pw.table.loc[pw.table.unit_type == "kommune", "calib__region"]) == {c["cell"] for c in region["cells"]}


def test_truth_summary_reports_the_county_domain_apart():
    cov = pd.DataFrame({"item": ["q"] * 5, "level": ["yes"] * 5,
                        "domain": ["unit_type", "unit_type", "unit_type", "size_class", "size_class"],
                        "group": ["kommune", "fylkeskommune", "fylkeskommune", "small", "large"],
                        "estimate": [0.5, 0.6, 0.2, 0.4, 0.5], "ci_low": 0.0, "ci_high": 1.0,
                        "truth": [0.5, 0.5, 0.5, 0.5, 0.5], "covered": [True, False, True, True, True]})
    s = R.truth_summary(cov).set_index("domain")
    assert s.loc["all rows", "rows"] == 5 and s.loc["unit_type", "rows"] == 3
    assert s.loc[R.COUNTY_DOMAIN, "rows"] == 2 and s.loc[R.COUNTY_DOMAIN, "covered"] == 0.5
    assert s.loc[R.COUNTY_DOMAIN, "mean_abs_error"] == pytest.approx((0.1 + 0.3) / 2)
    assert list(s.index)[-1] == R.COUNTY_DOMAIN
