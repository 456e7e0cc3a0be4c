"""Chapter 10's AME simulation in batches: the generator's draws for many seeds at once.

One replicate of :mod:`.involvement_simulation` draws a synthetic population of the 428
municipalities with :func:`sosiale_kommuner.data.synth.generate`, converts it to a typed table,
takes the generator's respondents, derives the model's variables
(:func:`.involvement.derive`) and fits the model (:func:`.involvement.fit_model`). Almost all
of its time is data-frame overhead. Here the answers of a batch of seeds come from
:class:`.simulation_data.Generator` (the generator's own random streams: the same answers, bit
for bit), the model's variables are derived from the answer codes with the conventions of
:func:`.involvement.derive`, the model matrix is :func:`.involvement.model_matrix`'s, and the
fit and its AMEs are the same survey-core calls :func:`.involvement.fit_model` makes
(:func:`~sosiale_kommuner.survey.regression.svyglm_logit_matrix`,
:func:`~sosiale_kommuner.survey.regression.average_marginal_effects`) on the same design (strata =
size class, weights N_h / n_h, no fpc). The replicates' numbers are those of the one-by-one
path (tests/chapters/test_involvement_simulation.py).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from sosiale_kommuner.config import CENTRALITY_2008
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.regression import average_marginal_effects, svyglm_logit_matrix

from . import involvement as inv
from .involvement import model as inv_model
from .involvement import variables as inv_vars
from . import simulation_data as sdata

#: Typed columns the model's variables come from (the option columns of formal elements added).
MODEL_ITEMS = (inv.OUTCOME, "a3_strategy_status", "a4_formal_elements", "a5_admin_leadership",
               "a5_political_leadership", "bg_comm_fte")
#: Columns of one replicate's rows (as :func:`.involvement_simulation.one_replicate`).
ROW_COLUMNS = ("term", "estimate", "se", "ci_low", "ci_high", "converged", "separation", "error", "n")


def model_columns(codebook: cbm.Codebook) -> list[str]:
    return [c for item in MODEL_ITEMS for c in codebook.item(item).columns]


def _scores(codes: np.ndarray, item: cbm.Item) -> np.ndarray:
    """Likert score 1..k of each code (NaN for "Vet ikke" and missing): :func:`codebook.likert_scores`."""
    out = np.full(codes.shape, np.nan)
    for k, code in enumerate(item.substantive_codes):
        out = np.where(codes == code, k + 1.0, out)
    return out


def model_variables(ans: dict[str, np.ndarray], codebook: cbm.Codebook) -> dict[str, np.ndarray]:
    """The model's variables from coded answers (B, n), with :func:`.involvement.derive`'s
    conventions: ``involved`` (1 yes, 0 no, NaN "Vet ikke" or not asked), ``strategy_adopted``
    ("Vet ikke" = not adopted), ``formal_elements`` (options ticked; NaN if none answered),
    ``admin_leadership``/``political_leadership`` (scores; "Vet ikke" NaN), ``comm_fte``."""
    k2c = codebook.item(inv.OUTCOME).key_to_code
    y = ans[inv.OUTCOME]
    out = {"involved": np.where(y == k2c["yes"], 1.0, np.where(y == k2c["no"], 0.0, np.nan))}
    st = ans["a3_strategy_status"]
    adopted = codebook.item("a3_strategy_status").key_to_code["adopted"]
    out["strategy_adopted"] = np.where(np.isnan(st), np.nan, (st == adopted).astype(float))
    opts = np.stack([ans[c] for c in codebook.item("a4_formal_elements").columns])
    out["formal_elements"] = np.where(np.isnan(opts).all(axis=0), np.nan, (opts == 1.0).sum(axis=0).astype(float))
    for name in ("admin_leadership", "political_leadership"):
        item = codebook.item(f"a5_{name}")
        out[name] = _scores(ans[item.id], item)
    out["comm_fte"] = ans["bg_comm_fte"]
    return out


def model_matrix(size: np.ndarray, size_levels: list, centrality: np.ndarray, num: dict[str, np.ndarray]):
    """:func:`.involvement.model_matrix` on arrays: ``(X DataFrame, complete, dummy groups)``
    (``size``: labels, None missing; ``centrality``: 0-3, NaN missing)."""
    n = len(size)
    numeric = np.column_stack([num[t] for t in inv.NUMERIC_TERMS])
    has_size = np.array([s is not None for s in size], dtype=bool)
    complete = has_size & ~np.isnan(centrality) & ~np.isnan(numeric).any(axis=1)
    cols = {"(Intercept)": np.ones(n)}
    groups: dict[str, list[str]] = {"size_class": [], "centrality": []}
    factors = (("size_class", size, size_levels, inv_vars.SIZE_REFERENCE),
               ("centrality", centrality, sorted(CENTRALITY_2008), inv_vars.CENTRALITY_REFERENCE))
    for name, values, levels, reference in factors:
        for lv in levels:
            v = (values == lv).astype(float)
            if lv != reference and v[complete].sum() > 0:
                cols[f"{name}={lv}"] = v
                groups[name].append(f"{name}={lv}")
    for j, t in enumerate(inv.NUMERIC_TERMS):
        cols[t] = numeric[:, j]
    return pd.DataFrame(cols), complete, {k: v for k, v in groups.items() if v}


def fit_rows(design: SurveyDesign, X: pd.DataFrame, y: np.ndarray, mask: np.ndarray, groups: dict,
             se: bool = True) -> pd.DataFrame:
    """The AME rows of one fit, as :func:`.involvement.fit_model` gives them (model-matrix order)."""
    fit = svyglm_logit_matrix(design, X, np.where(np.isnan(y), 0.0, y), mask=mask, dummy_groups=groups,
                              epsilon=inv_model.CONVERGENCE_EPSILON)
    a = average_marginal_effects(fit, se=se)
    a = a.set_index("term").loc[[t for t in fit.names if t in set(a["term"])]].reset_index()
    out = a[["term", "estimate", "se", "ci_low", "ci_high"]].copy()
    out["converged"], out["separation"], out["error"], out["n"] = fit.converged, fit.separation, "", fit.n
    return out


class Batch:
    """What every replicate shares: the municipal frame's cells and the generator."""

    def __init__(self, frame: pd.DataFrame, params: dict, codebook: cbm.Codebook):
        self.frame = frame.reset_index(drop=True)
        self.codebook = codebook
        self.generator = sdata.Generator(params, codebook, self.frame, model_columns(codebook))
        sc = self.frame["size_class"]
        self.size_levels = list(sc.cat.categories)
        self.size = sc.astype(object).where(sc.notna(), None).to_numpy()
        self.centrality = pd.to_numeric(self.frame["centrality"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        # draw_sample's order: size classes in order, units in frame order within a class
        self.order = np.concatenate([np.flatnonzero(self.size == s) for s in self.size_levels])
        self.N_h = {s: int((self.size == s).sum()) for s in self.size_levels}

    def replicates(self, seeds: list[int]) -> list[pd.DataFrame]:
        """The AME rows of the replicates whose populations have generator seeds ``seeds``."""
        st = self.generator.status(seeds)
        variables = model_variables(self.generator.answers(seeds, st["facebook_page"]), self.codebook)
        out = []
        for b in range(len(seeds)):
            rows = self.order[st["responded"][b][self.order]]
            size = self.size[rows]
            n_h = {s: int((size == s).sum()) for s in self.size_levels}
            w = np.array([self.N_h[s] / n_h[s] for s in size])
            num = {k: v[b][rows] for k, v in variables.items()}
            try:
                design = SurveyDesign(pd.DataFrame(index=np.arange(len(rows))), w, strata=size.astype(str))
                X, complete, groups = model_matrix(size, self.size_levels, self.centrality[rows], num)
                y = num["involved"]
                out.append(fit_rows(design, X, y, ~np.isnan(y) & complete, groups))
            except Exception as exc:  # singular fit etc.: counted, not hidden (as one_replicate)
                out.append(pd.DataFrame([dict(term=None, estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                                              converged=False, separation=False, error=type(exc).__name__, n=0)]))
        return out


def truth(frame: pd.DataFrame, params: dict, codebook: cbm.Codebook, seed: int, reps: int) -> pd.DataFrame:
    """:func:`.involvement_simulation.truth` for the project generator: the model fitted to the
    frame's municipalities each repeated ``reps`` times (every unit answering, weight 1);
    ``term, truth, truth_se``."""
    big = frame.loc[frame.index.repeat(reps)].reset_index(drop=True)
    b = Batch(big, params, codebook)
    variables = model_variables(b.generator.answers([seed], b.generator.status([seed])["facebook_page"]), codebook)
    num = {k: v[0] for k, v in variables.items()}
    design = SurveyDesign(pd.DataFrame(index=np.arange(len(big))), np.ones(len(big)))
    X, complete, groups = model_matrix(b.size, b.size_levels, b.centrality, num)
    y = num["involved"]
    rows = fit_rows(design, X, y, ~np.isnan(y) & complete, groups, se=True)
    return rows[["term", "estimate", "se"]].rename(columns={"estimate": "truth", "se": "truth_se"})


_BATCH: dict[str, Batch] = {}


def init_worker(frame, params, codebook) -> None:
    """Worker initialiser: one BLAS thread (small matrices) and the shared :class:`Batch`."""
    threadpool_limits(1)
    _BATCH["b"] = Batch(frame, params, codebook)


def run_task(seeds: list[int]) -> list[pd.DataFrame]:
    return _BATCH["b"].replicates(seeds)
