"""Linking a response to the population frame by the kommunenummer the respondent typed.

:func:`link_units` reads question 0.2 (kommunenummer/fylkesnummer, typed by hand) and 0.1
(unit type) and returns the unit ids of the frame. Documented repairs: a lost leading zero
(``301`` -> ``0301``), a unit's unique name instead of its number (``Halden kommune``), Oslo
given as a county (``03`` -> ``0301``). A number or name that is not in the frame, is
ambiguous or belongs to the other unit type stops the run with a
:class:`readers.ExportError`. A value that looks like personal data (a fødselsnummer, an
e-mail address, a contact's name typed into the number field) is described by its shape,
never quoted (docs/contracts.md §9).
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from sosiale_kommuner import config

from . import codebook as cbm
from . import pii
from .readers import ExportError, ExportTable


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


def got_value(value: str, detector: pii.Detector | None = None) -> object:
    """``value`` as an :class:`ExportError` may show it: itself, or its shape when the
    detector (with the contact list's names, if given) flags it."""
    kinds = (detector or pii.default_detector()).kinds(value)
    return pii.Redacted(pii.describe(value, kinds)) if kinds else value


PERSONAL_DATA_HINT = ("the cell holds personal data instead of a unit number: correct the cell in the "
                      "export to the unit's kommunenummer or fylkesnummer (then run --update-manifest), "
                      "and do not copy the value into an issue or a message")


def link_units(et: ExportTable, population: pd.DataFrame, codebook: cbm.Codebook, survey: str,
               rows: np.ndarray, detector: pii.Detector | None = None) -> tuple[np.ndarray, dict[str, int]]:
    """Unit ids of the table rows ``rows`` (positions) from the typed kommunenummer and unit
    type; returns the ids and counts of repairs by kind. ``detector`` (with the contact
    list) decides which typed values may be quoted in an error."""
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
            got = got_value(raw, detector)
            raise ExportError(et.file, problem, row=row, column=head_no, expected=expected, got=got,
                              hint=PERSONAL_DATA_HINT if isinstance(got, pii.Redacted) else None)

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
