"""Validation of a survey export against the codebook: columns, codes, numbers, timestamps.

:func:`validate_export` checks that every header of the codebook's survey is present and no
other, then every cell with a pandera schema derived from the codebook
(:func:`export_schema`): codes of coded questions, Likert values, numbers in range,
timestamps, status codes, unique respondent ids. The first failure is raised as a
:class:`readers.ExportError` naming file row, column, what was expected and what to do, with
up to four more failures in the hint. A cell of a free-text or contact column, or a value the
detector of personal data flags, is described by its shape, never quoted
(docs/contracts.md §9).
"""
from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from . import codebook as cbm
from . import pii
from .readers import ExportError, ExportTable

TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M")
_INT_RE = re.compile(r"^-?\d+$")
_NUM_RE = re.compile(r"^-?\d+(?:[.,]\d+)?$")
#: Text columns that identify a unit, not a person: their values may be quoted in messages
#: (unless the detector flags them).
IDENTIFIER_ITEMS = ("map_unit_id", "map_unit_name", "bg_kommunenummer")


def sensitive_columns(codebook: cbm.Codebook, survey: str) -> set[str]:
    """Export headers whose cells are never quoted: free text and the contact columns."""
    return {head for head, (item, _) in codebook.column_map(survey).items()
            if item.type == "text" and item.id not in IDENTIFIER_ITEMS}


# --------------------------------------------------------------------------- columns + schema
def check_columns(et: ExportTable, codebook: cbm.Codebook, survey: str) -> None:
    """Every expected header present, none unknown; a renamed column is named as such."""
    fixed = [] if survey == "mapping" else list(codebook.export_columns.values())
    expected = fixed + list(codebook.column_map(survey))
    got = list(et.table.columns)
    missing = [h for h in expected if h not in got]
    extra = [h for h in got if h not in expected]
    if missing:
        h = missing[0]
        close = difflib.get_close_matches(h, extra, n=1, cutoff=0.5)
        raise ExportError(et.file, "column missing" + (f" (renamed to {close[0]!r}?)" if close else ""),
                          row=1, column=h, expected=f"the {len(expected)} columns of the codebook's {survey} survey",
                          got=close[0] if close else f"{len(missing)} missing: {missing[:5]}",
                          hint="restore the header (the codebook defines the export headers)")
    if extra:
        raise ExportError(et.file, "unknown column", row=1, column=extra[0],
                          expected="only the codebook's columns", hint="add the question to codebook.yaml or drop the column")


def _allowed_codes(item: cbm.Item, option: cbm.Option | None, codebook: cbm.Codebook) -> list[str]:
    miss = list(item.missing_codes) + [""]
    if option is not None:
        return ["0", "1"] + miss
    return [str(c.code) for c in item.codes] + miss


def _expected_text(item: cbm.Item, option: cbm.Option | None) -> str:
    if option is not None:
        return "1 (ticked), 0 (not ticked) or empty"
    if item.type == "likert5":
        sub = item.substantive_codes
        return f"{sub[0]}-{sub[-1]}" + (f" or {item.dont_know} (Vet ikke)" if item.has_dont_know else "") + " or empty"
    if item.is_categorical:
        return f"one of the codes {[c.code for c in item.codes]} or empty"
    rng = f" in {item.min:g}-{item.max:g}" if item.min is not None and item.max is not None else ""
    kind = {"integer": "a whole number", "year": "a year", "number": "a number (decimal comma or point)"}[item.type]
    return f"{kind}{rng} or empty"


def _numeric_ok(item: cbm.Item, missing: set[str]):
    pat = _NUM_RE if item.type == "number" else _INT_RE

    def ok(v: str) -> bool:
        v = v.strip()
        if v == "" or v in missing:
            return True
        if not pat.match(v):
            return False
        x = float(v.replace(",", "."))
        return (item.min is None or x >= item.min) and (item.max is None or x <= item.max)
    return ok


def _timestamp_ok(v: str) -> bool:
    v = v.strip()
    if v == "":
        return True
    return parse_timestamp(v) is not None


def parse_timestamp(v: str) -> pd.Timestamp | None:
    for fmt in TIMESTAMP_FORMATS:
        try:
            return pd.Timestamp(pd.to_datetime(v, format=fmt))
        except (ValueError, TypeError):
            continue
    return None


def export_schema(codebook: cbm.Codebook, survey: str) -> tuple[pa.DataFrameSchema, dict[str, str]]:
    """The pandera schema of an export (all columns strings) and, per column, the expected
    values in words (for messages)."""
    cols: dict[str, pa.Column] = {}
    expect: dict[str, str] = {}
    if survey != "mapping":
        ec = codebook.export_columns
        status = list(codebook.meta["status_codes"].values())
        cols[ec["respondent"]] = pa.Column(str, pa.Check(lambda v: v.strip() != "", element_wise=True,
                                                         error="non-empty"), unique=True)
        expect[ec["respondent"]] = "a unique, non-empty respondent id"
        for k in ("started", "submitted"):
            cols[ec[k]] = pa.Column(str, pa.Check(_timestamp_ok, element_wise=True, error="timestamp"))
            expect[ec[k]] = "a timestamp YYYY-MM-DD HH:MM:SS (or DD.MM.YYYY HH:MM:SS)"
        cols[ec["status"]] = pa.Column(str, pa.Check.isin(status))
        expect[ec["status"]] = f"one of {status}"
    for head, (item, option) in codebook.column_map(survey).items():
        if item.type == "text":
            cols[head] = pa.Column(str)
            continue
        if item.is_numeric:
            check = pa.Check(_numeric_ok(item, set(item.missing_codes)), element_wise=True, error="number in range")
        else:
            allowed = set(_allowed_codes(item, option, codebook))
            check = pa.Check(lambda v, a=allowed: v.strip() in a, element_wise=True, error="codebook code")
        cols[head] = pa.Column(str, check)
        expect[head] = _expected_text(item, option)
    return pa.DataFrameSchema(cols, strict=False, coerce=False), expect


def validate_export(et: ExportTable, codebook: cbm.Codebook, survey: str, max_report: int = 5) -> None:
    """Check the columns and every cell against the codebook (pandera); raise an
    :class:`ExportError` naming the first failing file row and column, and up to
    ``max_report`` failures in all."""
    check_columns(et, codebook, survey)
    schema, expect = export_schema(codebook, survey)
    table = et.table.astype(str)
    try:
        schema.validate(table, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases.copy()
        fc = fc[fc["column"].notna()]
        fc["row"] = pd.to_numeric(fc["index"], errors="coerce")
        fc = fc.sort_values(["row", "column"], na_position="last", kind="stable")
        first = fc.iloc[0]
        col = first["column"]
        if str(first["check"]).startswith("field_uniqueness") or "unique" in str(first["check"]):
            dup_val = first["failure_case"]
            rows = [et.file_row(i) for i in np.flatnonzero(table[col].to_numpy() == str(dup_val))]
            raise ExportError(et.file, f"duplicate respondent id in rows {rows}", row=rows[0], column=col,
                              expected="a unique respondent id per row", got=dup_val,
                              hint="the tool should never repeat an id: check that two exports were not pasted together") from None
        sensitive = sensitive_columns(codebook, survey)
        others = [f"row {et.file_row(int(r.row))} column {r.column!r}: "
                  f"{pii.safe_repr(r.failure_case, sensitive=r.column in sensitive)}"
                  for r in fc.iloc[1:max_report].itertuples() if not pd.isna(r.row)]
        hint = f"{len(fc)} failing cells in all" + (f"; also {'; '.join(others)}" if others else "")
        raise ExportError(et.file, "value not allowed by the codebook",
                          row=et.file_row(int(first["row"])) if not pd.isna(first["row"]) else None,
                          column=col, expected=expect.get(col, "a valid value"), got=first["failure_case"],
                          hint=hint, sensitive=col in sensitive) from None
