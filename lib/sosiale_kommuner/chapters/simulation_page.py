"""Chapter 11's numbers for its texts: the introduction's counts, each section's values, the closing.

Every sentence of the appendix lives in the text layer
(``report/text/{nb,en}/11_simulation.yaml``); this module only computes what fills it in,
from the parameters and the summary tables of :mod:`.simulation_summaries`, and picks which
of several texts applies (a verdict on the false-discovery proportion, the kind of
dependence, whether the p-values' tail is heavy). Sub-sentences that depend on the language
are :class:`~sosiale_kommuner.report.text.Localized` values, so a notebook hands everything to
``page.text(key, **values)``.

Keys of the values: ``_sc`` for the municipalities' size-class comparison, ``_ut`` for county
municipalities against municipalities (:data:`SUFFIX`).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.report import text
from sosiale_kommuner.report.text import formats

from .item_tests import ColumnSpec

STEM = "11_simulation"
COMPARISONS = ("size_class", "unit_type")
#: The suffix of each comparison's values in the texts.
SUFFIX = {"size_class": "sc", "unit_type": "ut"}
#: The p-value threshold whose tail the closing reads (BH's rejections lie near it).
TAIL_THRESHOLD = 0.001
#: A planted difference is "found almost always" when its smoothed power exceeds this.
STRONG_POWER = 0.99
#: |mean correlation of the z-scores| below this reads as "close to independent".
INDEPENDENT_CORRELATION = 0.05


def _t(key: str, lang: str, **values: Any) -> str:
    return text.get(STEM, key, lang, **values)


def localized(key: str, **values: Any) -> text.Localized:
    """The chapter's text ``key`` as a value for another text's placeholder."""
    return text.Localized(lambda lang: _t(key, lang, **values))


def unit_counts(population: pd.DataFrame) -> dict[str, int]:
    """``n_k``, ``n_f``: the municipalities and county municipalities of the frame."""
    ut = population["unit_type"].astype(str)
    return {"n_k": int((ut == config.KOMMUNE).sum()), "n_f": int((ut == config.FYLKESKOMMUNE).sum())}


def intro_values(specs: list[ColumnSpec], nulls: dict[str, set[str]], population: pd.DataFrame, *,
                 replicates: int, tests: int, process_reps: int, alpha: float) -> dict[str, Any]:
    """The introduction's and the design section's numbers: ``columns`` analysed per comparison,
    ``replicates`` per scenario, ``tests`` (test results of the run), ``units`` of the process
    population, ``planted_sc``/``planted_ut`` (columns with a planted difference), ``n_k``/``n_f``."""
    columns = [s.column for s in specs]
    return dict(columns=len(specs), replicates=int(replicates), tests=int(tests), alpha=alpha,
                units=int(process_reps) * len(population), process_reps=int(process_reps),
                planted_sc=len(set(columns) - set(nulls["size_class"])),
                planted_ut=len(set(columns) - set(nulls["unit_type"])), **unit_counts(population))


def fdp_verdict(row: pd.Series) -> str:
    """How a comparison's mean false-discovery proportion relates to BH's bound: ``within``,
    ``mc`` (above on average, within Monte Carlo error) or ``above`` (its interval wholly above).

    ``row``: a row of :func:`.simulation_summaries.fdp` (``mean_fdp``, ``ci_low``, ``bh_bound``)."""
    if row["ci_low"] > row["bh_bound"]:
        return "above"
    if row["mean_fdp"] <= row["bh_bound"]:
        return "within"
    return "mc"


def dependence_kind(row: pd.Series) -> str:
    """``independent``, ``positive`` or ``negative``: the mean correlation of the tests' z-scores
    (a row of :func:`.simulation_summaries.dependence`)."""
    c = float(row["mean_correlation"])
    if abs(c) < INDEPENDENT_CORRELATION:
        return "independent"
    return "positive" if c > 0 else "negative"


def heavy_tails(tails: pd.DataFrame, threshold: float = TAIL_THRESHOLD) -> list[str]:
    """The comparisons whose share of null p-values below ``threshold`` has an exact interval wholly
    above ``threshold`` (:func:`.simulation_summaries.tail_rates`)."""
    tl = tails.set_index(["comparison", "threshold"])
    return [cmp for cmp in COMPARISONS if (cmp, threshold) in tl.index and tl.loc[(cmp, threshold), "ci_low"] > threshold]


def _comparisons(codes: list[str]) -> text.Localized:
    return text.Localized(lambda lang: formats.join([_t(f"comparison.{c}", lang) for c in codes], lang))


def tail_verdict(tails: pd.DataFrame, threshold: float = TAIL_THRESHOLD) -> text.Localized:
    """The closing's sentence on the tail: consistent with nominal, or heavy for some comparison."""
    bad = heavy_tails(tails, threshold)
    if not bad:
        return localized("tail_verdict.ok")
    return localized("tail_verdict.heavy", which=_comparisons(bad), threshold=threshold)


def dependence_words(row: pd.Series) -> text.Localized:
    """The dependence of a comparison's tests in words, with its numbers."""
    return localized("dependence.detail", kind=localized(f"dependence.{dependence_kind(row)}"),
                     corr=float(row["mean_correlation"]), share=float(row["share_positive"]),
                     disp=float(row["dispersion_ratio"]))


def county_respondents(county: pd.DataFrame, scenario: str = "planted") -> float:
    """The mean number of county municipalities that answered a simulated dataset (the largest
    base of any county proportion in a replicate, averaged over replicates)."""
    c = county[county["scenario"] == scenario]
    return float(c.groupby("replicate")["n"].max().mean()) if len(c) else float("nan")


def closing_values(s: dict[str, Any], alpha: float) -> dict[str, Any]:
    """The closing's values from the summary tables in ``s`` (``overall``, ``tails``, ``fdp``,
    ``dependence``, ``power``, ``power_summary``, ``coverage_summary``, ``county_summary``), and
    ``replicates``, ``n_f`` (county municipalities in the frame) and ``county_n`` (their mean
    number of respondents per dataset)."""
    o = s["overall"].set_index("comparison")
    tl = s["tails"].set_index(["comparison", "threshold"])
    f = s["fdp"].set_index("comparison")
    dd = s["dependence"].set_index("comparison")
    ps = s["power_summary"].set_index("comparison")
    cs = s["coverage_summary"]
    cs = cs[cs["scenario"] == "planted"].set_index("comparison")
    cty = s["county_summary"]
    cty = cty[cty["scenario"] == "planted"].set_index("interval")
    pw = s["power"]
    out: dict[str, Any] = dict(replicates=int(s["replicates"]), alpha=alpha, threshold=TAIL_THRESHOLD,
                               strong=int((pw["smoothed_power"] > STRONG_POWER).sum()), planted=len(pw),
                               strong_at=STRONG_POWER, level=0.95, n_f=int(s["n_f"]), county_n=float(s["county_n"]),
                               tail_verdict=tail_verdict(s["tails"]),
                               proportions=int(cty.loc["published", "proportions"]),
                               cp=float(cty.loc["published", "coverage"]),
                               cph=float(cty.loc["published", "half_width"]),
                               ca=float(cty.loc["analytic", "coverage"]),
                               cah=float(cty.loc["analytic", "half_width"]))
    for cmp, k in SUFFIX.items():
        out.update({f"rate_{k}": float(o.loc[cmp, "rate"]),
                    f"ci_{k}": (float(o.loc[cmp, "ci_low"]), float(o.loc[cmp, "ci_high"])),
                    f"hw_{k}": float(o.loc[cmp, "half_width"]),
                    f"tail_{k}": float(tl.loc[(cmp, TAIL_THRESHOLD), "share"]),
                    f"ratio_{k}": float(tl.loc[(cmp, TAIL_THRESHOLD), "ratio"]),
                    f"fdp_{k}": float(f.loc[cmp, "mean_fdp"]), f"fdp_hw_{k}": float(f.loc[cmp, "half_width"]),
                    f"bound_{k}": float(f.loc[cmp, "bh_bound"]),
                    f"fdp_verdict_{k}": localized(f"fdp_verdict.{fdp_verdict(f.loc[cmp])}"),
                    f"dep_{k}": dependence_words(dd.loc[cmp]),
                    f"power_{k}": float(ps.loc[cmp, "power"]), f"power_hw_{k}": float(ps.loc[cmp, "half_width"]),
                    f"power_bh_{k}": float(ps.loc[cmp, "power_bh"]),
                    f"cov_{k}": float(cs.loc[cmp, "coverage"]), f"cov_hw_{k}": float(cs.loc[cmp, "half_width"])})
    return out


__all__ = ["STEM", "COMPARISONS", "SUFFIX", "TAIL_THRESHOLD", "STRONG_POWER", "localized", "unit_counts",
           "intro_values", "fdp_verdict", "dependence_kind", "heavy_tails", "tail_verdict", "dependence_words",
           "county_respondents", "closing_values"]
