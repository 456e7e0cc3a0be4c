"""Personal data: pseudonymous ids, the contact list, scrubbing of free text, the leak scan.

The step-1 contact list holds contacts' names, e-mail addresses and telephone numbers;
survey exports hold the tool's respondent ids and free text that may hold any of these.
None of it may reach ``data/processed/``, ``reports/`` or ``.pipeline/`` (docs/contracts.md
§1, §9). One detector (:class:`.pii.Detector`) serves both ends:

* :func:`pseudonymous_ids` — keyed hash (HMAC-SHA-256) of the tool's respondent id. With
  the default salt the ids are stable between builds (deterministic reports); for real
  exports set ``SOSIALE_KOMMUNER_PSEUDONYM_SALT`` to a secret, so that nobody holding the
  export can recompute them.
* :func:`contacts_from_mapping`, :func:`read_contacts` — the contact list as
  :class:`.pii.Contacts`, from a table or from the raw folder in any supported format
  (``.csv``, ``.xlsx``, ``.sav``); an unreadable list is reported, never a traceback.
* :class:`Scrubber` — masks personal data in free text before anything is written.
* :func:`scan_for_leaks` — the detector run over every file under given folders, with the
  sensitivity for outputs (:mod:`.pii`). A :class:`Finding` names the file, the detector and
  where (line, or column and row), never the value.
* :func:`false_positives` — how often the detector flags free text for something that is
  not on the contact list (on the synthetic data, where every planted detail comes from
  the contact list, these are its false positives).
"""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import pii, readers
from .pii import Contacts, Detector

SALT_ENV = "SOSIALE_KOMMUNER_PSEUDONYM_SALT"
DEFAULT_SALT = "sosiale-kommuner-2013"
#: The contact list in the raw survey folder (``.csv``, ``.xlsx`` or ``.sav``).
CONTACT_LIST_STEM = "respondent_mapping"

TEXT_SUFFIXES = (".html", ".htm", ".csv", ".md", ".txt", ".json", ".ipynb", ".yaml", ".yml", ".key", ".lock")
#: Not text: images are drawn from the tables (which are scanned), PDFs from the pages.
SKIPPED_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".woff", ".woff2", ".ttf")
_DATA_URI_RE = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_TAG_RE = re.compile(r"<(?:script|style)\b.*?</(?:script|style)>|<[^>]*>", re.DOTALL | re.IGNORECASE)

__all__ = ["Contacts", "Detector", "Finding", "Scrubber", "contacts_from_mapping", "false_positives",
           "pseudonymous_id", "pseudonymous_ids", "read_contacts", "scan_for_leaks", "scan_text", "scrub_text"]


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
#: Column headers of the contact list (the export's ``K4 Navn``; a qno prefix is ignored).
NAME_HEADERS = ("full_name", "navn", "name")
EMAIL_HEADERS = ("email", "e-post", "epost", "e-mail")
PHONE_HEADERS = ("phone", "telefon", "tlf", "mobil")


def _header_key(header: str) -> str:
    """``K4 Navn`` -> ``navn``: the header without its question number, lower case."""
    return re.sub(r"^[A-Za-z]?\d+(?:\.\d+)*\s+", "", str(header).strip()).casefold()


def contacts_from_mapping(mapping) -> Contacts:
    """Contacts from the contact list: the raw export (``K4 Navn``, ``K6 E-post``, ``K7
    Telefon``, in any format), its :class:`readers.ExportTable`, or a table with
    ``full_name``, ``email``, ``phone`` columns. A table without an e-mail or a contact-name
    column gives no names (a ``name`` column of the frame holds places, not people)."""
    if mapping is None:
        return Contacts()
    if isinstance(mapping, Contacts):
        return mapping
    if isinstance(mapping, readers.ExportTable):
        mapping = mapping.table
    keys = {_header_key(c): c for c in mapping.columns}

    def col(cands):
        for c in cands:
            if c in keys:
                vals = mapping[keys[c]].dropna().astype(str).str.strip()
                return tuple(sorted({v for v in vals if v}))
        return ()

    emails = col(EMAIL_HEADERS)
    names = col(NAME_HEADERS) if (emails or "full_name" in keys) else ()
    return Contacts(names, emails, col(PHONE_HEADERS))


def read_contacts(survey_dir: str | os.PathLike) -> tuple[Contacts, str | None]:
    """The contact list of a raw survey folder, in any supported format, and a problem.

    Returns ``(contacts, None)``; ``(Contacts(), None)`` when the folder has no contact list;
    ``(Contacts(), problem)`` when it cannot be read — the problem names the file and what
    is wrong, without its contents, so that a scan can go on with the other detectors.
    """
    try:
        path = readers.find_export(survey_dir, CONTACT_LIST_STEM)
    except readers.ExportError as exc:
        if "no export" in exc.problem:
            return Contacts(), None
        return Contacts(), str(exc)
    try:
        return contacts_from_mapping(readers.read_export(path, name=f"survey/{path.name}")), None
    except Exception as exc:  # any reader failure: report it, scan on
        detail = str(exc) if isinstance(exc, readers.ExportError) else type(exc).__name__
        return Contacts(), f"survey/{path.name} could not be read ({pii.redact(detail)})"


# --------------------------------------------------------------------------- scrubbing
class Scrubber:
    """Masks personal data in free text, with the contact list's names (one detector)."""

    def __init__(self, contacts: Contacts | pd.DataFrame | None = None):
        self.contacts = contacts_from_mapping(contacts)
        self.detector = Detector(self.contacts)

    def scrub(self, text: str | None) -> tuple[str | None, dict[str, int]]:
        """The scrubbed (and repaired) text and counts of replacements by kind."""
        if text is None or text is pd.NA or (isinstance(text, float) and pd.isna(text)):
            return text, dict.fromkeys(pii.KINDS, 0)
        out, counts = self.detector.scrub(str(text))
        return out, {k: counts.get(k, 0) for k in pii.KINDS}

    def scrub_series(self, s: pd.Series) -> tuple[pd.Series, dict[str, int]]:
        """A column of free text scrubbed, and the replacements by kind."""
        total = dict.fromkeys(pii.KINDS, 0)
        out = []
        for v in s.tolist():
            t, c = self.scrub(v)
            out.append(t)
            for k in total:
                total[k] += c[k]
        return pd.Series(out, index=s.index, dtype="string", name=s.name), total


def scrub_text(text: str | None, mapping: pd.DataFrame | Contacts | None = None) -> str | None:
    """``text`` with e-mail addresses, telephone numbers, fødselsnummer and contact names masked."""
    return Scrubber(mapping).scrub(text)[0]


def false_positives(texts: Iterable[str | None], contacts: Contacts | pd.DataFrame | None) -> dict:
    """How the detector fares on free text: texts flagged, and flagged for something that is
    not a detail of the contact list.

    A name hit is a contact's name by construction; an e-mail or phone hit is explained when
    it is a contact's address or number. On the synthetic data every planted detail comes
    from the contact list, so the unexplained hits are false positives; on real data they
    are an upper bound (a respondent may write a number that is not on the list). Returns
    ``{"texts", "flagged", "unexplained", "rate", "kinds"}``: counts of non-empty texts, of
    texts with a hit, of texts with an unexplained hit, their share of all texts, and
    unexplained hits by kind. No text is returned.
    """
    contacts = contacts_from_mapping(contacts)
    det = Detector(contacts)
    emails = {pii.normalise_email(e) for e in contacts.emails}
    phones = {pii.phone_key(p) for p in contacts.phones}
    n = flagged = unexplained = 0
    kinds: Counter = Counter()
    for t in texts:
        if t is None or t is pd.NA or (isinstance(t, float) and pd.isna(t)) or not str(t).strip():
            continue
        n += 1
        fixed, hits = det.find(str(t))
        flagged += bool(hits)
        bad = [h.kind for h in hits if not (
            h.kind == "name"
            or (h.kind == "email" and pii.normalise_email(fixed[h.start:h.end]) in emails)
            or (h.kind == "phone" and pii.phone_key(fixed[h.start:h.end]) in phones))]
        unexplained += bool(bad)
        kinds.update(bad)
    return {"texts": n, "flagged": flagged, "unexplained": unexplained,
            "rate": unexplained / n if n else 0.0, "kinds": dict(sorted(kinds.items()))}


# --------------------------------------------------------------------------- leak scanner
@dataclass(frozen=True)
class Finding:
    """Personal data found in a file: the file, the detector (``email``, ``phone``,
    ``national_id``, ``name``, or ``unreadable``), where the first hit is and how many there
    are. Never the value."""

    file: str
    kind: str
    where: str = ""
    count: int = 1

    def __str__(self) -> str:
        label = pii.LABELS.get(self.kind, self.kind)
        times = f" ({self.count}×)" if self.count > 1 else ""
        return f"{self.file}: {label}{times}" + (f", first at {self.where}" if self.where else "")


def _json_strings(obj, path: str = "") -> Iterable[tuple[str, str]]:
    """(where, string) of every string in a JSON document; notebook images and cell ids
    (random hex, sometimes all digits) skipped."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str) and (k.startswith("image/") or k == "id"):
                continue
            yield path + "/" + str(k), str(k)
            yield from _json_strings(v, f"{path}/{k}")
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):  # a notebook's multi-line string
            yield path, "".join(obj)
        else:
            for i, v in enumerate(obj):
                yield from _json_strings(v, f"{path}/{i}")
    elif isinstance(obj, str):
        yield path, obj


def _html_text(text: str) -> str:
    # a tag becomes a line break: the numbers of neighbouring table cells never join into
    # a telephone number (a match never spans lines), while a name still can
    return html.unescape(_TAG_RE.sub("\n", _DATA_URI_RE.sub(" ", text)))


def file_pieces(path: Path) -> Iterable[tuple[str, str]]:
    """(where, text) pieces of a file, as the scanner reads them: a Parquet file by column
    (one value per line), JSON and notebooks by string (images skipped), HTML as the text a
    reader sees (tags and embedded images removed), anything else by line."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path)
        yield "column names", "\n".join(map(str, df.columns))
        for c in df.columns:
            yield f"column {c!r}", "\n".join(df[c].dropna().astype(str).tolist())
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    if suffix in (".json", ".ipynb"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = None
        if doc is not None:
            for where, s in _json_strings(doc):
                yield where, _html_text(s) if "<" in s else s
            return
    if suffix in (".html", ".htm"):
        text = _html_text(text)
    yield "", text


def scan_text(text: str, contacts: Contacts | pd.DataFrame | None = None, where: str = "",
              detector: Detector | None = None) -> list[Finding]:
    """Findings in one text, one per detector (``where`` names the file)."""
    det = detector or Detector(contacts_from_mapping(contacts), outputs=True)
    _, hits = det.find(text)
    return _findings(where, text, hits, "")


def _findings(file: str, text: str, hits, piece: str) -> list[Finding]:
    by_kind: dict[str, list] = {}
    for h in hits:
        by_kind.setdefault(h.kind, []).append(h)
    out = []
    for kind, hs in by_kind.items():
        line = text.count("\n", 0, hs[0].start) + 1
        where = f"{piece}, line {line}" if piece else f"line {line}"
        out.append(Finding(file, kind, where, len(hs)))
    return out


def scan_file(path: Path, detector: Detector, name: str | None = None) -> list[Finding]:
    """Findings in one file (one per detector; an unreadable file is a finding too)."""
    name = name or path.as_posix()
    found: dict[str, Finding] = {}
    try:
        for piece, text in file_pieces(path):
            _, hits = detector.find(text)
            for f in _findings(name, text, hits, piece):
                old = found.get(f.kind)
                found[f.kind] = f if old is None else Finding(name, f.kind, old.where, old.count + f.count)
    except Exception as exc:  # unreadable: report rather than hide
        return [Finding(name, "unreadable", type(exc).__name__)]
    return sorted(found.values(), key=lambda f: pii.KINDS.index(f.kind))


def scan_for_leaks(root_dirs: str | os.PathLike | Sequence[str | os.PathLike],
                   mapping_df: pd.DataFrame | Contacts | readers.ExportTable | None = None,
                   exclude: Iterable[str] = ()) -> list[Finding]:
    """Scan every file under ``root_dirs`` for personal data.

    Parameters
    ----------
    root_dirs : a folder, a file, or a list of them (e.g. ``[P.reports, P.processed,
        P.pipeline_state]``); missing ones are skipped.
    mapping_df : the contact list (see :func:`contacts_from_mapping`) or ``None`` — then
        e-mail addresses, telephone numbers and fødselsnummer are still found, names not.
    exclude : file names not to scan (the scanner's own state).

    Returns the :class:`Finding` list, sorted by file; empty when clean. Files are named as
    given (POSIX paths). Images and PDFs are skipped (they are made from scanned sources).
    """
    roots = [root_dirs] if isinstance(root_dirs, (str, os.PathLike)) else list(root_dirs)
    detector = Detector(contacts_from_mapping(mapping_df), outputs=True)
    skip = set(exclude)
    findings: list[Finding] = []
    for root in map(Path, roots):
        if not root.exists():
            continue
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in paths:
            if p.name in skip or p.suffix.lower() in SKIPPED_SUFFIXES:
                continue
            findings += scan_file(p, detector)
    return sorted(findings, key=lambda f: (f.file, f.kind))
