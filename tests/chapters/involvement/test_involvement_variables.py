"""Chapter 10's analysis variables and typology (involvement.variables), on rows written by
hand: every expected value is the rule applied by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.data import typed

import involvement_sample


def _rows(spec: list[dict]) -> pd.DataFrame:
    """Typed rows with the columns the typology needs (defaults: not involved)."""
    yes_no_dk = ["yes", "no", "dont_know"]
    lik = ["very_small", "small", "some", "large", "very_large", "dont_know"]
    rows = []
    for s in spec:
        r = {"a1_uses_some": s.get("uses", "yes"), "a9_has_involved": s.get("inv"),
             "a9_outcome_better_decisions": s.get("better")}
        for m in ("open_posts", "groups", "polls", "consultations", "live_events"):
            r[f"a9_methods__{m}"] = (m in s.get("methods", ())) if s.get("inv") == "yes" else None
        rows.append(r)
    df = pd.DataFrame(rows)
    df["a1_uses_some"] = pd.Categorical(df["a1_uses_some"], categories=["yes", "planned", "no"])
    df["a9_has_involved"] = pd.Categorical(df["a9_has_involved"], categories=yes_no_dk)
    df["a9_outcome_better_decisions"] = pd.Categorical(df["a9_outcome_better_decisions"], categories=lik, ordered=True)
    for c in df.columns:
        if c.startswith("a9_methods__"):
            df[c] = df[c].astype("boolean")
    return df


def test_typology_rule_on_hand_made_rows():
    df = _rows([
        {"inv": "no"},                                                        # none
        {"uses": "no", "inv": None},                                          # none: no social media
        {"uses": "planned", "inv": None},                                     # none
        {"inv": "yes", "methods": ["open_posts"], "better": "very_large"},    # informing
        {"inv": "yes", "methods": [], "better": None},                        # informing (no method ticked)
        {"inv": "yes", "methods": ["polls"], "better": "very_large"},         # consulting
        {"inv": "yes", "methods": ["open_posts", "consultations"], "better": "small"},  # consulting
        {"inv": "yes", "methods": ["groups"], "better": "small"},             # consulting: dialogue, outcome < 3
        {"inv": "yes", "methods": ["groups"], "better": "dont_know"},         # consulting: "Vet ikke" fails the test
        {"inv": "yes", "methods": ["groups"], "better": "some"},              # co-creating (score 3)
        {"inv": "yes", "methods": ["live_events", "polls"], "better": "large"},  # co-creating
        {"inv": "dont_know"},                                                 # missing
        {"uses": "yes", "inv": None},                                         # missing: user without answer
    ])
    got = inv.practice_type(df).astype(object).where(lambda s: s.notna(), None).tolist()
    assert got == ["none", "none", "none", "informing", "informing", "consulting", "consulting", "consulting",
                   "consulting", "co_creating", "co_creating", None, None]
    assert list(inv.practice_type(df).cat.categories) == list(inv.PRACTICE_LEVELS)


def test_derive_conventions():
    sample = involvement_sample.make_sample()
    _, _, d = sample
    users = d["a1_uses_some"] == "yes"
    # non-users count as not involved over all units; "Vet ikke" is missing there
    assert (d.loc[~users, inv.INVOLVED_ALL] == "no").all()
    dk = d["a9_has_involved"] == "dont_know"
    assert d.loc[dk, inv.INVOLVED_ALL].isna().all() and d.loc[dk, "involved"].isna().all()
    assert (d.loc[dk, "involved_dk_no"] == 0).all()
    # strategy "Vet ikke" counts as not adopted
    st = d["a3_strategy_status"].astype("string")
    assert (d.loc[(st == "dont_know").fillna(False), "strategy_adopted"] == 0).all()
    assert (d.loc[(st == "adopted").fillna(False), "strategy_adopted"] == 1).all()
    fe = d[[c for c in d.columns if c.startswith("a4_formal_elements__")]].astype("boolean").fillna(False).sum(axis=1)
    np.testing.assert_array_equal(d["formal_elements"].dropna(), fe[d["formal_elements"].notna()])


def test_derive_by_hand(book):
    """Five respondents coded as the export codes them (codebook codes; NaN = not shown)."""
    n = 5
    coded = pd.DataFrame({
        "a1_uses_some": [1, 1, 1, 3, 1],                     # yes, yes, yes, no, yes
        "a9_has_involved": [1, 2, 9, np.nan, 1],             # yes, no, "Vet ikke", not shown, yes
        "a3_strategy_status": [4, 9, 1, 3, np.nan],          # adopted, "Vet ikke", none, in progress, missing
        "a5_admin_leadership": [5, 9, 1, 3, 2],
        "a5_political_leadership": [1, 2, 9, np.nan, 4],
        "bg_comm_fte": [2.5, 0.0, 1.0, np.nan, 3.0],
        "a9_outcome_better_decisions": [3, np.nan, np.nan, np.nan, 2],
    })
    for k in ("leadership_adopted", "employee_guidelines", "response_routines", "moderation", "archiving"):
        coded[f"a4_formal_elements__{k}"] = [1, 0, np.nan, 1, 0] if k != "archiving" else [1, 0, np.nan, 0, 0]
    for m in ("open_posts", "groups", "polls", "consultations", "live_events"):
        coded[f"a9_methods__{m}"] = [1 if m == "groups" else 0, np.nan, np.nan, np.nan, 1 if m == "polls" else 0]
    d = inv.derive(typed.to_typed(coded, book))
    assert len(d) == n
    np.testing.assert_array_equal(d["involved"], [1, 0, np.nan, np.nan, 1])
    np.testing.assert_array_equal(d["involved_dk_no"], [1, 0, 0, np.nan, 1])
    assert d[inv.INVOLVED_ALL].astype(object).where(d[inv.INVOLVED_ALL].notna(), None).tolist() == [
        "yes", "no", None, "no", "yes"]                      # the non-user counts as "no"
    np.testing.assert_array_equal(d["strategy_adopted"], [1, 0, 0, 0, np.nan])
    # number of the five formal elements ticked; all five blank -> missing
    np.testing.assert_array_equal(d["formal_elements"], [5, 0, np.nan, 4, 0])
    np.testing.assert_array_equal(d["admin_leadership"], [5, np.nan, 1, 3, 2])          # "Vet ikke" missing
    np.testing.assert_array_equal(d["political_leadership"], [1, 2, np.nan, np.nan, 4])
    np.testing.assert_array_equal(d["comm_fte"], [2.5, 0.0, 1.0, np.nan, 3.0])
    # row 0: groups (dialogue) and better decisions 3 -> co_creating; row 4: polls, score 2 -> consulting
    assert d[inv.PRACTICE].astype(object).where(d[inv.PRACTICE].notna(), None).tolist() == [
        "co_creating", "none", None, "none", "consulting"]
