"""The weights of the weighting chapter (``03_weighting``) and the choice of their margins.

The weights of both populations (:func:`calibrate_population_weights`), written to
``weights.parquet`` and ``calibration.json`` (:func:`write_weights`,
:func:`write_calibration`); the candidate weightings and the two checks that are not
circular, which decide between them (docs/methods.md §3): the step-1 Facebook-page flag
(known for every unit, kept out of the margins; :func:`flag_check`) and, on synthetic data
with a ``truth.yaml``, how often the confidence intervals cover the population values
(:func:`truth_coverage`, :func:`truth_summary`); the rule itself is :func:`margin_choice`,
with the chapter's parameter on top (:func:`choose_margins`).

The chapter's other tables are in :mod:`.weighting_tables`, what a reader sees of all of it
in :mod:`.weighting_page`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import yaml

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE, Paths
from sosiale_kommuner.data import respondents
from sosiale_kommuner.files import atomic_write_text, write_parquet
from sosiale_kommuner.report import provenance
from sosiale_kommuner.survey import estimation
from sosiale_kommuner.survey.design import SurveyDesign
from sosiale_kommuner.survey.weighting import (
    WeightingError,
    WeightingResult,
    population_margins,
    poststratify_weights,
    rake_weights,
    response_base_weights,
    trim_and_rake_weights,
)


# ---------------------------------------------------------------------------------------
# The project's weights: municipalities and county municipalities
# ---------------------------------------------------------------------------------------
@dataclass
class PopulationWeights:
    """Weights of both populations (see :func:`calibrate_population_weights`).

    ``table``: one row per respondent: ``unit_id, unit_type, stratum, base_weight, weight``
    (the layout of ``data/processed/weights.parquet``) and the design columns the
    calibration gives each respondent (``fpc``, ``calib__<margin>``:
    :func:`sosiale_kommuner.data.respondents.apply_calibration`), so that
    ``respondents.merge(responses, population, table)`` can be designed.
    ``base_cells``: the two-step selection per base-weight cell (N, mapped, responded,
    rates, base weight). ``municipal``/``county``: the :class:`WeightingResult` of each
    population. ``stratum_counts``: population counts N_h of the design strata (for the
    fpc). :attr:`calibration`: all of it as the document of ``calibration.json``.
    """

    table: pd.DataFrame
    base_cells: pd.DataFrame
    municipal: WeightingResult
    county: WeightingResult
    margins: tuple
    stratum_counts: dict
    respondents: pd.DataFrame = field(repr=False)
    calibration: dict = field(default_factory=dict, repr=False)

    def design(self, data: pd.DataFrame | None = None, unit_type: str = KOMMUNE, fpc: bool = True) -> SurveyDesign:
        """The calibrated design of one population's respondents.

        ``data``: respondent rows with ``unit_id`` and ``unit_type`` (e.g. responses merged
        with the frame); default the respondents' frame rows. Strata: size class (one
        stratum for counties); fpc: stratum population counts N_h (``fpc=False`` for tests);
        calibration: exactly the margins (after any collapsing) that the weights were raked
        to. R: ``rake(svydesign(id=~1, strata=~stratum, fpc=~N_h, weights=~base_weight), ...)``.
        """
        res = self.municipal if unit_type == KOMMUNE else self.county
        resp = self.respondents[self.respondents["unit_type"] == unit_type].reset_index(drop=True)
        if data is None:
            d = resp
        else:
            keys = resp[["unit_id"]].assign(_row=np.arange(len(resp)))
            d = data[data["unit_type"].astype(str) == unit_type].drop(
                columns=[c for c in ("weight", "base_weight", "stratum") if c in data.columns])
            d = d.assign(unit_id=d["unit_id"].astype(str)).merge(keys, on="unit_id", how="left")
            if d["_row"].isna().any():
                raise WeightingError(f"rows of units without a weight: {d.loc[d['_row'].isna(), 'unit_id'].tolist()[:10]}")
            if d["_row"].duplicated().any():
                raise WeightingError("data has more than one row per unit")
            if len(d) != len(resp):
                missing = sorted(set(resp["unit_id"]) - set(d["unit_id"]))
                raise WeightingError(f"data lacks respondents {missing[:10]}: a calibrated design needs all of them")
            d = d.sort_values("_row").drop(columns="_row").reset_index(drop=True)
        tab = self.table[self.table["unit_type"] == unit_type].set_index("unit_id")
        d = d.assign(weight=d["unit_id"].map(tab["weight"]).to_numpy(),
                     base_weight=d["unit_id"].map(tab["base_weight"]).to_numpy(),
                     stratum=d["unit_id"].map(tab["stratum"]).to_numpy())
        N = {h: self.stratum_counts[h] for h in d["stratum"].unique()}
        return SurveyDesign(d, "weight", strata="stratum", fpc=N if fpc else None, calibration=res.calibration)


def calibrate_population_weights(population: pd.DataFrame, coverage: pd.DataFrame,
                                 margins=("size_class", "region"), base_cell: str = "size_class",
                                 min_cell: int | None = 3, tol: float = 1e-10, max_iter: int = 1000,
                                 cap_ratio: float | None = None) -> PopulationWeights:
    """Weights for the respondents of both populations (issue 4, item 1).

    ``population``: the frame, one row per unit (``unit_id, unit_type`` and the margin
    columns); ``coverage``: one row per unit with booleans ``mapped`` and ``responded``.

    * Municipalities: base weight ``N_c / responded_c`` in cells of ``base_cell`` (the
      product of the inverse mapping rate and the inverse response rate among the mapped,
      :func:`response_base_weights`), then raked to the municipal population counts of
      ``margins`` (sparse cells collapsed below ``min_cell`` respondents; ``cap_ratio``
      enables :func:`trim_and_rake`). They sum to the number of municipalities (428).
    * County municipalities: one cell, weight ``N / responded`` (sums to 18).

    Design strata: size class for municipalities, one stratum for county municipalities.
    """
    keys = ["unit_id", "unit_type"]
    pop = population.assign(unit_id=population["unit_id"].astype(str), unit_type=population["unit_type"].astype(str))
    cov = coverage.assign(unit_id=coverage["unit_id"].astype(str), unit_type=coverage["unit_type"].astype(str))
    for c in ("mapped", "responded"):
        if c not in cov.columns:
            raise WeightingError(f"coverage table lacks column {c!r}")
    m = pop.merge(cov[keys + ["mapped", "responded"]], on=keys, how="outer", indicator=True)
    if (m["_merge"] != "both").any():
        only_pop = m.loc[m["_merge"] == "left_only", "unit_id"].tolist()
        only_cov = m.loc[m["_merge"] == "right_only", "unit_id"].tolist()
        raise WeightingError(f"coverage and population disagree: units without coverage {only_pop[:10]}, "
                             f"coverage rows not in the population {only_cov[:10]}")
    m = m.drop(columns="_merge")
    m["mapped"] = m["mapped"].astype(bool)
    m["responded"] = m["responded"].astype(bool)
    for col in (base_cell, *margins):  # keep categorical order after the merge
        if isinstance(population[col].dtype, pd.CategoricalDtype):
            m[col] = pd.Categorical(m[col], categories=population[col].cat.categories,
                                    ordered=population[col].cat.ordered)

    k = m[m["unit_type"] == KOMMUNE].reset_index(drop=True)
    bw_k, cells_k = response_base_weights(k, base_cell)
    rk = k[k["responded"]].reset_index(drop=True)
    base_k = bw_k[k["responded"]].to_numpy()
    targets = population_margins(k, margins)
    if cap_ratio:
        res_k = trim_and_rake_weights(rk, base_k, targets, cap_ratio=cap_ratio, tol=tol, max_iter=max_iter,
                                      min_cell=min_cell, name="weight")
    else:
        res_k = rake_weights(rk, base_k, targets, tol=tol, max_iter=max_iter, min_cell=min_cell, name="weight")

    f = m[m["unit_type"] == FYLKESKOMMUNE].reset_index(drop=True).assign(_cell=FYLKESKOMMUNE)
    bw_f, cells_f = response_base_weights(f, "_cell")
    rf = f[f["responded"]].reset_index(drop=True)
    base_f = bw_f[f["responded"]].to_numpy()
    res_f = poststratify_weights(rf, base_f, "unit_type", {FYLKESKOMMUNE: float(len(f))}, name="weight")

    table = pd.concat([
        pd.DataFrame({"unit_id": rk["unit_id"], "unit_type": KOMMUNE, "stratum": rk[base_cell].astype(str),
                      "base_weight": base_k, "weight": res_k.weights.to_numpy()}),
        pd.DataFrame({"unit_id": rf["unit_id"], "unit_type": FYLKESKOMMUNE, "stratum": FYLKESKOMMUNE,
                      "base_weight": base_f, "weight": res_f.weights.to_numpy()}),
    ], ignore_index=True)
    base_cells = pd.concat([cells_k.rename(columns={base_cell: "cell"}).assign(unit_type=KOMMUNE),
                            cells_f.rename(columns={"_cell": "cell"}).assign(unit_type=FYLKESKOMMUNE)],
                           ignore_index=True)
    base_cells["cell"] = base_cells["cell"].astype(str)
    counts = {str(c): int(n) for c, n in k[base_cell].astype(object).value_counts().items()}
    counts[FYLKESKOMMUNE] = len(f)
    resp = pd.concat([rk, rf.drop(columns="_cell")], ignore_index=True)
    base_of = base_cells.set_index(["unit_type", "cell"])["base_weight"]
    kcells = [c for c in cells_k[base_cell].astype(str) if (KOMMUNE, c) in base_of.index]
    calibration = {
        KOMMUNE: respondents.population_calibration(
            res_k, strata_counts={c: counts[c] for c in kcells}, stratum=base_cell,
            base_weights={c: base_of[(KOMMUNE, c)] for c in kcells}, base_cell=base_cell),
        FYLKESKOMMUNE: respondents.population_calibration(
            res_f, strata_counts={FYLKESKOMMUNE: len(f)}, stratum=None,
            base_weights={FYLKESKOMMUNE: base_of[(FYLKESKOMMUNE, FYLKESKOMMUNE)]}, base_cell=None),
    }
    design_cols = respondents.apply_calibration(resp, calibration).drop(columns=["stratum", "base_weight"])
    table = pd.concat([table, design_cols.reset_index(drop=True)], axis=1)
    return PopulationWeights(table=table, base_cells=base_cells[["unit_type", "cell", "N", "mapped", "responded",
                                                                 "p_mapped", "p_responded", "base_weight"]],
                             municipal=res_k, county=res_f, margins=tuple(margins), stratum_counts=counts,
                             respondents=resp, calibration=calibration)


def write_calibration(pw: PopulationWeights, paths: Paths):
    """Write ``data/processed/calibration.json`` (docs/contracts.md §1): per population the
    strata and their population counts (the fpc), the base weights, the margins with their
    cells and population totals, the merged cells; atomically, deterministic text. Every
    later design is built from it (:func:`sosiale_kommuner.data.respondents.load`)."""
    text = respondents.calibration_json(pw.calibration)
    return atomic_write_text(paths.processed / respondents.CALIBRATION_FILE, text)


def write_weights(pw: PopulationWeights, paths: Paths):
    """Write ``data/processed/weights.parquet`` (``unit_id, unit_type, weight, stratum,
    base_weight``; docs/contracts.md §1), atomically."""
    return write_parquet(pw.table[respondents.WEIGHTS_COLUMNS], paths.processed / respondents.WEIGHTS_FILE)


def candidate_weightings(population: pd.DataFrame, coverage: pd.DataFrame, base_margins: Sequence[str],
                         candidate_margin: str, **params: Any) -> dict[str, PopulationWeights]:
    """The two candidate weightings, simplest first: raked to ``base_margins`` (``base``) and
    to those and ``candidate_margin`` (``with_<margin>``); ``params`` go to
    :func:`calibrate_population_weights` (``min_cell``, ``tol``, ``max_iter``, ``cap_ratio``)."""
    margins = {"base": tuple(base_margins), f"with_{candidate_margin}": (*base_margins, candidate_margin)}
    return {name: calibrate_population_weights(population, coverage, margins=m, **params) for name, m in margins.items()}



def units_table(population: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Population frame rows with the coverage flags (``mapped``, ``responded`` and any
    other flag columns of ``coverage``), keyed by (``unit_id``, ``unit_type``)."""
    keys = ["unit_id", "unit_type"]
    cov = coverage.assign(unit_id=coverage["unit_id"].astype(str), unit_type=coverage["unit_type"].astype(str))
    pop = population.assign(unit_id=population["unit_id"].astype(str),
                            unit_type=population["unit_type"].astype(str))
    out = pop.merge(cov, on=keys, how="left", validate="one_to_one")
    for c in ("mapped", "responded"):
        if out[c].isna().any():
            raise ValueError(f"coverage lacks {c!r} for units {out.loc[out[c].isna(), 'unit_id'].tolist()[:10]}")
        out[c] = out[c].astype(bool)
    return out


def flag_check(pw: PopulationWeights, units: pd.DataFrame, flag: str = "facebook_page",
               fpc: bool = True) -> pd.DataFrame:
    """Census value of a flag known for every unit versus its respondent estimates.

    Per unit type: ``census`` (share of all units), ``unweighted`` and ``base_weighted``
    respondent shares, and the calibrated design estimate with SE and logit 95 % CI;
    ``covered`` says whether the CI holds the census value. Not circular as long as the
    flag is not a raking margin.
    """
    rows = []
    for ut in (KOMMUNE, FYLKESKOMMUNE):
        u = units[units["unit_type"] == ut]
        if not u["responded"].any():
            continue
        data = u[u["responded"]].assign(_flag=lambda d: d[flag].astype(bool).map({True: "yes", False: "no"}))
        des = pw.design(data, unit_type=ut, fpc=fpc)
        p = estimation.proportions(des, "_flag", levels=["yes"]).iloc[0]
        t = pw.table[pw.table["unit_type"] == ut].set_index("unit_id")
        base = data["unit_id"].map(t["base_weight"])
        census = float(u[flag].astype(bool).mean())
        rows.append(dict(unit_type=ut, flag=flag, census=census, unweighted=float(data[flag].astype(bool).mean()),
                         base_weighted=float(np.average(data[flag].astype(bool), weights=base)),
                         weighted=p.estimate, se=p.se, ci_low=p.ci_low, ci_high=p.ci_high,
                         covered=bool(p.ci_low <= census <= p.ci_high), n=int(len(data))))
    return pd.DataFrame(rows)


def truth_coverage(estimates: pd.DataFrame, truth_values: dict, domains=("unit_type", "size_class", "region",
                                                                          "centrality")) -> pd.DataFrame:
    """Join estimates (docs/contracts.md §6 rows) with ``truth.yaml``'s ``population_values``.

    ``truth_values[column][domain][group]`` holds the statistic by key: a level key for
    shares, ``proportion`` for a ticked option (estimate rows ``item`` = question,
    ``level`` = option, truth column ``<item>__<option>``), ``mean_score``, ``mean``,
    ``dont_know``. Rows of the domain ``all`` are skipped (the truth's ``all`` mixes both
    populations; our ``all`` is municipalities). Returns the matched rows with ``truth``
    and ``covered`` (CI holds the truth).
    """
    rows = []
    est = estimates[estimates["estimate"].notna() & estimates["domain"].isin(domains)]
    for r in est.itertuples(index=False):
        level = str(r.level)
        cand = [(r.item, level), (f"{r.item}__{level}", "proportion")]
        for col, key in cand:
            v = truth_values.get(col, {}).get(r.domain, {}).get(str(r.group), {})
            if key in v:
                tv = float(v[key])
                rows.append(dict(item=r.item, level=level, domain=r.domain, group=str(r.group), estimate=r.estimate,
                                 ci_low=r.ci_low, ci_high=r.ci_high, truth=tv,
                                 covered=bool(r.ci_low <= tv <= r.ci_high)))
                break
    return pd.DataFrame(rows, columns=["item", "level", "domain", "group", "estimate", "ci_low", "ci_high",
                                       "truth", "covered"])


#: The parts of the truth check, in the order shown: every row, the municipalities as a whole,
#: by size class, region and centrality, and the county municipalities on their own (a
#: handful of respondents and few degrees of freedom, which a row of both unit types would
#: hide among the municipalities).
TRUTH_PARTS = ("all", KOMMUNE, "size_class", "region", "centrality", FYLKESKOMMUNE)


def truth_summary(cov: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the truth by the 95 % intervals, by part (:data:`TRUTH_PARTS`): ``domain,
    rows, covered`` (share 0–1) and ``mean_abs_error`` (mean |estimate − truth|). The rows of
    the ``unit_type`` domain are split into the municipalities (``kommune``) and the county
    municipalities (``fylkeskommune``), so every part but ``all`` holds one population."""
    cols = ["domain", "rows", "covered", "mean_abs_error"]
    if cov.empty:
        return pd.DataFrame(columns=cols)
    err = (cov["estimate"] - cov["truth"]).abs()
    unit = cov["domain"] == "unit_type"
    masks = {"all": pd.Series(True, index=cov.index),
             KOMMUNE: unit & (cov["group"].astype(str) == KOMMUNE),
             FYLKESKOMMUNE: unit & (cov["group"].astype(str) == FYLKESKOMMUNE)}
    rows = []
    for part in TRUTH_PARTS:
        m = masks.get(part, cov["domain"] == part)
        if m.any():
            rows.append(dict(domain=part, rows=int(m.sum()), covered=float(cov.loc[m, "covered"].mean()),
                             mean_abs_error=float(err[m].mean())))
    return pd.DataFrame(rows, columns=cols)


def load_truth(paths: Paths) -> dict | None:
    """The population values of ``truth.yaml`` (``population_values``), or None: only synthetic
    data have a known truth (docs/methods.md §11), and only when the file is there."""
    path = paths.survey / "truth.yaml"
    if not (provenance.is_synthetic(paths) and path.exists()):
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("population_values")


def run_checks(weightings: dict[str, PopulationWeights], units: pd.DataFrame, responses: pd.DataFrame,
               population: pd.DataFrame, items, codebook, truth: dict | None,
               domains=("unit_type", "size_class", "region", "centrality")) -> dict[str, dict]:
    """Both checks for every candidate weighting: ``{name: {"margins", "flag", "truth"}}`` —
    the Facebook-page check (:func:`flag_check`) and, with ``truth``, the truth coverage of
    every estimate of ``items`` in ``domains`` (:func:`truth_coverage`; None without)."""
    from .item_estimates import estimate_items

    out = {}
    for name, pw in weightings.items():
        cov = None
        if truth is not None:
            data = respondents.merge(responses, population, pw.table)
            est = estimate_items(data, population, items, codebook, domains=domains, margins=list(pw.margins))
            cov = truth_coverage(est, truth)
        out[name] = dict(margins=pw.margins, flag=flag_check(pw, units, "facebook_page"), truth=cov)
    return out


#: Errors of two candidates closer than this are a tie, which goes to the simpler weighting.
TIE = 1e-4


@dataclass
class MarginChoice:
    """The margin choice (:func:`margin_choice`, :func:`choose_margins`).

    ``chosen``: the candidate whose weights are used; ``by_checks``: the one the checks chose;
    ``basis``: ``"truth"`` (mean absolute error against the population values) or ``"flag"``
    (the Facebook-page error); ``tied``: candidates within :data:`TIE` of the checks' choice;
    ``excluded``: candidates left out because their Facebook-page interval missed the census
    value while another's covered it; ``overridden``: the chapter's parameter decided.
    ``table``: one row per candidate (``candidate, margins, flag_error, flag_se,
    flag_covered, truth_rows, truth_covered, truth_mae, chosen``).
    """

    chosen: str
    by_checks: str
    basis: str
    table: pd.DataFrame
    tied: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    overridden: bool = False


def margin_choice(candidates: dict) -> MarginChoice:
    """Pick the raking margins from the two non-circular checks (docs/methods.md §3).

    ``candidates``: ``{name: {"margins": tuple, "flag": flag_check table, "truth": truth
    coverage table or None}}``, simplest first. Per candidate the municipal flag error
    ``|weighted − census|`` and whether its CI covers the census; with a truth file, the
    coverage rate and the mean absolute error against the truth.

    Rule: with truth values, the candidate with the smallest mean absolute error against
    the truth wins, unless its flag interval misses the census value while another's
    covers it; without them, the smallest flag error wins. Ties (differences below
    :data:`TIE`) go to the simpler candidate (fewer margins, listed first).
    """
    rows = []
    for name, c in candidates.items():
        f = c["flag"].set_index("unit_type").loc[KOMMUNE]
        t = c.get("truth")
        has_truth = t is not None and len(t) > 0
        rows.append(dict(candidate=name, margins=" + ".join(c["margins"]), flag_error=abs(f["weighted"] - f["census"]),
                         flag_se=f["se"], flag_covered=bool(f["covered"]),
                         truth_rows=len(t) if has_truth else 0,
                         truth_covered=t["covered"].mean() if has_truth else np.nan,
                         truth_mae=(t["estimate"] - t["truth"]).abs().mean() if has_truth else np.nan))
    tab = pd.DataFrame(rows)
    use_truth = bool(tab["truth_rows"].gt(0).all())
    pool = tab[tab["flag_covered"]] if use_truth and tab["flag_covered"].any() else tab
    key = "truth_mae" if use_truth else "flag_error"
    within = pool[pool[key] <= pool[key].min() + TIE]["candidate"].tolist()
    name = within[0]
    tab["chosen"] = tab["candidate"] == name
    return MarginChoice(chosen=name, by_checks=name, basis="truth" if use_truth else "flag", table=tab,
                        tied=within[1:], excluded=[c for c in tab["candidate"] if c not in set(pool["candidate"])])


def choose_margins(checks: dict, use_candidate: Any = "auto") -> MarginChoice:
    """The chapter's margin choice: :func:`margin_choice` of ``checks``, unless the parameter
    ``use_candidate`` is ``True`` (the candidate with the extra margin, listed second) or
    ``False`` (the first); then ``overridden`` is set, and ``by_checks`` keeps what the checks
    alone chose."""
    choice = margin_choice(checks)
    if use_candidate is True or use_candidate is False:
        choice.chosen = list(checks)[1 if use_candidate else 0]
        choice.overridden = True
        choice.table["chosen"] = choice.table["candidate"] == choice.chosen
    return choice
