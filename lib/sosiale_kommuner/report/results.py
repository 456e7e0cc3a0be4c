"""Result tables: one schema for every published table (docs/contracts.md §6).

Chapters write every result behind a figure or table with :func:`write_result`, which
checks the columns of the ``estimates``, ``tests`` and ``models`` schemas and writes
``reports/tables/<stem>__<name>.csv`` atomically.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sosiale_kommuner.config import Paths
from sosiale_kommuner.files import write_csv

ESTIMATES_COLUMNS = [
    "item", "area", "level", "domain", "group", "estimate", "se", "ci_low", "ci_high", "df",
    "n_unweighted", "n_weighted", "suppressed",
]
TESTS_COLUMNS = [
    "item", "area", "comparison", "test", "statistic", "df1", "df2", "p_value", "p_adjusted",
    "effect_measure", "effect_size", "effect_ci_low", "effect_ci_high", "n",
]
MODELS_COLUMNS = ["model", "term", "kind", "estimate", "se", "ci_low", "ci_high", "p_value", "n"]

SCHEMAS = {"estimates": ESTIMATES_COLUMNS, "tests": TESTS_COLUMNS, "models": MODELS_COLUMNS}
DOMAINS = ("all", "size_class", "unit_type", "region", "centrality")
TEST_COMPARISONS = ("size_class", "unit_type", "centrality", "size_class_pairwise")
MODEL_KINDS = ("ame", "coef")

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class SchemaError(ValueError):
    """A result table does not follow its docs/contracts.md §6 schema."""


def check_schema(df: pd.DataFrame, schema: str, *, where: str = "result table") -> pd.DataFrame:
    """Return ``df`` with its columns in schema order, or raise :class:`SchemaError`.

    Checks the column set, the allowed values of ``domain``/``comparison``/``kind``,
    proportions' confidence limits, and that suppressed estimate rows are empty.
    """
    if schema not in SCHEMAS:
        raise SchemaError(f"{where}: unknown schema {schema!r}; expected one of {sorted(SCHEMAS)}")
    cols = SCHEMAS[schema]
    missing = [c for c in cols if c not in df.columns]
    extra = [c for c in df.columns if c not in cols]
    if missing or extra:
        raise SchemaError(f"{where}: schema {schema!r} expects columns {cols}; missing {missing}, unexpected {extra}")
    out = df[cols].copy()
    if schema == "estimates":
        bad = set(out["domain"].dropna().unique()) - set(DOMAINS)
        if bad:
            raise SchemaError(f"{where}: column 'domain' has {sorted(bad)}; expected one of {DOMAINS}")
        sup = out["suppressed"].astype(bool)
        filled = out.loc[sup, ["estimate", "se", "ci_low", "ci_high"]].notna().any(axis=1)
        if filled.any():
            row = int(filled.idxmax())
            raise SchemaError(f"{where}: row {row} is suppressed but keeps estimate values")
    elif schema == "tests":
        bad = set(out["comparison"].dropna().unique()) - set(TEST_COMPARISONS)
        if bad:
            raise SchemaError(f"{where}: column 'comparison' has {sorted(bad)}; expected one of {TEST_COMPARISONS}")
        for col in ("p_value", "p_adjusted"):
            v = pd.to_numeric(out[col], errors="coerce")
            if ((v < 0) | (v > 1)).any():
                raise SchemaError(f"{where}: column {col!r} has values outside [0, 1]")
    elif schema == "models":
        bad = set(out["kind"].dropna().unique()) - set(MODEL_KINDS)
        if bad:
            raise SchemaError(f"{where}: column 'kind' has {sorted(bad)}; expected one of {MODEL_KINDS}")
    return out


def table_path(paths: Paths, stem: str, name: str) -> Path:
    """``reports/tables/<stem>__<name>.csv`` under the output root."""
    if not _NAME_RE.match(name):
        raise ValueError(f"table name {name!r} must be lower-case letters, digits and underscores")
    return paths.tables / f"{stem}__{name}.csv"


def write_result(df: pd.DataFrame, paths: Paths, stem: str, name: str, schema: str | None = None,
                 *, k_min: int | None = 3) -> Path:
    """Write a chapter's result table atomically; validate it first if ``schema`` is given.

    ``estimates`` tables go through disclosure control first
    (:func:`sosiale_kommuner.report.disclosure.suppress_estimates` with ``k = k_min``: rows whose
    base ``n_unweighted`` is below ``k_min`` are suppressed, with secondary suppression; a
    row splitting county municipalities by another domain raises). ``k_min=None`` turns it
    off, for tables that are not published (e.g. oracle comparisons).

    Tables without a schema (descriptive counts, design tables) are written as they are,
    with no index column; use :func:`sosiale_kommuner.report.disclosure.suppress_counts` on
    frequency tables of respondents before writing them.
    """
    if schema is not None:
        df = check_schema(df, schema, where=f"{stem}__{name}")
    if schema == "estimates" and k_min is not None:
        from .disclosure import suppress_estimates

        df = suppress_estimates(df, k=k_min)
    return write_csv(df.reset_index(drop=True), table_path(paths, stem, name))


def publish_estimates(df: pd.DataFrame, paths: Paths, stem: str, name: str, *, k_min: int = 3) -> pd.DataFrame:
    """Suppress, validate and write an ``estimates`` table; return exactly what was written.

    Draw a chapter's figures and tables from the returned frame, so that a cell suppressed
    in the CSV (fewer than ``k_min`` respondents, or secondary suppression) is suppressed
    in the figure too.
    """
    from .disclosure import suppress_estimates

    out = suppress_estimates(check_schema(df, "estimates", where=f"{stem}__{name}"), k=k_min)
    write_result(out, paths, stem, name, schema="estimates", k_min=None)
    return out.reset_index(drop=True)
