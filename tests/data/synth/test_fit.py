"""Generator parameters for the simulation appendices (data/synth/fit.py, fit_items.py).

* recovery: on a large synthetic population drawn from known parameters, the estimator gives
  back the planted size-class and county terms of binary and ordinal items within four
  standard errors (the SEs of an independent fit, statsmodels, of the same marginal model)
  plus the stated allowance for the logistic–normal attenuation approximation; its marginal
  fits agree with statsmodels';
* the selection shifts invert the generator's weighted draw without replacement;
* the three sources: "shipped" for the synthetic data, "estimated" for a raw folder without
  generator parameters (from processed files written as notebooks 00, 02 and 03 write them;
  the raw folder is not touched), and a clear error when the processed files are missing.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml
from statsmodels.miscmodels.ordinal_model import OrderedModel

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents as R
from sosiale_kommuner.data import synth
from sosiale_kommuner.data.synth import fit, fit_items
from sosiale_kommuner.data.synth.selection import select_exact
from sosiale_kommuner.files import atomic_write_text, write_parquet

import synth_data

BINARY = ("a1_channels__twitter", "a4_formal_elements__employee_guidelines")
ORDINAL = ("a1_post_frequency", "a7_need_knowledge")
#: Allowance for the attenuation correction (an approximation): 5 % of the planted term.
APPROX = 0.05


@pytest.fixture(scope="module")
def big():
    """30 copies of the 2013 frame (13 380 units, 540 county municipalities), every unit
    answering, drawn from the template's parameters."""
    frame = synth_data.frame2013()
    pop = synth.expand_population(frame, 30)
    tmpl = fit.template_params()
    syn = synth.generate(seed=7, params=tmpl, population=pop, exports=False)
    data = syn.typed("all").merge(pop[["unit_id", "size_class", "centrality", "region"]], on="unit_id")
    return data.assign(weight=1.0), tmpl, list(frame["size_class"].cat.categories)


@pytest.fixture(scope="module")
def recovered(big, book):
    data, tmpl, levels = big
    items, fitted = fit_items.estimate_items(tmpl, data, book, levels, columns=[*BINARY, *ORDINAL])
    return items, fitted


def _reference_fit(data, book, levels, column):
    """statsmodels' unpenalised marginal fit: (size-class terms, centrality, county term) and SEs."""
    it = book.item(column.split("__")[0])
    codes = fit_items.coded(data, it, column)
    ok = ~np.isnan(codes) & (codes != (it.dont_know if it.has_dont_know else -1))
    X = fit_items.group_matrix(data, levels)[ok]
    if it.is_multiple:
        r = sm.Logit(codes[ok], sm.add_constant(X)).fit(disp=0)
        return np.asarray(r.params[1:]), np.asarray(r.bse[1:])
    subs = list(map(float, it.substantive_codes))
    y = np.array([subs.index(v) for v in codes[ok]])
    r = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=0, maxiter=200)
    return np.asarray(r.params[:X.shape[1]]), np.asarray(r.bse[:X.shape[1]])


@pytest.mark.parametrize("column", [*BINARY, *ORDINAL])
def test_estimator_recovers_planted_group_terms(big, recovered, book, column):
    data, tmpl, levels = big
    items, fitted = recovered
    planted = tmpl["items"][column]
    est = items[column]
    ref, se = _reference_fit(data, book, levels, column)
    loading = planted.get("loading", tmpl["defaults"]["loading"])
    scale = np.sqrt(1 + 0.346 * loading ** 2)
    got = np.array([*est["size_class"][1:], est["centrality"], est["fylkeskommune"]])
    want = np.array([*planted["size_class"][1:], planted.get("centrality", 0.0), planted.get("fylkeskommune", 0.0)])
    tol = 4 * se * scale + APPROX * np.abs(want)
    assert np.all(np.abs(got - want) <= tol), (column, got, want, tol)
    # the same marginal model as statsmodels, rescaled by the attenuation factor
    assert np.allclose(got, ref * scale, atol=0.015), (column, got, ref * scale)
    row = fitted.set_index("item").loc[column]
    assert row["source"] == "estimated" and row["n"] > 10_000
    assert est["model"] == planted["model"] and est.get("loading", None) == planted.get("loading", None)


def test_dont_know_share_is_the_weighted_share(big, recovered):
    data, tmpl, _ = big
    items, _ = recovered
    col = data["a1_post_frequency"]
    shown = col.notna()
    want = float((col[shown] == cbm.DONT_KNOW).mean())
    assert items["a1_post_frequency"]["dont_know"] == pytest.approx(want, abs=1e-4)
    assert abs(want - tmpl["defaults"]["dont_know"]) < 0.01


def test_selection_shifts_invert_the_weighted_draw():
    rng = np.random.default_rng(5)
    groups = np.repeat(np.array(["a", "b", "c"]), [20_000, 15_000, 5_000])
    planted = {"a": 0.0, "b": 0.7, "c": 1.4}
    w = np.exp(np.array([planted[g] for g in groups]))
    sel = select_exact(w, 24_000, rng)
    got = fit.selection_shifts(sel, groups, ["a", "b", "c"])
    for g, shift in zip("abc", got):
        n = int((groups == g).sum())
        pi = sel[groups == g].mean()
        # delta method: d/dpi log(-log(1 - pi)) = 1 / ((1 - pi) * -log(1 - pi))
        se = np.sqrt(pi * (1 - pi) / n) / ((1 - pi) * -np.log1p(-pi))
        assert abs(shift - planted[g]) < 4 * np.sqrt(2) * se + 0.02, (g, shift)


def test_template_is_the_shipped_parameter_file():
    """The package's template and the demonstration data's parameters do not drift apart."""
    assert fit.template_params() == synth.load_params(config.DEFAULT_RAW_DIR / "survey" / synth.PARAMS_FILE)


def test_synthetic_data_use_the_shipped_parameters():
    P = config.paths()
    sp = fit.simulation_params(P)
    assert sp.source == "shipped"
    assert sp.params == synth.load_params(P.survey / synth.PARAMS_FILE)


# --- the estimated path ---------------------------------------------------------------------------

OTHER = {"kommune": 150, "fylkeskommune": 9, "presurvey": 120}


@pytest.fixture(scope="module")
def other_root(tmp_path_factory):
    """A raw folder like a real one (no generator parameters, synthetic: false) and an output
    root with the processed files of notebooks 00, 02 and 03, from data drawn with other counts."""
    from sosiale_kommuner.chapters.weighting import calibrate_population_weights

    base = tmp_path_factory.mktemp("fit")
    raw = base / "raw"
    (raw / "survey").mkdir(parents=True)
    shutil.copy(config.DEFAULT_RAW_DIR / config.CODEBOOK_FILE, raw / config.CODEBOOK_FILE)
    (raw / config.SYNTHETIC_FLAG).write_text("synthetic: false\n", encoding="utf-8")
    params = synth.load_params()
    params["response"]["kommune"]["count"] = OTHER["kommune"]
    params["response"]["fylkeskommune"]["count"] = OTHER["fylkeskommune"]
    params["presurvey"]["count"] = OTHER["presurvey"]
    syn = synth.generate(seed=99, params=params, exports=False)
    population = syn.population.assign(unit_type=syn.population["unit_type"].astype(str))
    calibrated = calibrate_population_weights(population, syn.status, margins=("size_class", "region"))
    P = config.paths(raw, base / "out")
    write_parquet(population, P.processed / R.POPULATION_FILE)
    write_parquet(syn.responses(), P.processed / R.RESPONSES_FILE)
    write_parquet(calibrated.table[R.WEIGHTS_COLUMNS], P.processed / R.WEIGHTS_FILE)
    atomic_write_text(P.processed / R.CALIBRATION_FILE, R.calibration_json(calibrated.calibration))
    write_parquet(syn.status, P.processed / fit.COVERAGE_FILE)
    pre = syn.status.loc[syn.status["presurvey"], ["unit_id", "unit_type"]]
    write_parquet(pre.reset_index(drop=True), P.processed / fit.PRESURVEY_FILE)
    return P, syn


def test_data_without_generator_parameters_are_estimated(other_root):
    P, syn = other_root
    before = sorted(p.relative_to(P.raw).as_posix() for p in P.raw.rglob("*"))
    sp = fit.simulation_params(P)
    assert sorted(p.relative_to(P.raw).as_posix() for p in P.raw.rglob("*")) == before
    assert sp.source == "estimated"
    assert sp.params["response"]["kommune"]["count"] == OTHER["kommune"]
    assert sp.params["response"]["fylkeskommune"]["count"] == OTHER["fylkeskommune"]
    assert sp.params["presurvey"]["count"] == OTHER["presurvey"]
    st = syn.status
    assert sp.params["coverage"]["kommune"]["count"] == int((st["mapped"] & (st["unit_type"] == "kommune")).sum())
    # every typed main-survey column is estimated; the pre-survey-only ones keep the template
    book = cbm.load_codebook(P.raw)
    f = sp.fitted.set_index("item")
    main_cols = [c for it in book.items(survey="main") if it.type != "text" and it.id != "bg_unit_type"
                 for c in it.columns]
    assert (f.loc[main_cols, "source"] == "estimated").all()
    assert set(f.loc[f["source"] == "template"].index) == {"pre_plans_expand", "pre_main_contact_ok"}
    assert set(sp.fitted.columns) == {"item", "model", "n", "source", "terms", "note"}
    # the estimated parameters drive the generator
    again = synth.generate(seed=1, params=sp.params, exports=False)
    assert int(again.status["responded"].sum()) == OTHER["kommune"] + OTHER["fylkeskommune"]


def test_estimation_is_deterministic(other_root):
    P, _ = other_root
    a, b = fit.simulation_params(P), fit.simulation_params(P)
    assert yaml.safe_dump(a.params) == yaml.safe_dump(b.params)
    pd.testing.assert_frame_equal(a.fitted, b.fitted)


def test_missing_processed_files_raise_a_clear_error(tmp_path):
    raw = tmp_path / "raw"
    (raw / "survey").mkdir(parents=True)
    (raw / config.SYNTHETIC_FLAG).write_text("synthetic: false\n", encoding="utf-8")
    with pytest.raises(R.SurveyDataError) as err:
        fit.simulation_params(config.paths(raw, tmp_path / "out"))
    text = str(err.value)
    for name in ("responses.parquet", "weights.parquet", "calibration.json", "population.parquet"):
        assert name in text
    assert "run notebooks 00_population, 02_cleaning, 03_weighting first" in text
