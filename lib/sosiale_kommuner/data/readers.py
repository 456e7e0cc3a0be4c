"""One reader for survey-tool exports in .csv, .xlsx or .sav, chosen by extension.

Every format is handed on as the same table: one column per export header, every cell a
string exactly as a person would read it in the tool ('' for an empty cell), rows in file
order. Validation and recoding (``cleaning.py``) then work on that one shape.

* **CSV** — semicolon-separated UTF-8 (what Norwegian survey tools write, because the
  decimal separator is a comma). A UTF-8 byte-order mark is removed (a documented repair,
  reported in :attr:`ExportTable.repairs`). A file that is not UTF-8 (e.g. latin-1 with
  æ/ø/å), a comma-separated file, an empty file or a row with the wrong number of fields is
  an :class:`ExportError` naming the file, row and what was expected. The file itself is
  never modified.
* **Excel (.xlsx)** — the first sheet, first row = headers; numbers that are whole are
  written without ``.0``, dates as ``YYYY-MM-DD HH:MM:SS``.
* **SPSS (.sav)** — via pyreadstat. Variable *labels* are the export headers (SPSS variable
  names cannot hold them); codes are read as numbers and their value labels are checked
  against the codebook's Norwegian labels when a codebook is given.

R equivalents: ``read.csv2(f, fileEncoding = "UTF-8", colClasses = "character")``,
``readxl::read_excel(f, col_types = "text")``, ``haven::read_sav(f)``.
"""
from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from . import codebook as cbm
from . import pii

SUFFIXES = (".csv", ".xlsx", ".sav")
BOM = b"\xef\xbb\xbf"


class ExportError(ValueError):
    """A raw export is not as expected. The message names the file, row and column (file
    row numbers count the header as row 1), what was expected and what to do.

    The value found (``got``) is quoted only when it is safe to (docs/contracts.md §9): a
    value from a free-text or contact column (``sensitive=True``) or one that the detector
    of personal data flags is described by its shape (``11 digits``) instead, and the whole
    message is checked once more before it is raised.
    """

    def __init__(self, file: str, problem: str, *, row: int | None = None, column: str | None = None,
                 expected: str | None = None, got: object = None, hint: str | None = None,
                 sensitive: bool = False):
        got_text = None if got is None else pii.safe_repr(got, sensitive=sensitive)
        self.file, self.problem, self.row, self.column = file, problem, row, column
        self.expected, self.got, self.hint = expected, got_text, hint
        where = [f"file {file}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        msg = ", ".join(where) + f": {problem}"
        if expected is not None:
            msg += f"; expected {expected}"
        if got_text is not None:
            msg += f", got {got_text}"
        if hint:
            msg += f". Hint: {hint}"
        super().__init__(pii.redact(msg))


@dataclass
class ExportTable:
    """An export as read: ``table`` (all strings), the file name, and repairs made."""

    table: pd.DataFrame
    file: str
    format: str
    repairs: list[str] = field(default_factory=list)
    #: File line of each table row (CSV: where the record starts; blank lines skipped).
    lines: list[int] | None = None

    def file_row(self, index: int) -> int:
        """File row number of a table row position (header = row 1)."""
        if self.lines is not None and 0 <= int(index) < len(self.lines):
            return self.lines[int(index)]
        return int(index) + 2


def read_export(path: str | os.PathLike, codebook: cbm.Codebook | None = None,
                survey: str | None = None, name: str | None = None) -> ExportTable:
    """Read an export by its extension (.csv, .xlsx, .sav) into an :class:`ExportTable`.

    ``name`` is how the file is named in messages (default: the file name). ``codebook``
    and ``survey`` let the SPSS reader check value labels.
    """
    path = Path(path)
    name = name or path.name
    if not path.exists():
        raise ExportError(name, "file not found", expected="an export file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, name)
    if suffix == ".xlsx":
        return _read_xlsx(path, name)
    if suffix == ".sav":
        return _read_sav(path, name, codebook, survey)
    raise ExportError(name, f"unsupported file type {suffix!r}", expected=" or ".join(SUFFIXES))


def find_export(survey_dir: str | os.PathLike, stem: str) -> Path:
    """The one export ``<stem>.csv|.xlsx|.sav`` in a folder (error if none or several)."""
    survey_dir = Path(survey_dir)
    hits = [survey_dir / f"{stem}{s}" for s in SUFFIXES if (survey_dir / f"{stem}{s}").exists()]
    if not hits:
        raise ExportError(f"{stem}.*", f"no export in {survey_dir.name}/", expected=f"{stem} with one of {SUFFIXES}")
    if len(hits) > 1:
        raise ExportError(f"{stem}.*", f"several exports: {[h.name for h in hits]}", expected="exactly one")
    return hits[0]


# --------------------------------------------------------------------------- CSV
def _read_csv(path: Path, name: str) -> ExportTable:
    data = path.read_bytes()
    repairs = []
    if not data.strip(BOM + b" \t\r\n"):
        raise ExportError(name, "the file is empty", expected="a header row and at least one data row")
    if data.startswith(BOM):
        data = data[len(BOM):]
        repairs.append("UTF-8 byte-order mark removed")
    _check_not_utf16(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        bad = data[exc.start:exc.start + 1]
        guess = bad.decode("latin-1")
        raise ExportError(name, f"not valid UTF-8 at byte {exc.start} (character {col + 1})",
                          row=line, expected="UTF-8 text", got=f"byte 0x{bad.hex()} ({guess!r} in latin-1)",
                          hint="the file looks latin-1/Windows-1252 encoded; re-export it as UTF-8 "
                               "(or convert it: iconv -f WINDOWS-1252 -t UTF-8)") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line = text.split("\n", 1)[0]
    if ";" not in header_line:
        seps = {",": "comma", "\t": "tab"}
        found = [v for k, v in seps.items() if k in header_line]
        raise ExportError(name, "the header row has no semicolons", row=1,
                          expected="semicolon-separated columns",
                          got=f"{found[0]}-separated" if found else header_line[:60],
                          hint="export again with ';' as separator (Norwegian CSV), or open and "
                               "save it as 'CSV (semikolonseparert)'")
    reader = csv.reader(io.StringIO(text), delimiter=";", quotechar='"', strict=True)
    rows, starts, prev = [], [], 0
    try:
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            if rows and not any(c.strip() for c in rec):
                continue  # a blank line: not a record
            rows.append(rec)
            starts.append(start)
    except csv.Error as exc:
        raise ExportError(name, f"broken CSV quoting ({exc})", row=prev + 1,
                          expected="fields quoted with '\"' and closed") from None
    header = rows[0]
    if len(rows) < 2:
        raise ExportError(name, "the file has a header but no data rows", expected="at least one data row")
    _check_line_shape(rows, name)
    for r, line in zip(rows[1:], starts[1:]):
        if len(r) != len(header):
            raise ExportError(name, "wrong number of fields", row=line, expected=f"{len(header)} fields like the header",
                              got=len(r), hint="a ';' inside an unquoted text, or a broken line")
    _check_header(header, name)
    df = pd.DataFrame(rows[1:], columns=header, dtype=object)
    return ExportTable(df, name, "csv", repairs, lines=starts[1:])


def _check_not_utf16(data: bytes, name: str) -> None:
    """Excel's "Unicode text" is UTF-16 with tabs: say so (it is not latin-1, and converting
    it as latin-1 would garble it)."""
    head = data[:400]
    if not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 4):
        return
    enc = "utf-16-be" if head.startswith(b"\xfe\xff") or (head[:1] == b"\x00") else "utf-16-le"
    first = data.decode(enc, errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    sep = "tab-separated" if "\t" in first else ("semicolon-separated" if ";" in first else "")
    raise ExportError(name, f"the file is UTF-16 text{', ' + sep if sep else ''} (Excel's 'Unicode text'), "
                            "not UTF-8", row=1, expected="UTF-8 text with ';' between the columns",
                      hint="open the file in Excel and save it as 'Excel workbook (.xlsx)', which is read "
                           "as it is, or as 'CSV UTF-8' with ';' as separator; do not convert it from "
                           "latin-1/Windows-1252, which would garble it")


def _check_line_shape(rows: list[list[str]], name: str) -> None:
    """Two export faults that make every line look wrong: a ';' at the end of every line, and
    every line wrapped in one pair of quotes."""
    header, body = rows[0], rows[1:]
    if len(header) == 1 and ";" in header[0] and all(len(r) == 1 for r in body):
        raise ExportError(name, "every line is wrapped in quotes, so each line reads as one field", row=1,
                          expected="columns separated by ';' (quotes only around a field that holds ';', "
                                   "a quote or a line break)",
                          hint="remove the quote at the start and at the end of every line (or export "
                               "again without quoting whole lines)")
    n = len(header)
    if header[-1].strip() == "" and n > 1 and all(len(r) == n and r[-1].strip() == "" for r in body):
        raise ExportError(name, "every line ends with ';', which adds an empty last column", row=1,
                          column=f"position {n} (no header)", expected="no ';' after the last column",
                          hint="remove the ';' at the end of every line (or export again without it)")
    if n > 1 and all(len(r) == n + 1 and r[-1].strip() == "" for r in body):
        raise ExportError(name, "every data row ends with ';', which gives it one field more than the header",
                          row=2, column=f"position {n + 1} (no header)", expected="no ';' after the last column",
                          hint="remove the ';' at the end of every data row (or export again without it)")
    if header[-1].strip() == "" and n > 1 and all(len(r) == n - 1 for r in body):
        raise ExportError(name, "the header row ends with ';', which gives it one column more than the data",
                          row=1, column=f"position {n} (no header)", expected="no ';' after the last header",
                          hint="remove the ';' at the end of the header row")


def _check_header(header: list[str], name: str) -> None:
    seen = {}
    for j, h in enumerate(header):
        if not h.strip():
            raise ExportError(name, f"empty column header in position {j + 1}", row=1, expected="a header for every column")
        if h in seen:
            raise ExportError(name, f"duplicate column header in positions {seen[h] + 1} and {j + 1}",
                              row=1, column=h, expected="unique headers")
        seen[h] = j


# --------------------------------------------------------------------------- cells
def cell_text(v: object) -> str:
    """A cell as text: '' for empty, whole numbers without '.0', dates ISO."""
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (pd.Timestamp, datetime)):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.strftime("%Y-%m-%d")
    if v is pd.NA or v is pd.NaT:
        return ""
    return str(v)


# --------------------------------------------------------------------------- Excel
def _read_xlsx(path: Path, name: str) -> ExportTable:
    """The first sheet: the first non-empty row is the header; blank rows are skipped but
    counted, so that a row number in a message is the row Excel shows."""
    import openpyxl

    if path.stat().st_size == 0:
        raise ExportError(name, "the file is empty", expected="an Excel workbook")
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise ExportError(name, f"not a readable Excel workbook ({type(exc).__name__})",
                          expected="an .xlsx file") from None
    ws = wb.worksheets[0]
    cells = [[cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    numbered = [(i + 1, r) for i, r in enumerate(cells) if any(c.strip() for c in r)]
    if not numbered:
        raise ExportError(name, "the first sheet is empty", expected="a header row and data rows")
    _check_title_rows(ws, numbered, name)
    width = max(len(r) for _, r in numbered)
    used = [j for j in range(width) if any(j < len(r) and r[j].strip() for _, r in numbered)]
    head_row, header = numbered[0][0], [numbered[0][1][j] if j < len(numbered[0][1]) else "" for j in used]
    _check_header(header, name)
    body = numbered[1:]
    if not body:
        raise ExportError(name, "the sheet has a header but no data rows", expected="at least one data row")
    df = pd.DataFrame([[r[j] if j < len(r) else "" for j in used] for _, r in body], columns=header, dtype=object)
    repairs = [f"header in row {head_row}: {head_row - 1} empty row(s) above it skipped"] if head_row > 1 else []
    return ExportTable(df, name, "xlsx", repairs, lines=[i for i, _ in body])


def _check_title_rows(ws, numbered: list[tuple[int, list[str]]], name: str) -> None:
    """A title above the header (often merged across the columns) is not a header."""
    first_row, first = numbered[0]
    filled = [c for c in first if c.strip()]
    nxt = numbered[1][1] if len(numbered) > 1 else []
    merged = [str(r) for r in ws.merged_cells.ranges if r.min_row == first_row and r.max_col > r.min_col]
    if len(filled) == 1 and (merged or sum(bool(c.strip()) for c in nxt) > 1):
        header_row = numbered[1][0] if len(numbered) > 1 else first_row + 1
        what = f"merged cells {merged[0]}" if merged else "one filled cell"
        raise ExportError(name, f"row {first_row} is a title above the header ({what}), not the column headers",
                          row=first_row, expected="the column headers in the first row",
                          hint=f"delete row(s) {first_row}-{header_row - 1} above the header in Excel and save, "
                               f"so that the headers (now row {header_row}) come first")


# --------------------------------------------------------------------------- SPSS
def _read_sav(path: Path, name: str, codebook: cbm.Codebook | None, survey: str | None) -> ExportTable:
    import pyreadstat

    if path.stat().st_size == 0:
        raise ExportError(name, "the file is empty", expected="an SPSS .sav file")
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:
        raise ExportError(name, f"not a readable SPSS file ({type(exc).__name__}: {exc})",
                          expected="a .sav file") from None
    labels = meta.column_names_to_labels or {}
    header = [labels.get(c) or c for c in df.columns]
    _check_header(header, name)
    if codebook is not None and survey is not None:
        cmap = codebook.column_map(survey)
        for var, head in zip(df.columns, header):
            vl = (meta.variable_value_labels or {}).get(var)
            if not vl or head not in cmap:
                continue
            item, option = cmap[head]
            if option is not None:
                expected = {int(k): v["nb"] for k, v in codebook.meta["multiple_codes"].items()}
            else:
                expected = {c.code: c.nb for c in item.codes}
            for code, lab in vl.items():
                try:
                    icode = int(float(code))
                except (TypeError, ValueError):
                    continue
                if str(icode) in codebook.missing_codes:
                    continue
                if icode not in expected:
                    raise ExportError(name, f"value label for code {icode} that the codebook does not have",
                                      column=head, expected=f"codes {sorted(expected)}", got=lab)
                if str(lab).strip() != expected[icode]:
                    raise ExportError(name, f"value label of code {icode} differs from the codebook",
                                      column=head, expected=repr(expected[icode]), got=lab,
                                      hint="the export's codes may mean something else than the codebook says")
    out = pd.DataFrame({h: [cell_text(v) for v in df[c].tolist()] for c, h in zip(df.columns, header)}, dtype=object)
    return ExportTable(out, name, "sav", [])


# --------------------------------------------------------------------------- writers (tests, conversions)
def sav_variable_name(j: int) -> str:
    return f"v{j + 1:03d}"


def write_sav(table: pd.DataFrame, path: str | os.PathLike, codebook: cbm.Codebook, survey: str) -> None:
    """Write an export table (strings) as SPSS the way survey tools do: variables v001...
    labelled with the headers, item codes numeric with the codebook's value labels."""
    import pyreadstat

    cmap = codebook.column_map(survey)
    data, labels, value_labels = {}, {}, {}
    for j, h in enumerate(table.columns):
        var = sav_variable_name(j)
        labels[var] = h
        col = table[h].astype(str)
        if h in cmap and cmap[h][0].type not in ("text",):
            item, option = cmap[h]
            data[var] = pd.to_numeric(col.str.replace(",", ".", regex=False).replace("", None), errors="coerce")
            if option is not None:
                value_labels[var] = {float(k): v["nb"] for k, v in codebook.meta["multiple_codes"].items()}
            elif item.codes:
                value_labels[var] = {float(c.code): c.nb for c in item.codes}
        else:
            data[var] = col
    pyreadstat.write_sav(pd.DataFrame(data), str(path), column_labels=labels, variable_value_labels=value_labels)


def write_xlsx(table: pd.DataFrame, path: str | os.PathLike, codebook: cbm.Codebook | None = None,
               survey: str | None = None) -> None:
    """Write an export table as .xlsx; with a codebook, item codes become numbers (as a
    tool writes them), so kommunenummer and text stay text."""
    out = table.copy()
    if codebook is not None and survey is not None:
        cmap = codebook.column_map(survey)
        for h in out.columns:
            if h in cmap and cmap[h][0].type != "text":
                out[h] = pd.to_numeric(out[h].astype(str).str.replace(",", ".", regex=False).replace("", None),
                                       errors="coerce")
    out.to_excel(path, index=False, engine="openpyxl")
