"""Per-item weighted estimates (item_estimates): hand-checked values, each row's degrees of
freedom (docs/contracts.md §7: the PSUs minus the strata among the respondents in the row's
base), and the table schema."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sosiale_kommuner.chapters import item_estimates
from sosiale_kommuner.chapters.item_estimates import MEAN, MEAN_SCORE, TOP2, item_rows
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents
from sosiale_kommuner.report import results
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.design import SurveyDesign


@pytest.fixture(scope="module")
def cb():
    return cbm.load_codebook()


def _rows(rows):
    return {r["level"]: r for r in rows}


def _expit(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------- hand data
#: 10 respondents, one stratum: 4 yes, 4 no, 2 "Vet ikke" (a2_crisis_plan: yes/no/dont_know).
CRISIS = ["yes"] * 4 + ["no"] * 4 + ["dont_know"] * 2


def _design(cb, values, item="a2_crisis_plan", weights=1.0, fpc=None, extra=None):
    it = cb.item(item)
    d = pd.DataFrame({item: pd.Categorical(values, dtype=it.dtype)})
    if extra:
        d = d.assign(**extra)
    return SurveyDesign(d, np.full(len(d), weights) if np.isscalar(weights) else weights, fpc=fpc)


def test_dont_know_leaves_the_denominator_and_ses_follow_the_domain_formula(cb):
    """p(yes) = 4/8; SE^2 = n/(n-1) * sum_base (y - p)^2 / n_base^2 with n = 10 rows (R svyby);
    the interval uses the base's df: 8 respondents in one stratum, df = 7 (R svyciprop on
    subset(d, answered))."""
    rows = _rows(item_rows(_design(cb, CRISIS), cb.item("a2_crisis_plan")))
    yes, no, dk = rows["yes"], rows["no"], rows["dont_know"]
    assert yes["estimate"] == pytest.approx(0.5) and no["estimate"] == pytest.approx(0.5)
    assert yes["n_unweighted"] == 8 and dk["n_unweighted"] == 10
    se = np.sqrt(10 / 9 * (8 * 0.25) / 8 ** 2)
    assert yes["se"] == pytest.approx(se, rel=1e-12)
    # logit interval with df = 8 - 1 (the "Vet ikke" answers are outside the base)
    assert yes["df"] == 7 and dk["df"] == 9
    half = stats.t.isf(0.025, 7) * se / 0.25
    assert yes["ci_low"] == pytest.approx(_expit(-half), rel=1e-12)
    assert yes["ci_high"] == pytest.approx(_expit(half), rel=1e-12)
    # "Vet ikke": 2 of 10 who answered, on the base including it
    assert dk["estimate"] == pytest.approx(0.2)
    assert dk["se"] == pytest.approx(np.sqrt(10 / 9 * (2 * 0.8 ** 2 + 8 * 0.2 ** 2) / 10 ** 2), rel=1e-12)
    assert set(rows) == {"yes", "no", "dont_know"}


def test_item_nonresponse_is_outside_every_base(cb):
    vals = CRISIS + [None, None]
    rows = _rows(item_rows(_design(cb, vals), cb.item("a2_crisis_plan")))
    assert rows["yes"]["n_unweighted"] == 8 and rows["dont_know"]["n_unweighted"] == 10
    assert rows["dont_know"]["estimate"] == pytest.approx(0.2)
    # the two empty rows still count as PSUs of the stratum: 12/11 instead of 10/9
    assert rows["yes"]["se"] == pytest.approx(np.sqrt(12 / 11 * 2 / 64), rel=1e-12)


def test_fpc_and_equal_weights(cb):
    """Weights N/n = 4 and fpc N = 40: same estimate, variance times (1 - 10/40)."""
    rows = _rows(item_rows(_design(cb, CRISIS, weights=4.0, fpc=40), cb.item("a2_crisis_plan")))
    assert rows["yes"]["estimate"] == pytest.approx(0.5)
    assert rows["yes"]["se"] == pytest.approx(np.sqrt(0.75 * 10 / 9 * 2 / 64), rel=1e-12)
    assert rows["yes"]["n_weighted"] == pytest.approx(32.0)
    assert rows["dont_know"]["n_weighted"] == pytest.approx(40.0)


def test_unequal_weights_estimate(cb):
    w = np.array([1, 1, 1, 1, 3, 3, 3, 3, 2, 2], dtype=float)
    rows = _rows(item_rows(_design(cb, CRISIS, weights=w), cb.item("a2_crisis_plan")))
    assert rows["yes"]["estimate"] == pytest.approx(4 / 16)
    assert rows["dont_know"]["estimate"] == pytest.approx(4 / 20)


def test_likert_levels_top2_and_mean_score(cb):
    it = cb.item("a8_aware_others")   # extent5 with "Vet ikke"
    vals = ["very_small", "small", "some", "some", "large", "very_large", "very_large", "dont_know", None]
    rows = _rows(item_rows(_design(cb, vals, item=it.id), it))
    assert [r for r in rows] == it.substantive_keys + [TOP2, MEAN_SCORE, "dont_know"]
    assert rows["some"]["estimate"] == pytest.approx(2 / 7)
    assert rows[TOP2]["estimate"] == pytest.approx(3 / 7)
    scores = np.array([1, 2, 3, 3, 4, 5, 5], dtype=float)
    m = scores.mean()
    assert rows[MEAN_SCORE]["estimate"] == pytest.approx(m)
    se = np.sqrt(9 / 8 * ((scores - m) ** 2).sum() / 7 ** 2)
    assert rows[MEAN_SCORE]["se"] == pytest.approx(se, rel=1e-12)
    t = stats.t.isf(0.025, 6)  # 7 scored answers in one stratum
    assert rows[MEAN_SCORE]["df"] == 6 and rows["dont_know"]["df"] == 7
    assert rows[MEAN_SCORE]["ci_low"] == pytest.approx(m - t * se, rel=1e-12)
    assert rows["dont_know"]["estimate"] == pytest.approx(1 / 8)
    assert sum(rows[k]["estimate"] for k in it.substantive_keys) == pytest.approx(1.0)


def test_multiple_choice_options_and_numeric_mean(cb):
    it = cb.item("a8_collab_with")
    n = 6
    extra = {o.column: pd.array([True, False, True, None, False, False], dtype="boolean") for o in it.options}
    extra["a1_n_accounts"] = pd.array([1, 2, 3, None, 4, 10], dtype="Int64")
    d = _design(cb, ["yes"] * n, item="a8_collaborates", extra=extra)
    rows = _rows(item_rows(d, it))
    assert list(rows) == [o.key for o in it.options]
    assert rows["neighbours"]["estimate"] == pytest.approx(2 / 5)
    assert rows["neighbours"]["n_unweighted"] == 5
    num = _rows(item_rows(d, cb.item("a1_n_accounts")))[MEAN]
    assert num["estimate"] == pytest.approx(4.0) and num["n_unweighted"] == 5


def test_domain_rows_equal_estimation_proportions_by_domain(cb):
    """Setting y missing outside a group (how item_rows does domains) is R's svyby."""
    g = np.array(["a"] * 5 + ["b"] * 5)
    vals = ["yes", "no", "yes", "dont_know", "no", "no", "no", "yes", "yes", "yes"]
    d = _design(cb, vals, extra={"g": g, "sub": pd.Series(vals).where(lambda s: s != "dont_know")})
    ref = estimation.proportions(d, "sub", domain="g", levels=["yes", "no"])
    for grp in ("a", "b"):
        rows = _rows(item_rows(d, cb.item("a2_crisis_plan"), mask=(g == grp)))
        r = ref[(ref["group"] == grp) & (ref["level"] == "yes")].iloc[0]
        assert rows["yes"]["estimate"] == pytest.approx(r["estimate"], rel=1e-12)
        assert rows["yes"]["se"] == pytest.approx(r["se"], rel=1e-12)
        assert rows["yes"]["ci_low"] == pytest.approx(r["ci_low"], rel=1e-12)


def test_empty_group_gives_a_row_with_zero_base(cb):
    vals = ["yes", "no", None, None]
    d = _design(cb, vals)
    rows = _rows(item_rows(d, cb.item("a2_crisis_plan"), mask=np.array([False, False, True, True])))
    assert rows["yes"]["n_unweighted"] == 0 and np.isnan(rows["yes"]["estimate"])


# ---------------------------------------------------------------- whole tables on designs
@pytest.fixture(scope="module")
def shipped(cb):
    """The project's generator (synthetic), its responded units, provisional raked weights."""
    from sosiale_kommuner import config
    from sosiale_kommuner.data import frame, synth

    pop = frame.load_population(config.paths().frame)
    resp = synth.generate(exports=False).responses()
    w = respondents.provisional_weights_for(resp, pop)
    pop = pop.assign(unit_type=pop["unit_type"].astype(str))
    return respondents.merge(resp, pop, w), pop


def test_estimates_table_schema_and_domains(cb, shipped):
    data, pop = shipped
    items = item_estimates.items_of_areas(cb, [1, 8])
    est = item_estimates.estimate_items(data, pop, items, cb)
    checked = results.check_schema(est, "estimates")
    assert list(checked.columns) == results.ESTIMATES_COLUMNS
    assert set(est["domain"]) == {"all", "size_class", "unit_type"}
    assert set(est.loc[est["domain"] == "unit_type", "group"]) == {"kommune", "fylkeskommune"}
    # "all" is the municipalities: identical to unit_type == kommune
    a = est[est["domain"] == "all"].reset_index(drop=True)
    k = est[(est["domain"] == "unit_type") & (est["group"] == "kommune")].reset_index(drop=True)
    pd.testing.assert_series_equal(a["estimate"], k["estimate"])
    assert a.loc[a["item"] == "a1_uses_some", "n_unweighted"].iloc[0] == (data["unit_type"] == "kommune").sum() - \
        data.loc[data["unit_type"] == "kommune", "a1_uses_some"].isna().sum()
    props = est[~est["level"].isin([MEAN, MEAN_SCORE]) & est["estimate"].notna()]
    assert ((props["ci_low"] >= 0) & (props["ci_high"] <= 1) & (props["ci_low"] <= props["estimate"])
            & (props["estimate"] <= props["ci_high"])).all()
    # substantive levels of a single-choice item sum to 1 in every group
    s = est[(est["item"] == "a1_uses_some")].groupby(["domain", "group"])["estimate"].sum()
    assert np.allclose(s, 1.0)
    # county rows use N = 18
    c = est[(est["item"] == "a1_uses_some") & (est["group"] == "fylkeskommune")].iloc[0]
    assert c["n_weighted"] == pytest.approx(18.0)
    # the written table passes disclosure control (no county split by size class)
    from sosiale_kommuner.report.disclosure import suppress_estimates
    assert len(suppress_estimates(checked, k=3)) == len(est)


def test_each_row_uses_the_df_of_its_base(cb, shipped):
    """df = PSUs minus strata among the respondents in the row's base: in a size class (one
    stratum) the base's respondents - 1; for the county municipalities (one stratum) likewise;
    for "all" the base's respondents - 3 strata. The interval follows: logit on that df."""
    data, pop = shipped
    est = item_estimates.estimate_items(data, pop, ["a1_uses_some", "a1_n_accounts"], cb)
    assert list(est.columns) == results.ESTIMATES_COLUMNS and "df" in est.columns
    ok = est["estimate"].notna()
    one_stratum = ok & (est["domain"].isin(["size_class"]) | (est["group"] == "fylkeskommune"))
    assert (est.loc[one_stratum, "df"] == est.loc[one_stratum, "n_unweighted"] - 1).all()
    all_rows = ok & (est["domain"] == "all")
    assert (est.loc[all_rows, "df"] == est.loc[all_rows, "n_unweighted"] - 3).all()
    county = est[(est["group"] == "fylkeskommune") & (est["item"] == "a1_n_accounts")].iloc[0]
    t = stats.t.isf(0.025, county["n_unweighted"] - 1)
    assert county["ci_high"] == pytest.approx(county["estimate"] + t * county["se"], rel=1e-12)
    p = est[(est["group"] == "< 5 000") & (est["level"] == "yes")].iloc[0]
    assert 0 < p["estimate"] < 1 and p["df"] == p["n_unweighted"] - 1
    half = stats.t.isf(0.025, p["df"]) * p["se"] / (p["estimate"] * (1 - p["estimate"]))
    lg = np.log(p["estimate"] / (1 - p["estimate"]))
    assert p["ci_low"] == pytest.approx(_expit(lg - half), rel=1e-12)


def test_fpc_shrinks_standard_errors(cb, shipped):
    data, pop = shipped
    with_fpc = item_estimates.estimate_items(data, pop, ["a1_uses_some"], cb, domains=("all",))
    without = item_estimates.estimate_items(data, pop, ["a1_uses_some"], cb, domains=("all",), fpc=False)
    assert (with_fpc["se"] < without["se"]).all()
    pd.testing.assert_series_equal(with_fpc["estimate"], without["estimate"])


def test_lookup(cb, shipped):
    data, pop = shipped
    est = item_estimates.estimate_items(data, pop, ["a8_collaborates"], cb)
    r = item_estimates.lookup(est, "a8_collaborates", "yes", "unit_type", "fylkeskommune")
    assert r["n_unweighted"] <= 11
    with pytest.raises(KeyError):
        item_estimates.lookup(est, "a8_collaborates", "maybe")


def test_missing_item_column_is_named(cb):
    d = _design(cb, CRISIS)
    with pytest.raises(KeyError, match="a8_collaborates"):
        item_rows(d, cb.item("a8_collaborates"))
