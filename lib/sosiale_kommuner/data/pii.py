"""One detector of personal data, for scrubbing free text and for scanning outputs.

What counts as personal data is fixed in docs/contracts.md §9: the names and e-mail
addresses of the contacts on the step-1 contact list, any e-mail address, any Norwegian
telephone number, and fødselsnummer / D-nummer. :class:`Detector` finds all four in a text,
built on the field's libraries rather than home-made patterns:

* **telephone numbers** — ``phonenumbers``' matcher (Google's libphonenumber) with region
  ``NO``, which finds a number in every grouping (``97512345``, ``975 12 345``,
  ``97 51 23 45``, ``9751 2345``, ``97 512 345``, dots or dashes, ``+47``, ``0047``,
  ``(+47)``). A match counts when it is an 8-digit Norwegian number starting 2-9 (or a
  possible number with an explicit foreign country code), is not glued to letters or
  digits, is not part of a decimal number (``0.25123456``), and is not a date, a time span
  or a range of years (``30.05.2013``, ``12.30-14.00``, ``2012-2013``);
* **fødselsnummer and D-nummer** — 11 digits, or 6 + 5 with a space or dash, checked with
  ``python-stdnum`` (``stdnum.no.fodselsnummer``: check digits, birth date, D- and
  H-numbers). A run whose first six digits form a date (day 01-31, or 41-71 for a
  D-nummer; month 01-12, or 41-52 for an H-nummer) counts even when its check digits fail:
  a mistyped fødselsnummer is still personal data;
* **e-mail addresses** — Unicode local parts and domains (IDN: ``øyvind.ås@bærum.kommune.no``,
  or their ``xn--`` form) and the usual disguises: ``(at)``, ``[at]``, ``{at}``, ``(a)``,
  ``(krøllalfa)``, `` at `` and ``(dot)``, ``[dot]``, `` dot ``, ``(punktum)``. A bare
  `` at `` (also a Norwegian word) counts only when the address is unmistakable: the local
  part holds a dot, dash, underscore or digit, or the domain has three or more parts;
* **names** from the contact list (:mod:`.pii_names`), as full names in their variants,
  after Unicode normalisation and repair of mojibake. A surname or a first name alone is
  never flagged: many are also place names or words (Strand, Vik, Per).

Every text is first *repaired*: mojibake undone with ``ftfy.fix_encoding`` (``AsbjÃ¸rn`` ->
``Asbjørn``) and the result put in Unicode NFKC form (decomposed ``ø`` composed, full-width
``＠`` plain). Positions
of :class:`Hit` refer to the repaired text; :meth:`Detector.scrub` returns it with every hit
replaced by a mask (``[e-post]``, ``[telefon]``, ``[fødselsnummer]``, ``[navn]``).

The detector has two sensitivities for bare 8-digit runs, the only place where free text and
published outputs differ. In free text (``outputs=False``) every 8-digit run starting 2-9 is a
telephone number: losing a number in an answer costs little. In outputs (``outputs=True``,
the leak scan) tables are full of ids and counts, so a bare run counts only when
libphonenumber says it is a valid Norwegian number, it is on the contact list, or a phone
word (``tlf``, ``telefon``, ``mobil``, ``ring`` ...) or ``+47``/``0047`` stands before it.
Grouped numbers, e-mail addresses, fødselsnummer and names are found alike in both.

For error messages, :func:`describe` gives a value's *shape* (``11 digits``) instead of the
value, and :func:`safe_repr` quotes a value only when it is safe to (docs/contracts.md §9).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import ftfy
import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum.no import fodselsnummer

from .pii_names import NameIndex

#: The kinds of personal data, with the mask that replaces them in free text and their
#: names in messages.
KINDS = ("email", "phone", "national_id", "name")
MASKS = {"email": "[e-post]", "phone": "[telefon]", "national_id": "[fødselsnummer]", "name": "[navn]"}
LABELS = {"email": "e-mail address", "phone": "telephone number",
          "national_id": "fødselsnummer/D-nummer", "name": "name from the contact list"}


@dataclass(frozen=True)
class Contacts:
    """The personal data of the step-1 contact list: full names, e-mail addresses, phones."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One piece of personal data: its kind and span in the repaired text."""

    kind: str
    start: int
    end: int


# --------------------------------------------------------------------------- repair
def repair(text: str) -> str:
    """Mojibake undone (``ftfy.fix_encoding``) and Unicode NFKC (composed letters, full-width
    and compatibility forms as their plain equivalents: ``＠`` -> ``@``); ASCII text is
    returned as is."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", ftfy.fix_encoding(text))


# --------------------------------------------------------------------------- e-mail
_AT_FORMS = r"(?:at|a|alfakrøll|krøllalfa|snabel-a)"
_DOT_FORMS = r"(?:dot|punktum|prikk)"
_AT = (rf"(?:\s?@\s?|\s*[(\[{{<]\s*{_AT_FORMS}\s*[)\]}}>]\s*|(?P<bare_at>\s+at\s+))")
_DOT = rf"(?:\.|\s*[(\[{{<]\s*{_DOT_FORMS}\s*[)\]}}>]\s*|\s+dot\s+)"
_ATOM = r"\w(?:[\w+\-']*[\w+\-])?"   # a quote inside (o'neil), never at either end
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_TLD = r"(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)"
EMAIL_RE = re.compile(
    rf"(?<![\w.+\-@])(?P<local>{_ATOM}(?:{_DOT}{_ATOM})*){_AT}"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLD})(?![\w\-@]|\.[^\W_])",
    re.IGNORECASE)
_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)


def _email_hits(text: str) -> list[Hit]:
    hits = []
    for m in EMAIL_RE.finditer(text):
        if m.group("bare_at") is not None:
            # " at " is also a Norwegian word ("mener at vg.no ..."): only unmistakable addresses
            local, labels = m.group("local"), _DOT_SPLIT.split(m.group("domain"))
            if not (re.search(r"[._\-\d]", local) or len(labels) >= 3):
                continue
        hits.append(Hit("email", m.start(), m.end()))
    return hits


def normalise_email(value: str) -> str:
    """An address written in any of the detected forms, as ``local@domain`` in lower case."""
    m = EMAIL_RE.search(repair(value))
    if not m:
        return value.strip().casefold()
    local = ".".join(_DOT_SPLIT.split(m.group("local")))
    domain = ".".join(_DOT_SPLIT.split(m.group("domain")))
    return f"{local}@{domain}".casefold()


# --------------------------------------------------------------------------- phones
_PHONE_WORD_RE = re.compile(r"\b(?:tlf|telefon\w*|mob|mobil\w*|ring\w*|phone|tel|sms)\b\.?:?\s*"
                            r"(?:\S{1,12}\s+){0,3}$", re.IGNORECASE)
#: dates, times and year ranges that a phone matcher takes for numbers
_NOT_A_PHONE_RE = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})"            # 30.05.2013, 30/5-13
    r"|\d{4}[./-]\d{1,2}[./-]\d{1,2}"                     # 2013-05-30
    r"|(?:19|20)\d{2}\s*[-–/]\s*(?:(?:19|20)\d{2}|\d{2})"  # 2012-2013, 2012/13
    r"|\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}"       # 12.30-14.00
    r"|[-+]?\d+[.,]\d{5,}")                             # 0.0311403217, 33.930223 (decimals)
_EXPLICIT_RE = re.compile(r"\(?\s*(?:\+|00)")


def digits(value: str) -> str:
    """The digits of ``value``."""
    return re.sub(r"\D", "", value)


def phone_key(value: str) -> str:
    """The last 8 digits (a Norwegian number without +47/0047)."""
    return digits(value)[-8:]


def _glued(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is part of a word, a longer number or a decimal number."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or before == "_" or after.isalnum() or after == "_":
        return True
    if before in ".," and start > 1 and text[start - 2].isdigit():
        return True
    if after in ".," and end + 1 < len(text) and text[end + 1].isdigit():
        return True
    return False


def _phone_hits(text: str, outputs: bool, contact_phones: frozenset[str]) -> list[Hit]:
    if sum(c.isdigit() for c in text) < 5:
        return []
    hits = []
    for m in PhoneNumberMatcher(text, "NO", leniency=Leniency.POSSIBLE, max_tries=10 ** 9):
        raw = m.raw_string
        if "\n" in raw or _glued(text, m.start, m.end) or _NOT_A_PHONE_RE.fullmatch(raw.strip("()")):
            continue
        nsn = phonenumbers.national_significant_number(m.number)
        explicit = _EXPLICIT_RE.match(raw) is not None  # +47, 0047, (+47): a country code written out
        if m.number.country_code == 47:
            if len(nsn) != 8 or nsn[0] not in "23456789":
                continue
        elif not (explicit and phonenumbers.is_possible_number(m.number)):
            continue
        if outputs and not (explicit or phonenumbers.is_valid_number(m.number) or nsn in contact_phones
                            or _PHONE_WORD_RE.search(text[max(0, m.start - 30):m.start])):
            continue
        hits.append(Hit("phone", m.start, m.end))
    return hits


# --------------------------------------------------------------------------- fødselsnummer
_NATIONAL_ID_RE = re.compile(r"(?<![\w])(\d{6})[ \-]?(\d{5})(?![\w])")


def looks_like_national_id(value: str) -> bool:
    """11 digits (6 + 5 with an optional space or dash) that are a valid fødselsnummer /
    D-nummer / H-nummer, or whose first six digits form a date (a mistyped one)."""
    d = digits(value)
    if len(d) != 11:
        return False
    if fodselsnummer.is_valid(d):
        return True
    day, month = int(d[0:2]), int(d[2:4])
    return (1 <= day <= 31 or 41 <= day <= 71) and (1 <= month <= 12 or 41 <= month <= 52)


def _national_id_hits(text: str) -> list[Hit]:
    return [Hit("national_id", m.start(), m.end()) for m in _NATIONAL_ID_RE.finditer(text)
            if not _glued(text, m.start(), m.end()) and looks_like_national_id(m.group(0))]


# --------------------------------------------------------------------------- detector
class Detector:
    """Finds personal data in text (see the module docstring).

    ``contacts``: the contact list (:class:`Contacts`), whose full names are looked for and
    whose numbers count as telephone numbers in any form; ``outputs``: the sensitivity for
    published outputs (bare 8-digit runs need evidence) instead of free text.
    """

    def __init__(self, contacts: Contacts | None = None, *, outputs: bool = False):
        self.contacts = contacts or Contacts()
        self.outputs = outputs
        self.names = NameIndex(self.contacts.names)
        self._phones = frozenset(k for k in (phone_key(p) for p in self.contacts.phones) if len(k) == 8)

    def find(self, text: str) -> tuple[str, list[Hit]]:
        """The repaired text and its hits (sorted, not overlapping; on overlap the longer
        wins, then e-mail before fødselsnummer before phone before name)."""
        text = repair(str(text))
        hits = _email_hits(text) + _national_id_hits(text)
        hits += _phone_hits(text, self.outputs, self._phones)
        hits += [Hit("name", s, e) for s, e in self.names.find(text)]
        rank = {k: i for i, k in enumerate(KINDS)}
        hits.sort(key=lambda h: (-(h.end - h.start), rank[h.kind], h.start))
        kept: list[Hit] = []
        for h in hits:
            if all(h.end <= k.start or h.start >= k.end for k in kept):
                kept.append(h)
        return text, sorted(kept, key=lambda h: h.start)

    def kinds(self, value: object) -> list[str]:
        """The kinds of personal data in ``value`` (empty when none)."""
        if value is None:
            return []
        return sorted({h.kind for h in self.find(str(value))[1]}, key=KINDS.index)

    def scrub(self, text: str) -> tuple[str, Counter]:
        """The repaired text with every hit masked, and the number of hits by kind."""
        fixed, hits = self.find(text)
        out, last, counts = [], 0, Counter()
        for h in hits:
            out += [fixed[last:h.start], MASKS[h.kind]]
            last = h.end
            counts[h.kind] += 1
        out.append(fixed[last:])
        return "".join(out), counts


# --------------------------------------------------------------------------- messages
def shape(value: object) -> str:
    """What a value looks like without what it says: ``11 digits``, ``6 + 5 digits``,
    ``text of 24 characters with '@'``."""
    s = str(value)
    if s.strip() == "":
        return "an empty cell"
    groups = re.findall(r"\d+", s)
    if groups and re.fullmatch(r"[\d\s.\-+()/]+", s):
        n = sum(map(len, groups))
        return f"{n} digits" if len(groups) == 1 else f"{n} digits ({' + '.join(str(len(g)) for g in groups)})"
    marks = [c for c in "@" if c in s]
    return f"text of {len(s)} characters" + (f" with {marks[0]!r}" if marks else "")


def describe(value: object, kinds: list[str] | None = None) -> str:
    """``shape`` plus what the detector took it for: ``11 digits, like a fødselsnummer/D-nummer``."""
    what = shape(value)
    if kinds:
        what += ", like " + ("an " if LABELS[kinds[0]][0] in "ae" else "a ") + LABELS[kinds[0]]
    return what


class Redacted(str):
    """A value already described by its shape; printed without quotes."""

    def __repr__(self) -> str:
        return str(self)


_DEFAULT = None


def default_detector() -> Detector:
    """A detector without a contact list (e-mail, phone, fødselsnummer)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Detector()
    return _DEFAULT


def safe_repr(value: object, *, sensitive: bool = False, detector: Detector | None = None) -> str:
    """``repr(value)`` when it may be shown, else its shape (docs/contracts.md §9).

    A value is never shown when it comes from a free-text or contact column
    (``sensitive``) or the detector flags it.
    """
    if isinstance(value, Redacted):
        return str(value)
    if value is None or isinstance(value, (int, float)):
        return repr(value)
    kinds = (detector or default_detector()).kinds(value)
    if sensitive or kinds:
        return describe(value, kinds)
    return repr(value)


def redact(text: str, detector: Detector | None = None) -> str:
    """``text`` with every piece of personal data replaced by ``<kind: shape>``."""
    fixed, hits = (detector or default_detector()).find(text)
    if not hits:
        return text
    out, last = [], 0
    for h in hits:
        out += [fixed[last:h.start], f"<{LABELS[h.kind]}: {shape(fixed[h.start:h.end])}>"]
        last = h.end
    out.append(fixed[last:])
    return "".join(out)
