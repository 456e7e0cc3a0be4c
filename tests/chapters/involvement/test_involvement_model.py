"""Chapter 10's model (involvement.model): its model matrix by hand, and the fit on the
synthetic sample against R ``svyglm`` on the same data and design (oracle/reference.json)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.report import results

import involvement_sample

ORACLE = Path(__file__).parent / "oracle"


@pytest.fixture(scope="module")
def ref():
    """R's values on the same sample (oracle/make_reference.R; calibrated design as in Python)."""
    return json.loads((ORACLE / "reference.json").read_text(encoding="utf-8"))



def _r_term(term: str) -> str:
    """R's name of a model column: ``size_class=≥ 20 000`` -> ``size_class≥ 20 000``."""
    return term.replace("=", "") if term.startswith(("size_class=", "centrality=")) else term


@pytest.mark.oracle
@pytest.mark.parametrize("dont_know, block", [("exclude", "model"), ("no", "model_dont_know_as_no")])
def test_model_matches_r_svyglm(ref, dont_know, block):
    sample = involvement_sample.make_sample()
    _, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    res = inv.fit_model(k, dont_know=dont_know, diagnostics=False)
    r = ref[block]
    assert [_r_term(t) for t in res.fit.names] == r["terms"]
    assert res.n == r["n"] and res.fit.df_resid == r["residual_df"]
    # R's raked weights agree with ours to 7e-11 (relative): 1e-8 leaves room, no more
    np.testing.assert_allclose(res.fit.coef, r["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(res.fit.se, r["se"], rtol=1e-8)
    coef = res.table[res.table["kind"] == "coef"]
    np.testing.assert_allclose(coef["p_value"], r["p_value"], rtol=1e-6)
    if dont_know == "exclude":
        tt = inv.fit_model(k).term_tests.set_index("term")
        for term in ("size_class", "centrality", "strategy_adopted"):
            rt = r[f"regTermTest_{term}"]
            assert tt.loc[term, "F"] == pytest.approx(rt["F"], rel=1e-8), term
            assert (tt.loc[term, "df1"], tt.loc[term, "df2"]) == (rt["df"], rt["ddf"])
            assert tt.loc[term, "p_value"] == pytest.approx(rt["p_value"], rel=1e-6)


def test_model_matrix_by_hand():
    d = pd.DataFrame({
        "size_class": pd.Categorical(["< 5 000", "≥ 20 000", "5 000–19 999", "≥ 20 000"],
                                     categories=["< 5 000", "5 000–19 999", "≥ 20 000"], ordered=True),
        "centrality": pd.array([0, 3, 3, pd.NA], dtype="Int64"),
        "strategy_adopted": [1.0, 0.0, 1.0, 0.0], "formal_elements": [2.0, 0.0, np.nan, 1.0],
        "admin_leadership": [3.0, 4.0, 5.0, 1.0], "political_leadership": [1.0, 2.0, 3.0, 4.0],
        "comm_fte": [0.5, 1.0, 2.0, 3.0],
    })
    X, complete, groups, terms = inv.model_matrix(d)
    assert list(complete) == [True, True, False, False]     # row 2: no formal elements; row 3: no centrality
    # centrality 1 and 2 have no complete row: dropped; "5 000–19 999" only on an incomplete row: dropped
    assert X.attrs["dropped"] == ["size_class=5 000–19 999", "centrality=1", "centrality=2"]
    assert list(X.columns) == ["(Intercept)", "size_class=≥ 20 000", "centrality=3", *inv.NUMERIC_TERMS]
    np.testing.assert_array_equal(X["size_class=≥ 20 000"], [0, 1, 0, 1])
    np.testing.assert_array_equal(X["centrality=3"], [0, 1, 1, 0])
    assert groups == {"size_class": ["size_class=≥ 20 000"], "centrality": ["centrality=3"]}
    assert terms["comm_fte"] == ["comm_fte"]


def test_dont_know_option_is_checked():
    sample = involvement_sample.make_sample()
    _, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    with pytest.raises(ValueError, match="'exclude' or 'no'"):
        inv.fit_model(k, dont_know="yes")


def test_model_table_schema_and_diagnostics():
    sample = involvement_sample.make_sample()
    cb, pop, data = sample
    k, _ = inv.designs(data, pop, fpc=False)
    assert not k.has_fpc
    res = inv.fit_model(k)
    results.check_schema(res.table, "models")
    assert set(res.table["kind"]) == {"ame", "coef"}
    ame_terms = res.table.loc[res.table["kind"] == "ame", "term"].tolist()
    assert "(Intercept)" not in ame_terms and "strategy_adopted" in ame_terms
    assert any(t.startswith("centrality=") for t in ame_terms)
    assert (res.table["n"] == res.n).all()
    # the model's rows: users with a yes/no answer and complete covariates
    kd = k.data
    expect = (kd["involved"].notna() & kd[list(inv.NUMERIC_TERMS)].notna().all(axis=1)).sum()
    assert res.n == expect
    assert res.fit.converged and not res.fit.separation
    assert 0 <= res.gof["p_value"] <= 1 and res.gof["df1"] == res.gof["groups"] - 1
    assert np.isclose(res.calibration["n"].sum(), res.n)
    assert (res.vif["gvif"] >= 1 - 1e-9).all() and res.condition_number >= 1
    # AME CIs use the model's residual df
    q = stats.t.isf(0.025, res.fit.df_resid)
    a = res.ame.iloc[0]
    assert a["ci_high"] - a["estimate"] == pytest.approx(q * a["se"])
    # "Vet ikke" as "no" uses more (or as many) rows
    sens = inv.fit_model(k, dont_know="no", diagnostics=False)
    assert sens.n >= res.n


