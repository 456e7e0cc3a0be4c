"""Chapter 10's model: design-based logistic regression of "has involved citizens through
social media" with average marginal effects, term tests, fit check and collinearity.

The fitted domain is the municipalities asked the question (users of social media) with a
substantive answer and complete covariates (:func:`model_matrix`): size class (reference
``< 5 000``), SSB 2008 centrality 0–3 as a categorical term (reference 0, least central) and
the numeric terms of :data:`NUMERIC_TERMS` (see :mod:`.variables`). "Vet ikke" is excluded
(in the demonstration generator it is drawn at random, so excluding it is ignorable);
``dont_know="no"`` counts it as "no" (the sensitivity analysis). Pass the design without fpc
(analytic inference, docs/contracts.md §7). The result's ``table`` follows the ``models``
schema (docs/contracts.md §6).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sosiale_kommuner.config import CENTRALITY_2008
from sosiale_kommuner.data.codebook import DONT_KNOW
from sosiale_kommuner.report.results import check_schema
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.regression import (
    LogitFit,
    average_marginal_effects,
    collinearity,
    hosmer_lemeshow,
    svyglm_logit_matrix,
    wald_term_test,
)

from .variables import CENTRALITY_REFERENCE, OUTCOME, SIZE_REFERENCE, STEM

MODEL_NAME = "has_involved_logit"
NUMERIC_TERMS = ("strategy_adopted", "formal_elements", "admin_leadership", "political_leadership", "comm_fte")


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
    rows = [dict(model=model, term=r.term, kind="ame", estimate=r.estimate, se=r.se, ci_low=r.ci_low,
                 ci_high=r.ci_high, p_value=r.p_value, n=fit.n) for r in a.itertuples()]
    rows += [dict(model=model, term=r.term, kind="coef", estimate=r.estimate, se=r.se, ci_low=r.ci_low,
                  ci_high=r.ci_high, p_value=r.p_value, n=fit.n) for r in fit.table.itertuples()]
    table = check_schema(pd.DataFrame(rows), "models", where=f"{STEM}__models")
    tt = pd.DataFrame([_term_test(fit, t, cols) for t, cols in term_columns.items()
                       if all(cc in fit.names for cc in cols)])
    gof, cal, vif, cond = {}, pd.DataFrame(), pd.DataFrame(), float("nan")
    if diagnostics:
        gof, cal = hosmer_lemeshow(fit, groups=gof_groups)
        vif, cond = collinearity(fit, {t: cols for t, cols in term_columns.items() if all(cc in fit.names for cc in cols)})
    return ModelResult(fit=fit, ame=a, table=table, term_tests=tt, gof=gof, calibration=cal,
                       vif=vif, condition_number=cond, n=fit.n, n_dont_know=n_dk,
                       n_incomplete=int((asked & y.notna().to_numpy() & ~complete).sum()),
                       dropped_columns=list(X.attrs.get("dropped", [])))


def _term_test(fit: LogitFit, term: str, columns: list[str]) -> dict:
    """One row of the term-test table: the design-based Wald F of ``columns`` (R ``regTermTest``)."""
    r = wald_term_test(fit, list(columns))
    return dict(term=term, F=r["statistic"], df1=r["ndf"], df2=r["ddf"], p_value=r["p_value"])
