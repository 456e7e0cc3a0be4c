"""Are the item tests honest? A Monte Carlo study with the project's own generator (SYNTHETIC).

Each replicate draws a new synthetic dataset from the generator (new answers for every
unit of the 2013 populations, new step-1 coverage and step-3 response: 200 municipalities
and 11 county municipalities), weights it as chapter 03 does, and runs exactly the tests of
chapter 09 (analytic: design WITHOUT the finite population correction, docs/contracts.md §7)
for both comparisons; it also estimates the county municipalities' proportions as the
estimates tables publish them.

Two scenarios, with the same replicate seeds (common random numbers):

* ``planted``: the generator's parameters as shipped (``generator_params.yaml``);
* ``null``: the same parameters with every group term removed (:func:`null_params`), so
  every item has the same distribution in every size class and unit type (global null).

Two engines compute the same numbers (to ~1e-10; tests/chapters/test_simulation.py):
``"batched"`` (default; :mod:`.simulation_replicates`: many seeds' draws at once, all
columns of a comparison in one set of array operations) and ``"per_item"``
(:mod:`.simulation_reference`: :func:`sosiale_kommuner.data.synth.generate`, chapter 03's
weighting and :func:`sosiale_kommuner.chapters.item_tests.run_tests`, one column at a
time), which is the definition the batched one is checked against and about 20 times slower
(``benchmarks/bench_simulation.py``).

Targets (docs/contracts.md §7): the effect intervals aim at the generating process's
effect, computed on a large synthetic population from the same generator (the 2013 frame
replicated ``process_reps`` times, every unit answering; :func:`process_targets`); under
``null`` it is 0 by construction. The county municipalities' published intervals (with the
finite population correction) aim at the replicate's own value for the 18 county
municipalities; computed without the correction they aim at the process value
(:func:`.simulation_county.process_values`).

Reproducibility: replicate ``i`` uses generator seed ``base_seed + i``; results are
collected in replicate order, so they do not depend on the number of worker processes.
The summaries with their Monte Carlo errors are in :mod:`.simulation_summaries`; the
chapter's sentences, in Norwegian and English, in :data:`TEXT`.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import synth

from . import item_tests, simulation_county, simulation_reference, simulation_replicates
from . import simulation_data as sdata
from .item_tests import CONTRASTS

SCENARIOS = ("null", "planted")
COMPARISONS = ("size_class", "unit_type")
#: Group terms of the generator's item models (removed under the global null).
GROUP_TERMS = ("size_class", "centrality", "region", "fylkeskommune")
DEFAULT_BASE_SEED = 1_000
#: Raking margins of the replicate weights (chapter 03's base margins).
MARGINS = simulation_reference.MARGINS
ALPHA = 0.05
ENGINES = ("batched", "per_item")
#: Replicates drawn together by the batched engine (one task of a worker).
CHUNK = 25


# ---------------------------------------------------------------------------------------
# Scenarios and truth
# ---------------------------------------------------------------------------------------
def null_params(params: dict) -> dict:
    """Generator parameters of the global null: every item model loses its group terms.

    Removes ``size_class``, ``centrality``, ``region`` and ``fylkeskommune`` from every item
    (background items too, since ``bg_comm_fte`` feeds the involvement model); gives county
    municipalities the municipal probabilities of categorical items; switches off
    ``facebook_forces_yes`` (the Facebook page depends on size and unit type). Selection
    (coverage, response) keeps its size dependence: weighting must cope with it.
    """
    out = copy.deepcopy(params)
    for col, spec in out.get("items", {}).items():
        for term in GROUP_TERMS:
            spec.pop(term, None)
        spec.pop("facebook_forces_yes", None)
        probs = spec.get("probs")
        if isinstance(probs, dict) and config.KOMMUNE in probs:
            spec["probs"] = {ut: list(probs[config.KOMMUNE]) for ut in config.UNIT_TYPES}
    return out


def scenario_params(params: dict, scenario: str) -> dict:
    """The generator parameters of ``scenario`` (a copy)."""
    if scenario == "planted":
        return copy.deepcopy(params)
    if scenario == "null":
        return null_params(params)
    raise ValueError(f"scenario must be one of {SCENARIOS}, not {scenario!r}")


def true_nulls(params: dict, codebook: cbm.Codebook) -> dict[str, set[str]]:
    """Columns that are null for each comparison under ``params`` (the ``planted`` scenario).

    Exactly :func:`synth.planted_effects`'s null columns (municipal comparisons: no size,
    centrality or region term; unit type: no term at all; columns with
    ``facebook_forces_yes`` are never null, since the Facebook page differs by size class and
    unit type), as written to ``truth.yaml``.
    """
    _, nulls = synth.planted_effects(params, codebook)
    return {cmp: set(nulls[cmp]) for cmp in COMPARISONS}


def process_values(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                   specs: list[item_tests.ColumnSpec], reps: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Every unit of ``population`` replicated ``reps`` times (as :func:`synth.expand_population`)
    answering, as :func:`synth.draw_status` and ``synth.draw_answers(..., salt="process",
    routed=True)`` draw them (:class:`.simulation_data.Generator`, same streams): the big
    population and its analysis values (units x ``specs``, :func:`item_tests.analysis_array`
    as floats)."""
    pop = population.reset_index(drop=True)
    big = pop.iloc[np.tile(np.arange(len(pop)), int(reps))].reset_index(drop=True)
    gen = sdata.Generator(params, codebook, big, [s.column for s in specs], salt="process")
    st = gen.status([seed])
    return big, sdata.analysis_values(gen.answers([seed], st["facebook_page"]), specs, codebook)[0]


def process_targets(params: dict, codebook: cbm.Codebook, population: pd.DataFrame,
                    specs: list[item_tests.ColumnSpec], reps: int = 250, seed: int = 99) -> pd.DataFrame:
    """The generating process's effect of every column and comparison (docs/contracts.md §7).

    The 2013 frame replicated ``reps`` times, every unit answering (routing applied), from
    ``params`` (:func:`process_values`); the effect is the same contrast as
    :data:`item_tests.CONTRASTS` of the same statistic (share of the effect level / mean
    score / mean), unweighted over all units. Columns ``comparison, item, target, mc_se``
    (``mc_se``: Monte Carlo standard error of the target from the finite replicated population).
    """
    big, values = process_values(params, codebook, population, specs, reps, seed)
    ut = big["unit_type"].astype(str).to_numpy()
    sc = big["size_class"].astype(object).to_numpy()
    groups = {"size_class": sc, "unit_type": ut}
    sides = {}
    for cmp in COMPARISONS:
        ga, gb = (groups[cmp] == x for x in CONTRASTS[cmp])
        if cmp == "size_class":                                 # municipalities only
            ga, gb = ga & (ut == config.KOMMUNE), gb & (ut == config.KOMMUNE)
        sides[cmp] = (ga, gb)
    rows = []
    for j, s in enumerate(specs):
        v = values[:, j]
        arr = np.where(np.isnan(v), -1, v).astype(np.int64) if s.kind in ("binary", "categorical") else v
        vals, ok = item_tests.effect_values(arr, s)
        for cmp in COMPARISONS:
            ma, mb = ok & sides[cmp][0], ok & sides[cmp][1]
            if ma.sum() < 2 or mb.sum() < 2:
                rows.append(dict(comparison=cmp, item=s.column, target=np.nan, mc_se=np.nan))
                continue
            ta, tb = vals[ma].mean(), vals[mb].mean()
            se = np.sqrt(vals[ma].var(ddof=1) / ma.sum() + vals[mb].var(ddof=1) / mb.sum())
            rows.append(dict(comparison=cmp, item=s.column, target=float(ta - tb), mc_se=float(se)))
    return pd.DataFrame(rows)




# ---------------------------------------------------------------------------------------
# Running the study
# ---------------------------------------------------------------------------------------
@dataclass
class Study:
    """The replicates of both scenarios.

    ``tests``: one row per scenario, replicate, comparison and column (``scenario, seed,
    replicate, comparison, item`` and :data:`.simulation_replicates.TEST_FIELDS`: statistic,
    df, p-values, effect, its interval, SE and df); ``county``: one row per scenario, replicate and county
    proportion (``item, level`` and :data:`.simulation_replicates.COUNTY_FIELDS`; empty for the
    per-item engine); ``seconds``: wall time of the replicate loop; ``county_df_rule``: the
    county intervals' df rule (:func:`.simulation_county.df_rule`).
    """

    tests: pd.DataFrame
    county: pd.DataFrame
    seconds: float
    engine: str
    county_df_rule: str = "design"


def _population(population: pd.DataFrame) -> pd.DataFrame:
    pop = population.reset_index(drop=True).copy()
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    return pop


def _inputs(raw_dir, params, codebook, population):
    P = config.paths(raw_dir)
    if params is None:
        params = synth.load_params(P.survey / synth.PARAMS_FILE)
    codebook = codebook or cbm.load_codebook(P.raw)
    if population is None:
        from sosiale_kommuner.data import frame
        population = frame.load_population(P.frame)
    return params, codebook, _population(population)


def run_study(replicates: int = 1000, scenarios=SCENARIOS, params: dict | None = None,
              codebook: cbm.Codebook | None = None, population: pd.DataFrame | None = None,
              base_seed: int = DEFAULT_BASE_SEED, workers: int = 2, raw_dir=None,
              df_method: str = "satterthwaite", min_group_n: int = item_tests.MIN_GROUP_N,
              engine: str = "batched", chunk: int = CHUNK) -> Study:
    """Run ``replicates`` replicates of each scenario on ``workers`` processes.

    ``params``: generator parameters (default: ``<raw>/survey/generator_params.yaml``);
    ``population``: the frame (default: loaded from ``<raw>/frame``). Replicate ``i`` uses
    seed ``base_seed + i`` in every scenario. ``df_method``, ``min_group_n``: as chapter 09
    (:func:`item_tests.run_tests`). ``engine``: ``"batched"`` or ``"per_item"`` (same numbers).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    params, codebook, pop = _inputs(raw_dir, params, codebook, population)
    specs = item_tests.analysable(codebook)
    seeds = [base_seed + i for i in range(int(replicates))]
    if engine == "per_item":
        contexts = {s: simulation_reference.Context(scenario_params(params, s), codebook, pop, specs, df_method,
                                                    min_group_n) for s in scenarios}
        t0 = time.perf_counter()
        tests = simulation_reference.run(contexts, [(s, i, sd) for s in scenarios for i, sd in enumerate(seeds)],
                                         workers)
        return Study(tests, pd.DataFrame(), time.perf_counter() - t0, engine)
    rule = simulation_county.df_rule(scenario_params(params, scenarios[0]), codebook, pop, specs, base_seed)
    inputs = {s: dict(params=scenario_params(params, s), codebook=codebook, population=pop, specs=specs,
                      df_method=df_method, min_group_n=min_group_n, county_df_rule=rule) for s in scenarios}
    tasks = [(s, seeds[i:i + chunk]) for s in scenarios for i in range(0, len(seeds), chunk)]
    t0 = time.perf_counter()
    results = simulation_replicates.run(inputs, tasks, workers)
    seconds = time.perf_counter() - t0
    return Study(*simulation_replicates.tables(tasks, results, specs, base_seed), seconds, engine, rule)


def run(replicates: int = 30, scenarios=SCENARIOS, params: dict | None = None,
        codebook: cbm.Codebook | None = None, population: pd.DataFrame | None = None,
        base_seed: int = DEFAULT_BASE_SEED, workers: int = 2, raw_dir=None,
        df_method: str = "satterthwaite", min_group_n: int = item_tests.MIN_GROUP_N,
        engine: str = "batched") -> pd.DataFrame:
    """The ``tests`` table of :func:`run_study` (same arguments), sorted by scenario,
    replicate and row."""
    return run_study(replicates, scenarios, params, codebook, population, base_seed, workers, raw_dir, df_method,
                     min_group_n, engine).tests


# ---------------------------------------------------------------------------------------
# The chapter's sentences (Norwegian bokmål first, English); numbers filled in by the code
# ---------------------------------------------------------------------------------------
TEXT = {
    "nb": {
        "comparison": {"size_class": "størrelsesklasse", "unit_type": "enhetstype"},
        "fdp_within": "innenfor BH-grensen",
        "fdp_mc": "over grensen i gjennomsnitt, men innenfor Monte Carlo-usikkerheten",
        "fdp_above": "over BH-grensen (hele Monte Carlo-intervallet ligger over den)",
        "dep_independent": "nær uavhengige",
        "dep_positive": "positivt avhengige i gjennomsnitt",
        "dep_negative": "negativt avhengige i gjennomsnitt",
        "dep_detail": ("{kind} (gjennomsnittlig korrelasjon mellom z-verdiene {corr}, {share} av parene positive, "
                       "dispersjonsforhold {disp})"),
        "tail_ok": "Halen er forenlig med det nominelle for begge sammenligningene.",
        "tail_heavy": ("Halen er tyngre enn nominelt for {which} (det eksakte intervallet ligger over 0,1 %): "
                       "ekstreme p-verdier forekommer oftere enn de skal (typisk når svarene i en liten gruppe "
                       "tilfeldigvis klumper seg, slik at den linjariserte variansen blir undervurdert). BHs "
                       "garanti er derfor ikke sikret her, og funnene bør leses som foreløpige."),
        "and": "og",
        "level": ("**Nivå.** Under den globale nullhypotesen forkastet testene i kapittel 9 {rate_sc} av gangene "
                  "for størrelsesklasse (95 % Monte Carlo-intervall {lo_sc}–{hi_sc}, ±{hw_sc} prosentpoeng) og "
                  "{rate_ut} for enhetstype ({lo_ut}–{hi_ut}, ±{hw_ut} prosentpoeng), mot nominelt 5 %, over "
                  "{replicates} syntetiske datasett per scenario. Intervallene regner datasettet som enhet, "
                  "fordi testene i ett datasett er korrelerte."),
        "tail": ("**Halen.** Under p = 0,001 lå {t_sc} av nulltestene for størrelsesklasse og {t_ut} for "
                 "enhetstype (nominelt 0,10 %), et forhold på {r_sc} og {r_ut}. {verdict}"),
        "fdp": ("**Falske funn.** Med de innplantede effektene var den gjennomsnittlige andelen falske funn etter "
                "BH {f_sc} for størrelsesklasse (±{fh_sc} prosentpoeng; BH-grensen {b_sc}) og {f_ut} for "
                "enhetstype (±{fh_ut} prosentpoeng; grensen {b_ut}): {v_sc} for størrelsesklasse og {v_ut} for "
                "enhetstype. Testene var {d_sc} for størrelsesklasse og {d_ut} for enhetstype, og det er under "
                "den betingelsen BHs garanti gjelder."),
        "power": ("**Styrke.** {strong} av de {planted} innplantede forskjellene hadde en glattet styrke over "
                  "99 %. I gjennomsnitt over de innplantede forskjellene fant testen forskjellen på 5 %-nivået i "
                  "{p_sc} av datasettene for størrelsesklasse (±{ph_sc} prosentpoeng; {pb_sc} etter BH) og "
                  "{p_ut} for enhetstype (±{ph_ut} prosentpoeng; {pb_ut} etter BH; 11 fylkeskommuner svarte – "
                  "jf. minste påviselige forskjell i kapittel 9)."),
        "coverage": ("**Dekning.** De 95 % intervallene for effektene dekket effekten i den genererende "
                     "prosessen {c_sc} av gangene for størrelsesklasse (±{ch_sc} prosentpoeng) og {c_ut} for "
                     "enhetstype (±{ch_ut} prosentpoeng)."),
        "county": ("**Fylkeskommunenes anslag.** De publiserte 95 % intervallene for fylkeskommunenes andeler "
                   "({levels} andeler, med endelighetskorreksjon) dekket datasettets egen verdi for de 18 "
                   "fylkeskommunene {cp} av gangene (±{cph} prosentpoeng). Uten endelighetskorreksjonen dekket "
                   "de verdien i den genererende prosessen {ca} av gangene (±{cah} prosentpoeng)."),
        "caption_county": ("Fylkeskommunenes andeler: dekning av 95 % intervallene (publisert, med "
                           "endelighetskorreksjon: datasettets verdi for de 18 fylkeskommunene; analytisk, uten: "
                           "prosessens verdi), med 95 % Monte Carlo-intervall"),
        "caption_power": "Innplantede forskjeller: gjennomsnittlig styrke, med 95 % Monte Carlo-intervall",
        "caption_coverage": ("Dekning av 95 % intervallene for effektene (gjennomsnitt over kolonnene, med 95 % "
                             "Monte Carlo-intervall; kolonner med eget intervall helt under eller over 95 %)"),
        "run": ("{replicates} replikater per scenario, {columns} kolonner × 2 sammenligninger i hvert "
                "({tests} testresultater); prosessens verdier fra {units} syntetiske enheter. Innplantet "
                "scenario: {sc} kolonner er ulike mellom størrelsesklassene og {ut} mellom enhetstypene; resten "
                "er null."),
        "labels": {"half_width": "± prosentpoeng (Monte Carlo)", "half_width_bh": "± prosentpoeng, etter BH",
                   "power": "styrke", "power_bh": "styrke etter BH", "coverage": "dekning",
                   "ci_low": "MC-intervall, nedre", "ci_high": "MC-intervall, øvre", "tests": "tester",
                   "replicates": "replikater", "columns": "kolonner", "proportions": "andeler",
                   "interval": "intervall", "target": "mål", "scenario": "scenario",
                   "comparison": "sammenligning", "below": "klart under 95 %", "above": "klart over 95 %",
                   "published": "publisert (med endelighetskorreksjon)",
                   "analytic": "analytisk (uten endelighetskorreksjon)", "census": "datasettets verdi",
                   "process": "prosessens verdi", "planted": "innplantet", "null": "global null",
                   "size_class": "størrelsesklasse", "unit_type": "enhetstype"},
        "key_half_width": "Monte Carlo-usikkerhet i andelen falske positive (størrelsesklasse)",
        "key_county": "Dekning av fylkeskommunenes publiserte intervaller",
        "pp": "±{x} prosentpoeng",
    },
    "en": {
        "comparison": {"size_class": "size class", "unit_type": "unit type"},
        "fdp_within": "within BH's bound",
        "fdp_mc": "above the bound on average but within Monte Carlo error of it",
        "fdp_above": "above BH's bound (the whole Monte Carlo interval exceeds it)",
        "dep_independent": "close to independent",
        "dep_positive": "positively dependent on average",
        "dep_negative": "negatively dependent on average",
        "dep_detail": ("{kind} (mean correlation of z-scores {corr}, {share} of the pairs positive, dispersion "
                       "ratio {disp})"),
        "tail_ok": "The tail is consistent with nominal for both comparisons.",
        "tail_heavy": ("The tail is heavier than nominal for {which} (the exact interval lies above 0.1 %): "
                       "extreme p-values arise more often than they should (typically when the answers of a small "
                       "group happen to cluster, so that its linearised variance is underestimated), so BH's "
                       "guarantee is not assured there and its discoveries are best read as tentative."),
        "and": "and",
        "level": ("**Level.** Under the global null the tests of chapter 09 rejected {rate_sc} of the time for size "
                  "classes (95 % Monte Carlo interval {lo_sc}–{hi_sc}, ±{hw_sc} percentage points) and {rate_ut} "
                  "for unit type ({lo_ut}–{hi_ut}, ±{hw_ut} percentage points), against the nominal 5 %, over "
                  "{replicates} synthetic datasets per scenario. The intervals treat the dataset as the unit, "
                  "since the tests of one dataset are correlated."),
        "tail": ("**Tail.** Below p = 0.001 the share of null tests was {t_sc} for size classes and {t_ut} for unit "
                 "type (nominal 0.10 %): a ratio of {r_sc} and {r_ut}. {verdict}"),
        "fdp": ("**False discoveries.** With the planted effects, the average false-discovery proportion after BH "
                "was {f_sc} for size classes (±{fh_sc} percentage points; BH bound {b_sc}) and {f_ut} for unit type "
                "(±{fh_ut} percentage points; bound {b_ut}): {v_sc} for size classes and {v_ut} for unit type. The "
                "tests looked {d_sc} for size classes and {d_ut} for unit type, which is the condition under which "
                "BH's guarantee holds."),
        "power": ("**Power.** {strong} of the {planted} planted differences had a smoothed power above 99 %. "
                  "Averaged over the planted differences, a test found its difference at 5 % in {p_sc} of the "
                  "datasets for size classes (±{ph_sc} percentage points; {pb_sc} after BH) and {p_ut} for unit "
                  "type (±{ph_ut} percentage points; {pb_ut} after BH; 11 county respondents – compare chapter 09's "
                  "minimum detectable difference)."),
        "coverage": ("**Coverage.** The 95 % effect intervals covered the generating process's effect {c_sc} of "
                     "the time for size classes (±{ch_sc} percentage points) and {c_ut} for unit type (±{ch_ut} "
                     "percentage points)."),
        "county": ("**County municipalities' estimates.** The published 95 % intervals of the county "
                   "municipalities' proportions ({levels} proportions, with the finite population correction) "
                   "covered the dataset's own value for the 18 county municipalities {cp} of the time (±{cph} "
                   "percentage points). Without the correction they covered the generating process's value {ca} "
                   "of the time (±{cah} percentage points)."),
        "caption_county": ("County municipalities' proportions: coverage of the 95 % intervals (published, with "
                           "the finite population correction: the dataset's value for the 18 county "
                           "municipalities; analytic, without it: the process value), with 95 % Monte Carlo "
                           "interval"),
        "caption_power": "Planted differences: average power, with 95 % Monte Carlo interval",
        "caption_coverage": ("Coverage of the 95 % effect intervals (mean over columns, with 95 % Monte Carlo "
                             "interval; columns whose own interval lies wholly below or above 95 %)"),
        "run": ("{replicates} replicates per scenario, {columns} columns × 2 comparisons each ({tests} test "
                "results); process values from {units} synthetic units. Planted scenario: {sc} columns truly "
                "differ by size class and {ut} by unit type; the rest are null."),
        "labels": {"half_width": "± percentage points (Monte Carlo)", "half_width_bh": "± percentage points, after BH",
                   "power": "power", "power_bh": "power after BH", "coverage": "coverage",
                   "ci_low": "MC interval low", "ci_high": "MC interval high", "tests": "tests",
                   "replicates": "replicates", "columns": "columns", "proportions": "proportions",
                   "interval": "interval", "target": "target", "scenario": "scenario",
                   "comparison": "comparison", "below": "clearly below 95 %", "above": "clearly above 95 %",
                   "published": "published (with finite population correction)",
                   "analytic": "analytic (without it)", "census": "the dataset's value",
                   "process": "the process value", "planted": "planted", "null": "global null",
                   "size_class": "size class", "unit_type": "unit type"},
        "key_half_width": "Monte Carlo error of the false-positive rate (size class)",
        "key_county": "Coverage of the county municipalities' published intervals",
        "pp": "±{x} percentage points",
    },
}


def _t(lang: str) -> dict:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {tuple(TEXT)}, not {lang!r}")
    return TEXT[lang]


def pct(x: float, lang: str = "en", digits: int = 1) -> str:
    """A proportion (0–1) as a percentage in the language's notation ("4.9 %" / "4,9 %")."""
    s = f"{x * 100:.{digits}f} %"
    return s.replace(".", ",") if lang == "nb" else s


def num(x: float, lang: str = "en", digits: int = 2, sign: bool = False) -> str:
    """A number in the language's notation (decimal comma in Norwegian)."""
    s = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return s.replace(".", ",").replace("-", "−") if lang == "nb" else s


def thousands(n: int, lang: str = "en") -> str:
    """An integer with thousands separated ("111,500" / "111 500")."""
    s = f"{int(n):,}"
    return s.replace(",", "\u00a0") if lang == "nb" else s


def fdp_verdict(row: pd.Series, lang: str = "en") -> str:
    """How one comparison's mean false-discovery proportion relates to BH's bound.

    ``row``: a row of :func:`.simulation_summaries.fdp` (``mean_fdp``, ``ci_low``, ``bh_bound``).
    """
    T = _t(lang)
    if row["ci_low"] > row["bh_bound"]:
        return T["fdp_above"]
    if row["mean_fdp"] <= row["bh_bound"]:
        return T["fdp_within"]
    return T["fdp_mc"]


def dependence_text(row: pd.Series, lang: str = "en") -> str:
    """The dependence between tests in words, from a row of :func:`.simulation_summaries.dependence`."""
    T = _t(lang)
    c = row["mean_correlation"]
    kind = T["dep_independent"] if abs(c) < 0.05 else T["dep_positive"] if c > 0 else T["dep_negative"]
    return T["dep_detail"].format(kind=kind, corr=num(c, lang, 3, sign=True), share=pct(row["share_positive"], lang, 0),
                                  disp=num(row["dispersion_ratio"], lang))


def tail_verdict(tails: pd.DataFrame, comparisons=COMPARISONS, threshold: float = 0.001, lang: str = "en") -> str:
    """Whether the null p-values' tail below ``threshold`` is heavier than nominal.

    ``tails``: :func:`.simulation_summaries.tail_rates`. A comparison is heavy-tailed when the
    exact interval of its share of null p-values below ``threshold`` lies wholly above it.
    """
    T = _t(lang)
    tl = tails.set_index(["comparison", "threshold"])
    bad = [cmp for cmp in comparisons if tl.loc[(cmp, threshold), "ci_low"] > threshold]
    if not bad:
        return T["tail_ok"]
    return T["tail_heavy"].format(which=f" {T['and']} ".join(T["comparison"][c] for c in bad))


def closing_text(s: dict, lang: str = "en") -> str:
    """The chapter's closing bullets from its summary tables.

    ``s`` holds the tables of :mod:`.simulation_summaries` (``overall``, ``tails``, ``fdp``,
    ``dependence``, ``power``, ``power_summary``, ``coverage_summary``, ``county_summary``)
    and ``replicates``.
    """
    T = _t(lang)
    o = s["overall"].set_index("comparison")
    tl = s["tails"].set_index(["comparison", "threshold"])
    f = s["fdp"].set_index("comparison")
    dd = s["dependence"].set_index("comparison")
    ps = s["power_summary"].set_index("comparison")
    cs = s["coverage_summary"]
    cs = cs[cs["scenario"] == "planted"].set_index("comparison")
    cty = s["county_summary"].set_index("interval")
    pw = s["power"]

    def P(x):
        return pct(x, lang)

    def H(x):
        return num(x * 100, lang)

    by = {}
    for key, cmp in (("sc", "size_class"), ("ut", "unit_type")):
        by.update({f"rate_{key}": P(o.loc[cmp, "rate"]), f"lo_{key}": P(o.loc[cmp, "ci_low"]),
                   f"hi_{key}": P(o.loc[cmp, "ci_high"]), f"hw_{key}": H(o.loc[cmp, "half_width"]),
                   f"t_{key}": pct(tl.loc[(cmp, 0.001), "share"], lang, 2),
                   f"r_{key}": num(tl.loc[(cmp, 0.001), "ratio"], lang, 1),
                   f"f_{key}": P(f.loc[cmp, "mean_fdp"]), f"fh_{key}": H(f.loc[cmp, "half_width"]),
                   f"b_{key}": P(f.loc[cmp, "bh_bound"]), f"v_{key}": fdp_verdict(f.loc[cmp], lang),
                   f"d_{key}": dependence_text(dd.loc[cmp], lang),
                   f"p_{key}": P(ps.loc[cmp, "power"]), f"ph_{key}": H(ps.loc[cmp, "half_width"]),
                   f"pb_{key}": P(ps.loc[cmp, "power_bh"]),
                   f"c_{key}": P(cs.loc[cmp, "coverage"]), f"ch_{key}": H(cs.loc[cmp, "half_width"])})
    bullets = [
        T["level"].format(replicates=s["replicates"], **by),
        T["tail"].format(verdict=tail_verdict(s["tails"], lang=lang), **by),
        T["fdp"].format(**by),
        T["power"].format(strong=int((pw["smoothed_power"] > 0.99).sum()), planted=len(pw), **by),
        T["coverage"].format(**by),
        T["county"].format(levels=int(cty.loc["published", "proportions"]), cp=P(cty.loc["published", "coverage"]),
                           cph=H(cty.loc["published", "half_width"]), ca=P(cty.loc["analytic", "coverage"]),
                           cah=H(cty.loc["analytic", "half_width"])),
    ]
    return "\n".join(f"* {b}" for b in bullets)
