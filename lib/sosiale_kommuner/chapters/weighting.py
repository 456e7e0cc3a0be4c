"""Tables and figures of the weighting chapter (``notebooks/03_weighting.ipynb``).

Coverage and response rates, balance of the respondents before and after weighting, the
weights' distribution, and the two checks that are not circular: the step-1 Facebook-page
flag (known for every unit, kept out of the margins) and, on demonstration data, how often
the confidence intervals cover the population values in ``truth.yaml``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sosiale_kommuner.config import FYLKESKOMMUNE, KOMMUNE, Paths
from sosiale_kommuner.data import respondents
from sosiale_kommuner.files import atomic_write_text
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


def plot_weights(pw: PopulationWeights):
    """Histogram of the municipal weights by size class, with the county weight marked.

    Returns a matplotlib figure (hand it to ``plots.show`` with alt text).
    """
    import matplotlib.pyplot as plt

    t = pw.table
    fig, ax = plt.subplots()
    k = t[t["unit_type"] == KOMMUNE]
    strata = list(dict.fromkeys(pw.base_cells.loc[pw.base_cells["unit_type"] == KOMMUNE, "cell"]))
    bins = np.linspace(0, max(t["weight"].max() * 1.05, 1.0), 30)
    ax.hist([k.loc[k["stratum"] == s, "weight"] for s in strata], bins=bins, stacked=True, label=strata)
    f = t[t["unit_type"] == FYLKESKOMMUNE]
    if len(f):
        ax.axvline(f["weight"].iloc[0], color="black", linestyle="--",
                   label=f"county municipalities ({len(f)})")
    ax.set_xlabel("weight (population units per respondent)")
    ax.set_ylabel("respondents")
    ax.set_title("Final weights by size class")
    ax.legend(title="size class")
    return fig


#: The county domain, reported on its own in :func:`truth_summary` (11 respondents, df 10).
COUNTY_DOMAIN = f"unit_type = {FYLKESKOMMUNE}"


def truth_summary(cov: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the truth by the 95 % intervals, overall and by domain: ``domain, rows,
    covered`` (share 0–1) and ``mean_abs_error`` (mean |estimate − truth|). The county
    municipalities (``unit_type = fylkeskommune``) get a row of their own after the domains:
    their intervals rest on a handful of respondents and few degrees of freedom, which the
    ``unit_type`` row would hide among the municipalities."""
    if cov.empty:
        return pd.DataFrame(columns=["domain", "rows", "covered", "mean_abs_error"])
    err = (cov["estimate"] - cov["truth"]).abs()
    parts = [pd.DataFrame({"domain": ["all rows"], "rows": [len(cov)], "covered": [cov["covered"].mean()],
                           "mean_abs_error": [err.mean()]})]
    g = cov.assign(err=err).groupby("domain", sort=False)
    parts.append(pd.DataFrame({"rows": g.size(), "covered": g["covered"].mean(),
                               "mean_abs_error": g["err"].mean()}).reset_index())
    county = (cov["domain"] == "unit_type") & (cov["group"].astype(str) == FYLKESKOMMUNE)
    if county.any():
        parts.append(pd.DataFrame({"domain": [COUNTY_DOMAIN], "rows": [int(county.sum())],
                                   "covered": [cov.loc[county, "covered"].mean()],
                                   "mean_abs_error": [err[county].mean()]}))
    return pd.concat(parts, ignore_index=True)


def margin_choice(candidates: dict) -> tuple[str, pd.DataFrame, str]:
    """Pick the raking margins from the two non-circular checks.

    ``candidates``: ``{name: {"margins": tuple, "flag": flag_check table, "truth": truth
    coverage table or None}}``, simplest first. Per candidate the municipal flag error
    ``|weighted − census|`` and whether its CI covers the census; with a truth file, the
    coverage rate and the mean absolute error against the truth.

    Rule: with truth values, the candidate with the smallest mean absolute error against
    the truth wins, unless its flag interval misses the census value while another's
    covers it; without them, the smallest flag error wins. Ties (differences below 1e-4)
    go to the simpler candidate (fewer margins). Returns ``(name, table, reason)``.
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
    use_truth = tab["truth_rows"].gt(0).all()
    pool = tab
    if use_truth and tab["flag_covered"].any():
        pool = tab[tab["flag_covered"]]
    key = "truth_mae" if use_truth else "flag_error"
    best = pool[key].min()
    name = pool[pool[key] <= best + 1e-4]["candidate"].iloc[0]
    row = tab.set_index("candidate").loc[name]
    tied = pool[(pool[key] <= best + 1e-4) & (pool["candidate"] != name)]["candidate"].tolist()
    what = "mean absolute error against the population values" if use_truth else "Facebook-page error"
    listing = ", ".join(f"'{r.candidate}' {getattr(r, key):.5f}" for r in pool.itertuples())
    if tied:
        reason = (f"the candidates' {what} ({listing}) differ by less than 1e-4, a tie that goes to the "
                  f"simpler weighting, '{name}' ({row['margins']})")
    else:
        reason = f"'{name}' ({row['margins']}) has the smallest {what} ({listing})"
    if use_truth:
        reason += (f"; its intervals cover {row['truth_covered']:.1%} of the population values and its "
                   f"Facebook-page estimate is {row['flag_error']:.3f} from the census value"
                   + ("" if row["flag_covered"] else " (outside its interval)"))
    tab["chosen"] = tab["candidate"] == name
    return name, tab, reason


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
