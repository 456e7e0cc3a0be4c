"""Chapter 10's numbers for its texts (involvement.values), on small tables built by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.chapters.involvement import values as val

SIZES = ["< 5 000", "5 000–19 999", "≥ 20 000"]


def _units(answers, complete):
    """One municipality per answer to 9.1 ("yes", "no", "dont_know", None); ``complete`` False
    leaves its communication staff missing."""
    n = len(answers)
    d = pd.DataFrame({"unit_id": [f"k{i}" for i in range(n)],
                      "size_class": pd.Categorical([SIZES[i % 3] for i in range(n)], categories=SIZES),
                      "centrality": [i % 4 for i in range(n)],
                      inv.OUTCOME: pd.Categorical(answers, categories=["yes", "no", "dont_know"])})
    for t in inv.NUMERIC_TERMS:
        d[t] = 1.0
    d["comm_fte"] = [1.0 if c else np.nan for c in complete]
    d["involved"] = [1.0 if a == "yes" else 0.0 if a == "no" else np.nan for a in answers]
    d["involved_dk_no"] = [1.0 if a == "yes" else 0.0 if a in ("no", "dont_know") else np.nan for a in answers]
    return d


def test_sensitivity_is_the_same_model_when_no_complete_case_answered_dont_know():
    # the one "Vet ikke" lacks a covariate: both models use units k0-k3, with the same outcome values
    d = _units(["yes", "no", "yes", "no", "dont_know", None], [True, True, True, True, False, True])
    check = val.sensitivity_check(d)
    assert check == {"same": True, "n_dont_know_complete": 0, "n_main": 4, "n_sensitivity": 4}
    assert val.sensitivity_key(check) == "sensitivity_same"


def test_sensitivity_differs_when_a_complete_case_answered_dont_know():
    d = _units(["yes", "no", "yes", "dont_know", "dont_know", "no"], [True] * 5 + [False])
    check = val.sensitivity_check(d)
    assert check == {"same": False, "n_dont_know_complete": 2, "n_main": 3, "n_sensitivity": 5}
    assert val.sensitivity_key(check) == "sensitivity_differs"
    assert val.sensitivity_values(check) == {"n": 3, "n_sens": 5, "n_dk": 2}


def test_routing_counts_per_unit_type():
    d = pd.DataFrame({"unit_type": ["kommune"] * 5 + ["fylkeskommune"] * 2,
                      "a1_uses_some": ["yes", "yes", "yes", "no", "planned", "yes", "no"],
                      inv.OUTCOME: ["yes", "no", "dont_know", None, None, "yes", None]})
    c = val.routing_counts(d)
    assert c.loc["kommune"].to_dict() == {"respondents": 5, "use_social_media": 3, "asked": 3, "involved": 1,
                                          "dont_know": 1}
    assert c.loc["fylkeskommune"].to_dict() == {"respondents": 2, "use_social_media": 1, "asked": 1, "involved": 1,
                                                "dont_know": 0}
    assert list(c.columns) == list(val.ROUTING_ROWS)


def test_intro_values_count_each_unit_type():
    data = pd.DataFrame({"unit_type": ["kommune"] * 3 + ["fylkeskommune"]})
    pop = pd.DataFrame({"unit_type": ["kommune"] * 7 + ["fylkeskommune"] * 2})
    assert val.intro_values(data, pop) == {"n_k": 3, "n_f": 1, "N_k": 7, "N_f": 2}


def test_centrality_cross_counts_and_ranges():
    pop = pd.DataFrame({"unit_type": ["kommune"] * 5 + ["fylkeskommune"],
                        "centrality": [0, 0, 0, 3, 3, np.nan],
                        "centrality_index_2018": [300, 500, 400, 900, 1000, np.nan]})
    cross = val.centrality_cross(pop)
    assert cross.to_dict("records") == [
        {"centrality": 0, "municipalities": 3, "min": 300, "median": 400, "max": 500},
        {"centrality": 3, "municipalities": 2, "min": 900, "median": 950, "max": 1000}]


def test_simulation_values_from_the_simulation_tables():
    reps = pd.DataFrame({"replicate": [0, 0, 1, 1, 2, 2], "term": ["a", "b"] * 3, "n": [150, 150, 160, 160, 157, 157]})
    summary = pd.DataFrame({"term": ["a", "b"], "separated": [1, 1], "not_converged": [0, 0], "failed": [2, 2]})
    assert val.simulation_values(summary, reps) == {"replicates": 3, "respondents": 157, "separated": 1,
                                                    "not_converged": 0, "failed": 2, "terms": 2}


@pytest.mark.parametrize("fpc, words", [(False, "without the finite population correction"),
                                        (True, "with the finite population correction")])
def test_tests_values(fpc, words):
    tests = pd.DataFrame({"p_adjusted": [0.01, 0.2, 0.049, np.nan]})
    v = val.tests_values(tests, fpc)
    assert (v["n_tests"], v["n_sig"]) == (4, 2) and words in v["fpc"].localize("en")
