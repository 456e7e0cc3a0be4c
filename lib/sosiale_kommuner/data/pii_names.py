"""Names from the contact list, found in text as full names in their common variants.

Part of the detector of personal data (:mod:`.pii`). A contact ``Anne Marie Vik`` (given
names ``Anne Marie``, surname ``Vik``, the last word) is found as

* the full name: ``Anne Marie Vik``, ``Anne-Marie Vik``; the first given name and the
  surname: ``Anne Vik``;
* with the genitive ``-s``: ``Anne Viks`` (``Anne Vik's`` leaves the ``'s``);
* surname first, with a comma: ``Vik, Anne Marie``, ``Vik, Anne``, ``Vik, A.``;
* with initials (the dot is required: a lone ``i`` or ``å`` is a Norwegian word):
  ``A. Vik``, ``A. M. Vik``, ``A.M. Vik``.

A surname or a first name alone is never a match (Strand, Vik and Per are also places and
words). Matching compares words after Unicode normalisation (NFKD, marks removed), case
folding and transliteration (``ø`` -> ``o``, ``æ`` -> ``ae``, ``aa`` -> ``a``), so
``ANNE VIK``, ``Øyvind``/``Oyvind``, ``Åsen``/``Aasen`` and decomposed (NFD) text all match.
Mojibake that ``ftfy`` cannot repair in a short text (``HÃ¥kon``) is matched too: each
name's mojibake forms (its UTF-8 bytes read as Windows-1252 or latin-1) are in the index.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

#: A word: a run of characters that are neither space nor punctuation.
WORD_RE = re.compile(r"[^\s.,;:!?()\[\]{}<>\"'«»“”‘’/\\|@–—*&+=#~^`_-]+")
_TRANSLIT = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th"})
#: separators allowed between the words of a name, after an initial, after a surname put first
_JOIN_RE = re.compile(r"\s*-?\s*")
_INITIAL_RE = re.compile(r"\.\s*")
_COMMA_RE = re.compile(r"\s*,\s*")


def fold(word: str) -> str:
    """A word for comparison: NFKD without marks, case-folded, transliterated, ``aa`` -> ``a``."""
    out = []
    for ch in word:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base.strip() else ch)
    return "".join(out).casefold().translate(_TRANSLIT).replace("aa", "a")


def words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) of every word of ``text``."""
    return [(fold(m.group(0)), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def mojibake_forms(name: str) -> set[str]:
    """``name`` as it looks when its UTF-8 bytes are read as Windows-1252 or latin-1."""
    out = set()
    for enc in ("cp1252", "latin-1"):
        try:
            out.add(name.encode("utf-8").decode(enc))
        except UnicodeDecodeError:
            continue
    out.discard(name)
    return out


class NameIndex:
    """The contact list's full names, indexed by folded surname."""

    def __init__(self, names=()):
        self.by_surname: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for name in names:
            for form in {str(name)} | mojibake_forms(str(name)):
                ws = [w for w, _, _ in words(form)]
                if len(ws) >= 2:
                    self.by_surname[ws[-1]].add(tuple(ws[:-1]))

    def __len__(self) -> int:
        return sum(map(len, self.by_surname.values()))

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans (start, end) of every reading of a contact name in ``text``; they may
        overlap (``Per Berg, per.berg@...`` reads as ``Per Berg`` and ``Berg, per``): the
        detector keeps the longest that do not overlap a longer hit."""
        if not self.by_surname:
            return []
        ws = words(text)
        spans = []
        for i, (w, _, end) in enumerate(ws):
            forms = []
            if w in self.by_surname:
                forms.append((w, False))
            if w.endswith("s") and w[:-1] in self.by_surname:
                forms.append((w[:-1], True))
            for surname, genitive in forms:
                for given in self.by_surname[surname]:
                    spans += [(start, end) for start in self._before(text, ws, i, given)]
                    if not genitive:
                        spans += [(ws[i][1], stop) for stop in self._after(text, ws, i, given)]
        return spans

    @staticmethod
    def _sep(text: str, ws, j: int, pattern: re.Pattern) -> bool:
        """Is the text between word j and word j + 1 exactly a separator of ``pattern``?"""
        return pattern.fullmatch(text[ws[j][2]:ws[j + 1][1]]) is not None

    @staticmethod
    def _initial(word, given_name: str) -> bool:
        """Is ``word`` (folded, start, end) one letter, the initial of ``given_name``?"""
        return word[2] - word[1] == 1 and word[0][:1] == given_name[:1]

    def _before(self, text, ws, i, given):
        """Starts of given names (all, the first, or initials) just before surname word i."""
        out = []
        k = len(given)
        candidates = [given] + ([given[:1]] if k > 1 else [])
        for g in candidates:
            j = i - len(g)
            if j >= 0 and tuple(w for w, _, _ in ws[j:i]) == g and all(
                    self._sep(text, ws, t, _JOIN_RE) for t in range(j, i)):
                out.append(ws[j][1])
        for n in range(1, k + 1):  # initials of the first n given names, each with its dot
            j = i - n
            if j < 0:
                break
            if all(self._initial(ws[j + t], given[t]) and self._sep(text, ws, j + t, _INITIAL_RE)
                   for t in range(n)):
                out.append(ws[j][1])
        return out

    def _after(self, text, ws, i, given):
        """Ends of ``Surname, Given`` forms after surname word i."""
        if i + 1 >= len(ws) or not self._sep(text, ws, i, _COMMA_RE):
            return []
        out = []
        for g in ([given] + ([given[:1]] if len(given) > 1 else [])):
            j = i + 1 + len(g)
            if j <= len(ws) and tuple(w for w, _, _ in ws[i + 1:j]) == g and all(
                    self._sep(text, ws, t, _JOIN_RE) for t in range(i + 1, j - 1)):
                out.append(ws[j - 1][2])
        nxt = ws[i + 1]
        if self._initial(nxt, given[0]) and nxt[2] < len(text) and text[nxt[2]] == ".":
            out.append(nxt[2] + 1)
        return out
