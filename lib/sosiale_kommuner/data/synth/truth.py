"""The ground truth of a generated dataset: ``truth.yaml``.

* :func:`planted_effects`: per analysable column its model and non-zero terms, and which
  columns are null for each comparison (what a test should not find);
* :func:`population_values`: every item's values in every domain group of a population
  (share of each level, "Vet ikke", mean score, proportion, mean), as a long table;
* :func:`truth_document`: the whole of ``truth.yaml`` — counts, conventions, the linear
  predictor, the involvement model, planted effects, the 2013 population values (the full
  synthetic populations, as if every unit had answered) and the generating process's values
  (the same statistics on the 2013 frame replicated :data:`~.params.PROCESS_REPS` times).
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import yaml

from sosiale_kommuner import config

from .. import codebook as cbm
from .answers import apply_routing, draw_answers
from .dataset import Synthetic
from .params import PARAMS_FILE, PROCESS_REPS, item_spec, planted_terms
from .selection import draw_status, expand_population


def _domain_groups(pop: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    """(domain, group, mask) for every group: ``all``; ``unit_type``; and for
    municipalities only, ``size_class``, ``region``, ``centrality``."""
    out = [("all", "all", np.ones(len(pop), dtype=bool))]
    for ut in config.UNIT_TYPES:
        out.append(("unit_type", ut, (pop["unit_type"] == ut).to_numpy()))
    mun = (pop["unit_type"] == config.KOMMUNE).to_numpy()
    for sc in pop["size_class"].cat.categories:
        out.append(("size_class", str(sc), mun & (pop["size_class"] == sc).to_numpy()))
    for reg in config.REGIONS:
        out.append(("region", reg, mun & (pop["region"] == reg).to_numpy()))
    cen = pd.to_numeric(pop["centrality"], errors="coerce")
    for c in sorted(config.CENTRALITY_2008):
        out.append(("centrality", str(c), mun & (cen == c).fillna(False).to_numpy()))
    return out


def population_values(coded: pd.DataFrame, population: pd.DataFrame, codebook: cbm.Codebook,
                      survey: str = "main") -> pd.DataFrame:
    """Values of every analysable column in every domain group, as a long table.

    Columns: ``column, item, area, type, domain, group, statistic, level, value, n``.
    ``statistic``: ``share`` (a level's share of the substantive answers, "Vet ikke" and
    missing excluded — docs/contracts.md §5), ``dont_know`` (share of "Vet ikke" among all answers),
    ``mean_score`` (ordered items, 1..k), ``proportion`` (an option ticked, among units shown
    the question), ``mean`` (numeric items). ``n`` is the number of units with an answer.
    """
    groups = _domain_groups(population.reset_index(drop=True))
    recs = []
    for it in codebook.items(survey=survey):
        if it.type == "text" or it.area == 0 and it.id != "bg_comm_fte":
            continue
        for col in it.columns:
            if col not in coded.columns:
                continue
            v = coded[col].to_numpy(dtype=float)
            ans = ~np.isnan(v)
            for dom, grp, m in groups:
                mm = m & ans
                n = int(mm.sum())
                base = dict(column=col, item=it.id, area=it.area, type=it.type, domain=dom, group=grp, n=n)
                if it.is_multiple:
                    recs.append({**base, "statistic": "proportion", "level": "", "value": v[mm].mean() if n else np.nan})
                elif it.is_numeric:
                    recs.append({**base, "statistic": "mean", "level": "", "value": v[mm].mean() if n else np.nan})
                else:
                    vals = v[mm]
                    sub_codes = it.substantive_codes
                    sub = np.isin(vals, sub_codes)
                    ns = int(sub.sum())
                    for c in it.codes:
                        if c.code == it.dont_know:
                            continue
                        recs.append({**base, "statistic": "share", "level": c.key,
                                     "value": (vals[sub] == c.code).mean() if ns else np.nan})
                    if it.has_dont_know:
                        recs.append({**base, "statistic": "dont_know", "level": cbm.DONT_KNOW,
                                     "value": (vals == it.dont_know).mean() if n else np.nan})
                    if it.is_ordered:
                        score = np.searchsorted(np.asarray(sub_codes), vals[sub]) + 1.0
                        recs.append({**base, "statistic": "mean_score", "level": "",
                                     "value": score.mean() if ns else np.nan})
    return pd.DataFrame(recs)


def _nest_values(df: pd.DataFrame, digits: int = 6) -> dict:
    out: dict = {}
    for row in df.itertuples(index=False):
        col = out.setdefault(row.column, {})
        grp = col.setdefault(row.domain, {}).setdefault(row.group, {"n": row.n})
        key = row.level if row.statistic in ("share", "dont_know") else row.statistic
        grp[key] = None if pd.isna(row.value) else round(float(row.value), digits)
    return out




def planted_effects(params: dict, codebook: cbm.Codebook) -> tuple[list[dict], dict[str, list[str]]]:
    """Per analysable column: its model and non-zero terms; and which columns are null
    for each comparison (municipal comparisons: no size/centrality/region term; unit type:
    no term at all).

    A column whose model has ``facebook_forces_yes`` is never null: an organisation-wide
    Facebook page forces "yes", and the page itself depends on size class (municipalities)
    and unit type (``params["facebook_page"]``), so the column differs by every comparison
    although its own model has no group term (its record says ``forced_by: facebook_page``).
    """
    effects, nulls = [], {"size_class": [], "centrality": [], "region": [], "unit_type": []}
    for it in codebook.analysable_items():
        for col in it.columns:
            spec = item_spec(params, it, col)
            has = planted_terms(spec)
            forced = bool(spec.get("facebook_forces_yes"))
            municipal = (has["size_class"] or has["centrality"] or has["region"] or has.get("covariates", False)
                         or forced)
            rec = {"column": col, "item": it.id, "area": it.area, "model": spec.get("model")}
            for k in ("intercept", "size_class", "centrality", "region", "fylkeskommune", "coefficients"):
                if k in spec:
                    rec[k] = spec[k]
            if forced:
                rec["forced_by"] = "facebook_page"
            rec["differs_by"] = ([c for c in ("size_class", "centrality", "region") if municipal]
                                 + (["unit_type"] if municipal or has["fylkeskommune"] else []))
            if it.filter_item:
                rec["asked_if"] = f"{it.filter_item} in {list(it.filter_codes)}"
            effects.append(rec)
            if not municipal:
                nulls["size_class"].append(col)
                nulls["centrality"].append(col)
                nulls["region"].append(col)
                if not has["fylkeskommune"]:
                    nulls["unit_type"].append(col)
    return effects, nulls


def truth_document(syn: Synthetic, process_reps: int = PROCESS_REPS) -> dict:
    """The content of ``truth.yaml`` (see the module docstring)."""
    book, params, st = syn.codebook, syn.params, syn.status
    effects, nulls = planted_effects(params, book)
    pv = population_values(syn.latent, syn.population, book)
    big = expand_population(syn.population, process_reps)
    big_status = draw_status(big, params, syn.seed + 1)
    big_latent = apply_routing(draw_answers(big, params, book, syn.seed + 1,
                                            big_status["facebook_page"].to_numpy(), salt="process"), book)
    proc = population_values(big_latent, big, book)
    counts = {}
    for ut in config.UNIT_TYPES:
        m = st["unit_type"] == ut
        counts[ut] = {k: int(st.loc[m, k].sum()) for k in ("facebook_page", "mapped", "presurvey", "responded")}
        counts[ut]["population"] = int(m.sum())
    inv = params["items"]["a9_has_involved"]
    return {
        "synthetic": True,
        "description": ("Ground truth of the synthetic demonstration data: the planted effects, "
                        "the population values of every item (from the full synthetic 2013 "
                        "populations, as if every unit had answered) and the generating "
                        "process's values."),
        "seed": syn.seed,
        "params_file": PARAMS_FILE,
        "params_sha256": hashlib.sha256(yaml.safe_dump(params, sort_keys=True, allow_unicode=True).encode()).hexdigest(),
        "counts": counts,
        "conventions": {
            "domains": "all = every unit of both populations; unit_type; size_class, region and "
                       "centrality = municipalities only",
            "share": "a level's share of the substantive answers ('Vet ikke' and missing excluded)",
            "dont_know": "share of 'Vet ikke' among all answers of units shown the question",
            "proportion": "share of units ticking an option, among units shown the question",
            "mean_score": "mean of the level number 1..k of an ordered item, substantive answers",
            "mean": "mean of a numeric item",
            "routing": "a question counts only for units shown it (codebook filters)",
        },
        "linear_predictor": ("eta = intercept + size_class[k] + centrality * c + region[r] "
                             "+ fylkeskommune + loading * u;  u ~ N(0, 1) independent of all "
                             "covariates; binary: P(yes) = expit(eta); ordinal: P(Y > j) = "
                             "expit(eta - cut_j), cut_j = logit(j / k) * cut_spread unless "
                             "given; count: Poisson(exp(eta)); lognormal: exp(eta + sigma z) "
                             "rounded; year: max - Poisson(exp(eta)); 'Vet ikke' replaces an "
                             "answer with probability dont_know"),
        "defaults": params.get("defaults", {}),
        "involvement_model": {
            "outcome": "a9_has_involved == yes (1), among units with a1_uses_some == yes (1); "
                       "'Vet ikke' (probability dont_know) at random afterwards",
            "link": "logit",
            "formula": ("eta = intercept + size_class[k] + centrality * c (municipalities) + "
                        "fylkeskommune (counties) + strategy_adopted * b1 + formal_elements * b2 "
                        "+ admin_leadership * b3 + comm_fte * b4 (no latent factor)"),
            "covariates": {
                "strategy_adopted": "1 if a3_strategy_status == adopted (code 4), else 0",
                "formal_elements": "number of a4_formal_elements options ticked (0-5)",
                "admin_leadership": "a5_admin_leadership score 1-5 (the item has no 'Vet ikke' here)",
                "comm_fte": "bg_comm_fte (full-time equivalents)",
            },
            "intercept": inv["intercept"],
            "size_class": inv["size_class"],
            "centrality": inv["centrality"],
            "fylkeskommune": inv.get("fylkeskommune", 0.0),
            "coefficients": inv["coefficients"],
            "dont_know": inv.get("dont_know", 0.0),
        },
        "planted_effects": effects,
        "null_columns": nulls,
        "population_values": _nest_values(pv),
        "process_values_note": (f"the generating process's values: the same statistics on the 2013 "
                                f"frame replicated {process_reps} times ({len(big)} units, seed + 1); "
                                f"Monte Carlo error about 0.5/sqrt(n) for a proportion"),
        "process_values": _nest_values(proc[proc["domain"].isin(["all", "unit_type", "size_class", "centrality"])], 4),
    }
