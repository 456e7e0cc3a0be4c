"""Cleaning of the survey exports: validate, link to the frame, apply docs/contracts.md §5, recode.

Input: the raw survey folder (``<raw>/survey/``: ``codebook.yaml``, ``respondent_mapping.*``,
``presurvey.*``, ``main_survey.*`` — each .csv, .xlsx or .sav, read by
:mod:`sosiale_kommuner.data.readers`) and the population table. Output (:func:`run_cleaning`):

* ``responses``: one row per responding unit of the main survey — ``unit_id, unit_type,
  respondent_id`` (pseudonymous) and the typed item columns (``typed.to_typed``; the
  typed kommunenummer is dropped: ``unit_id`` replaces it);
* ``presurvey``: the same for the pre-survey;
* ``coverage``: every unit of both populations — ``unit_id, unit_type, mapped, presurvey,
  responded, facebook_page`` (no personal data);
* ``log``: the cleaning log, one row per rule: ``survey, step, rule, rows_in, rows_out,
  removed, repaired, note``.

Every rule either raises :class:`readers.ExportError` (file, row, column, what was
expected) or makes a counted repair logged in ``log``:

=====================================  =====================================================
rule                                   effect
=====================================  =====================================================
read                                   UTF-8 BOM removed (repair); latin-1, comma-separated,
                                       empty file, ragged rows: error
columns                                a missing/renamed/unknown column: error
validate (pandera, from the codebook)  unknown code, out-of-range Likert or number, bad
                                       timestamp or status, duplicate respondent id: error
remove test responses                  kommunenummer typed as ``test...``, ``0``, ``0000`` or
                                       ``9999`` (case-insensitive): row removed
remove empty starts                    no answer to any question of area 1: row removed
                                       (docs/contracts.md §5: a response counts when it answers at
                                       least one question of area 1)
link to the frame                      ``301`` -> ``0301`` (lost leading zero), a unique
                                       municipality/county name -> its number, ``03`` (Oslo
                                       as a county) -> ``0301``: repairs; a number or name
                                       not in the frame, or ambiguous: error
one submission per unit                of several submissions for a unit the most complete
                                       (most answered item columns) is kept, then the latest
                                       (``Sist endret``): rows removed
recode                                 codes -> typed columns; "Vet ikke" its own level,
                                       missing codes and empty cells -> missing
scrub free text                        e-mail addresses, telephone numbers, full names of
                                       the mapping -> [e-post] / [telefon] / [navn]: repairs
pseudonymise                           the tool's respondent id -> HMAC pseudonym
=====================================  =====================================================

Raw files are only read, never written.
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from sosiale_kommuner import config, files

from . import codebook as cbm
from . import privacy, readers
from .readers import ExportError, ExportTable
from .typed import is_dont_know, to_typed

MAPPING_STEM = "respondent_mapping"
PRESURVEY_STEM = "presurvey"
MAIN_STEM = "main_survey"
RESPONSES_FILE = "responses.parquet"
PRESURVEY_FILE = "presurvey.parquet"
COVERAGE_FILE = "coverage.parquet"
LOG_COLUMNS = ["survey", "step", "rule", "rows_in", "rows_out", "removed", "repaired", "note"]

TEST_RE = re.compile(r"^\s*(test.*|0+|9999)\s*$", re.IGNORECASE)
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M")
_INT_RE = re.compile(r"^-?\d+$")
_NUM_RE = re.compile(r"^-?\d+(?:[.,]\d+)?$")


# --------------------------------------------------------------------------- log
@dataclass
class CleaningLog:
    """Rows of the cleaning log (one per rule and survey)."""

    rows: list[dict] = field(default_factory=list)

    def add(self, survey: str, rule: str, rows_in: int, rows_out: int, repaired: int = 0, note: str = "") -> None:
        self.rows.append(dict(survey=survey, step=sum(r["survey"] == survey for r in self.rows) + 1,
                              rule=rule, rows_in=int(rows_in), rows_out=int(rows_out),
                              removed=int(rows_in) - int(rows_out), repaired=int(repaired), note=note))

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=LOG_COLUMNS)


@dataclass
class CleaningResult:
    responses: pd.DataFrame
    presurvey: pd.DataFrame
    coverage: pd.DataFrame
    log: pd.DataFrame
    contacts: privacy.Contacts


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
        others = [f"row {et.file_row(int(r.row))} column {r.column!r}: {r.failure_case!r}"
                  for r in fc.iloc[1:max_report].itertuples() if not pd.isna(r.row)]
        hint = f"{len(fc)} failing cells in all" + (f"; also {'; '.join(others)}" if others else "")
        raise ExportError(et.file, "value not allowed by the codebook",
                          row=et.file_row(int(first["row"])) if not pd.isna(first["row"]) else None,
                          column=col, expected=expect.get(col, "a valid value"), got=first["failure_case"],
                          hint=hint) from None


# --------------------------------------------------------------------------- linking
def _norm_name(s: str) -> str:
    s = unicodedata.normalize("NFC", str(s)).lower().strip()
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\s+(kommune|fylkeskommune|fylke)$", "", s)
    return s


def name_index(population: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """(unit_type, normalised name) -> unit ids; double names (``Snåase - Snåsa``) also by part."""
    idx: dict[tuple[str, str], list[str]] = {}
    for uid, name, ut in zip(population["unit_id"], population["name"], population["unit_type"]):
        keys = {_norm_name(name)} | {_norm_name(p) for p in str(name).split(" - ")}
        for k in keys:
            idx.setdefault((ut, k), []).append(uid)
    return idx


def link_units(et: ExportTable, population: pd.DataFrame, codebook: cbm.Codebook, survey: str,
               rows: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Unit ids of the table rows ``rows`` (positions) from the typed kommunenummer and unit
    type; returns the ids and counts of repairs by kind."""
    head_no = codebook.item("bg_kommunenummer").export_header()
    head_ut = codebook.item("bg_unit_type").export_header()
    ids = set(population["unit_id"])
    type_of = dict(zip(population["unit_id"], population["unit_type"]))
    names = name_index(population)
    repairs = {"lost leading zero": 0, "name instead of number": 0, "Oslo as county": 0}
    out = []
    for pos in rows:
        raw = str(et.table.iat[pos, et.table.columns.get_loc(head_no)]).strip()
        utc = str(et.table.iat[pos, et.table.columns.get_loc(head_ut)]).strip()
        utype = {"1": config.KOMMUNE, "2": config.FYLKESKOMMUNE}.get(utc)
        row = et.file_row(pos)

        def fail(problem, expected):
            raise ExportError(et.file, problem, row=row, column=head_no, expected=expected, got=raw)

        digits = raw.replace(" ", "")
        if re.fullmatch(r"\d+", digits):
            if utype is None:
                utype = config.KOMMUNE if len(digits) >= 3 else config.FYLKESKOMMUNE
            width = 4 if utype == config.KOMMUNE else 2
            uid = digits
            if len(digits) < width:
                uid = digits.zfill(width)
                repairs["lost leading zero"] += 1
            if utype == config.FYLKESKOMMUNE and uid == config.OSLO_FYLKESNUMMER:
                uid = config.OSLO_KOMMUNENUMMER
                repairs["Oslo as county"] += 1
            if uid not in ids:
                fail("kommunenummer not in the population frame",
                     f"a 4-digit kommunenummer or 2-digit fylkesnummer of 2013 ({utype})")
            if type_of[uid] != utype and uid != config.OSLO_KOMMUNENUMMER:
                fail(f"number belongs to a {type_of[uid]}, but the respondent ticked {utype}",
                     "a number of the unit type ticked in question 0.1")
        elif raw == "":
            fail("kommunenummer missing", "the unit's kommunenummer or fylkesnummer")
        else:
            key = _norm_name(raw)
            types = [utype] if utype else list(config.UNIT_TYPES)
            hits = sorted({u for t in types for u in names.get((t, key), [])})
            if len(hits) == 1:
                uid = hits[0]
                repairs["name instead of number"] += 1
            elif len(hits) > 1:
                fail(f"the name matches several units {hits}", "a number (the name is ambiguous)")
            else:
                fail("kommunenummer not in the population frame (neither a number nor a known name)",
                     "a 4-digit kommunenummer, a 2-digit fylkesnummer or a unit's name")
        out.append(uid)
    return np.asarray(out, dtype=object), repairs


# --------------------------------------------------------------------------- recoding
def coded_table(et: ExportTable, codebook: cbm.Codebook, survey: str) -> pd.DataFrame:
    """Export strings -> one column per typed column: float codes (NaN for empty and missing
    codes) for coded items, strings for text."""
    out = {}
    for head, (item, option) in codebook.column_map(survey).items():
        col = option.column if option is not None else item.id
        s = et.table[head].astype(str).str.strip()
        if item.type == "text":
            out[col] = s.where(s != "", None)
            continue
        s = s.where(~s.isin(list(item.missing_codes) + [""]), None)
        out[col] = pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")
    return pd.DataFrame(out, index=et.table.index)


def _answered(coded: pd.DataFrame, columns: list[str]) -> np.ndarray:
    cols = [c for c in columns if c in coded.columns]
    if not cols:
        return np.zeros(len(coded), dtype=int)
    return coded[cols].notna().sum(axis=1).to_numpy()


# --------------------------------------------------------------------------- surveys
def clean_survey(et: ExportTable, population: pd.DataFrame, codebook: cbm.Codebook, survey: str,
                 log: CleaningLog, scrubber: privacy.Scrubber, salt: str | None = None) -> pd.DataFrame:
    """Clean one survey export (``presurvey`` or ``main``); append its rules to ``log``."""
    t = et.table
    n0 = len(t)
    log.add(survey, f"read {et.file} ({et.format})", n0, n0, len(et.repairs), "; ".join(et.repairs))
    validate_export(et, codebook, survey)
    log.add(survey, "validate columns and codes against the codebook (pandera)", n0, n0)
    coded = coded_table(et, codebook, survey)
    ec = codebook.export_columns
    head_no = codebook.item("bg_kommunenummer").export_header()

    keep = np.ones(n0, dtype=bool)
    is_test = t[head_no].astype(str).str.match(TEST_RE).to_numpy()
    keep_before = int(keep.sum())
    keep &= ~is_test
    log.add(survey, "remove test responses (kommunenummer 'test…', '0000' or '9999')", keep_before, keep.sum())

    area1 = [c for it in codebook.items(area=1, survey=survey) for c in it.columns]
    empty = _answered(coded, area1) == 0
    keep_before = int(keep.sum())
    keep &= ~empty
    log.add(survey, "remove empty starts (no answer to any question of area 1)", keep_before, keep.sum())

    rows = np.flatnonzero(keep)
    unit_ids, repairs = link_units(et, population, codebook, survey, rows)
    note = ", ".join(f"{k}: {v}" for k, v in repairs.items() if v) or "all numbers as typed"
    log.add(survey, "link to the population frame (typed kommunenummer)", len(rows), len(rows),
            sum(repairs.values()), note)

    item_cols = [c for c in coded.columns if c not in ("bg_kommunenummer", "bg_unit_type")]
    sub = pd.DataFrame({
        "pos": rows,
        "unit_id": unit_ids,
        "complete": _answered(coded.iloc[rows], item_cols),
        "submitted": [parse_timestamp(str(v)) for v in t[ec["submitted"]].iloc[rows]],
    })
    sub = sub.sort_values(["unit_id", "complete", "submitted", "pos"], kind="stable")
    kept = sub.drop_duplicates("unit_id", keep="last")
    n_dups = int(sub["unit_id"].duplicated(keep=False).sum())
    log.add(survey, "one submission per unit: most complete, then latest", len(sub), len(kept), 0,
            f"{kept['unit_id'].isin(sub.loc[sub['unit_id'].duplicated(), 'unit_id']).sum()} units had "
            f"{n_dups} submissions")

    pos = kept.sort_values("pos")["pos"].to_numpy()
    chosen = coded.iloc[pos].reset_index(drop=True)
    uid = kept.set_index("pos").loc[pos, "unit_id"].to_numpy()
    ut = population.set_index("unit_id").loc[uid, "unit_type"].to_numpy()
    typed = to_typed(chosen.drop(columns=["bg_kommunenummer"]), codebook, survey=survey)
    n_dk = sum(int(is_dont_know(typed[c]).sum()) for c in typed.columns
               if isinstance(typed[c].dtype, pd.CategoricalDtype))
    log.add(survey, "recode to typed columns (ordered categoricals, booleans; 'Vet ikke' its own level)",
            len(typed), len(typed), 0, f"{n_dk} 'Vet ikke' answers kept as a level")

    counts = {"email": 0, "phone": 0, "name": 0}
    n_texts = 0
    for it in codebook.items(survey=survey, type="text"):
        if it.id == "bg_kommunenummer" or it.id not in typed.columns:
            continue
        typed[it.id], c = scrubber.scrub_series(typed[it.id])
        n_texts += int(typed[it.id].notna().sum())
        for k in counts:
            counts[k] += c[k]
    log.add(survey, "scrub free text (e-mail addresses, phone numbers, mapping full names)", len(typed), len(typed),
            sum(counts.values()), f"{n_texts} texts; replaced {counts['email']} e-mail, {counts['phone']} phone, "
                                  f"{counts['name']} name")

    rid = privacy.pseudonymous_ids(t[ec["respondent"]].iloc[pos].astype(str), salt)
    log.add(survey, "pseudonymous respondent ids (HMAC of the tool's id)", len(typed), len(typed))
    out = pd.concat([pd.DataFrame({"unit_id": uid, "unit_type": ut, "respondent_id": rid}), typed], axis=1)
    order = np.lexsort((out["unit_id"].to_numpy(), (out["unit_type"] != config.KOMMUNE).to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    n_k, n_f = int((out.unit_type == config.KOMMUNE).sum()), int((out.unit_type == config.FYLKESKOMMUNE).sum())
    log.add(survey, "respondents after cleaning", len(out), len(out), 0,
            f"{n_k} municipalities, {n_f} county municipalities")
    return out


def clean_mapping(et: ExportTable, population: pd.DataFrame, codebook: cbm.Codebook,
                  log: CleaningLog) -> tuple[pd.DataFrame, privacy.Contacts]:
    """The mapping's per-unit flags (no personal data) and the contacts to scrub."""
    validate_export(et, codebook, "mapping")
    t = et.table
    h = {it.id: it.export_header() for it in codebook.items(survey="mapping")}
    ids = t[h["map_unit_id"]].astype(str).str.strip()
    fixed = ids.copy()
    ut = population.set_index("unit_id")["unit_type"]
    repaired = 0
    for i, v in ids.items():
        if v not in ut.index and v.isdigit():
            for w in (4, 2):
                if v.zfill(w) in ut.index:
                    fixed[i] = v.zfill(w)
                    repaired += 1
                    break
    bad = ~fixed.isin(ut.index)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ExportError(et.file, "unit not in the population frame", row=et.file_row(i), column=h["map_unit_id"],
                          expected="a kommunenummer/fylkesnummer of 2013", got=ids.iloc[i])
    dup = fixed.duplicated(keep=False)
    if dup.any():
        rows = [et.file_row(i) for i in np.flatnonzero(dup.to_numpy())]
        raise ExportError(et.file, f"unit listed more than once (rows {rows})", row=rows[0], column=h["map_unit_id"],
                          expected="one row per unit", got=fixed[dup].iloc[0])
    missing = sorted(set(ut.index) - set(fixed))
    if missing:
        raise ExportError(et.file, f"{len(missing)} unit(s) of the frame have no row: {missing[:10]}",
                          expected="one row for every unit of both populations")
    found = t[h["map_contact_found"]].astype(str).str.strip() == "1"
    fb = t[h["map_facebook_page"]].astype(str).str.strip() == "1"
    flags = pd.DataFrame({"unit_id": fixed.to_numpy(), "mapped": found.to_numpy(), "facebook_page": fb.to_numpy()})
    types = ut.loc[fixed].to_numpy()
    parts = []
    for utype, label in ((config.KOMMUNE, "municipalities"), (config.FYLKESKOMMUNE, "county municipalities")):
        m = types == utype
        parts.append(f"{label}: {int(found.to_numpy()[m].sum())} of {int(m.sum())} with a contact, "
                     f"{int(fb.to_numpy()[m].sum())} with an organisation-wide Facebook page")
    log.add("mapping", f"read and validate {et.file} ({et.format})", len(t), len(t), repaired,
            "; ".join(parts) + (f"; {repaired} lost leading zeros restored" if repaired else ""))
    contacts = privacy.contacts_from_mapping(t)
    return flags, contacts


def coverage_table(population: pd.DataFrame, flags: pd.DataFrame, responses: pd.DataFrame,
                   presurvey: pd.DataFrame) -> pd.DataFrame:
    """Every unit: ``unit_id, unit_type, mapped, presurvey, responded, facebook_page``."""
    cov = population[["unit_id", "unit_type"]].merge(flags, on="unit_id", how="left", validate="1:1")
    cov["presurvey"] = cov["unit_id"].isin(presurvey["unit_id"])
    cov["responded"] = cov["unit_id"].isin(responses["unit_id"])
    cov = cov[["unit_id", "unit_type", "mapped", "presurvey", "responded", "facebook_page"]]
    for c in ("mapped", "presurvey", "responded", "facebook_page"):
        cov[c] = cov[c].astype(bool)
    return cov.reset_index(drop=True)


def run_cleaning(raw_dir: str | os.PathLike | None = None, population: pd.DataFrame | None = None,
                 salt: str | None = None) -> CleaningResult:
    """Clean the mapping, the pre-survey and the main survey of a raw folder."""
    P = config.paths(raw_dir)
    codebook = cbm.load_codebook(P.raw)
    if population is None:
        from . import frame
        population = frame.load_population(P.frame)
    log = CleaningLog()
    read = lambda stem, survey: readers.read_export(readers.find_export(P.survey, stem), codebook, survey,
                                                    name=f"survey/{readers.find_export(P.survey, stem).name}")
    flags, contacts = clean_mapping(read(MAPPING_STEM, "mapping"), population, codebook, log)
    scrubber = privacy.Scrubber(contacts)
    pre = clean_survey(read(PRESURVEY_STEM, "presurvey"), population, codebook, "presurvey", log, scrubber, salt)
    main = clean_survey(read(MAIN_STEM, "main"), population, codebook, "main", log, scrubber, salt)
    unmapped = sorted(set(main["unit_id"]) - set(flags.loc[flags["mapped"], "unit_id"]))
    if unmapped:
        log.add("main", "respondents without a mapped contact (kept; the link was forwarded)", len(main), len(main),
                0, f"{len(unmapped)} units: {unmapped[:10]}")
    cov = coverage_table(population, flags, main, pre)
    return CleaningResult(main, pre, cov, log.table(), contacts)


def write_outputs(result: CleaningResult, paths: config.Paths) -> list[Path]:
    """Write responses, presurvey and coverage parquet files under ``paths.processed``."""
    out = []
    for df, name in ((result.responses, RESPONSES_FILE), (result.presurvey, PRESURVEY_FILE),
                     (result.coverage, COVERAGE_FILE)):
        out.append(files.write_parquet(df, paths.processed / name))
    return out


# --------------------------------------------------------------------------- summaries
def answer_summary(responses: pd.DataFrame, codebook: cbm.Codebook, survey: str = "main") -> pd.DataFrame:
    """Per item: respondents shown it (routing), answered, "Vet ikke", item nonresponse.

    Columns ``item, area, type, shown, answered, dont_know, missing, missing_share,
    dont_know_share`` (shares of the units shown the question). A multiple-choice item is
    answered when any option column is non-missing.
    """
    recs = []
    for it in codebook.items(survey=survey):
        if it.area == 0 or it.type == "text" or not all(c in responses.columns for c in it.columns):
            continue
        shown = np.ones(len(responses), dtype=bool)
        if it.filter_item and it.filter_item in responses.columns:
            f = codebook.item(it.filter_item)
            keys = [f.code_to_key[c] for c in it.filter_codes]
            shown = responses[it.filter_item].isin(keys).to_numpy()
        if it.is_multiple:
            ans = responses[it.columns].notna().any(axis=1).to_numpy()
            dk = np.zeros(len(responses), dtype=bool)
        else:
            ans = responses[it.id].notna().to_numpy()
            dk = is_dont_know(responses[it.id]).to_numpy() if it.is_categorical else np.zeros(len(responses), bool)
        n_shown = int(shown.sum())
        n_ans = int((shown & ans).sum())
        recs.append(dict(item=it.id, area=it.area, type=it.type, shown=n_shown, answered=n_ans,
                         dont_know=int((shown & dk).sum()), missing=n_shown - n_ans,
                         missing_share=(n_shown - n_ans) / n_shown if n_shown else np.nan,
                         dont_know_share=int((shown & dk).sum()) / n_shown if n_shown else np.nan))
    return pd.DataFrame(recs)


def coverage_summary(coverage: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Units by size class (municipalities) and for county municipalities: population,
    mapped (step 1), pre-survey and main-survey respondents, units in both surveys, and the
    rates: ``mapped_rate`` (of the population), ``response_rate`` (main survey, of the
    mapped), ``presurvey_rate`` (of the mapped), and each group's share of the population
    and of the pre-survey respondents."""
    df = coverage.merge(population[["unit_id", "size_class"]], on="unit_id", how="left")
    df["group"] = np.where(df["unit_type"] == config.FYLKESKOMMUNE, "fylkeskommune",
                           df["size_class"].astype(str))
    order = [str(c) for c in population["size_class"].cat.categories] + ["fylkeskommune"]
    g = df.groupby("group").agg(population=("unit_id", "size"), mapped=("mapped", "sum"),
                                presurvey=("presurvey", "sum"), main_survey=("responded", "sum"),
                                both=("responded", lambda s: int((s & df.loc[s.index, "presurvey"]).sum())))
    g = g.reindex(order).reset_index()
    mun = g[g["group"] != "fylkeskommune"].drop(columns="group").sum()
    total = pd.DataFrame([{"group": "kommune (all)", **mun.to_dict()}])
    g = pd.concat([g.iloc[:-1], total, g.iloc[-1:]], ignore_index=True)
    for c in ("population", "mapped", "presurvey", "main_survey", "both"):
        g[c] = g[c].astype(int)
    g["mapped_rate"] = g["mapped"] / g["population"]
    g["response_rate"] = g["main_survey"] / g["mapped"]
    g["presurvey_rate"] = g["presurvey"] / g["mapped"]
    g["presurvey_share_of_respondents"] = g["presurvey"] / g.loc[g["group"].isin(["kommune (all)", "fylkeskommune"]), "presurvey"].sum()
    g["population_share"] = g["population"] / g.loc[g["group"].isin(["kommune (all)", "fylkeskommune"]), "population"].sum()
    return g
