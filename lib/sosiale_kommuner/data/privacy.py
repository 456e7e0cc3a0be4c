"""Personal data: pseudonymous ids, scrubbing of free text, and a leak scanner.

The step-1 respondent mapping holds contacts' names, e-mail addresses and telephone
numbers; survey exports hold tool respondent ids and free text that may name people. None
of it may reach ``data/processed/`` or ``reports/`` (STUDY.md, docs/contracts.md §1):

* :func:`pseudonymous_ids` — keyed hash (HMAC-SHA-256) of the tool's respondent id. With
  the default salt the ids are stable between builds (deterministic reports); for real
  exports set the environment variable ``SOSIALE_KOMMUNER_PSEUDONYM_SALT`` to a secret so
  that nobody holding the export can recompute them.
* :func:`scrub_text` — replaces e-mail addresses, Norwegian telephone numbers and the FULL
  names on the mapping (first and last name together, any case, any spacing) by
  ``[e-post]``, ``[telefon]``, ``[navn]``. A surname alone is left alone: many are also
  place names (Berg, Vik, Strand), and blanking them would destroy the answer.
* :func:`scan_for_leaks` — looks for e-mail addresses, telephone numbers (grouped or with
  +47; a bare run of 8 digits only after a phone word or when it is a mapping number, so that
  seeds and ids in reports are not flagged) and the mapping's
  names/e-mails/phones in every file under given folders (``.parquet`` read as the text of
  its values; ``.html``, ``.csv``, ``.md``, ``.txt``, ``.json``, ``.ipynb`` as text, embedded
  ``data:`` images skipped). ``run_all.py`` calls it after export.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SALT_ENV = "SOSIALE_KOMMUNER_PSEUDONYM_SALT"
DEFAULT_SALT = "sosiale-kommuner-2013"

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
#: Norwegian telephone numbers: 8 digits, the first 2-9, optionally +47/0047, written
#: together or grouped 2-2-2-2 or 3-2-3 (spaces, dots or dashes). Not preceded/followed by digits, letters,
#: '.' or ',' (so decimals, hashes and long numbers do not match).
PHONE_RE = re.compile(
    r"(?<![\w.,+])(?:(?:\+|00)47[ .-]?)?"
    r"(?:[2-9]\d[ .-]\d{2}[ .-]\d{2}[ .-]\d{2}|[2-9]\d{2}[ .-]\d{2}[ .-]\d{3}|[2-9]\d{7})"
    r"(?![\w,]|\.\d)")

_PHONE_CONTEXT_RE = re.compile(r"\b(tlf|telefon|mob|mobil|ring|phone|tel)\b[.:]?\s*(?:\S{1,12}\s+){0,3}$", re.IGNORECASE)

EMAIL_MASK, PHONE_MASK, NAME_MASK = "[e-post]", "[telefon]", "[navn]"

TEXT_SUFFIXES = (".html", ".htm", ".csv", ".md", ".txt", ".json", ".ipynb", ".yaml", ".yml")
_DATA_URI_RE = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


# --------------------------------------------------------------------------- pseudonyms
def pseudonym_salt(salt: str | None = None) -> str:
    """The salt used: the argument, else ``$SOSIALE_KOMMUNER_PSEUDONYM_SALT``, else the default."""
    return salt or os.environ.get(SALT_ENV) or DEFAULT_SALT


def pseudonymous_id(value: str, salt: str | None = None, prefix: str = "R") -> str:
    """``R`` + first 12 hex digits of HMAC-SHA-256(salt, value)."""
    digest = hmac.new(pseudonym_salt(salt).encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256)
    return prefix + digest.hexdigest()[:12]


def pseudonymous_ids(values: Iterable[str], salt: str | None = None, prefix: str = "R") -> list[str]:
    """Pseudonymous ids for many values; raises if two values collide (never in practice)."""
    vals = [str(v) for v in values]
    out = [pseudonymous_id(v, salt, prefix) for v in vals]
    if len(set(out)) != len(set(vals)):
        raise ValueError("pseudonymous id collision: use a longer prefix of the digest")
    return out


# --------------------------------------------------------------------------- contacts
@dataclass(frozen=True)
class Contacts:
    """The personal data to protect: full names, e-mail addresses, telephone numbers."""

    names: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]


_NAME_COLS = ("full_name", "K4 Navn", "Navn", "name")
_EMAIL_COLS = ("email", "K6 E-post", "E-post")
_PHONE_COLS = ("phone", "K7 Telefon", "Telefon")


def contacts_from_mapping(mapping) -> Contacts:
    """Contacts from the respondent mapping: the raw export (``K4 Navn``, ``K6 E-post``,
    ``K7 Telefon``) or a table with ``full_name``, ``email``, ``phone`` columns."""
    if mapping is None:
        return Contacts((), (), ())
    if isinstance(mapping, Contacts):
        return mapping
    if hasattr(mapping, "table") and isinstance(mapping.table, pd.DataFrame):  # readers.ExportTable
        mapping = mapping.table

    def col(cands):
        for c in cands:
            if c in mapping.columns:
                vals = mapping[c].dropna().astype(str).str.strip()
                return tuple(sorted({v for v in vals if v}))
        return ()

    names = col(_NAME_COLS)
    # "name" in a frame table is a place name, not a person: only use it with e-mail columns
    if not col(_EMAIL_COLS) and "full_name" not in mapping.columns and "K4 Navn" not in mapping.columns:
        names = ()
    return Contacts(names, col(_EMAIL_COLS), col(_PHONE_COLS))


def _name_pattern(names: Sequence[str]) -> re.Pattern | None:
    """One case-insensitive pattern for full names (two or more words), any whitespace."""
    parts = []
    for n in sorted({n.strip() for n in names if n and len(n.split()) >= 2}, key=len, reverse=True):
        parts.append(r"\s+".join(re.escape(w) for w in n.split()))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


class Scrubber:
    """Reusable scrubber for one set of contacts (compiles the name pattern once)."""

    def __init__(self, contacts: Contacts | pd.DataFrame | None = None):
        self.contacts = contacts_from_mapping(contacts)
        self._names = _name_pattern(self.contacts.names)

    def scrub(self, text: str | None) -> tuple[str | None, dict[str, int]]:
        """The scrubbed text and counts of replacements by kind."""
        if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
            return text, {"email": 0, "phone": 0, "name": 0}
        t, n_e = EMAIL_RE.subn(EMAIL_MASK, str(text))
        t, n_p = PHONE_RE.subn(PHONE_MASK, t)
        n_n = 0
        if self._names is not None:
            t, n_n = self._names.subn(NAME_MASK, t)
        return t, {"email": n_e, "phone": n_p, "name": n_n}

    def scrub_series(self, s: pd.Series) -> tuple[pd.Series, dict[str, int]]:
        total = {"email": 0, "phone": 0, "name": 0}
        out = []
        for v in s.tolist():
            t, c = self.scrub(v)
            out.append(t)
            for k in total:
                total[k] += c[k]
        return pd.Series(out, index=s.index, dtype="string", name=s.name), total


def scrub_text(text: str | None, mapping: pd.DataFrame | Contacts | None = None) -> str | None:
    """Replace e-mail addresses, telephone numbers and mapping full names in ``text``."""
    return Scrubber(mapping).scrub(text)[0]


# --------------------------------------------------------------------------- leak scanner
@dataclass(frozen=True)
class Finding:
    """One suspected leak: the file, the kind (``email``, ``phone``, ``name``) and the match."""

    file: str
    kind: str
    match: str

    def __iter__(self):  # so (file, match) unpacking and tuple() work
        return iter((self.file, self.match))


def _file_text(path: Path) -> str:
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
        # one value per line, so that neighbouring cells never join into a match
        cols = ["\n".join(map(str, df.columns))]
        cols += ["\n".join(df[c].dropna().astype(str).tolist()) for c in df.columns]
        return "\n".join(cols)
    text = path.read_text(encoding="utf-8", errors="replace")
    return _DATA_URI_RE.sub(" ", text)


def scan_text(text: str, contacts: Contacts, where: str = "") -> list[Finding]:
    """Findings in one text."""
    found = [Finding(where, "email", m.group(0)) for m in EMAIL_RE.finditer(text)]
    mapping_digits = {re.sub(r"\D", "", p)[-8:] for p in contacts.phones}
    for m in PHONE_RE.finditer(text):
        g = m.group(0)
        # A bare run of 8 digits is a phone number only with a phone word or +47/0047 before it,
        # or when it is a mapping number: seeds, ids and counts in reports are not phone numbers.
        # (Free text is scrubbed of every 8-digit run; the scanner is for what slipped through.)
        if re.fullmatch(r"[2-9]\d{7}", g) and g not in mapping_digits and not _PHONE_CONTEXT_RE.search(
                text[max(0, m.start() - 25):m.start()]):
            continue
        found.append(Finding(where, "phone", g))
    low = text.lower()
    for e in contacts.emails:
        if e.lower() in low and not any(f.match.lower() == e.lower() for f in found):
            found.append(Finding(where, "email", e))
    pat = _name_pattern(contacts.names)
    if pat is not None:
        found += [Finding(where, "name", m.group(0)) for m in pat.finditer(text)]
    for p in contacts.phones:
        if p and p in text and not any(f.kind == "phone" and p in f.match for f in found):
            found.append(Finding(where, "phone", p))
    return found


def scan_for_leaks(root_dirs: str | os.PathLike | Sequence[str | os.PathLike],
                   mapping_df: pd.DataFrame | Contacts | None = None) -> list[Finding]:
    """Scan every file under ``root_dirs`` for personal data.

    Parameters
    ----------
    root_dirs : a folder or a list of folders (e.g. ``[P.reports, P.processed]``); missing
        folders are skipped.
    mapping_df : the respondent mapping as read from ``survey/respondent_mapping.csv`` —
        a DataFrame with the export headers (``K4 Navn``, ``K6 E-post``, ``K7 Telefon``),
        the :class:`readers.ExportTable` of ``readers.read_export``, or a table with
        ``full_name, email, phone``; ``None`` scans for e-mail addresses and telephone
        numbers only.

    Returns a list of :class:`Finding` ``(file, kind, match)``, sorted; empty when clean.
    Each finding unpacks as ``file, match``. Files are named as given (POSIX paths).
    """
    roots = [root_dirs] if isinstance(root_dirs, (str, os.PathLike)) else list(root_dirs)
    contacts = contacts_from_mapping(mapping_df)
    findings: list[Finding] = []
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in paths:
            if p.suffix.lower() not in TEXT_SUFFIXES + (".parquet",):
                continue
            try:
                text = _file_text(p)
            except Exception as exc:  # unreadable file: report rather than hide
                findings.append(Finding(p.as_posix(), "unreadable", f"{type(exc).__name__}: {exc}"))
                continue
            findings += scan_text(text, contacts, p.as_posix())
    return sorted(set(findings), key=lambda f: (f.file, f.kind, f.match))
