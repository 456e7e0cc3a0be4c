"""Chapter 10's result tables: weighted estimates and design-based tests.

* :func:`estimates_table` — the ``estimates`` table (docs/contracts.md §6): the headline
  :data:`~.variables.INVOLVED_ALL`, every area-9 item and the practice type, for the
  municipalities overall and by size class, region and centrality, and the county
  municipalities overall only; designs with fpc (descriptive estimates of the 2013
  populations, docs/contracts.md §7);
* :func:`centrality_tests` — the ``tests`` table: the area-9 items by SSB 2008 centrality,
  BH within the comparison; without fpc unless ``fpc_in_tests``;
* :func:`typology_spread` and :func:`typology_tests` — the practice types by size class and
  centrality, and Rao–Scott tests of their mix.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook
from sosiale_kommuner.data.respondents import design_for, with_columns
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS, check_schema
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.inference import rao_scott

from .. import item_tests
from ..item_estimates import estimate_items
from .variables import AREA, INVOLVED_ALL, PRACTICE, PRACTICE_LEVELS, STEM


def _estimate_rows(design: SurveyDesign, column: str, item: str, kind: str, domain: str | None,
                   levels=None) -> list[dict]:
    """Rows for one column and one domain.

    kind ``single``: substantive levels (denominator excludes "Vet ikke" and missing) plus a
    ``dont_know`` row (share of "Vet ikke" among all answers); ``option``: level = option key,
    estimate = share ticking it among those shown the question; ``derived``: the levels given.
    """
    col = design.column(column)
    rows = []
    if kind == "option":
        y = col.astype("boolean").astype("string").astype(object)
        d2 = with_columns(design, __y=pd.Categorical(y, categories=["True", "False"]))
        est = estimation.proportions(d2, "__y", domain=domain, levels=["True"])
        for r in est.itertuples():
            rows.append(_row(item, column.split("__", 1)[1], r))
        return rows
    s = col.astype("string").astype(object)
    subst = [lv for lv in (levels or [c for c in col.cat.categories if c != DONT_KNOW])]
    has_dk = isinstance(col.dtype, pd.CategoricalDtype) and DONT_KNOW in list(col.cat.categories)
    y = pd.Categorical(s.where(s != DONT_KNOW), categories=subst)
    d2 = with_columns(design, __y=y)
    if _has_any(d2, "__y"):
        for r in estimation.proportions(d2, "__y", domain=domain, levels=subst).itertuples():
            rows.append(_row(item, r.level, r))
    if has_dk and kind == "single":
        ydk = pd.Categorical(np.where(s.isna(), None, np.where(s == DONT_KNOW, "dk", "other")),
                             categories=["dk", "other"])
        d3 = with_columns(design, __y=ydk)
        if _has_any(d3, "__y"):
            for r in estimation.proportions(d3, "__y", domain=domain, levels=["dk"]).itertuples():
                rows.append(_row(item, DONT_KNOW, r))
    return rows


def _has_any(design: SurveyDesign, col: str) -> bool:
    return bool(design.column(col).notna().any())


def _row(item, level, r) -> dict:
    return dict(item=item, area=AREA, level=str(level), domain=r.domain, group=str(r.group), estimate=r.estimate,
                se=r.se, ci_low=r.ci_low, ci_high=r.ci_high, df=r.df, n_unweighted=int(r.n_unweighted),
                n_weighted=float(r.n_weighted), suppressed=False)


ESTIMATE_DOMAINS = ("all", "size_class", "region", "centrality", "unit_type")


def area_items(codebook: Codebook) -> list:
    """The area-9 items with estimates (free text excluded), codebook order."""
    return [it for it in codebook.items(area=AREA, survey="main") if it.type != "text"]


def designs(data: pd.DataFrame, population: pd.DataFrame, fpc: bool = True) -> tuple[SurveyDesign, SurveyDesign | None]:
    """The municipal and county designs (:func:`~sosiale_kommuner.data.respondents.design_for`) of ``data``."""
    k = design_for(data, population, KOMMUNE, fpc=fpc)
    has_f = (data["unit_type"].astype(str) == FYLKESKOMMUNE).any()
    f = design_for(data, population, FYLKESKOMMUNE, fpc=fpc) if has_f else None
    return k, f


def _derived_rows(kommune: SurveyDesign, fylke: SurveyDesign | None, column: str, levels) -> list[dict]:
    rows = []
    for dom in (None, "size_class", "region", "centrality"):
        rows += _estimate_rows(kommune, column, column, "derived", dom, levels)
    for r in _estimate_rows(kommune, column, column, "derived", None, levels):
        rows.append(dict(r, domain="unit_type", group=KOMMUNE))
    if fylke is not None and fylke.column(column).notna().any():
        for r in _estimate_rows(fylke, column, column, "derived", None, levels):
            rows.append(dict(r, domain="unit_type", group=FYLKESKOMMUNE))
    return rows


def estimates_table(data: pd.DataFrame, population: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The chapter's ``estimates`` table (before disclosure control, which ``write_result`` applies).

    ``data``: the merged respondent table (``survey_data.load``) passed through
    :func:`derive`. Rows: the derived headline :data:`INVOLVED_ALL` (levels yes/no), every
    area-9 item by :func:`sosiale_kommuner.chapters.item_estimates.estimate_items` (substantive levels,
    ``dont_know`` share, Likert ``top2`` and ``mean_score``, options of multiple-choice items),
    and the practice type :data:`PRACTICE`. Domains: ``all`` = the 428 municipalities;
    ``size_class``/``region``/``centrality`` over municipalities; ``unit_type`` groups
    ``kommune`` (= ``all``) and ``fylkeskommune`` (county municipalities on their own design,
    overall only). Designs with fpc (descriptive estimates of the 2013 populations).
    """
    kommune, fylke = designs(data, population, fpc=True)
    head = _derived_rows(kommune, fylke, INVOLVED_ALL, ["yes", "no"])
    body = estimate_items(data, population, area_items(codebook), codebook, domains=ESTIMATE_DOMAINS)
    tail = _derived_rows(kommune, fylke, PRACTICE, list(PRACTICE_LEVELS))
    out = pd.concat([pd.DataFrame(head, columns=ESTIMATES_COLUMNS), body,
                     pd.DataFrame(tail, columns=ESTIMATES_COLUMNS)], ignore_index=True)
    out["n_unweighted"] = out["n_unweighted"].astype(int)
    out["suppressed"] = out["suppressed"].astype(bool)
    return check_schema(out, "estimates", where=f"{STEM}__estimates")


CENTRALITY_CONTRAST = (3, 0)


def centrality_tests(kommune: SurveyDesign, codebook: Codebook, fpc_in_tests: bool = False) -> pd.DataFrame:
    """Design-based tests of the area-9 items by SSB 2008 centrality (municipalities).

    Uses :func:`sosiale_kommuner.chapters.item_tests.run_tests` (Rao–Scott F for options and yes/no
    items, the design-based rank test for Likert items), ``comparison = "centrality"``, the
    effect being the difference between central (3) and least central (0) municipalities
    (proportion or mean score), BH over the rows. Without fpc unless ``fpc_in_tests``.
    """
    specs = [s for s in item_tests.analysable(codebook, kommune.data.columns) if s.area == AREA]
    d = with_columns(kommune, centrality=pd.to_numeric(kommune.data["centrality"], errors="coerce").astype("Int64"))
    out = item_tests.run_tests(d, specs, comparison="centrality", group="centrality",
                               contrast=CENTRALITY_CONTRAST, fpc_in_tests=fpc_in_tests)
    return check_schema(out, "tests", where=f"{STEM}__tests")


def typology_spread(estimates: pd.DataFrame) -> pd.DataFrame:
    """The practice-type rows of the estimates table, by size class and centrality (wide)."""
    e = estimates[(estimates["item"] == PRACTICE) & estimates["domain"].isin(["all", "size_class", "centrality"])]
    return e.pivot_table(index=["domain", "group"], columns="level", values="estimate", sort=False)[
        [lv for lv in PRACTICE_LEVELS if lv in set(e["level"])]]


def typology_tests(kommune: SurveyDesign, fpc_in_tests: bool = False) -> pd.DataFrame:
    """Rao–Scott second-order F tests of the practice type by size class and by centrality
    (municipalities; R ``svychisq(~type + size_class, design)``), without fpc unless
    ``fpc_in_tests``. A derived variable, so reported in the chapter, not in the tests table."""
    d = kommune if fpc_in_tests else kommune.without_fpc()
    d = with_columns(d, **{PRACTICE: d.data[PRACTICE].astype(object),
                    "centrality": pd.to_numeric(d.data["centrality"], errors="coerce").astype("Int64")})
    rows = []
    for by in ("size_class", "centrality"):
        r = rao_scott(d, PRACTICE, by, row_levels=list(PRACTICE_LEVELS))
        so = r.second_order
        rows.append(dict(comparison=by, statistic=so["statistic"], df1=so["ndf"], df2=so["ddf"],
                         p_value=so["p_value"], n=r.n, small_expected=r.small_expected))
    return pd.DataFrame(rows)
