"""Chapter 10: citizens, social media and local development work (area 9 of the questionnaire).

What lives here (the notebook ``10_involvement`` only calls these):

* :func:`derive` — analysis variables from the typed responses (outcome, model covariates,
  practice type);
* :func:`practice_type` — the typology of involvement practice, a transparent rule
  (:data:`TYPOLOGY_RULE`);
* :func:`estimates_table` — weighted estimates of the area-9 items (``estimates`` schema):
  municipalities overall and by size class, region and centrality; county municipalities
  overall only;
* :func:`centrality_tests` — design-based tests of differences by SSB's 2008 centrality
  (``tests`` schema, ``comparison = "centrality"``), BH within the comparison;
* :func:`fit_model` — the design-based logistic model of "has involved citizens through
  social media" with average marginal effects, fit check and collinearity (``models`` schema);
* :func:`closing_numbers` / :func:`closing_text` — the closing section, its numbers read from
  the result tables.

Conventions
-----------
* Outcome (:data:`OUTCOME`): ``a9_has_involved`` was asked of units that use social media
  (routing on ``a1_uses_some``). The model is fitted on those municipalities. "Vet ikke"
  is **excluded** from the model (treated as missing: in the demonstration generator it is
  drawn at random, so excluding it is ignorable); :func:`fit_model` with
  ``dont_know="no"`` gives the sensitivity analysis that counts it as "no".
* The headline share over *all* units (:data:`INVOLVED_ALL`) counts non-users of social
  media as not having involved citizens through social media, and excludes "Vet ikke".
* Covariates (municipal respondents): size class (reference ``< 5 000``); SSB 2008
  centrality 0–3 as a categorical term (reference 0, least central); ``strategy_adopted``
  (1 if ``a3_strategy_status`` is "adopted"; "Vet ikke" counts as not adopted: a strategy
  the communication officer does not know of is not operative); ``formal_elements`` (number
  of ``a4_formal_elements`` options ticked, 0–5); ``admin_leadership`` and
  ``political_leadership`` (1–5 scores of ``a5_*``; "Vet ikke" missing); ``comm_fte``
  (communication staff in full-time equivalents). Complete cases; the number dropped is
  reported.
* Variance: descriptive estimates use the design with fpc (docs/contracts.md §7); tests and the
  model use it without fpc unless ``fpc_in_tests``.
"""
from __future__ import annotations

import textwrap
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sosiale_kommuner.config import CENTRALITY_2008, FYLKESKOMMUNE, KOMMUNE
from sosiale_kommuner.data.codebook import DONT_KNOW, Codebook
from sosiale_kommuner.data.typed import likert_scores
from sosiale_kommuner.report.results import ESTIMATES_COLUMNS, check_schema
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.regression import (
    LogitFit,
    average_marginal_effects,
    collinearity,
    hosmer_lemeshow,
    svyglm_logit_matrix,
    wald_term_test,
)

STEM = "10_involvement"
AREA = 9
OUTCOME = "a9_has_involved"
#: Derived item: involved citizens through social media, over all units (non-users = no).
INVOLVED_ALL = "a9_involved_all_units"
#: Derived item: the practice type of :func:`practice_type`.
PRACTICE = "a9_practice_type"
MULTIPLE_ITEMS = ("a9_work_kinds", "a9_target_groups", "a9_methods", "a9_barriers")
LIKERT_ITEMS = ("a9_outcome_more_input", "a9_outcome_new_groups", "a9_outcome_better_decisions")
MODEL_NAME = "has_involved_logit"
SIZE_REFERENCE = "< 5 000"
CENTRALITY_REFERENCE = 0

# --------------------------------------------------------------------------------------
# Typology
# --------------------------------------------------------------------------------------
PRACTICE_LEVELS = ("none", "informing", "consulting", "co_creating")
PRACTICE_LABELS = {
    "en": {"none": "None", "informing": "Informing", "consulting": "Consulting",
           "co_creating": "Co-creating"},
    "nb": {"none": "Ingen", "informing": "Informere", "consulting": "Konsultere",
           "co_creating": "Samskape"},
}
DIALOGUE_METHODS = ("a9_methods__groups", "a9_methods__live_events")
CONSULTING_METHODS = ("a9_methods__polls", "a9_methods__consultations")
#: The rule, in words (printed in the chapter).
TYPOLOGY_RULE = (
    "none — has not used social media to involve citizens (answered No, or the unit does not use "
    "social media); informing — involved citizens but used neither a consulting method (polls, "
    "consultations) nor a dialogue method (dedicated groups, live events), e.g. open posts only; "
    "consulting — used a consulting or dialogue method, without meeting the co-creating test; "
    "co_creating — used a dialogue method (groups or live events) AND judged that the involvement "
    "contributed to better decisions to at least some extent (score ≥ 3 of 5). "
    "'Vet ikke' on the involvement question, or no answer, leaves the type missing.")


def practice_type(df: pd.DataFrame) -> pd.Series:
    """Kind of involvement practice per respondent (see :data:`TYPOLOGY_RULE`).

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


# --------------------------------------------------------------------------------------
# Analysis variables
# --------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------
NUMERIC_TERMS = ("strategy_adopted", "formal_elements", "admin_leadership", "political_leadership", "comm_fte")
TERM_UNITS = {
    "strategy_adopted": "adopted strategy vs none",
    "formal_elements": "per formal element (0–5)",
    "admin_leadership": "per scale point (1–5)",
    "political_leadership": "per scale point (1–5)",
    "comm_fte": "per full-time equivalent",
}


#: IRLS stopping rule of the involvement model (R ``glm.control(epsilon)``). 1e-12 is the
#: value the chapter's published numbers were computed with; the R-exact 1e-14 of
#: ``regression`` moves the simulation's mean SEs by up to ~6e-8 relative (the covariance
#: uses the working weights at the start of the last iteration, as R does) and the
#: estimates by ~1e-11.
CONVERGENCE_EPSILON = 1e-12


def model_matrix(d: pd.DataFrame, size_levels=None, centrality_levels=None):
    """Model matrix of the involvement model for every row of ``d``.

    Returns ``(X, complete, dummy_groups, term_columns)``: ``X`` a DataFrame with
    ``(Intercept)``, dummies ``size_class=<level>`` (reference ``< 5 000``) and
    ``centrality=<k>`` (reference 0) and the numeric terms; ``complete`` marks rows without
    missing covariates; ``dummy_groups``/``term_columns`` map each term to its columns.
    Dummy levels with no complete case are dropped (named in ``X.attrs["dropped"]``).
    """
    size = d["size_class"].astype(object)
    cent = pd.to_numeric(d["centrality"], errors="coerce")
    size_levels = list(size_levels) if size_levels is not None else (
        [c for c in d["size_class"].cat.categories] if isinstance(d["size_class"].dtype, pd.CategoricalDtype)
        else sorted(size.dropna().unique()))
    centrality_levels = list(centrality_levels) if centrality_levels is not None else sorted(CENTRALITY_2008)
    num = d[list(NUMERIC_TERMS)].astype(float)
    complete = size.notna().to_numpy() & cent.notna().to_numpy() & num.notna().all(axis=1).to_numpy()
    cols = {"(Intercept)": np.ones(len(d))}
    groups: dict[str, list[str]] = {"size_class": [], "centrality": []}
    dropped = []
    for lv in size_levels:
        if lv == SIZE_REFERENCE:
            continue
        name = f"size_class={lv}"
        v = (size == lv).to_numpy(dtype=float)
        if v[complete].sum() == 0:
            dropped.append(name)
            continue
        cols[name] = v
        groups["size_class"].append(name)
    for lv in centrality_levels:
        if lv == CENTRALITY_REFERENCE:
            continue
        name = f"centrality={lv}"
        v = (cent == lv).fillna(False).to_numpy(dtype=float)
        if v[complete].sum() == 0:
            dropped.append(name)
            continue
        cols[name] = v
        groups["centrality"].append(name)
    for t in NUMERIC_TERMS:
        cols[t] = num[t].to_numpy()
    X = pd.DataFrame(cols, index=d.index)
    X.attrs["dropped"] = dropped
    groups = {k: v for k, v in groups.items() if v}
    term_columns = dict(groups, **{t: [t] for t in NUMERIC_TERMS})
    return X, complete, groups, term_columns


@dataclass
class ModelResult:
    """Everything the chapter shows about the involvement model."""

    fit: LogitFit
    ame: pd.DataFrame
    coef: pd.DataFrame
    table: pd.DataFrame  # models schema
    term_tests: pd.DataFrame
    gof: dict
    calibration: pd.DataFrame
    vif: pd.DataFrame
    condition_number: float
    n: int
    n_dont_know: int
    n_incomplete: int
    dropped_columns: list = field(default_factory=list)


def fit_model(design: SurveyDesign, dont_know: str = "exclude", model: str = MODEL_NAME,
              gof_groups: int = 5, diagnostics: bool = True, se: bool = True) -> ModelResult:
    """Fit the involvement model on a municipal design whose data went through :func:`derive`.

    The fitted domain is the respondents asked the question (users of social media) with a
    substantive answer (``dont_know="exclude"``) or with "Vet ikke" counted as "no"
    (``dont_know="no"``), and complete covariates. Pass the design without fpc (analytic
    inference, docs/contracts.md §7). ``se=False`` skips the AMEs' standard errors (the simulation's
    target on a very large population). Returns a :class:`ModelResult` whose ``table`` follows the
    ``models`` schema (``kind`` ``ame`` on the 0–1 probability scale, ``coef`` on the logit
    scale; ``n`` = respondents in the fit).
    """
    if dont_know not in ("exclude", "no"):
        raise ValueError(f"dont_know must be 'exclude' or 'no', not {dont_know!r}")
    d = design.data
    y = d["involved"] if dont_know == "exclude" else d["involved_dk_no"]
    asked = d[OUTCOME].notna().to_numpy()
    n_dk = int((d[OUTCOME].astype("string") == DONT_KNOW).fillna(False).sum())
    X, complete, groups, term_columns = model_matrix(d)
    mask = y.notna().to_numpy() & complete
    fit = svyglm_logit_matrix(design, X, y.fillna(0).to_numpy(), mask=mask, dummy_groups=groups,
                              epsilon=CONVERGENCE_EPSILON)
    if not fit.converged:
        warnings.warn(f"{model}: the logistic fit did not converge in {fit.iterations} iterations", stacklevel=2)
    # AMEs in model-matrix column order (size class, centrality, numeric terms)
    a = average_marginal_effects(fit, se=se)
    a = a.set_index("term").loc[[t for t in fit.names if t in set(a["term"])]].reset_index()
    c = fit.table
    rows = [dict(model=model, term=r.term, kind="ame", estimate=r.estimate, se=r.se, ci_low=r.ci_low,
                 ci_high=r.ci_high, p_value=r.p_value, n=fit.n) for r in a.itertuples()]
    rows += [dict(model=model, term=r.term, kind="coef", estimate=r.estimate, se=r.se, ci_low=r.ci_low,
                  ci_high=r.ci_high, p_value=r.p_value, n=fit.n) for r in c.itertuples()]
    table = check_schema(pd.DataFrame(rows), "models", where=f"{STEM}__models")
    tt = pd.DataFrame([_term_test(fit, t, cols) for t, cols in term_columns.items()
                       if all(cc in fit.names for cc in cols)])
    gof, cal, vif, cond = {}, pd.DataFrame(), pd.DataFrame(), float("nan")
    if diagnostics:
        gof, cal = hosmer_lemeshow(fit, groups=gof_groups)
        vif, cond = collinearity(fit, {t: cols for t, cols in term_columns.items() if all(cc in fit.names for cc in cols)})
    return ModelResult(fit=fit, ame=a, coef=c, table=table, term_tests=tt, gof=gof, calibration=cal,
                       vif=vif, condition_number=cond, n=fit.n, n_dont_know=n_dk,
                       n_incomplete=int((asked & y.notna().to_numpy() & ~complete).sum()),
                       dropped_columns=list(X.attrs.get("dropped", [])))


def _term_test(fit: LogitFit, term: str, columns: list[str]) -> dict:
    """One row of the term-test table: the design-based Wald F of ``columns`` (R ``regTermTest``)."""
    r = wald_term_test(fit, list(columns))
    return dict(term=term, F=r["statistic"], df1=r["ndf"], df2=r["ddf"], p_value=r["p_value"])


def term_label(term: str, lang: str = "en") -> str:
    """Readable label of a model column (``size_class=≥ 20 000`` -> "Size class ≥ 20 000 vs < 5 000")."""
    if term.startswith("size_class="):
        lv = term.split("=", 1)[1]
        return f"Size class {lv} vs {SIZE_REFERENCE}" if lang == "en" else f"Størrelse {lv} mot {SIZE_REFERENCE}"
    if term.startswith("centrality="):
        k = term.split("=", 1)[1]
        return (f"Centrality {k} vs {CENTRALITY_REFERENCE} (least central)" if lang == "en"
                else f"Sentralitet {k} mot {CENTRALITY_REFERENCE} (minst sentral)")
    names = {"en": {"strategy_adopted": "Adopted strategy", "formal_elements": "Formal elements (per element)",
                    "admin_leadership": "Administrative leadership engagement (per point)",
                    "political_leadership": "Political leadership engagement (per point)",
                    "comm_fte": "Communication staff (per FTE)", "(Intercept)": "Intercept"},
             "nb": {"strategy_adopted": "Vedtatt strategi", "formal_elements": "Formelle rammer (per element)",
                    "admin_leadership": "Administrativ ledelse engasjert (per poeng)",
                    "political_leadership": "Politisk ledelse engasjert (per poeng)",
                    "comm_fte": "Kommunikasjonsårsverk (per årsverk)", "(Intercept)": "Konstantledd"}}
    return names[lang].get(term, term)


# --------------------------------------------------------------------------------------
# Estimates (estimates schema)
# --------------------------------------------------------------------------------------
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
        d2 = _with(design, __y=pd.Categorical(y, categories=["True", "False"]))
        est = estimation.proportions(d2, "__y", domain=domain, levels=["True"])
        for r in est.itertuples():
            rows.append(_row(item, column.split("__", 1)[1], r))
        return rows
    s = col.astype("string").astype(object)
    subst = [lv for lv in (levels or [c for c in col.cat.categories if c != DONT_KNOW])]
    has_dk = isinstance(col.dtype, pd.CategoricalDtype) and DONT_KNOW in list(col.cat.categories)
    y = pd.Categorical(s.where(s != DONT_KNOW), categories=subst)
    d2 = _with(design, __y=y)
    if _has_any(d2, "__y"):
        for r in estimation.proportions(d2, "__y", domain=domain, levels=subst).itertuples():
            rows.append(_row(item, r.level, r))
    if has_dk and kind == "single":
        ydk = pd.Categorical(np.where(s.isna(), None, np.where(s == DONT_KNOW, "dk", "other")),
                             categories=["dk", "other"])
        d3 = _with(design, __y=ydk)
        if _has_any(d3, "__y"):
            for r in estimation.proportions(d3, "__y", domain=domain, levels=["dk"]).itertuples():
                rows.append(_row(item, DONT_KNOW, r))
    return rows


def _has_any(design: SurveyDesign, col: str) -> bool:
    return bool(design.column(col).notna().any())


def _with(design: SurveyDesign, **columns) -> SurveyDesign:
    import copy

    out = copy.copy(design)
    out.data = design.data.assign(**columns)
    return out


def _row(item, level, r) -> dict:
    return dict(item=item, area=AREA, level=str(level), domain=r.domain, group=str(r.group), estimate=r.estimate,
                se=r.se, ci_low=r.ci_low, ci_high=r.ci_high, n_unweighted=int(r.n_unweighted),
                n_weighted=float(r.n_weighted), suppressed=False)


ESTIMATE_DOMAINS = ("all", "size_class", "region", "centrality", "unit_type")


def area_items(codebook: Codebook) -> list:
    """The area-9 items with estimates (free text excluded), codebook order."""
    return [it for it in codebook.items(area=AREA, survey="main") if it.type != "text"]


def designs(data: pd.DataFrame, population: pd.DataFrame, fpc: bool = True) -> tuple[SurveyDesign, SurveyDesign | None]:
    """The municipal and county designs (:func:`survey_data.design_for`) of ``data``."""
    from sosiale_kommuner.data.respondents import design_for

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
    from .item_estimates import estimate_items

    kommune, fylke = designs(data, population, fpc=True)
    head = _derived_rows(kommune, fylke, INVOLVED_ALL, ["yes", "no"])
    body = estimate_items(data, population, area_items(codebook), codebook, domains=ESTIMATE_DOMAINS)
    tail = _derived_rows(kommune, fylke, PRACTICE, list(PRACTICE_LEVELS))
    out = pd.concat([pd.DataFrame(head, columns=ESTIMATES_COLUMNS), body,
                     pd.DataFrame(tail, columns=ESTIMATES_COLUMNS)], ignore_index=True)
    out["n_unweighted"] = out["n_unweighted"].astype(int)
    out["suppressed"] = out["suppressed"].astype(bool)
    return check_schema(out, "estimates", where=f"{STEM}__estimates")


# --------------------------------------------------------------------------------------
# Tests by centrality (tests schema)
# --------------------------------------------------------------------------------------
CENTRALITY_CONTRAST = (3, 0)


def centrality_tests(kommune: SurveyDesign, codebook: Codebook, fpc_in_tests: bool = False) -> pd.DataFrame:
    """Design-based tests of the area-9 items by SSB 2008 centrality (municipalities).

    Uses :func:`sosiale_kommuner.chapters.item_tests.run_tests` (Rao–Scott F for options and yes/no
    items, the design-based rank test for Likert items), ``comparison = "centrality"``, the
    effect being the difference between central (3) and least central (0) municipalities
    (proportion or mean score), BH over the rows. Without fpc unless ``fpc_in_tests``.
    """
    from . import item_tests

    specs = [s for s in item_tests.analysable(codebook, kommune.data.columns) if s.area == AREA]
    d = _with(kommune, centrality=pd.to_numeric(kommune.data["centrality"], errors="coerce").astype("Int64"))
    out = item_tests.run_tests(d, specs, comparison="centrality", group="centrality",
                               contrast=CENTRALITY_CONTRAST, fpc_in_tests=fpc_in_tests)
    return check_schema(out, "tests", where=f"{STEM}__tests")


# --------------------------------------------------------------------------------------
# Typology spread
# --------------------------------------------------------------------------------------
def typology_spread(estimates: pd.DataFrame) -> pd.DataFrame:
    """The practice-type rows of the estimates table, by size class and centrality (wide)."""
    e = estimates[(estimates["item"] == PRACTICE) & estimates["domain"].isin(["all", "size_class", "centrality"])]
    return e.pivot_table(index=["domain", "group"], columns="level", values="estimate", sort=False)[
        [lv for lv in PRACTICE_LEVELS if lv in set(e["level"])]]


def typology_tests(kommune: SurveyDesign, fpc_in_tests: bool = False) -> pd.DataFrame:
    """Rao–Scott second-order F tests of the practice type by size class and by centrality
    (municipalities; R ``svychisq(~type + size_class, design)``), without fpc unless
    ``fpc_in_tests``. A derived variable, so reported in the chapter, not in the tests table."""
    from sosiale_kommuner.survey.inference import rao_scott

    d = kommune if fpc_in_tests else kommune.without_fpc()
    d = _with(d, **{PRACTICE: d.data[PRACTICE].astype(object),
                    "centrality": pd.to_numeric(d.data["centrality"], errors="coerce").astype("Int64")})
    rows = []
    for by in ("size_class", "centrality"):
        r = rao_scott(d, PRACTICE, by, row_levels=list(PRACTICE_LEVELS))
        so = r.second_order
        rows.append(dict(comparison=by, statistic=so.get("statistic", so.get("F")), df1=so.get("df1", so.get("ndf")),
                         df2=so.get("df2", so.get("ddf")), p_value=so.get("p_value"), n=r.n,
                         small_expected=r.small_expected))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Closing section
# --------------------------------------------------------------------------------------
def _est(estimates: pd.DataFrame, item, level, domain="all", group="all"):
    e = estimates[(estimates["item"] == item) & (estimates["level"] == str(level)) &
                  (estimates["domain"] == domain) & (estimates["group"] == str(group))]
    if e.empty or bool(e["suppressed"].iloc[0]):
        return None
    return e.iloc[0]


#: |bias_z| above this counts as a bias distinguishable from Monte Carlo noise (about ten terms
#: are summarised, so a Bonferroni-like bound above 1.96).
SIM_DETECTABLE_Z = 2.8


def closing_numbers(estimates: pd.DataFrame, tests: pd.DataFrame, models: pd.DataFrame,
                    simulation: pd.DataFrame | None = None) -> dict:
    """The numbers the closing section states, read from the result tables (0–1 scale)."""
    out: dict = {}
    r = _est(estimates, INVOLVED_ALL, "yes")
    out["involved_all"] = None if r is None else (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    r = _est(estimates, OUTCOME, "yes")
    out["involved_users"] = None if r is None else (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    r = _est(estimates, INVOLVED_ALL, "yes", "unit_type", FYLKESKOMMUNE)
    out["involved_counties"] = None if r is None else (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    cent = {}
    for k in sorted(CENTRALITY_2008):
        r = _est(estimates, INVOLVED_ALL, "yes", "centrality", k)
        if r is not None:
            cent[k] = (r.estimate, r.ci_low, r.ci_high, int(r.n_unweighted))
    out["involved_by_centrality"] = cent
    bar = estimates[(estimates["item"] == "a9_barriers") & (estimates["domain"] == "all") & ~estimates["suppressed"]]
    if len(bar):
        top = bar.sort_values("estimate", ascending=False).iloc[0]
        out["top_barrier"] = (top.level, top.estimate, top.ci_low, top.ci_high)
    t = tests[tests["comparison"] == "centrality"]
    out["n_tests"] = int(len(t))
    out["n_tests_bh_significant"] = int((t["p_adjusted"] < 0.05).sum())
    inv_test = t[t["item"] == OUTCOME]
    out["test_involved"] = None if inv_test.empty else (float(inv_test.p_value.iloc[0]), float(inv_test.p_adjusted.iloc[0]))
    out["centrality_gap"] = None if inv_test.empty or pd.isna(inv_test.effect_size.iloc[0]) else (
        float(inv_test.effect_size.iloc[0]), float(inv_test.effect_ci_low.iloc[0]), float(inv_test.effect_ci_high.iloc[0]))
    m = models[models["kind"] == "ame"].set_index("term")
    out["ame"] = {t: (r.estimate, r.ci_low, r.ci_high, r.p_value) for t, r in m.iterrows()}
    out["model_n"] = int(models["n"].iloc[0]) if len(models) else 0
    pt = {}
    for lv in PRACTICE_LEVELS:
        r = _est(estimates, PRACTICE, lv)
        if r is not None:
            pt[lv] = r.estimate
    out["practice"] = pt
    if simulation is not None and len(simulation):
        out["sim_max_abs_bias_z"] = float(simulation["bias_z"].abs().max())
        if "bias_rel_se" in simulation.columns:
            det = simulation[simulation["bias_z"].abs() > SIM_DETECTABLE_Z]
            out["sim_detectable"] = [(t, float(r)) for t, r in zip(det["term"], det["bias_rel_se"])]
        out["sim_coverage_min"] = float(simulation["coverage"].min())
        out["sim_coverage_max"] = float(simulation["coverage"].max())
        out["sim_replicates"] = int(simulation["replicates"].iloc[0])
    return out


def pct(x: float, digits: int = 0) -> str:
    """A 0–1 share as a percentage string ("42 %")."""
    return f"{100 * x:.{digits}f} %"


def pp(x: float, digits: int = 0) -> str:
    """A difference of shares as percentage points ("+12 pp")."""
    return f"{100 * x:+.{digits}f} pp"


_CLOSING = {
    "en": {
        "reach": "- **Reach.** An estimated {p} of municipalities (95 % CI {lo}–{hi}; {n} respondents) had used social "
                 "media to involve citizens in local development work (non-users of social media counted as not "
                 "involved, 'Vet ikke' left out).",
        "users": "- Among municipalities that use social media the share is {p} ({lo}–{hi}).",
        "counties": "- County municipalities: {p} ({lo}–{hi}), from only {n} respondents — an interval this wide says little.",
        "centrality": "- **By centrality** (SSB 2008, 0 = least central): {parts}.",
        "tests": "- Of {nt} design-based tests of area-9 items by centrality ({fpc} finite population correction), "
                 "{ns} {verb} below 0.05 after Benjamini–Hochberg adjustment",
        "with": "with", "without": "without", "remains": "remains", "remain": "remain",
        "tests_inv": "; for having involved citizens at all, p = {p} (adjusted {padj})",
        "gap": "- Among municipalities that use social media, the share that involved citizens differs by {e} between "
               "central (3) and the least central (0) municipalities (central minus least central; 95 % CI {lo} to "
               "{hi}) — a difference that {can} (one pre-specified contrast; its interval is not adjusted for the "
               "other tests).",
        "can": "the data can tell apart from zero", "cannot": "the data cannot tell apart from zero",
        "ame": "- **What goes with involvement** (municipalities using social media, n = {n}; average marginal effects "
               "on the probability, percentage points): {parts}.",
        "ame_c": "- Holding size, strategy, formalisation, leadership and staff fixed: {parts}.",
        "to": "to",
        "practice": "- **Kinds of practice** (all municipalities): {parts}.",
        "barrier": "- The barrier named most often: {b} ({p}, {lo}–{hi}).",
        "sim": "- **Does the model estimate what it should?** In {r} simulated surveys the largest standardised bias of "
               "an average marginal effect was {z} Monte Carlo standard errors, and interval coverage ranged "
               "{clo}–{chi} (nominal 95 %).",
        "sim_none": " No term's bias is distinguishable from Monte Carlo noise (|bias_z| ≤ {z}).",
        "sim_rel": " Bias distinguishable from Monte Carlo noise: {terms}; at most {rel} of the estimate's own "
                   "standard error — {q}.",
        "q_small": "small next to the sampling uncertainty of one survey",
        "q_mid": "smaller than the sampling uncertainty of one survey, but not negligible",
        "q_big": "read that term with care",
        "could": "**What a district-development agency could conclude:** how widespread involvement through social "
                 "media is, which kinds of work, groups and methods it concerns, which barriers respondents name, and "
                 "{gap} — with the uncertainty shown.",
        "gap_yes": "that in this cross-section the least central municipalities involve citizens less often than the "
                   "central ones",
        "gap_no": "that these data cannot show a gap between the least central and the central municipalities (which "
                  "is not the same as showing there is none)",
        "gap_adj": " (though, holding size, strategy, formalisation, leadership and staff fixed, the model cannot tell "
                   "the centrality gap apart from zero: rurality and these traits go together)",
        "could_not": "**What it could not conclude:** that adopting a strategy, formalising, engaging leaders or hiring "
                     "communication staff would *cause* more involvement — the model's marginal effects are "
                     "associations in one cross-section, open to reverse causation and confounding; nor anything about "
                     "the quality of involvement beyond respondents' own judgement; nor differences among county "
                     "municipalities (too few units). The data shown are synthetic: the numbers illustrate the method, "
                     "not Norway in 2013.",
    },
    "nb": {
        "reach": "- **Omfang.** Anslagsvis {p} av kommunene (95 % KI {lo}–{hi}; {n} respondenter) hadde brukt sosiale "
                 "medier til å involvere innbyggerne i lokalt utviklingsarbeid (kommuner uten sosiale medier regnet "
                 "som ikke involvert, «Vet ikke» holdt utenfor).",
        "users": "- Blant kommunene som bruker sosiale medier, er andelen {p} ({lo}–{hi}).",
        "counties": "- Fylkeskommunene: {p} ({lo}–{hi}), fra bare {n} respondenter — et så bredt intervall sier lite.",
        "centrality": "- **Etter sentralitet** (SSB 2008, 0 = minst sentral): {parts}.",
        "tests": "- Av {nt} designbaserte tester av spørsmålene i område 9 etter sentralitet ({fpc} endelighetskorreksjon) "
                 "{verb} {ns} under 0,05 etter Benjamini–Hochberg-justering",
        "with": "med", "without": "uten", "remains": "er", "remain": "er",
        "tests_inv": "; for om kommunen har involvert innbyggerne i det hele tatt er p = {p} (justert {padj})",
        "gap": "- Blant kommunene som bruker sosiale medier, skiller andelen som har involvert innbyggerne seg med {e} "
               "mellom sentrale (3) og minst sentrale (0) kommuner (sentrale minus minst sentrale; 95 % KI {lo} til "
               "{hi}) — en forskjell som {can} (én forhåndsvalgt kontrast; intervallet er ikke justert for de andre "
               "testene).",
        "can": "dataene kan skille fra null", "cannot": "dataene ikke kan skille fra null",
        "ame": "- **Hva henger sammen med involvering** (kommuner som bruker sosiale medier, n = {n}; gjennomsnittlige "
               "marginaleffekter på sannsynligheten, prosentpoeng): {parts}.",
        "ame_c": "- Med størrelse, strategi, formalisering, ledelse og bemanning holdt fast: {parts}.",
        "to": "til",
        "practice": "- **Typer praksis** (alle kommuner): {parts}.",
        "barrier": "- Hindringen flest nevner: {b} ({p}, {lo}–{hi}).",
        "sim": "- **Treffer modellen det den skal?** I {r} simulerte undersøkelser var den største standardiserte "
               "skjevheten i en marginaleffekt {z} Monte Carlo-standardfeil, og dekningsgraden for intervallene lå "
               "mellom {clo} og {chi} (nominelt 95 %).",
        "sim_none": " Ingen skjevhet kan skilles fra Monte Carlo-støy (|bias_z| ≤ {z}).",
        "sim_rel": " Skjevhet som kan skilles fra Monte Carlo-støy: {terms}; høyst {rel} av estimatets egen "
                   "standardfeil — {q}.",
        "q_small": "lite ved siden av utvalgsusikkerheten i én undersøkelse",
        "q_mid": "mindre enn utvalgsusikkerheten i én undersøkelse, men ikke ubetydelig",
        "q_big": "les det leddet med forsiktighet",
        "could": "**Hva et distriktsutviklingsmiljø kunne slutte:** hvor utbredt involvering via sosiale medier er, "
                 "hvilke typer arbeid, grupper og metoder det gjelder, hvilke hindringer respondentene nevner, og "
                 "{gap} — med usikkerheten vist.",
        "gap_yes": "at de minst sentrale kommunene i dette tverrsnittet involverer innbyggerne sjeldnere enn de sentrale",
        "gap_no": "at disse dataene ikke kan vise en forskjell mellom minst sentrale og sentrale kommuner (som ikke er "
                  "det samme som å vise at det ikke finnes en)",
        "gap_adj": " (men med størrelse, strategi, formalisering, ledelse og bemanning holdt fast kan modellen ikke "
                   "skille sentralitetsforskjellen fra null: distriktspreg og disse forholdene henger sammen)",
        "could_not": "**Hva det ikke kunne slutte:** at en vedtatt strategi, formalisering, engasjerte ledere eller "
                     "flere kommunikasjonsårsverk ville *føre til* mer involvering — marginaleffektene er samvariasjon "
                     "i ett tverrsnitt, åpne for omvendt kausalitet og utelatte forhold; heller ikke noe om kvaliteten "
                     "på involveringen utover respondentenes egen vurdering, eller forskjeller mellom fylkeskommuner "
                     "(for få enheter). Dataene er syntetiske: tallene illustrerer metoden, ikke Norge i 2013.",
    },
}


def _num(x: float, digits: int, lang: str) -> str:
    s = f"{x:.{digits}f}"
    return s.replace(".", ",") if lang == "nb" else s


def closing_text(nums: dict, fpc_in_tests: bool = False, lang: str = "en", codebook: Codebook | None = None) -> str:
    """The "What this shows" Markdown (``lang`` ``en`` or ``nb``), every number from :func:`closing_numbers`."""
    T = _CLOSING[lang]
    lines = []
    a = nums.get("involved_all")
    if a:
        lines.append(T["reach"].format(p=pct(a[0]), lo=pct(a[1]), hi=pct(a[2]), n=a[3]))
    u = nums.get("involved_users")
    if u:
        lines.append(T["users"].format(p=pct(u[0]), lo=pct(u[1]), hi=pct(u[2])))
    c = nums.get("involved_counties")
    if c:
        lines.append(T["counties"].format(p=pct(c[0]), lo=pct(c[1]), hi=pct(c[2]), n=c[3]))
    cent = nums.get("involved_by_centrality") or {}
    if cent:
        parts = "; ".join(f"{k}: {pct(v[0])} ({pct(v[1])}–{pct(v[2])})" for k, v in cent.items())
        lines.append(T["centrality"].format(parts=parts))
    ti = nums.get("test_involved")
    nt, ns = nums.get("n_tests", 0), nums.get("n_tests_bh_significant", 0)
    if nt:
        txt = T["tests"].format(nt=nt, ns=ns, fpc=T["with"] if fpc_in_tests else T["without"],
                                verb=T["remains"] if ns == 1 else T["remain"])
        if ti:
            txt += T["tests_inv"].format(p=_num(ti[0], 3, lang), padj=_num(ti[1], 3, lang))
        lines.append(txt + ".")
    gap = nums.get("centrality_gap")
    gap_shown = bool(gap) and (gap[1] > 0 or gap[2] < 0)
    if gap:
        lines.append(T["gap"].format(e=pp(gap[0]), lo=pp(gap[1]), hi=pp(gap[2]),
                                     can=T["can"] if gap_shown else T["cannot"]))
    am = nums.get("ame") or {}
    if am:
        def fmt(t):
            e = am[t]
            return f"{term_label(t, lang)}: {pp(e[0])} ({pp(e[1])} {T['to']} {pp(e[2])})"
        keys = [t for t in am if not t.startswith(("size_class", "centrality"))]
        lines.append(T["ame"].format(n=nums.get("model_n", 0), parts="; ".join(fmt(t) for t in keys)))
        ck = [t for t in am if t.startswith("centrality")]
        if ck:
            lines.append(T["ame_c"].format(parts="; ".join(fmt(t) for t in ck)))
    pt = nums.get("practice") or {}
    if pt:
        lines.append(T["practice"].format(parts=", ".join(f"{PRACTICE_LABELS[lang][k].lower()} {pct(v)}"
                                                          for k, v in pt.items())))
    tb = nums.get("top_barrier")
    if tb:
        name = (codebook.option_label(f"a9_barriers__{tb[0]}", lang).lower() if codebook is not None
                else tb[0].replace("_", " "))
        lines.append(T["barrier"].format(b=name, p=pct(tb[1]), lo=pct(tb[2]), hi=pct(tb[3])))
    if "sim_replicates" in nums:
        txt = T["sim"].format(r=nums["sim_replicates"], z=_num(nums["sim_max_abs_bias_z"], 1, lang),
                              clo=pct(nums["sim_coverage_min"]), chi=pct(nums["sim_coverage_max"]))
        det = nums.get("sim_detectable")
        if det is not None:
            if not det:
                txt += T["sim_none"].format(z=_num(SIM_DETECTABLE_Z, 1, lang))
            else:
                rel = max(abs(r) for _, r in det)
                q = T["q_small"] if rel < 0.25 else (T["q_mid"] if rel < 0.5 else T["q_big"])
                txt += T["sim_rel"].format(terms=", ".join(term_label(t, lang) for t, _ in det), rel=pct(rel), q=q)
        lines.append(txt)
    gap_text = T["gap_yes"] if (gap_shown and gap[0] > 0) else T["gap_no"]
    c3 = am.get(f"centrality={max(CENTRALITY_2008)}")
    if gap_shown and gap[0] > 0 and c3 is not None and c3[1] <= 0 <= c3[2]:
        gap_text += T["gap_adj"]
    lines += ["", T["could"].format(gap=gap_text), "", T["could_not"]]
    return "\n".join(lines)


def key_number(nums: dict) -> pd.DataFrame:
    """``label,value`` rows for ``10_involvement__key_number.csv``."""
    rows = []
    a = nums.get("involved_all")
    if a:
        rows.append({"label": "Municipalities that involved citizens through social media (share)", "value": round(a[0], 4)})
    return pd.DataFrame(rows, columns=["label", "value"])


# --------------------------------------------------------------------------------------
# Figures (each returns ``(fig, alt)`` for ``plots.show``)
# --------------------------------------------------------------------------------------
CENTRALITY_LABELS = {
    "en": {0: "0 Least central", 1: "1 Less central", 2: "2 Somewhat central", 3: "3 Central"},
    "nb": {k: f"{k} {v}" for k, v in CENTRALITY_2008.items()},
}
DOMAIN_LABELS = {"en": {"all": "All municipalities", "size_class": "Size class", "centrality": "Centrality (SSB 2008)",
                        "region": "Region", "unit_type": "Unit type"},
                 "nb": {"all": "Alle kommuner", "size_class": "Størrelse", "centrality": "Sentralitet (SSB 2008)",
                        "region": "Landsdel", "unit_type": "Enhetstype"}}
UNIT_LABELS = {"en": {KOMMUNE: "Municipalities", FYLKESKOMMUNE: "County municipalities"},
               "nb": {KOMMUNE: "Kommuner", FYLKESKOMMUNE: "Fylkeskommuner"}}


def group_label(domain: str, group: str, lang: str = "en") -> str:
    if domain == "centrality":
        return CENTRALITY_LABELS[lang].get(int(group), str(group))
    if domain == "unit_type":
        return UNIT_LABELS[lang].get(group, group)
    if domain == "all":
        return DOMAIN_LABELS[lang]["all"]
    return str(group)


def plot_share_by_group(est: pd.DataFrame, item: str, level: str, title: str, lang: str = "en",
                        domains=("all", "size_class", "centrality", "region", "unit_type")):
    """Point-and-interval plot of one level's share in every group of ``domains``."""
    import matplotlib.pyplot as plt

    e = est[(est["item"] == item) & (est["level"] == level) & est["domain"].isin(domains)].copy()
    e = e[~((e["domain"] == "unit_type") & (e["group"] == KOMMUNE))]
    e["dom_order"] = e["domain"].map({d: i for i, d in enumerate(domains)})
    e = e.sort_values("dom_order", kind="mergesort").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(e) + 1.2))
    ylab = []
    for i, r in e.iterrows():
        y = len(e) - 1 - i
        lab = group_label(r["domain"], r["group"], lang)
        if r["domain"] not in ("all", "unit_type"):
            lab = f"{DOMAIN_LABELS[lang][r['domain']]}: {lab}"
        ylab.append((y, lab))
        if bool(r["suppressed"]) or pd.isna(r["estimate"]):
            ax.text(0.01, y, ":", va="center")
            continue
        colour = "C1" if r["domain"] == "unit_type" else ("C0" if r["domain"] != "centrality" else "C2")
        ax.errorbar(r["estimate"], y, xerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                    fmt="o", color=colour, capsize=3)
    ax.set_yticks([y for y, _ in ylab], [l for _, l in ylab])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.set_title(title)
    ax.set_xlabel("Weighted share, 95 % CI (synthetic data)" if lang == "en" else "Vektet andel, 95 % KI (syntetiske data)")
    fig.tight_layout()
    alt = (f"{title}: weighted share with 95 % confidence intervals for all municipalities, by size class, "
           f"centrality and region, and for county municipalities; " +
           "; ".join(f"{l} {pct(v)}" for (_, l), v in zip(ylab, e["estimate"]) if pd.notna(v)) + ".")
    return fig, alt


def plot_options(est: pd.DataFrame, codebook: Codebook, items, lang: str = "en"):
    """Shares of the options of multiple-choice items: municipalities (with CI) and county municipalities."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(items), 1, figsize=(8, 1.2 + sum(0.45 * len(codebook.options(i)) for i in items)),
                             gridspec_kw={"height_ratios": [len(codebook.options(i)) for i in items]})
    axes = np.atleast_1d(axes)
    alts = []
    for ax, it in zip(axes, items):
        opts = [o.key for o in codebook.options(it)]
        labs = [codebook.option_label(f"{it}__{k}", lang) for k in opts]
        y = np.arange(len(opts))[::-1]
        for grp, dy, col, lab in ((KOMMUNE, 0.15, "C0", UNIT_LABELS[lang][KOMMUNE]),
                                  (FYLKESKOMMUNE, -0.15, "C1", UNIT_LABELS[lang][FYLKESKOMMUNE])):
            e = est[(est["item"] == it) & (est["domain"] == "unit_type") & (est["group"] == grp)].set_index("level")
            e = e.reindex(opts)
            ok = ~e["suppressed"].fillna(True).astype(bool) & e["estimate"].notna()
            ax.errorbar(e["estimate"][ok], (y + dy)[ok.to_numpy()],
                        xerr=[(e["estimate"] - e["ci_low"])[ok], (e["ci_high"] - e["estimate"])[ok]],
                        fmt="o", color=col, capsize=2, label=lab)
            if grp == KOMMUNE:
                alts.append(f"{codebook.label(it, lang)}: " + ", ".join(
                    f"{l} {pct(v)}" for l, v in zip(labs, e["estimate"]) if pd.notna(v)))
        ax.set_yticks(y, labs)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
        ax.set_title(codebook.label(it, lang), fontsize=10)
    handles, labels_ = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="lower center", ncol=2, fontsize=9, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig, "Shares ticking each option (municipalities, with 95 % CIs; county municipalities beside): " + "; ".join(alts) + "."


def plot_ame(models: pd.DataFrame, lang: str = "en", model: str = MODEL_NAME):
    """Forest plot of the average marginal effects (percentage points)."""
    import matplotlib.pyplot as plt

    a = models[(models["kind"] == "ame") & (models["model"] == model)].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(a) + 1.2))
    y = np.arange(len(a))[::-1]
    ax.errorbar(100 * a["estimate"], y, xerr=[100 * (a["estimate"] - a["ci_low"]), 100 * (a["ci_high"] - a["estimate"])],
                fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, [term_label(t, lang) for t in a["term"]])
    ax.set_xlabel("Average marginal effect, percentage points (95 % CI)" if lang == "en"
                  else "Gj.sn. marginaleffekt, prosentpoeng (95 % KI)")
    ax.set_title("What goes with involvement (associations, not effects)" if lang == "en"
                 else "Hva henger sammen med involvering (samvariasjon, ikke effekter)")
    fig.tight_layout()
    alt = ("Average marginal effects of the involvement model with 95 % confidence intervals: " +
           "; ".join(f"{term_label(t, lang)} {pp(e)} ({pp(lo)} to {pp(hi)})"
                     for t, e, lo, hi in zip(a["term"], a["estimate"], a["ci_low"], a["ci_high"])) + ".")
    return fig, alt


def plot_calibration(cal: pd.DataFrame, lang: str = "en"):
    """Calibration plot: weighted observed share against mean predicted probability by risk group."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.scatter(cal["mean_predicted"], cal["observed"], s=20 + 2 * cal["n"])
    ax.set_xlim(0, 1); ax.set_ylim(0, 1)
    ax.set_xlabel("Mean predicted probability" if lang == "en" else "Gjennomsnittlig predikert sannsynlighet")
    ax.set_ylabel("Observed share (weighted)" if lang == "en" else "Observert andel (vektet)")
    ax.set_title("Calibration by risk group" if lang == "en" else "Kalibrering etter risikogruppe")
    fig.tight_layout()
    alt = ("Calibration plot of the involvement model: for each group of respondents by predicted probability, "
           "observed weighted share against mean prediction: " +
           "; ".join(f"group {int(g)}: predicted {pct(p)}, observed {pct(o)}" for g, p, o in
                     zip(cal["group"], cal["mean_predicted"], cal["observed"])) + ".")
    return fig, alt


def plot_typology(est: pd.DataFrame, lang: str = "en"):
    """Stacked bars of the practice types: all municipalities, by size class and by centrality."""
    import matplotlib.pyplot as plt

    e = est[(est["item"] == PRACTICE) & est["domain"].isin(["all", "size_class", "centrality"])]
    e = e[~e["suppressed"].astype(bool)]
    wide = e.pivot_table(index=["domain", "group"], columns="level", values="estimate", sort=False)
    wide = wide[[lv for lv in PRACTICE_LEVELS if lv in wide.columns]]
    labels = [group_label(d, g, lang) if d != "size_class" else f"{g}" for d, g in wide.index]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(wide) + 1.5))
    left = np.zeros(len(wide))
    y = np.arange(len(wide))[::-1]
    for j, lv in enumerate(wide.columns):
        ax.barh(y, wide[lv].to_numpy(), left=left, color=f"C{j}", label=PRACTICE_LABELS[lang][lv])
        left += wide[lv].fillna(0).to_numpy()
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
    ax.legend(ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=9)
    ax.set_title("Kinds of involvement practice (municipalities, weighted)" if lang == "en"
                 else "Typer involveringspraksis (kommuner, vektet)")
    fig.tight_layout()
    alt = ("Stacked bars of the share of municipalities in each kind of involvement practice (none, informing, "
           "consulting, co-creating), overall, by size class and by centrality: " +
           "; ".join(f"{lab}: " + ", ".join(f"{PRACTICE_LABELS['en'][lv].lower()} {pct(v)}" for lv, v in row.items() if pd.notna(v))
                     for lab, (_, row) in zip(labels, wide.iterrows())) + ".")
    return fig, alt


def plot_simulation(reps: pd.DataFrame, truth: pd.DataFrame, lang: str = "en"):
    """Distribution of the simulated AMEs per term (box plots) with the target marked."""
    import matplotlib.pyplot as plt

    terms = list(truth["term"])
    data = [100 * reps.loc[reps["term"] == t, "estimate"].dropna().to_numpy() for t in terms]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(terms) + 1.2))
    y = np.arange(len(terms))[::-1]
    ax.boxplot(data, positions=y, orientation="horizontal", widths=0.5, showfliers=False)
    ax.scatter(100 * truth["truth"].to_numpy(), y, marker="D", color="C3", zorder=3, label="target (100 000-unit population)")
    ax.set_yticks(y, [term_label(t, lang) for t in terms])
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel("Average marginal effect, percentage points")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Simulated estimates against their target")
    fig.tight_layout()
    alt = ("Box plots of the average marginal effects estimated in the simulated surveys, one per model term, with "
           "the target value of the generating process marked: " +
           "; ".join(f"{term_label(t, lang)} target {pp(v, 1)}, median {pp(np.median(d) / 100 if len(d) else np.nan, 1)}"
                     for t, v, d in zip(terms, truth["truth"], data)) + ".")
    return fig, alt


def plot_centrality_heatmap(est: pd.DataFrame, codebook: Codebook, items, lang: str = "en"):
    """Heatmap: options of multiple-choice items (rows) × centrality classes and size classes
    (columns), municipalities; cell = weighted percent ticking the option (":" suppressed)."""
    import matplotlib.pyplot as plt

    cols = [("centrality", str(k)) for k in sorted(CENTRALITY_2008)]
    sizes = list(est.loc[est["domain"] == "size_class", "group"].drop_duplicates())
    cols += [("size_class", g) for g in sizes] + [("all", "all")]
    col_labels = [("C" + g if d == "centrality" else (g if d == "size_class" else ("All" if lang == "en" else "Alle")))
                  for d, g in cols]
    rows = [(it, o.key) for it in items for o in codebook.options(it)]
    mat = np.full((len(rows), len(cols)), np.nan)
    e = est.set_index(["item", "level", "domain", "group"])
    for i, (it, lv) in enumerate(rows):
        for j, (d, g) in enumerate(cols):
            key = (it, lv, d, g)
            if key in e.index:
                r = e.loc[key]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                if not bool(r["suppressed"]) and pd.notna(r["estimate"]):
                    mat[i, j] = 100 * r["estimate"]
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(rows) + 1.8))
    cmap = plt.get_cmap("Blues").copy()
    cmap.set_bad("#dddddd")
    ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = mat[i, j]
            ax.text(j, i, ":" if np.isnan(v) else f"{v:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if (not np.isnan(v) and v > 60) else "black")
    ax.set_xticks(range(len(cols)), col_labels, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [textwrap.shorten(codebook.option_label(f"{it}__{lv}", lang), 44, placeholder="…")
                                          for it, lv in rows], fontsize=8)
    ax.axvline(3.5, color="white", lw=3)
    ax.axvline(3.5 + len(sizes), color="white", lw=3)
    for k in np.cumsum([len(codebook.options(it)) for it in items])[:-1]:
        ax.axhline(k - 0.5, color="white", lw=3)
    ax.grid(False)
    ax.set_title(("Percent of municipalities by centrality class (C0 least – C3 most central) and size class"
                  if lang == "en" else "Prosent av kommunene etter sentralitet (C0 minst – C3 mest sentral) og størrelse"),
                 fontsize=10, pad=28)
    fig.tight_layout()
    alt = ("Heatmap of the weighted percent of municipalities ticking each option of the area-9 multiple-choice "
           "questions, by centrality class 0–3 and by size class: " +
           "; ".join(f"{codebook.option_label(f'{it}__{lv}', 'en')}: " +
                     ", ".join(f"{c} {'suppressed' if np.isnan(v) else f'{v:.0f} %'}" for c, v in zip(col_labels, mat[i]))
                     for i, (it, lv) in enumerate(rows)) + ".")
    return fig, alt
