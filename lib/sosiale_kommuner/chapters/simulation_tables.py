"""Chapter 11's tables for readers: the Monte Carlo summaries with words for codes and rates as ``4,9 % (4,4–5,4)``.

Each function takes a summary table of :mod:`.simulation_summaries` (as written to
``reports/tables/11_simulation__<name>.csv``) and returns a
:class:`sosiale_kommuner.report.tables.Table` for :meth:`ChapterPage.table
<sosiale_kommuner.report.editions.ChapterPage.table>`. Headers come from the chapter's texts
(``header.*``) or ``tables.yaml``; a rate and its 95 % Monte Carlo interval stand in one cell,
and a Monte Carlo half-width (a proportion in the CSV) is shown in percentage points.
"""
from __future__ import annotations

import pandas as pd

from sosiale_kommuner.report import labels, tables, text

from .simulation_page import STEM

#: A rate with its interval, and a half-width in percentage points.
RATE, HALF_WIDTH = "pct1", "pctn2"


def _namer(prefix: str):
    """Names the codes of a column by the chapter's ``<prefix>.<code>`` texts."""
    return lambda code, lang: text.get(STEM, f"{prefix}.{code}", lang)


def _comparison() -> tables.Column:
    return tables.coded("comparison", labels.comparison)


def _rate(name: str, header: str, low: str = "ci_low", high: str = "ci_high", fmt: str = RATE) -> tables.Column:
    return tables.estimate(name, low, high, fmt=fmt, header=header)


def _table(df: pd.DataFrame, lang: str, columns: list[tables.Column]) -> tables.Table:
    return tables.Table(df, lang, columns, page=STEM)


def null_rejection_table(overall: pd.DataFrame, lang: str) -> tables.Table:
    """Global null: share of a comparison's tests rejecting, per dataset averaged over replicates."""
    cols = [_comparison(), tables.number("tests_per_replicate", "int", header="tests_per_dataset"),
            _rate("rate", "rejection_rate"), tables.number("half_width", HALF_WIDTH),
            tables.number("any_rejection", RATE, header="any_rejection")]
    return _table(overall, lang, cols)


def tail_table(tails: pd.DataFrame, lang: str) -> tables.Table:
    """Global null: share of p-values below each threshold, pooled, with the exact interval."""
    cols = [_comparison(), tables.number("threshold", "p", header="threshold"),
            tables.number("tests", "int", header="p_values"), tables.number("below", "int", header="below_threshold"),
            _rate("share", "observed_share", fmt="pct2"), tables.number("ratio", "num1", header="ratio")]
    return _table(tails, lang, cols)


def fdp_table(fdp: pd.DataFrame, lang: str) -> tables.Table:
    """Planted scenario: mean false-discovery proportion after BH against BH's bound, and the
    discoveries per dataset (the false ones per dataset are in the CSV: the table must fit 1280 px)."""
    cols = [_comparison(), tables.number("tests", "int", header="tests_per_dataset"),
            tables.number("true_nulls", "int", header="true_nulls"), _rate("mean_fdp", "mean_fdp"),
            tables.number("half_width", HALF_WIDTH), tables.number("bh_bound", RATE, header="bh_bound"),
            tables.number("mean_discoveries", "num1", header="mean_discoveries")]
    return _table(fdp, lang, cols)


def dependence_table(dep: pd.DataFrame, lang: str) -> tables.Table:
    """Global null: correlations of the tests' z-scores and the dispersion of rejections."""
    cols = [_comparison(), tables.number("tests", "int", header="tests_per_dataset"),
            tables.number("mean_correlation", "signed3", header="mean_correlation"),
            tables.number("share_positive", "pct", header="share_positive"),
            tables.number("min_correlation", "signed2", header="min_correlation"),
            tables.number("max_correlation", "signed2", header="max_correlation"),
            tables.number("dispersion_ratio", "num2", header="dispersion_ratio")]
    return _table(dep, lang, cols)


def power_table(power_summary: pd.DataFrame, lang: str) -> tables.Table:
    """Planted differences: average power before and after BH, with Monte Carlo errors."""
    cols = [_comparison(), tables.number("tests", "int", header="planted_tests"), _rate("power", "power"),
            tables.number("half_width", HALF_WIDTH), tables.number("power_bh", RATE, header="power_bh"),
            tables.number("half_width_bh", HALF_WIDTH, header="half_width_bh")]
    return _table(power_summary, lang, cols)


def coverage_table(summary: pd.DataFrame, lang: str) -> tables.Table:
    """Coverage of the effect intervals per scenario and comparison, and the columns whose own
    coverage is clearly off the nominal level."""
    cols = [tables.coded("scenario", _namer("scenario")), _comparison(),
            tables.number("columns", "int", header="columns"), _rate("coverage", "coverage"),
            tables.number("half_width", HALF_WIDTH), tables.number("below", "int", header="below"),
            tables.number("above", "int", header="above")]
    return _table(summary, lang, cols)


def county_table(summary: pd.DataFrame, lang: str) -> tables.Table:
    """Coverage of the county municipalities' intervals: published (with the finite population
    correction; target the dataset's value) and analytic (without; target the process value)."""
    cols = [tables.coded("scenario", _namer("scenario")), tables.coded("interval", _namer("interval")),
            tables.number("proportions", "int", header="proportions"), _rate("coverage", "coverage"),
            tables.number("half_width", HALF_WIDTH), tables.number("below", "int", header="below"),
            tables.number("above", "int", header="above")]
    return _table(summary, lang, cols)


def scenario_order(df: pd.DataFrame, order: tuple[str, ...] = ("null", "planted")) -> pd.DataFrame:
    """``df`` with its scenarios in reading order (the global null first)."""
    key = df["scenario"].map({s: i for i, s in enumerate(order)})
    return df.assign(_order=key).sort_values("_order", kind="stable").drop(columns="_order")


__all__ = ["null_rejection_table", "tail_table", "fdp_table", "dependence_table", "power_table", "coverage_table",
           "county_table", "scenario_order"]
