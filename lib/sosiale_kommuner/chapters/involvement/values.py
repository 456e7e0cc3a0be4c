"""The numbers chapter 10's texts are filled in with, computed from the data at hand: respondents
and the routing of area 9 (:func:`routing_counts`, :func:`intro_values`), the model's units
(:func:`model_values`), whether the sensitivity model is the main model again
(:func:`sensitivity_same`), the 2018 centrality index beside the 2008 classes
(:func:`centrality_cross`), and the appendix simulation's counts (:func:`simulation_values`)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import DONT_KNOW

from sosiale_kommuner.report.text import Localized

from .labels import t
from .model import ModelResult, model_matrix
from .variables import OUTCOME

#: The rows of the routing table, in order.
ROUTING_ROWS = ("respondents", "use_social_media", "asked", "involved", "dont_know")


def routing_counts(data: pd.DataFrame) -> pd.DataFrame:
    """Unweighted counts per unit type (index ``kommune``, ``fylkeskommune``): respondents, users of
    social media, units asked question 9.1, units that involved citizens, "Vet ikke" answers."""
    out = {}
    for unit in (KOMMUNE, FYLKESKOMMUNE):
        d = data[data["unit_type"].astype(str) == unit]
        if d.empty:
            continue
        answer = d[OUTCOME].astype("string")
        out[unit] = {"respondents": len(d),
                     "use_social_media": int((d["a1_uses_some"].astype("string") == "yes").sum()),
                     "asked": int(answer.notna().sum()),
                     "involved": int((answer == "yes").sum()),
                     "dont_know": int((answer == DONT_KNOW).sum())}
    return pd.DataFrame.from_dict(out, orient="index")[list(ROUTING_ROWS)]


def intro_values(data: pd.DataFrame, population: pd.DataFrame) -> dict[str, int]:
    """Respondents and population units of each unit type."""
    def count(df: pd.DataFrame, unit: str) -> int:
        return int((df["unit_type"].astype(str) == unit).sum())
    return {"n_k": count(data, KOMMUNE), "n_f": count(data, FYLKESKOMMUNE),
            "N_k": count(population, KOMMUNE), "N_f": count(population, FYLKESKOMMUNE)}


def tests_values(tests: pd.DataFrame, fpc_in_tests: bool = False, alpha: float = 0.05) -> dict[str, Any]:
    """The tests section's numbers: tests run, those below ``alpha`` after BH, and the design's rule."""
    rule = "with" if fpc_in_tests else "without"
    return {"n_tests": int(len(tests)), "n_sig": int((tests["p_adjusted"] < alpha).sum()),
            "fpc": Localized(lambda lang: t(f"tests_fpc.{rule}", lang))}


def model_values(res: ModelResult) -> dict[str, Any]:
    """What the model section says of the fit: its units, those left out, and (as ``notes``) a
    fit that did not converge, separated, or lost an empty category."""
    keys = ([] if res.fit.converged else ["model_not_converged"]) + (["model_separation"] if res.fit.separation else [])
    n_dropped = len(res.dropped_columns)
    notes = Localized(lambda lang: " ".join([t(k, lang) for k in keys]
                                            + ([t("model_dropped", lang, n_dropped=n_dropped)] if n_dropped else [])))
    return {"n": int(res.n), "n_dont_know": int(res.n_dont_know), "n_incomplete": int(res.n_incomplete),
            "notes": notes}


def fit_values(res: ModelResult) -> dict[str, Any]:
    """The Hosmer–Lemeshow-type test's numbers (and a warning when its augmented fit separated)."""
    g = res.gof
    separated = bool(g.get("separation"))
    return {"groups": int(g["groups"]), "F": float(g["F"]), "df1": int(round(float(g["df1"]))),
            "df2": float(g["df2"]), "p": float(g["p_value"]),
            "separation": Localized(lambda lang: t("fit_separated", lang) if separated else "")}


def sensitivity_values(check: dict[str, Any]) -> dict[str, int]:
    """The sensitivity texts' numbers (:func:`sensitivity_check`)."""
    return {"n": check["n_main"], "n_sens": check["n_sensitivity"], "n_dk": check["n_dont_know_complete"]}


def sensitivity_key(check: dict[str, Any]) -> str:
    """``sensitivity_same`` (one sentence, no table) or ``sensitivity_differs`` (text and table)."""
    return "sensitivity_same" if check["same"] else "sensitivity_differs"


def sensitivity_check(d: pd.DataFrame) -> dict[str, Any]:
    """Does counting "Vet ikke" as "no" change the model's data? ``d``: the municipal design's data
    (through :func:`derive`). The main model uses the complete cases with a yes/no answer; the
    sensitivity model adds the complete cases that answered "Vet ikke". Returns ``same`` (the two
    use the same units with the same outcome values, so the fits are identical),
    ``n_dont_know_complete`` (complete cases answering "Vet ikke") and the two unit counts."""
    _, complete, _, _ = model_matrix(d)
    main = d["involved"].notna().to_numpy() & complete
    sens = d["involved_dk_no"].notna().to_numpy() & complete
    ids = d["unit_id"].astype(str).to_numpy()
    dk = (d[OUTCOME].astype("string") == DONT_KNOW).fillna(False).to_numpy() & complete
    same_units = set(ids[main]) == set(ids[sens])
    same_values = bool(np.array_equal(d["involved"].to_numpy()[main], d["involved_dk_no"].to_numpy()[main]))
    return {"same": bool(same_units and same_values and dk.sum() == 0), "n_dont_know_complete": int(dk.sum()),
            "n_main": int(main.sum()), "n_sensitivity": int(sens.sum())}


def centrality_cross(population: pd.DataFrame) -> pd.DataFrame:
    """SSB's 2018 centrality index (0–1000) by SSB's 2008 class among the frame's municipalities:
    ``centrality, municipalities, min, median, max``."""
    k = population[population["unit_type"].astype(str) == KOMMUNE]
    out = (k.groupby("centrality", observed=True)["centrality_index_2018"].agg(["count", "min", "median", "max"])
           .reset_index().rename(columns={"count": "municipalities"}))
    out["centrality"] = pd.to_numeric(out["centrality"]).astype(int)
    return out


def simulation_values(summary: pd.DataFrame, reps: pd.DataFrame) -> dict[str, Any]:
    """The appendix's counts, from the simulation's own tables: replicates, median respondents in a
    replicate's model, and the replicates that separated, did not converge or failed."""
    n = reps.groupby("replicate")["n"].first()
    first = summary.iloc[0] if len(summary) else pd.Series(dtype=float)
    return {"replicates": int(reps["replicate"].nunique()), "respondents": int(round(float(n.median()))),
            "separated": int(first.get("separated", 0)), "not_converged": int(first.get("not_converged", 0)),
            "failed": int(first.get("failed", 0)), "terms": int(len(summary))}


__all__ = ["ROUTING_ROWS", "routing_counts", "intro_values", "tests_values", "model_values", "fit_values",
           "sensitivity_values", "sensitivity_key", "sensitivity_check", "centrality_cross",
           "simulation_values"]
