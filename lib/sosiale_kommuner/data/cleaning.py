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
  removed, repaired, note``;
* ``free_text``: per survey, what the detector of personal data made of the free text
  (:func:`privacy.false_positives`: texts, flagged, flagged for something not on the
  contact list, by kind) — counts only.

Every rule either raises :class:`readers.ExportError` (file, row, column, what was
expected, what to do) or makes a counted repair logged in ``log``:

=====================================  =====================================================
rule                                   effect
=====================================  =====================================================
read                                   UTF-8 BOM removed (repair); latin-1, UTF-16, comma-
                                       separated, quoted lines, a ';' after every line,
                                       empty file, ragged rows, an Excel title row: error
columns, validate (:mod:`.validation`) a missing/renamed/unknown column, unknown code,
                                       out-of-range Likert or number, bad timestamp or
                                       status, duplicate respondent id: error
remove test responses                  kommunenummer typed as ``test...``, ``0``, ``0000`` or
                                       ``9999`` (case-insensitive): row removed
remove empty starts                    no answer to any question of area 1: row removed
                                       (docs/contracts.md §5)
link to the frame (:mod:`.linking`)    ``301`` -> ``0301``, a unique name -> its number,
                                       ``03`` (Oslo as a county) -> ``0301``: repairs; a
                                       number or name not in the frame, or ambiguous: error
one submission per unit                most complete, then latest ``Sist endret`` (missing =
(:mod:`.submissions`)                  earliest), then latest ``Startet``, then later in
                                       the file: rows removed; every unit listed with its
                                       kept pseudonymous id and the deciding criterion
respondents must be mapped             a main-survey respondent whose unit step 1 did not
                                       map: error naming the unit and the remedy
recode                                 codes -> typed columns; "Vet ikke" its own level,
                                       missing codes and empty cells -> missing
scrub free text (:mod:`.pii`)          e-mail addresses, telephone numbers, fødselsnummer,
                                       contact names -> [e-post] / [telefon] /
                                       [fødselsnummer] / [navn]: repairs
pseudonymise                           the tool's respondent id -> HMAC pseudonym
=====================================  =====================================================

No message quotes personal data: a suspect value is shown by its position and shape
(docs/contracts.md §9). Raw files are only read, never written.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sosiale_kommuner import config, files

from . import codebook as cbm
from . import privacy, readers
from .linking import link_units, name_index
from .readers import ExportError, ExportTable
from .submissions import CRITERIA, choose_submissions
from .summaries import answer_summary, coverage_summary
from .typed import is_dont_know, to_typed
from .validation import check_columns, export_schema, parse_timestamp, validate_export

MAPPING_STEM = privacy.CONTACT_LIST_STEM
PRESURVEY_STEM = "presurvey"
MAIN_STEM = "main_survey"
RESPONSES_FILE = "responses.parquet"
PRESURVEY_FILE = "presurvey.parquet"
COVERAGE_FILE = "coverage.parquet"
LOG_COLUMNS = ["survey", "step", "rule", "rows_in", "rows_out", "removed", "repaired", "note"]

TEST_RE = re.compile(r"^\s*(test.*|0+|9999)\s*$", re.IGNORECASE)

__all__ = ["CleaningLog", "CleaningResult", "Mapping", "answer_summary", "check_columns", "clean_mapping",
           "clean_survey", "coded_table", "coverage_summary", "coverage_table", "export_schema",
           "link_units", "name_index", "parse_timestamp", "run_cleaning", "validate_export", "write_outputs"]


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
    #: survey -> what the detector made of its free text (privacy.false_positives; counts only)
    free_text: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    """What the surveys need of step 1: which units were mapped, and where each unit's row
    is in the contact list (for messages)."""

    file: str
    mapped: frozenset[str]
    rows: dict[str, int]
    column: str


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
def _one_per_unit(et: ExportTable, coded: pd.DataFrame, codebook: cbm.Codebook, rows: np.ndarray,
                  unit_ids: np.ndarray, salt: str | None) -> tuple[pd.DataFrame, str]:
    """The kept submission of each unit (docs/contracts.md §5) and the log note naming every
    unit that had several, with the kept pseudonymous id and the criterion that decided."""
    ec = codebook.export_columns
    t = et.table
    item_cols = [c for c in coded.columns if c not in ("bg_kommunenummer", "bg_unit_type")]
    sub = pd.DataFrame({
        "pos": rows,
        "unit_id": unit_ids,
        "complete": _answered(coded.iloc[rows], item_cols),
        "submitted": [parse_timestamp(str(v)) for v in t[ec["submitted"]].iloc[rows]],
        "started": [parse_timestamp(str(v)) for v in t[ec["started"]].iloc[rows]],
    })
    kept, decisions = choose_submissions(sub)
    if decisions.empty:
        return kept, "no unit submitted more than once"
    rid = privacy.pseudonymous_ids(t[ec["respondent"]].iloc[decisions["kept_pos"]].astype(str), salt)
    by_rule = decisions["rule"].value_counts()
    parts = [f"{int(by_rule[k])} by {CRITERIA[k]}" for k in CRITERIA if k in by_rule.index]
    undated = int((decisions["undated"] > 0).sum())
    units = "; ".join(f"{u} kept {r} ({CRITERIA[k]}, {n} submissions)"
                      for u, r, k, n in zip(decisions["unit_id"], rid, decisions["rule"], decisions["submissions"]))
    note = (f"{len(decisions)} units had {int(decisions['submissions'].sum())} submissions; decided "
            f"{', '.join(parts)}" + (f"; {undated} of these units had a submission without 'Sist endret' "
                                     "(counted as the earliest)" if undated else "") + f". {units}")
    return kept, note


def _check_mapped(et: ExportTable, codebook: cbm.Codebook, kept: pd.DataFrame, mapping: Mapping,
                  population: pd.DataFrame) -> None:
    """Every respondent of the main survey is a unit that step 1 mapped (the weights are
    built from mapped units); else stop, naming each unit and the remedy."""
    bad = kept[~kept["unit_id"].isin(mapping.mapped)].sort_values("pos")
    if bad.empty:
        return
    name = dict(zip(population["unit_id"], population["name"]))
    units = [f"{u} {name.get(u, '')} (row {et.file_row(p)}; {mapping.file} row {mapping.rows.get(u, '?')})"
             for u, p in zip(bad["unit_id"], bad["pos"])]
    first = bad.iloc[0]
    raise ExportError(
        et.file, f"{len(bad)} respondent(s) not mapped in step 1: " + "; ".join(units[:10])
        + ("; ..." if len(units) > 10 else ""), row=et.file_row(first["pos"]),
        column=codebook.item("bg_kommunenummer").export_header(),
        expected=f"every respondent to be a unit with {mapping.column!r} = 1 in {mapping.file}",
        hint=f"if the questionnaire did reach the unit (e.g. the link was forwarded), set {mapping.column!r} to 1 "
             f"in its row of {mapping.file} and run --update-manifest; otherwise the kommunenummer of the "
             "response is wrong: correct it in the export")


def clean_survey(et: ExportTable, population: pd.DataFrame, codebook: cbm.Codebook, survey: str,
                 log: CleaningLog, scrubber: privacy.Scrubber, salt: str | None = None,
                 mapping: Mapping | None = None, free_text: dict | None = None) -> pd.DataFrame:
    """Clean one survey export (``presurvey`` or ``main``); append its rules to ``log``.

    With ``mapping``, every kept respondent must be a mapped unit (:class:`Mapping`);
    ``free_text``, a dict, receives the detector's account of the free text (counts only).
    """
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
    unit_ids, repairs = link_units(et, population, codebook, survey, rows, scrubber.detector)
    note = ", ".join(f"{k}: {v}" for k, v in repairs.items() if v) or "all numbers as typed"
    log.add(survey, "link to the population frame (typed kommunenummer)", len(rows), len(rows),
            sum(repairs.values()), note)

    kept, note = _one_per_unit(et, coded, codebook, rows, unit_ids, salt)
    log.add(survey, "one submission per unit: most complete, then latest 'Sist endret' (missing = earliest), "
                    "then latest 'Startet', then later in the file", len(rows), len(kept), 0, note)
    if mapping is not None:
        _check_mapped(et, codebook, kept, mapping, population)

    pos = kept.sort_values("pos")["pos"].to_numpy()
    chosen = coded.iloc[pos].reset_index(drop=True)
    uid = kept.set_index("pos").loc[pos, "unit_id"].to_numpy()
    ut = population.set_index("unit_id").loc[uid, "unit_type"].to_numpy()
    typed = to_typed(chosen.drop(columns=["bg_kommunenummer"]), codebook, survey=survey)
    n_dk = sum(int(is_dont_know(typed[c]).sum()) for c in typed.columns
               if isinstance(typed[c].dtype, pd.CategoricalDtype))
    log.add(survey, "recode to typed columns (ordered categoricals, booleans; 'Vet ikke' its own level)",
            len(typed), len(typed), 0, f"{n_dk} 'Vet ikke' answers kept as a level")

    counts = dict.fromkeys(privacy.pii.KINDS, 0)
    texts: list = []
    for it in codebook.items(survey=survey, type="text"):
        if it.id == "bg_kommunenummer" or it.id not in typed.columns:
            continue
        texts += typed[it.id].tolist()
        typed[it.id], c = scrubber.scrub_series(typed[it.id])
        for k in counts:
            counts[k] += c[k]
    check = privacy.false_positives(texts, scrubber.contacts)
    if free_text is not None:
        free_text.update(check)
    log.add(survey, "scrub free text (e-mail addresses, phone numbers, fødselsnummer, contact names)",
            len(typed), len(typed), sum(counts.values()),
            f"{check['texts']} texts; replaced {counts['email']} e-mail, {counts['phone']} phone, "
            f"{counts['national_id']} fødselsnummer, {counts['name']} name")

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
                  log: CleaningLog) -> tuple[pd.DataFrame, privacy.Contacts, Mapping]:
    """The mapping's per-unit flags (no personal data), the contacts to scrub, and the
    :class:`Mapping` the main survey is checked against."""
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
                          expected="a kommunenummer/fylkesnummer of 2013", got=ids.iloc[i],
                          hint="correct the unit number in the contact list")
    dup = fixed.duplicated(keep=False)
    if dup.any():
        rows = [et.file_row(i) for i in np.flatnonzero(dup.to_numpy())]
        raise ExportError(et.file, f"unit listed more than once (rows {rows})", row=rows[0], column=h["map_unit_id"],
                          expected="one row per unit", got=fixed[dup].iloc[0],
                          hint="keep one row per unit in the contact list")
    missing = sorted(set(ut.index) - set(fixed))
    if missing:
        raise ExportError(et.file, f"{len(missing)} unit(s) of the frame have no row: {missing[:10]}",
                          expected="one row for every unit of both populations",
                          hint="add a row for each (with 'Kontakt funnet' = 2 when no contact was found)")
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
    mapping = Mapping(et.file, frozenset(fixed[found.to_numpy()]),
                      {u: et.file_row(i) for i, u in enumerate(fixed)}, h["map_contact_found"])
    return flags, contacts, mapping


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

    def read(stem, survey):
        path = readers.find_export(P.survey, stem)
        return readers.read_export(path, codebook, survey, name=f"survey/{path.name}")

    flags, contacts, mapping = clean_mapping(read(MAPPING_STEM, "mapping"), population, codebook, log)
    scrubber = privacy.Scrubber(contacts)
    checks: dict[str, dict] = {"presurvey": {}, "main": {}}
    pre = clean_survey(read(PRESURVEY_STEM, "presurvey"), population, codebook, "presurvey", log, scrubber, salt,
                       free_text=checks["presurvey"])
    main = clean_survey(read(MAIN_STEM, "main"), population, codebook, "main", log, scrubber, salt,
                        mapping=mapping, free_text=checks["main"])
    cov = coverage_table(population, flags, main, pre)
    return CleaningResult(main, pre, cov, log.table(), contacts, checks)


def write_outputs(result: CleaningResult, paths: config.Paths) -> list[Path]:
    """Write responses, presurvey and coverage parquet files under ``paths.processed``."""
    out = []
    for df, name in ((result.responses, RESPONSES_FILE), (result.presurvey, PRESURVEY_FILE),
                     (result.coverage, COVERAGE_FILE)):
        out.append(files.write_parquet(df, paths.processed / name))
    return out
