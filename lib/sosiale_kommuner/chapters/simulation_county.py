"""The county municipalities' proportion estimates in chapter 11's simulation.

For every substantive level of the single-choice and Likert columns and every option of
the multiple-choice ones (:func:`county_levels`), each replicate estimates the county
municipalities' weighted proportion among those asked who answered, on their own design
(one stratum, 18 units, calibrated on the count), as the estimates tables publish it
(:func:`sosiale_kommuner.chapters.item_estimates.item_rows`: logit intervals; a level chosen
by all or none gets the Korn–Graubard limits on the respondents): :func:`county_rows`, in
batched arrays. Two intervals, two targets (docs/contracts.md §7): the published one, with
the finite population correction, estimates the replicate's census value over all 18
county municipalities (:func:`census_values`); the analytic one, without it, the generating
process's value (:func:`process_values`).

Which degrees of freedom the published intervals use is read off the public path at the
start of a run (:func:`df_rule`), so that a change of the survey core's domain intervals
(R's ``degf`` of the design or of the subset) is followed, and a change this module does not
know of stops the run instead of producing wrong coverages.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents, synth
from sosiale_kommuner.survey import batch

from . import item_estimates, weighting
from . import item_tests_batch as itb
from . import simulation_data as sdata
from .item_tests import ColumnSpec


@dataclass(frozen=True)
class CountyLevel:
    """One proportion of the county estimates: column ``spec_index`` equals ``value``."""

    item: str
    level: str
    spec_index: int
    value: float


def county_levels(specs: list[ColumnSpec]) -> list[CountyLevel]:
    """The proportion rows of the county estimates, in the order of ``specs``: each
    substantive level of single-choice and Likert columns, the ticked share of options."""
    out = []
    for j, s in enumerate(specs):
        if s.kind == "numeric":
            continue
        if s.column != s.item:                                   # an option: share ticking it
            out.append(CountyLevel(s.column, s.column.split("__", 1)[1], j, 0.0))
        else:
            for k, lev in enumerate(s.levels):
                out.append(CountyLevel(s.column, lev, j, float(k + 1) if s.kind == "ordinal" else float(k)))
    return out


def logit_interval(p, se, n, df, level: float = 0.95):
    """``svyciprop(method = "logit")`` limits of proportions ``p`` with standard errors ``se``
    (arrays), and at ``p`` = 0 or 1 the Korn–Graubard limits with ``n`` respondents, as
    :mod:`sosiale_kommuner.chapters.item_estimates` publishes them."""
    alpha = 1.0 - level
    t = special.stdtrit(df, 1.0 - alpha / 2.0)
    inner = (p > 0) & (p < 1) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = t * se / (p * (1.0 - p))
        lp = np.log(p / (1.0 - p))
        lo = np.where(inner, 1 / (1 + np.exp(-(lp - half))), np.nan)
        hi = np.where(inner, 1 / (1 + np.exp(-(lp + half))), np.nan)
        n = np.asarray(n, dtype=float)
        # scipy's beta.ppf(q, a, b) is betaincinv(a, b, q)
        kg_lo = np.where(p <= 0, 0.0, special.betaincinv(n * p, n * (1 - p) + 1, alpha / 2))
        kg_hi = np.where(p >= 1, 1.0, special.betaincinv(n * p + 1, n * (1 - p), 1 - alpha / 2))
    return np.where(inner, lo, kg_lo), np.where(inner, hi, kg_hi)


def county_rows(values: np.ndarray, weights: np.ndarray, base_weights: np.ndarray, N: float,
                levels: list[CountyLevel], df_rule: str = "design", fpc: bool = True) -> dict[str, np.ndarray]:
    """The county proportions of one replicate: ``values`` (n, m) of the county respondents.

    Returns ``estimate, se, ci_low, ci_high, n`` (L,). ``df_rule``: the interval's df, the
    design's (``"design"``, R ``degf(design)``) or the base's (``"domain"``, R ``degf`` of the
    subset). ``fpc``: with the finite population correction (N county municipalities).
    """
    n = len(weights)
    des = batch.ArrayDesign(weights, np.zeros(n, dtype=np.int64), N_h=[N] if fpc else None,
                            model_matrix=np.ones((n, 1)), base_weights=base_weights)
    idx = np.array([lv.spec_index for lv in levels])
    v = values[:, idx]
    base = ~np.isnan(v)
    y = (v == np.array([lv.value for lv in levels])[None, :]).astype(float)
    est, scores, _ = batch.domain_means(des, y, base)
    se = np.sqrt(np.maximum(des.covariance(scores[:, :, None])[:, 0, 0], 0.0))
    nb = base.sum(axis=0)
    k = (y * base).sum(axis=0)
    exact = (k == 0) | (k == nb)                              # all or none: the mean is exactly 0/1
    est = np.where(exact, np.where(k > 0, 1.0, 0.0), est)
    se = np.where(exact, 0.0, se)
    df = des.subset_df(base) if df_rule == "domain" else np.full(len(levels), float(des.df))
    lo, hi = logit_interval(est, se, nb, df)
    empty = nb == 0
    nan = np.where(empty, np.nan, 1.0)
    return dict(estimate=est * nan, se=se * nan, ci_low=lo * nan, ci_high=hi * nan, n=nb)


def census_values(values: np.ndarray, levels: list[CountyLevel]) -> np.ndarray:
    """Each level's share among the units (rows of ``values``) asked who answered: the
    finite-population value the published county interval estimates."""
    if values.shape[0] <= 1000:                                 # a replicate's 18 units: all at once
        v = values[:, [lv.spec_index for lv in levels]]
        base = ~np.isnan(v)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (base & (v == np.array([lv.value for lv in levels]))).sum(axis=0) / base.sum(axis=0)
    out = np.full(len(levels), np.nan)                          # a large population: column by column
    cols: dict[int, list[int]] = {}
    for i, lv in enumerate(levels):
        cols.setdefault(lv.spec_index, []).append(i)
    for j, idx in cols.items():
        v = values[:, j]
        v = v[~np.isnan(v)]
        if len(v):
            for i in idx:
                out[i] = np.count_nonzero(v == levels[i].value) / len(v)
    return out


def process_values(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                          specs: list[ColumnSpec], reps: int = 2000, seed: int = 99) -> pd.DataFrame:
    """The generating process's county proportions (docs/contracts.md §7): the 18 county
    municipalities replicated ``reps`` times, every unit answering (routing applied), each
    level's share among the units asked who answered. Columns ``item, level, process,
    process_se`` (binomial Monte Carlo error), in :func:`county_levels` order."""
    pop = population.reset_index(drop=True)
    counties = pop[pop["unit_type"].astype(str) == config.FYLKESKOMMUNE]
    big = counties.iloc[np.tile(np.arange(len(counties)), reps)].reset_index(drop=True)  # synth.expand_population
    gen = sdata.Generator(params, codebook, big, [s.column for s in specs], salt="process")
    st = gen.status([seed])
    values = sdata.analysis_values(gen.answers([seed], st["facebook_page"]), specs, codebook)[0]
    levels = county_levels(specs)
    p = census_values(values, levels)
    answered = (~np.isnan(values)).sum(axis=0)
    n = np.array([answered[lv.spec_index] for lv in levels], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(p * (1 - p) / n)
    return pd.DataFrame({"item": [lv.item for lv in levels], "level": [lv.level for lv in levels],
                         "process": p, "process_se": se})


class CountyRuleError(RuntimeError):
    """The batched county intervals no longer agree with the published ones."""


def df_rule(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                   specs: list[ColumnSpec], seed: int) -> str:
    """Which degrees of freedom the published county intervals use, read off the public path.

    One replicate is estimated both ways: by :func:`item_estimates.item_rows` on
    :func:`respondents.design_for` (what the estimates tables publish) and by the batched
    :func:`county_rows` under each rule (``"design"``: R's ``degf`` of
    the design; ``"domain"``: of the item's base, R's ``degf(subset(...))``), on the items
    where the two rules differ. Returns the rule that reproduces the published limits (to
    1e-9); raises :class:`CountyRuleError` if neither does — then
    :func:`county_rows` must follow the survey core's change.
    """
    pop = population.reset_index(drop=True)
    syn = synth.generate(seed, params, pop, codebook, exports=False)
    w = weighting.calibrate_population_weights(pop, syn.status, margins=sdata.MARGINS).table
    d = respondents.design_for(respondents.merge(syn.responses(), pop, w), pop, config.FYLKESKOMMUNE, fpc=True)
    levels = county_levels(specs)
    values = itb.analysis_matrix(d.data, specs)
    N = float((pop["unit_type"].astype(str) == config.FYLKESKOMMUNE).sum())
    ours = {rule: county_rows(values, d.weights, d.calibration.base_weights, N, levels, rule)
            for rule in ("design", "domain")}
    small = ours["design"]["n"] < d.n                     # bases where the two rules differ
    picked = {levels[i].item for i in np.flatnonzero(small)[:3]} | {levels[0].item}
    public = {}
    for col in sorted(picked):
        item = codebook.item(col)
        for r in item_estimates.item_rows(d, item):
            public[(col if col != item.id else item.id, str(r["level"]))] = (r["ci_low"], r["ci_high"])
    for rule, rows in ours.items():
        ok = True
        for i, lv in enumerate(levels):
            pub = public.get((lv.item, lv.level))
            if pub is not None and not np.allclose(pub, (rows["ci_low"][i], rows["ci_high"][i]), rtol=1e-9,
                                                   atol=1e-12, equal_nan=True):
                ok = False
        if ok:
            return rule
    raise CountyRuleError("the county intervals of chapter 11 no longer reproduce the published ones "
                          "(item_estimates.item_rows): update simulation_county.county_rows to the survey "
                          "core's interval rule")
