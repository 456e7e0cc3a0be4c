"""Chapter 10's analysis variables and its typology of involvement practice.

* :func:`derive` adds the analysis variables to the typed respondent table: the outcome
  (``involved``; ``involved_dk_no`` for the sensitivity analysis), the headline over all units
  (:data:`INVOLVED_ALL`: non-users of social media count as not having involved citizens
  through social media, "Vet ikke" is missing), the model's covariates and the practice type;
* :func:`practice_type` is the typology, a transparent rule (in words for readers: ``typology_rule`` of ``report/text/<lang>/10_involvement.yaml``).

Covariates (municipal respondents): ``strategy_adopted`` (1 if ``a3_strategy_status`` is
"adopted"; "Vet ikke" counts as not adopted: a strategy the communication officer does not
know of is not operative); ``formal_elements`` (number of ``a4_formal_elements`` options
ticked, 0–5); ``admin_leadership`` and ``political_leadership`` (1–5 scores of ``a5_*``;
"Vet ikke" missing); ``comm_fte`` (communication staff in full-time equivalents).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner.data.codebook import DONT_KNOW
from sosiale_kommuner.data.typed import likert_scores

STEM = "10_involvement"
AREA = 9
OUTCOME = "a9_has_involved"
#: Derived item: involved citizens through social media, over all units (non-users = no).
INVOLVED_ALL = "a9_involved_all_units"
#: Derived item: the practice type of :func:`practice_type`.
PRACTICE = "a9_practice_type"
MULTIPLE_ITEMS = ("a9_work_kinds", "a9_target_groups", "a9_methods", "a9_barriers")
LIKERT_ITEMS = ("a9_outcome_more_input", "a9_outcome_new_groups", "a9_outcome_better_decisions")
SIZE_REFERENCE = "< 5 000"
CENTRALITY_REFERENCE = 0

PRACTICE_LEVELS = ("none", "informing", "consulting", "co_creating")
DIALOGUE_METHODS = ("a9_methods__groups", "a9_methods__live_events")
CONSULTING_METHODS = ("a9_methods__polls", "a9_methods__consultations")
def practice_type(df: pd.DataFrame) -> pd.Series:
    """Kind of involvement practice per respondent.

    ``none``: has not used social media to involve citizens (answered "no", or the unit does not
    use social media); ``informing``: involved citizens with neither a consulting method (polls,
    consultations) nor a dialogue method (dedicated groups, live events); ``consulting``: used a
    consulting or dialogue method without meeting the co-creating test; ``co_creating``: used a
    dialogue method and judged that the involvement contributed to better decisions at least to
    some extent (score 3 or more of 5).

    Needs ``a1_uses_some``, ``a9_has_involved``, the ``a9_methods__*`` option columns and
    ``a9_outcome_better_decisions`` (typed columns). Returns an ordered categorical over
    :data:`PRACTICE_LEVELS`; NA where the involvement answer is "Vet ikke" or missing.
    A missing method option counts as not used; a missing or "Vet ikke" outcome fails the
    co-creating test.
    """
    idx = df.index
    uses = df["a1_uses_some"].astype("string")
    inv = df[OUTCOME].astype("string")
    none = (inv == "no").fillna(False) | (uses.isin(["no", "planned"]).fillna(False) & inv.isna())
    involved = (inv == "yes").fillna(False)

    def any_of(cols):
        out = pd.Series(False, index=idx)
        for c in cols:
            out |= df[c].astype("boolean").fillna(False).astype(bool)
        return out

    dialogue = any_of(DIALOGUE_METHODS)
    consulting = any_of(CONSULTING_METHODS)
    better = likert_scores(df["a9_outcome_better_decisions"]) >= 3
    kind = pd.Series(pd.NA, index=idx, dtype="object")
    kind[none.to_numpy()] = "none"
    kind[(involved & ~dialogue & ~consulting).to_numpy()] = "informing"
    kind[(involved & (dialogue | consulting)).to_numpy()] = "consulting"
    kind[(involved & dialogue & better.to_numpy()).to_numpy()] = "co_creating"
    return pd.Series(pd.Categorical(kind, categories=list(PRACTICE_LEVELS), ordered=True), index=idx,
                     name=PRACTICE)


def _scores(s: pd.Series) -> pd.Series:
    return likert_scores(s) if isinstance(s.dtype, pd.CategoricalDtype) else pd.to_numeric(s, errors="coerce")


def derive(data: pd.DataFrame) -> pd.DataFrame:
    """Add the chapter's analysis variables to a typed respondent table (new frame).

    Adds ``involved`` (1/0; NaN for "Vet ikke", missing, or not asked), ``involved_dk_no``
    ("Vet ikke" = 0), :data:`INVOLVED_ALL` (categorical yes/no over all units: non-users = no;
    "Vet ikke" missing), ``strategy_adopted``, ``formal_elements``, ``admin_leadership``,
    ``political_leadership``, ``comm_fte`` and :data:`PRACTICE`.
    """
    d = data.copy()
    inv = d[OUTCOME].astype("string")
    d["involved"] = inv.map({"yes": 1.0, "no": 0.0}).astype("float64")
    d["involved_dk_no"] = inv.map({"yes": 1.0, "no": 0.0, DONT_KNOW: 0.0}).astype("float64")
    uses = d["a1_uses_some"].astype("string")
    allu = pd.Series(pd.NA, index=d.index, dtype="object")
    allu[(inv == "yes").fillna(False).to_numpy()] = "yes"
    allu[((inv == "no").fillna(False) | (uses.isin(["no", "planned"]).fillna(False) & inv.isna())).to_numpy()] = "no"
    d[INVOLVED_ALL] = pd.Categorical(allu, categories=["yes", "no"])
    st = d["a3_strategy_status"].astype("string")
    d["strategy_adopted"] = np.where(st.isna(), np.nan, (st == "adopted").fillna(False).astype(float))
    fe_cols = [c for c in d.columns if c.startswith("a4_formal_elements__")]
    fe = d[fe_cols].astype("boolean")
    d["formal_elements"] = np.where(fe.isna().all(axis=1), np.nan, fe.fillna(False).astype(int).sum(axis=1))
    d["admin_leadership"] = _scores(d["a5_admin_leadership"]).to_numpy()
    d["political_leadership"] = _scores(d["a5_political_leadership"]).to_numpy()
    d["comm_fte"] = pd.to_numeric(d["bg_comm_fte"], errors="coerce").astype("float64").to_numpy()
    d[PRACTICE] = practice_type(d)
    return d
