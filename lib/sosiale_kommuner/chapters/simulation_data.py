"""Synthetic replicates in batches: the generator's draws, the weights and the designs as arrays.

Chapter 11 (and chapter 10's appendix) need thousands of synthetic datasets. Drawing each
with :func:`sosiale_kommuner.data.synth.generate` and weighting it through the data frames
of chapter 03 costs ~0.4 s per dataset, almost all of it per-call overhead. This module
produces the same numbers in batches:

* :class:`Generator` draws the answers and the selection of many seeds at once, with
  exactly the generator's random streams (docs: :mod:`sosiale_kommuner.data.synth`: each
  column draws from ``default_rng([seed, crc32(salt), crc32(column)])``), so replicate
  ``seed`` holds the very answers :func:`synth.generate` would give it — bit for bit
  (tests/chapters/test_simulation_data.py). Only the columns asked for, their routing
  filters and the inputs of the involvement model are drawn.
* :func:`replicate_designs` weights one replicate as chapter 03 does
  (:func:`sosiale_kommuner.chapters.weighting.calibrate_population_weights`: base weight
  ``N_c / responded_c`` by size class, raked to size class and region with sparse cells
  merged below 3 respondents; county municipalities ``18 / responded``) and builds the two
  designs of chapter 09 (:func:`sosiale_kommuner.data.respondents.design_for` for
  municipalities, :func:`~sosiale_kommuner.data.respondents.combined_design` for the unit-type
  comparison; calibration cells detected from the weights as there) as
  :class:`~sosiale_kommuner.survey.batch.ArrayDesign`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import respondents
from sosiale_kommuner.data.synth import answers as synth_answers
from sosiale_kommuner.data.synth import params as synth_params
from sosiale_kommuner.data.synth import selection as synth_selection
from sosiale_kommuner.survey import batch
from sosiale_kommuner.survey.weighting import population_margins

from .item_tests import ColumnSpec

#: Inputs of the generator's involvement model (:func:`synth.involvement_covariates`).
INVOLVEMENT_INPUTS = ("a3_strategy_status", "a5_admin_leadership", "bg_comm_fte")
INVOLVEMENT_PREFIX = "a4_formal_elements__"
#: Selection stages of :func:`synth.draw_status` that the analysis uses (not the pre-survey).
STAGES = ("facebook_page", "coverage", "response")
#: Raking of the replicate weights (chapter 03): margins, sparse-cell merging, tolerance.
MARGINS = ("size_class", "region")
MIN_CELL = 3


def _streams(seeds, salt: str, key: str) -> list[np.random.Generator]:
    """The generator's random stream of ``(seed, salt, key)`` for each seed (:func:`synth.params.stream`)."""
    return [synth_params.stream(int(s), salt, key) for s in seeds]


@dataclass(frozen=True)
class _Column:
    item: cbm.Item
    column: str
    spec: dict


class Generator:
    """:func:`synth.draw_status` and :func:`synth.draw_answers` (``routed=True``) for many seeds.

    ``columns``: the typed columns wanted (their routing filters and, for the involvement
    model, its inputs are drawn too). Arrays are ``(B, n)``, one row per seed, units in
    the order of ``population``.
    """

    def __init__(self, params: dict, codebook: cbm.Codebook, population: pd.DataFrame, columns, salt="answers"):
        self.params, self.codebook, self.salt = params, codebook, salt
        self.population = population.reset_index(drop=True)
        self.cov = synth_params.covariates(self.population)
        self.n = self.cov.n
        self.defaults = params.get("defaults", {})
        need = set(columns)
        for _ in range(5):                     # close over filters and model inputs (chains are short)
            for col in list(need):
                it = codebook.item(col)
                if it.filter_item:
                    need |= set(codebook.item(it.filter_item).columns)
                if it.type != "text" and synth_params.item_spec(params, it, col).get("model") == "involvement":
                    need |= set(INVOLVEMENT_INPUTS) | set(codebook.item("a4_formal_elements").columns)
        self.columns: list[_Column] = []
        seen = set()
        for survey in ("main", "presurvey"):    # synth.draw_answers' order
            for it in codebook.items(survey=survey):
                if it.id in seen or it.type == "text":
                    continue
                seen.add(it.id)
                for col in it.columns:
                    if col in need:
                        self.columns.append(_Column(it, col, synth_params.item_spec(params, it, col)))
        drawn = {c.column for c in self.columns}
        missing = set(columns) - drawn
        if missing:
            raise ValueError(f"columns the generator does not draw: {sorted(missing)}")
        self.routes = [(it.filter_item, np.asarray(it.filter_codes, dtype=float), [c for c in it.columns if c in drawn])
                       for it in codebook.items_by_id.values() if it.filter_item and it.filter_item in drawn]

    # -- selection ---------------------------------------------------------------------
    def _size_weights(self, spec: dict) -> np.ndarray:
        eta = np.zeros(self.n)
        mun = ~self.cov.county
        if "size_class" in spec:
            eta[mun] = np.asarray(spec["size_class"], dtype=float)[self.cov.size_idx[mun]]
        eta[self.cov.county] += float(spec.get("fylkeskommune", 0.0))
        return np.exp(eta)

    def status(self, seeds) -> dict[str, np.ndarray]:
        """``facebook_page``, ``mapped``, ``responded`` (B, n) booleans, as :func:`synth.draw_status`."""
        cov, B = self.cov, len(seeds)
        groups = {config.KOMMUNE: ~cov.county, config.FYLKESKOMMUNE: cov.county}
        n2013 = {config.KOMMUNE: config.N_MUNICIPALITIES, config.FYLKESKOMMUNE: config.N_COUNTY_MUNICIPALITIES}
        out: dict[str, np.ndarray] = {}
        for stage in STAGES:
            res = np.zeros((B, self.n), dtype=bool)
            for utype, mask in groups.items():
                spec = self.params[stage][utype]
                n_u = int(mask.sum())
                k = int(spec["count"]) if n_u == n2013[utype] else int(round(spec["count"] * n_u / n2013[utype]))
                w = self._size_weights(spec)
                for b, rng in enumerate(_streams(seeds, stage, utype)):
                    elig = mask & out["mapped"][b] if stage == "response" else mask
                    res[b] |= synth_selection.select_exact(w, k, rng, elig)
            out["mapped" if stage == "coverage" else "responded" if stage == "response" else stage] = res
        return out

    # -- answers -----------------------------------------------------------------------
    def answers(self, seeds, facebook: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Coded answers (float codes, options 1/0, NaN = not shown) of the drawn columns, routed."""
        B, n, cov = len(seeds), self.n, self.cov
        u = np.stack([synth_answers.latent_factor(int(s), n) for s in seeds])  # always the "answers" stream, as synth
        zero = np.zeros(n)
        ans: dict[str, np.ndarray] = {}
        for c in self.columns:
            it, spec, model = c.item, c.spec, c.spec.get("model")
            rngs = _streams(seeds, self.salt, c.column)

            def draw(fn):
                return np.stack([fn(r) for r in rngs])

            if model in ("binary", "involvement", "ordinal", "count", "lognormal", "year"):
                eta0 = synth_params.linear_predictor(spec, cov, zero, self.defaults)   # without the latent term
                eta = eta0 + float(spec.get("loading", self.defaults.get("loading", 0.0))) * u
            if model == "categorical":
                subs = np.asarray(it.substantive_codes, dtype=float)
                probs = spec.get("probs", {})
                out = np.full((B, n), np.nan)
                for utype, mask in ((config.KOMMUNE, ~cov.county), (config.FYLKESKOMMUNE, cov.county)):
                    p = np.asarray(probs.get(utype, [1.0 / len(subs)] * len(subs)), dtype=float)
                    cum = np.cumsum(p / p.sum())
                    idx = np.minimum(np.searchsorted(cum, draw(lambda r: r.random(n)), side="right"), len(subs) - 1)
                    out[:, mask] = subs[idx[:, mask]]
            elif model in ("binary", "involvement"):
                if model == "involvement":
                    x = synth_answers.involvement_covariates(ans)
                    for name, coef in spec.get("coefficients", {}).items():
                        eta = eta + float(coef) * x[name]
                yes = draw(lambda r: r.random(n)) < expit(eta)
                if spec.get("facebook_forces_yes") and facebook is not None:
                    yes = yes | facebook
                out = synth_answers.binary_codes(yes, it, spec, lambda: draw(lambda r: r.random(n)))
            elif model == "ordinal":
                subs = np.asarray(it.substantive_codes, dtype=float)
                cuts = spec.get("cutpoints")
                if cuts is None:
                    cuts = logit(np.arange(1, len(subs)) / len(subs)) * float(self.defaults.get("cut_spread", 1.0))
                cuts = np.asarray(cuts, dtype=float)
                r = draw(lambda r: r.random(n))
                out = subs[(r[..., None] < expit(eta[..., None] - cuts)).sum(axis=-1)]
            elif model == "count":
                lam = np.exp(eta)
                out = np.stack([rng.poisson(lam[b]) for b, rng in enumerate(rngs)]).astype(float)
                out = np.clip(out, it.min if it.min is not None else 0, it.max if it.max is not None else np.inf)
            elif model == "lognormal":
                val = np.exp(eta + float(spec.get("sigma", 0.5)) * draw(lambda r: r.standard_normal(n)))
                step = float(spec.get("round_to", 0.1))
                out = np.round(val / step) * step
                out = np.clip(out, it.min if it.min is not None else 0, it.max if it.max is not None else np.inf)
            elif model == "year":
                lam = np.exp(eta)
                hi, lo = int(it.max), int(it.min)
                out = (hi - np.minimum(np.stack([rng.poisson(lam[b]) for b, rng in enumerate(rngs)]), hi - lo)
                       ).astype(float)
            else:
                raise ValueError(f"{c.column}: model {model!r} is not supported in batches")
            if it.has_dont_know and not it.is_multiple:
                p_dk = float(spec.get("dont_know", self.defaults.get("dont_know", 0.0)))
                if p_dk > 0:
                    out = np.where(draw(lambda r: r.random(n)) < p_dk, float(it.dont_know), out)
            ans[c.column] = out
        for filt, codes, cols in self.routes:                  # codebook order: chains work
            hidden = ~np.isin(ans[filt], codes)
            for col in cols:
                ans[col] = np.where(hidden, np.nan, ans[col])
        return ans


# ---------------------------------------------------------------------------------------
# Analysis values of the typed columns
# ---------------------------------------------------------------------------------------
def value_lookup(spec: ColumnSpec, item: cbm.Item) -> dict[float, float]:
    """Latent code -> the value :func:`item_tests.analysis_array` gives the typed answer
    (level position of binary/categorical columns, 1.. score of ordinal ones; NaN excluded)."""
    if item.is_multiple:
        return {1.0: 0.0, 0.0: 1.0}
    out = {}
    subst = item.substantive_keys
    for code, key in item.code_to_key.items():
        if spec.kind == "ordinal":
            out[float(code)] = float(subst.index(key) + 1) if key in subst else np.nan
        else:
            out[float(code)] = float(spec.levels.index(key)) if key in spec.levels else np.nan
    return out


def analysis_values(answers: dict[str, np.ndarray], specs: list[ColumnSpec], codebook: cbm.Codebook) -> np.ndarray:
    """``values`` (B, n, m) of :mod:`.item_tests_batch` from coded answers (B, n) per column."""
    first = next(iter(answers.values()))
    out = np.full(first.shape + (len(specs),), np.nan)
    for j, s in enumerate(specs):
        a = answers[s.column]
        it = codebook.item(s.column)
        if s.kind == "numeric":
            out[..., j] = np.round(a) if it.type in ("integer", "year") else a
            continue
        lookup = value_lookup(s, it)
        top = int(max(lookup)) + 1
        lut = np.full(top + 1, np.nan)                          # codes are small non-negative integers
        for code, v in lookup.items():
            lut[int(code)] = v
        out[..., j] = lut[np.where(np.isnan(a), top, a).astype(np.int64)]
    return out


# ---------------------------------------------------------------------------------------
# Weights and designs of one replicate
# ---------------------------------------------------------------------------------------
class Frame:
    """What the weights and designs of every replicate share: the population's cells."""

    def __init__(self, population: pd.DataFrame, margins=MARGINS, min_cell: int | None = MIN_CELL):
        pop = population.reset_index(drop=True)
        self.n = len(pop)
        self.county = (pop["unit_type"].astype(str) == config.FYLKESKOMMUNE).to_numpy()
        self.unit_id = pop["unit_id"].astype(str).to_numpy()
        k = pop[~self.county]
        self.margins, self.min_cell = tuple(margins), min_cell
        # chapter 03 rakes the municipalities in the order of (unit_id, unit_type) (its outer merge)
        self.rake_order = np.flatnonzero(~self.county)[np.argsort(k["unit_id"].astype(str).to_numpy(), kind="stable")]
        self.codes, self.targets = {}, {}
        for m, cats in population_margins(k, self.margins).items():
            lookup = {c: i for i, c in enumerate(cats)}
            self.codes[m] = np.array([lookup.get(v, -1) if not pd.isna(v) else -1
                                      for v in pop[m].astype(object)], dtype=np.int64)
            self.targets[m] = np.array(list(cats.values()), dtype=float)
        sizes = list(pop["size_class"].cat.categories)
        self.size_labels = sizes
        self.N_size = np.bincount(self.codes["size_class"][~self.county], minlength=len(sizes)).astype(float)
        self.N_county = float(self.county.sum())

    def weights(self, responded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(weight, base_weight)`` (n,) of one replicate's respondents (NaN elsewhere), as
        :func:`sosiale_kommuner.chapters.weighting.calibrate_population_weights`."""
        w = np.full(self.n, np.nan)
        base = np.full(self.n, np.nan)
        rows = self.rake_order[responded[self.rake_order]]
        sc = self.codes["size_class"]
        r_c = np.bincount(sc[rows], minlength=len(self.N_size))
        if (r_c == 0).any():
            raise ValueError("a size class without respondents: no base weight (merge cells first)")
        base[rows] = (self.N_size / r_c)[sc[rows]]
        w[rows], _, _ = batch.rake(base[rows], [self.codes[m][rows] for m in self.margins],
                                   [self.targets[m] for m in self.margins], tol=1e-10, max_iter=1000,
                                   min_cell=self.min_cell)
        cty = np.flatnonzero(self.county & responded)
        base[cty] = self.N_county / len(cty)
        w[cty], _, _ = batch.rake(base[cty], [np.zeros(len(cty), dtype=np.int64)], [np.array([self.N_county])],
                                  tol=1e-12, max_iter=2)
        return w, base

    def cells(self, rows: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
        """Calibration cells of municipal ``rows`` per margin, as :func:`respondents.calibration_cells`
        detects them from the weights (categories that miss their count but together match
        form one merged cell)."""
        out = []
        tol = respondents.MARGIN_TOL
        for m in self.margins:
            c, t = self.codes[m][rows], self.targets[m]
            ach = np.bincount(c, weights=w[rows], minlength=len(t))
            ok = np.abs(ach - t) <= tol * t
            bad = np.flatnonzero(~ok)
            if ok.any() and len(bad) >= 2 and abs(ach[bad].sum() - t[bad].sum()) <= tol * t[bad].sum():
                c = np.where(np.isin(c, bad), len(t), c)
            out.append(c)
        return out


def _dummies(codes: np.ndarray) -> np.ndarray:
    """One 0/1 column per observed code (-1: a row of zeros)."""
    present = np.unique(codes[codes >= 0])
    return (codes[:, None] == present[None, :]).astype(float)


@dataclass
class ReplicateDesigns:
    """One replicate's two analytic designs (no fpc) and the rows (population positions) in them."""

    weight: np.ndarray
    base_weight: np.ndarray
    kommune: batch.ArrayDesign
    kommune_rows: np.ndarray
    combined: batch.ArrayDesign
    combined_rows: np.ndarray


def replicate_designs(frame: Frame, responded: np.ndarray) -> ReplicateDesigns:
    """Weights and the designs of chapter 09's two comparisons for one replicate (see module docstring)."""
    w, base = frame.weights(responded)
    rows_c = np.flatnonzero(responded)
    rows_k = rows_c[~frame.county[rows_c]]
    sc = frame.codes["size_class"]
    cells_k = frame.cells(rows_k, w)
    mm_k = np.column_stack([_dummies(c) for c in cells_k])
    dk = batch.ArrayDesign(w[rows_k], sc[rows_k], model_matrix=mm_k, base_weights=base[rows_k])
    cty = frame.county[rows_c]
    strata_c = np.where(cty, len(frame.N_size), sc[rows_c])
    full = []
    for c in cells_k:                          # municipal margins, zero on county rows
        cc = np.full(len(rows_c), -1)
        cc[~cty] = c
        full.append(_dummies(cc))
    mm_c = np.column_stack([_dummies(cty.astype(np.int64))] + full)
    dc = batch.ArrayDesign(w[rows_c], np.unique(strata_c, return_inverse=True)[1], model_matrix=mm_c,
                           base_weights=base[rows_c])
    return ReplicateDesigns(w, base, dk, rows_k, dc, rows_c)
