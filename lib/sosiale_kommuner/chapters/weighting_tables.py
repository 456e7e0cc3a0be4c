"""The weighting chapter's tables (``03_weighting``): coverage and response, balance before and
after weighting, the weights' distribution, design effects, and what weighting changes.

Each function returns a result table of codes and numbers (docs/contracts.md §6 style: machine
column names, shares on 0–1); :mod:`.weighting_page` shows them to readers. The weights
themselves are :mod:`.weighting`'s.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.design import SurveyDesign

from .weighting import PopulationWeights, truth_coverage

#: The frame columns the coverage and balance tables are broken down by (municipalities).
BREAKDOWNS = ("size_class", "region", "centrality")
RATES_COLUMNS = ["by", "unit_type", "group", "N", "mapped", "responded", "mapped_rate", "response_rate_mapped",
                 "response_rate"]


def coverage_rates(units: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Mapping and response rates (0–1) by a frame column (None: by unit type).

    Columns: ``unit_type, group, N, mapped, responded, mapped_rate`` (mapped / N),
    ``response_rate_mapped`` (responded / mapped) and ``response_rate`` (responded / N).
    ``by`` other than unit type is computed for municipalities only.
    """
    if by is None:
        g = units.groupby("unit_type", sort=False)
        out = pd.DataFrame({"N": g.size(), "mapped": g["mapped"].sum(), "responded": g["responded"].sum()})
        out = out.reset_index().assign(group=lambda d: d["unit_type"])
    else:
        k = units[units["unit_type"] == KOMMUNE]
        g = k.groupby(by, observed=True, sort=True)
        out = pd.DataFrame({"N": g.size(), "mapped": g["mapped"].sum(), "responded": g["responded"].sum()})
        out = out.reset_index().rename(columns={by: "group"}).assign(unit_type=KOMMUNE)
        out["group"] = out["group"].astype(str)
    out["mapped_rate"] = out["mapped"] / out["N"]
    out["response_rate_mapped"] = out["responded"] / out["mapped"].where(out["mapped"] > 0)
    out["response_rate"] = out["responded"] / out["N"]
    return out[["unit_type", "group", "N", "mapped", "responded", "mapped_rate", "response_rate_mapped",
                "response_rate"]]


def balance_table(units: pd.DataFrame, pw: PopulationWeights, columns=("size_class", "region", "centrality")) -> pd.DataFrame:
    """Municipal respondents' distribution before and after weighting, against the population.

    One row per (``variable``, ``category``): population count and share, respondents,
    and the respondents' share unweighted, with base weights and with final weights
    (0–1), plus ``diff_*`` = share − population share (percentage points / 100) and
    ``is_margin`` (whether the weights were raked to this variable).
    """
    k = units[units["unit_type"] == KOMMUNE]
    t = pw.table[pw.table["unit_type"] == KOMMUNE].set_index("unit_id")
    r = k[k["responded"]].assign(base=lambda d: d["unit_id"].map(t["base_weight"]),
                                 weight=lambda d: d["unit_id"].map(t["weight"]))
    rows = []
    for col in columns:
        cats = list(k[col].cat.categories) if isinstance(k[col].dtype, pd.CategoricalDtype) \
            else sorted(k[col].dropna().unique().tolist(), key=str)
        for c in cats:
            N = int((k[col] == c).sum())
            if N == 0:
                continue
            inc = (r[col] == c).to_numpy()
            rows.append(dict(variable=col, category=str(c), N=N, pop_share=N / len(k), n_respondents=int(inc.sum()),
                             share_unweighted=inc.mean(), share_base=r["base"][inc].sum() / r["base"].sum(),
                             share_weighted=r["weight"][inc].sum() / r["weight"].sum(),
                             is_margin=col in pw.margins))
    out = pd.DataFrame(rows)
    for s in ("unweighted", "base", "weighted"):
        out[f"diff_{s}"] = out[f"share_{s}"] - out["pop_share"]
    return out


def weight_summary(pw: PopulationWeights) -> pd.DataFrame:
    """Distribution of the weights per unit type: ``n, sum, min, median, max, max_min_ratio,
    cv`` (coefficient of variation), ``kish_n`` (Kish effective n) and ``deff_weighting``
    (= n / kish_n = 1 + cv², the variance inflation from unequal weights alone)."""
    rows = []
    for ut in (KOMMUNE, FYLKESKOMMUNE):
        w = pw.table.loc[pw.table["unit_type"] == ut, "weight"].to_numpy()
        if len(w) == 0:
            continue
        kn = estimation.kish_n(w)
        rows.append(dict(unit_type=ut, n=len(w), sum=w.sum(), min=w.min(), median=float(np.median(w)),
                         max=w.max(), max_min_ratio=w.max() / w.min(), cv=w.std() / w.mean(), kish_n=kn,
                         deff_weighting=len(w) / kn))
    return pd.DataFrame(rows)


def unweighted_item_rows(data: pd.DataFrame, items) -> pd.DataFrame:
    """Unweighted respondent shares/means of ``items`` (same bases and levels as the weighted
    estimates of :mod:`item_estimates`), for the weighted-versus-unweighted comparison."""
    from .item_estimates import item_rows

    d = data.reset_index(drop=True)
    des = SurveyDesign(d, np.ones(len(d)))
    rows = []
    for it in items:
        for r in item_rows(des, it):
            rows.append(dict(item=it.id, level=str(r["level"]), unweighted=r["estimate"], n=r["n_unweighted"]))
    return pd.DataFrame(rows)


def rates_table(units: pd.DataFrame, breakdowns: Sequence[str] = BREAKDOWNS) -> pd.DataFrame:
    """Coverage and response by unit type, then for municipalities by each of ``breakdowns``
    (:data:`RATES_COLUMNS`; ``by`` names the breakdown)."""
    parts = [coverage_rates(units, None).assign(by="unit_type")]
    parts += [coverage_rates(units, b).assign(by=b) for b in breakdowns]
    return pd.concat(parts, ignore_index=True)[RATES_COLUMNS]


def flag_table(checks: dict) -> pd.DataFrame:
    """The Facebook-page check of every candidate weighting, one row per candidate and unit type
    (:func:`.weighting.flag_check`'s columns, ``candidate`` and its ``margins``)."""
    return pd.concat([c["flag"].assign(candidate=name, margins=" + ".join(c["margins"]))
                      for name, c in checks.items()], ignore_index=True)


def with_flag(data: pd.DataFrame, units: pd.DataFrame, flag: str = "facebook_page") -> pd.DataFrame:
    """Respondent rows with the step-1 ``flag`` as an item (``yes``/``no``)."""
    known = units.assign(unit_id=units["unit_id"].astype(str)).set_index("unit_id")[flag]
    return data.assign(**{flag: data["unit_id"].astype(str).map(known).map({True: "yes", False: "no"})})


def design_effects(pw: PopulationWeights, data: pd.DataFrame, items, flag: str = "facebook_page") -> pd.DataFrame:
    """Design effects of key municipal estimates (R ``svymean(..., deff = TRUE)``): the step-1
    ``flag`` and the levels of the first categorical item of ``items``, on the calibrated
    design with the fpc, with Kish's effective sample size of the weights beside them.

    ``data``: respondent rows with the ``flag`` column (:func:`with_flag`)."""
    dk = pw.design(data, KOMMUNE)
    rows = [estimation.proportions(dk, flag, levels=["yes"], deff=True).assign(item=flag)]
    for it in items:
        if it.is_categorical:
            col = data[it.id].astype(object).where(data[it.id].astype(object).isin(it.substantive_keys))
            dd = pw.design(data.assign(_y=col), KOMMUNE)
            rows.append(estimation.proportions(dd, "_y", levels=it.substantive_keys, deff=True).assign(item=it.id))
            break
    out = pd.concat(rows, ignore_index=True)[["item", "level", "estimate", "se", "ci_low", "ci_high", "deff",
                                              "n_unweighted"]]
    out["level"] = out["level"].astype(str)
    out["kish_n"] = estimation.kish_n(dk.weights)
    return out


def weighted_vs_unweighted(estimates: pd.DataFrame, data: pd.DataFrame, items, truth: dict | None) -> pd.DataFrame:
    """Every municipal item level weighted (``estimates``: the ``all`` rows of
    :func:`item_estimates.estimate_items`) against the respondents' unweighted share, with the
    ``difference`` and, with ``truth``, the population value (``truth``)."""
    unw = unweighted_item_rows(data[data["unit_type"].astype(str) == KOMMUNE], items)
    out = estimates.assign(level=estimates["level"].astype(str)).merge(unw, on=["item", "level"], how="left")
    out = out.assign(difference=out["estimate"] - out["unweighted"])[
        ["item", "level", "unweighted", "estimate", "ci_low", "ci_high", "difference", "n_unweighted"]]
    out = out.rename(columns={"estimate": "weighted"})
    if truth is not None:
        tv = truth_coverage(estimates.assign(domain="unit_type", group=KOMMUNE), truth)[["item", "level", "truth"]]
        out = out.merge(tv, on=["item", "level"], how="left")
    return out


def largest_differences(wvu: pd.DataFrame, k: int = 15) -> pd.DataFrame:
    """The ``k`` shares that weighting moves most (means left out)."""
    share = wvu[~wvu["level"].isin(["mean", "mean_score"])].dropna(subset=["difference"])
    return share.reindex(share["difference"].abs().sort_values(ascending=False, kind="stable").index).head(k)


__all__ = ["BREAKDOWNS", "RATES_COLUMNS", "coverage_rates", "rates_table", "balance_table", "weight_summary",
           "unweighted_item_rows", "flag_table", "with_flag", "design_effects", "weighted_vs_unweighted", "largest_differences"]
