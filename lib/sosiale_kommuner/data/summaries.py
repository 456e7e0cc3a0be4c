"""Summaries of the cleaned data for chapter 02: answers per item, coverage and response.

:func:`answer_summary` counts, per item, the respondents shown it (routing), those who
answered, "Vet ikke" and item nonresponse; :func:`coverage_summary` counts units mapped in
step 1, pre-survey and main-survey respondents by size class and for county
municipalities. Counts of units only: no estimates, no personal data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner import config

from . import codebook as cbm
from .typed import is_dont_know


def answer_summary(responses: pd.DataFrame, codebook: cbm.Codebook, survey: str = "main") -> pd.DataFrame:
    """Per item: respondents shown it (routing), answered, "Vet ikke", item nonresponse.

    Columns ``item, area, type, shown, answered, dont_know, missing, missing_share,
    dont_know_share`` (shares of the units shown the question). A multiple-choice item is
    answered when any option column is non-missing.
    """
    recs = []
    for it in codebook.items(survey=survey):
        if it.area == 0 or it.type == "text" or not all(c in responses.columns for c in it.columns):
            continue
        shown = np.ones(len(responses), dtype=bool)
        if it.filter_item and it.filter_item in responses.columns:
            f = codebook.item(it.filter_item)
            keys = [f.code_to_key[c] for c in it.filter_codes]
            shown = responses[it.filter_item].isin(keys).to_numpy()
        if it.is_multiple:
            ans = responses[it.columns].notna().any(axis=1).to_numpy()
            dk = np.zeros(len(responses), dtype=bool)
        else:
            ans = responses[it.id].notna().to_numpy()
            dk = is_dont_know(responses[it.id]).to_numpy() if it.is_categorical else np.zeros(len(responses), bool)
        n_shown = int(shown.sum())
        n_ans = int((shown & ans).sum())
        recs.append(dict(item=it.id, area=it.area, type=it.type, shown=n_shown, answered=n_ans,
                         dont_know=int((shown & dk).sum()), missing=n_shown - n_ans,
                         missing_share=(n_shown - n_ans) / n_shown if n_shown else np.nan,
                         dont_know_share=int((shown & dk).sum()) / n_shown if n_shown else np.nan))
    return pd.DataFrame(recs)


def coverage_summary(coverage: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Units by size class (municipalities) and for county municipalities: population,
    mapped (step 1), pre-survey and main-survey respondents, units in both surveys, and the
    rates: ``mapped_rate`` (of the population), ``response_rate`` (main survey, of the
    mapped), ``presurvey_rate`` (of the mapped), and each group's share of the population
    and of the pre-survey respondents."""
    df = coverage.merge(population[["unit_id", "size_class"]], on="unit_id", how="left")
    df["group"] = np.where(df["unit_type"] == config.FYLKESKOMMUNE, "fylkeskommune",
                           df["size_class"].astype(str))
    order = [str(c) for c in population["size_class"].cat.categories] + ["fylkeskommune"]
    g = df.groupby("group").agg(population=("unit_id", "size"), mapped=("mapped", "sum"),
                                presurvey=("presurvey", "sum"), main_survey=("responded", "sum"),
                                both=("responded", lambda s: int((s & df.loc[s.index, "presurvey"]).sum())))
    g = g.reindex(order).reset_index()
    mun = g[g["group"] != "fylkeskommune"].drop(columns="group").sum()
    total = pd.DataFrame([{"group": "kommune (all)", **mun.to_dict()}])
    g = pd.concat([g.iloc[:-1], total, g.iloc[-1:]], ignore_index=True)
    for c in ("population", "mapped", "presurvey", "main_survey", "both"):
        g[c] = g[c].astype(int)
    g["mapped_rate"] = g["mapped"] / g["population"]
    g["response_rate"] = g["main_survey"] / g["mapped"]
    g["presurvey_rate"] = g["presurvey"] / g["mapped"]
    g["presurvey_share_of_respondents"] = g["presurvey"] / g.loc[g["group"].isin(["kommune (all)", "fylkeskommune"]), "presurvey"].sum()
    g["population_share"] = g["population"] / g.loc[g["group"].isin(["kommune (all)", "fylkeskommune"]), "population"].sum()
    return g
