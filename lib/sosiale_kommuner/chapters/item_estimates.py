"""Weighted estimates of questionnaire items, as rows of the ``estimates`` table (docs/contracts.md §6).

One function, :func:`estimate_items`, turns a list of codebook items into result rows
``item, area, level, domain, group, estimate, se, ci_low, ci_high, df, n_unweighted,
n_weighted, suppressed`` for the domains

* ``all`` — **municipalities only** (the 428 kommuner). The two populations are never
  mixed in one estimate: county municipalities are reported under ``unit_type``;
* ``size_class`` — municipalities by size class;
* ``unit_type`` — ``kommune`` (identical to ``all``) and ``fylkeskommune``, each estimated
  on its own population's design (:func:`respondents.design_for`);
* ``region`` and ``centrality`` — municipalities only, on request.

Rows by item type (``level`` column):

* single-choice and Likert items: one row per substantive level (the codebook's level
  keys), a proportion 0-1 whose base is the respondents who were asked the question and
  gave a substantive answer — "Vet ikke" and item nonresponse are **excluded from the
  denominator** (docs/contracts.md §5). Then, where the item has "Vet ikke", a row ``dont_know``:
  the share answering "Vet ikke" among all who answered the item (base **including**
  "Vet ikke"); its ``n_unweighted`` is that larger base.
* Likert items add ``top2`` (share answering one of the two highest levels, same base as
  the levels) and ``mean_score`` (mean on the 1-5 scale, "Vet ikke" excluded).
* multiple-choice items: one row per option, ``level`` = option key, the proportion who
  ticked it among respondents who were shown the question and answered it.
* numeric items (integer, year, number): one row ``mean``.

``n_unweighted`` is the number of respondents in the row's base, ``n_weighted`` the sum of
their weights (population units). Variances: Taylor linearisation on the population's
stratified, calibrated design with the finite population correction (docs/contracts.md §7,
descriptive estimates); proportions get logit intervals (inside [0, 1]; R
``svyciprop(method = "logit")``), means ``estimate ± t_df · se``. ``df`` is the row's own
degrees of freedom (docs/contracts.md §7): the PSUs minus the strata among the respondents
in the row's base — the domain's respondents who gave a substantive answer — as R's
``svyciprop(~I(y == level), sub)`` and ``confint(svymean(~y, sub), df = degf(sub))`` with
``sub <- subset(design, <domain> & <answered>)``. With 11 county respondents that is 10,
not the 207 of a combined design; in the size class ``≥ 20 000`` it is the class's
respondents minus 1.

Domain estimates are computed as in R ``svyby``: the item is set to missing outside the
group and the full design is kept (identical to ``estimation.proportions(design, y,
domain=...)``), so an empty group yields a row with ``n_unweighted = 0`` instead of an
error; disclosure control in ``tables.write_result`` suppresses it.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook, Item
from sosiale_kommuner.data.respondents import design_for, with_columns
from sosiale_kommuner.data.typed import likert_scores
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.errors import DesignError
from sosiale_kommuner.survey.estimate import prop_ci

DOMAINS = ("all", "size_class", "unit_type")
MUNICIPAL_DOMAINS = ("size_class", "region", "centrality")
MEAN_SCORE = "mean_score"
TOP2 = "top2"
MEAN = "mean"

TABLE_NOTE = {
    "en": ("Weighted estimates with 95 % confidence intervals (Taylor linearisation, stratified by "
           "size class, calibrated to the raking margins, finite population correction; each interval "
           "uses the degrees of freedom of its own base, column df). "
           "\"all\" means the 428 municipalities; county municipalities appear only as unit type "
           "\"fylkeskommune\". Percentages of answer levels exclude \"Don't know\" and item "
           "nonresponse from the denominator; the row \"dont_know\" is the share of \"Don't know\" "
           "among all who answered the item. Bases: respondents who were asked the question."),
    "nb": ("Vektede anslag med 95 % konfidensintervall (Taylor-linearisering, stratifisert etter "
           "størrelsesklasse, kalibrert til rakingmarginene, endelighetskorreksjon; hvert intervall "
           "bygger på frihetsgradene i sitt eget grunnlag, se kolonnen df). \"all\" er de "
           "428 kommunene; fylkeskommunene vises bare som enhetstype \"fylkeskommune\". Andelene "
           "for svaralternativene holder \"Vet ikke\" og ubesvart utenfor nevneren; raden "
           "\"dont_know\" er andelen \"Vet ikke\" blant alle som svarte på spørsmålet. Grunnlag: "
           "respondenter som fikk spørsmålet."),
}


# ---------------------------------------------------------------------------------------
# One item on one design, over a list of groups
# ---------------------------------------------------------------------------------------
def _groups(design: SurveyDesign, domain: str | None) -> list:
    if domain is None:
        return [None]
    col = design.data[domain]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in present]
    return sorted(col.dropna().unique().tolist(), key=str)


def _in_group(design: SurveyDesign, domain: str | None, group) -> np.ndarray:
    if domain is None:
        return np.ones(design.n, dtype=bool)
    return (design.data[domain] == group).fillna(False).to_numpy(dtype=bool)


def _empty_rows(levels, n_unweighted=0):
    return [dict(level=lv, estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, df=np.nan,
                 n_unweighted=n_unweighted, n_weighted=0.0) for lv in levels]


def _props(design: SurveyDesign, values: pd.Series, levels: list, names: list | None = None) -> list[dict]:
    """Proportions of ``levels`` of ``values`` (NA = outside the base) on the whole design."""
    names = names or levels
    if values.notna().sum() == 0:
        return _empty_rows(names)
    d = with_columns(design, _y=values.to_numpy())
    try:
        res = estimation.proportions(d, "_y", levels=levels)
    except DesignError:
        return _empty_rows(names)
    out = []
    for name, (_, r) in zip(names, res.iterrows()):
        row = dict(level=name, estimate=r["estimate"], se=r["se"], ci_low=r["ci_low"],
                   ci_high=r["ci_high"], df=int(r["df"]), n_unweighted=int(r["n_unweighted"]),
                   n_weighted=float(r["n_weighted"]))
        if r["n_level"] in (0, r["n_unweighted"]):
            # every (or no) respondent in the base chose the level: the weighted mean is 1 (0)
            # up to rounding (1 - 1e-16), which would send the logit interval astray.
            p = 1.0 if r["n_level"] > 0 else 0.0
            lo, hi = prop_ci(p, 0.0, int(r["n_unweighted"]), int(r["df"]), 0.95, "logit")
            row.update(estimate=p, se=0.0, ci_low=lo, ci_high=hi)
        out.append(row)
    return out


def _mean(design: SurveyDesign, values: np.ndarray, name: str) -> list[dict]:
    if np.isfinite(values).sum() == 0:
        return _empty_rows([name])
    d = with_columns(design, _y=values)
    try:
        r = estimation.mean(d, "_y").iloc[0]
    except DesignError:
        return _empty_rows([name])
    return [dict(level=name, estimate=r["estimate"], se=r["se"], ci_low=r["ci_low"],
                 ci_high=r["ci_high"], df=int(r["df"]), n_unweighted=int(r["n_unweighted"]),
                 n_weighted=float(r["n_weighted"]))]


def item_rows(design: SurveyDesign, item: Item, mask: np.ndarray | None = None) -> list[dict]:
    """Estimate rows (``level, estimate, se, ci_low, ci_high, df, n_unweighted, n_weighted``) of
    one item for the respondents in ``mask`` (a domain of ``design``; all if None)."""
    data = design.data
    mask = np.ones(design.n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    missing = [c for c in item.columns if c not in data.columns]
    if missing and not item.is_multiple or len(missing) == len(item.columns):
        raise KeyError(f"item {item.id!r}: the respondent table (responses.parquet) has no column(s) "
                       f"{missing}; expected the typed columns of typed.to_typed")
    rows: list[dict] = []
    if item.is_categorical:
        col = data[item.id]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(item.dtype)
        sub = item.substantive_keys
        substantive = col.where(col.isin(sub) & mask)
        rows += _props(design, substantive.astype(object), sub)
        if item.type == "likert5":
            top = sub[-2:]
            rows += _props(design, substantive.isin(top).where(substantive.notna()).astype(object), [True], [TOP2])
            score = likert_scores(col).to_numpy(dtype=float)
            rows += _mean(design, np.where(mask, score, np.nan), MEAN_SCORE)
        if item.has_dont_know:
            answered = col.where(col.notna() & mask)
            rows += _props(design, (answered == DONT_KNOW).where(answered.notna()).astype(object),
                           [True], [DONT_KNOW])
    elif item.is_multiple:
        for opt in item.options:
            col = data[opt.column] if opt.column in data.columns else pd.Series(pd.NA, index=data.index)
            v = col.astype("boolean").astype(object).where(col.notna() & mask)
            rows += _props(design, v, [True], [opt.key])
    elif item.is_numeric:
        v = pd.to_numeric(data[item.id]).to_numpy(dtype=float, na_value=np.nan)
        rows += _mean(design, np.where(mask, v, np.nan), MEAN)
    else:
        raise ValueError(f"item {item.id!r} is {item.type}: no estimates for free text")
    return rows


def _domain_rows(design: SurveyDesign, item: Item, domain: str | None, label: str,
                 group_label=None) -> list[dict]:
    out = []
    for g in _groups(design, domain):
        for r in item_rows(design, item, _in_group(design, domain, g)):
            out.append(dict(item=item.id, area=item.area, domain=label,
                            group=group_label if domain is None else str(g), **r))
    return out


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def estimate_items(data: pd.DataFrame, population: pd.DataFrame, items: Iterable[Item | str],
                   codebook: Codebook | None = None, domains: Sequence[str] = DOMAINS,
                   fpc: bool = True, margins: Sequence[str] | None = None) -> pd.DataFrame:
    """Estimates of ``items`` for ``domains`` as an ``estimates`` table (see module docstring).

    ``data``: the merged respondent table (:func:`respondents.load`); ``population``:
    ``population.parquet``; ``items``: codebook items or ids (then ``codebook`` is needed).
    Designs: :func:`respondents.design_for` per population, with fpc unless ``fpc=False``.
    Rows come in the order items × domains × groups × levels; ``suppressed`` is False
    (``tables.write_result`` applies disclosure control).
    """
    its = [codebook.item(i) if isinstance(i, str) else i for i in items]
    bad = [d for d in domains if d not in ("all", "unit_type", *MUNICIPAL_DOMAINS)]
    if bad:
        raise ValueError(f"unknown domains {bad}")
    has_k = (data["unit_type"].astype(str) == KOMMUNE).any()
    has_f = (data["unit_type"].astype(str) == FYLKESKOMMUNE).any()
    dk = design_for(data, population, KOMMUNE, fpc=fpc, margins=margins) if has_k else None
    df_ = design_for(data, population, FYLKESKOMMUNE, fpc=fpc) if has_f and "unit_type" in domains else None
    rows: list[dict] = []
    for it in its:
        for dom in domains:
            if dom == "all" and dk is not None:
                rows += _domain_rows(dk, it, None, "all", "all")
            elif dom in MUNICIPAL_DOMAINS and dk is not None:
                rows += _domain_rows(dk, it, dom, dom)
            elif dom == "unit_type":
                if dk is not None:
                    rows += _domain_rows(dk, it, None, "unit_type", KOMMUNE)
                if df_ is not None:
                    rows += _domain_rows(df_, it, None, "unit_type", FYLKESKOMMUNE)
    out = pd.DataFrame(rows, columns=[c for c in ESTIMATES_COLUMNS if c != "suppressed"])
    out["suppressed"] = False
    out["n_unweighted"] = out["n_unweighted"].astype(int)
    return out[ESTIMATES_COLUMNS]


def lookup(table: pd.DataFrame, item: str, level, domain: str = "all", group: str = "all") -> pd.Series:
    """The one row of an estimates table for (item, level, domain, group); KeyError if absent."""
    hit = table[(table["item"] == item) & (table["level"].astype(str) == str(level))
                & (table["domain"] == domain) & (table["group"].astype(str) == str(group))]
    if len(hit) != 1:
        raise KeyError(f"estimates table has {len(hit)} rows for item={item!r}, level={level!r}, "
                       f"domain={domain!r}, group={group!r}")
    return hit.iloc[0]


def items_of_areas(codebook: Codebook, areas: Sequence[int]) -> list[Item]:
    """Main-survey items of ``areas`` that have estimates (free text excluded), codebook order."""
    return [it for a in areas for it in codebook.items(area=a, survey="main") if it.type != "text"]


__all__ = ["estimate_items", "item_rows", "lookup", "items_of_areas", "TABLE_NOTE",
           "MEAN_SCORE", "TOP2", "MEAN", "DOMAINS"]
