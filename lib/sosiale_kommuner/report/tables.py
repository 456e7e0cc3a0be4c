"""Tables for readers: words for codes, estimate and interval in one cell, at most ~25 rows shown.

A chapter describes each shown column once and hands the :class:`Table` to
:meth:`ChapterPage.table <sosiale_kommuner.report.editions.ChapterPage.table>`, which adds
the numbered caption::

    from sosiale_kommuner.report import labels, tables
    cols = [
        tables.text("label", header="item"),                                   # words already
        tables.coded("test", labels.test_name),                                # rao_scott_f -> words
        tables.estimate("effect_size", "effect_ci_low", "effect_ci_high", fmt="pp", header="effect"),
        tables.number("p_adjusted", fmt="p"),
        tables.number("n", fmt="int"),
    ]
    page.table(lambda lang: tables.Table(sig, lang, cols, page="09_size_differences"),
               label="significant", source="tests")
    # long tables: one table per area ...
    for area, part in tables.split_rows(sig, by="area"):
        page.table(lambda lang, part=part: tables.Table(part, lang, cols), label=f"sig_{area}",
                   caption="significant_area", area=...)
    # ... or the first 25 rows shown and the rest behind "Vis de øvrige 71 radene" (<details>).

What a reader sees:

* **Headers** come from the text layer: the chapter's ``header.<key>`` if it has one, else
  ``tables.yaml`` (``header.p_adjusted`` -> ``Justert p-verdi``); a column with neither is an
  error naming the file to add it to, so no machine name reaches a page.
* **Values**: numbers in the reader's locale through :mod:`.text.formats` (``fmt`` is a
  format name: ``int``, ``num2``, ``pct``, ``pp``, ``p``, ``signed2`` ...); an estimate and its
  95 % interval in one cell, ``81 % (76–86)`` / ``81% (76–86)``, ``+12 (3–21)``, ``−5 (−12 til 2)``;
  yes/no as ``Ja``/``Nei`` (never ``True``); codes through a namer (``labels.test_name``, a
  codebook label, ...); missing values as ``–``.
* **Suppressed** rows (a ``suppressed`` column, docs/methods.md §10) show ``:`` in their
  estimate cells, with the note under the table.
* **Length**: at most :data:`MAX_ROWS` rows are shown; the rest wait behind a ``<details>``
  (a second table, captioned "(fortsatt)" / "(continued)"). :func:`split_rows` cuts a long
  table into parts by a column (the questionnaire area) instead.
* **Width**: each table sits in its own box that scrolls sideways on a narrow screen and can
  take keyboard focus (``role="region"``, ``tabindex="0"``, ``aria-label``); the page itself
  never scrolls sideways (``templates/sk_report/tables.css``).

Why not great_tables (README, "Dependency notes"): its Norwegian percent is ``81%`` (not
``81 %``), its title is a cell of the header (not a ``<caption>``), every table carries about
10 kB of CSS of which two rules are not scoped to the table and restyle every table on the
page, and the estimate-with-interval cells and suppression marks would still be ours.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import pandas as pd

from . import labels
from .disclosure import DEFAULT_K, ESTIMATE_VALUE_COLUMNS, SUPPRESSED_SYMBOL
from .text import formats

#: The most rows a table or figure shows at once.
MAX_ROWS = 25
MISSING = formats.EN_DASH
_NUMERIC_KINDS = ("number", "estimate")


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) or (
        not isinstance(x, str) and pd.api.types.is_scalar(x) and pd.isna(x))


def _bounds_text(lo: Any, hi: Any, fmt: str, lang: str) -> str:
    """``lo–hi`` in the format of the estimate (``76–86``), ``−3 til 21`` when a limit is negative."""
    name = fmt.rstrip("0123456789")
    digits = fmt[len(name):]
    if name in ("pct", "pctn", "pp"):
        d = int(digits) if digits else 0
        a, b = formats.percent(lo, d, lang, sign=False), formats.percent(hi, d, lang, sign=False)
    else:
        d = int(digits) if digits else 2
        a, b = formats.number(lo, d, lang), formats.number(hi, d, lang)
    negative = float(lo) < 0 or float(hi) < 0
    sep = f" {labels.vocab('interval.to', lang)} " if negative else formats.EN_DASH
    return f"{a}{sep}{b}"


def estimate_text(est: Any, lo: Any = None, hi: Any = None, fmt: str = "pct", lang: str = "nb") -> str:
    """An estimate and its interval in one cell: ``81 % (76–86)`` (``fmt="pct"``, proportions),
    ``+12 (3–21)`` (``"pp"``, a difference of proportions in points), ``3,42 (3,10–3,74)``
    (``"num2"``), ``+0,25 (−0,10 til 0,60)`` (``"signed2"``); ``–`` when the estimate is missing."""
    if _missing(est):
        return MISSING
    head = formats.fmt(est, fmt, lang)
    if lo is None or hi is None or _missing(lo) or _missing(hi):
        return head
    return f"{head} ({_bounds_text(lo, hi, fmt, lang)})"


@dataclass(frozen=True)
class Column:
    """How one shown column is made: ``kind`` is ``text``, ``coded``, ``yes_no``, ``number`` or
    ``estimate``; ``header`` the text key of its header (default: ``name``)."""

    name: str
    kind: str = "text"
    header: str | None = None
    fmt: str = ""
    low: str | None = None
    high: str | None = None
    namer: Callable[[Any, str], str] | None = None

    def cell(self, row: pd.Series, lang: str) -> str:
        x = row[self.name]
        if self.kind == "estimate":
            return estimate_text(x, row[self.low] if self.low else None, row[self.high] if self.high else None,
                                 self.fmt, lang)
        if _missing(x):
            return MISSING
        if self.kind == "number":
            return formats.fmt(x, self.fmt or "num2", lang)
        if self.kind == "yes_no":
            return labels.boolean(x, lang)
        if self.kind == "coded":
            return str(self.namer(x, lang))
        if isinstance(x, bool) or type(x).__name__ == "bool_":
            return labels.boolean(x, lang)
        if isinstance(x, float):
            raise TypeError(f"column {self.name!r} holds numbers: describe it with tables.number(...)")
        return str(x)


def text(name: str, header: str | None = None) -> Column:
    """A column of words as they are (labels already in the reader's language)."""
    return Column(name, "text", header)


def coded(name: str, namer: Callable[[Any, str], str], header: str | None = None) -> Column:
    """A column of codes named by ``namer(code, lang)`` (``labels.test_name``, ``labels.comparison``,
    ``lambda c, lang: labels.group("size_class", c, lang)``, ...)."""
    return Column(name, "coded", header, namer=namer)


def yes_no(name: str, header: str | None = None) -> Column:
    """A yes/no column: ``Ja``/``Nei`` / ``Yes``/``No``."""
    return Column(name, "yes_no", header)


def number(name: str, fmt: str = "num2", header: str | None = None) -> Column:
    """A number in a format of :mod:`.text.formats` (``int``, ``num2``, ``pct1``, ``p``, ``pp``, ...)."""
    formats.fmt(0.5, fmt, "nb")  # an unknown format fails here, not on the page
    return Column(name, "number", header, fmt=fmt)


def estimate(name: str, low: str, high: str, fmt: str = "pct", header: str | None = None) -> Column:
    """An estimate with its interval in one cell (``81 % (76–86)``); see :func:`estimate_text`."""
    formats.fmt(0.5, fmt, "nb")
    return Column(name, "estimate", header or ("share" if fmt.startswith("pct") else "estimate"), fmt=fmt,
                  low=low, high=high)


def split_rows(df: pd.DataFrame, by: str | None = None, max_rows: int = MAX_ROWS) -> Iterator[tuple[Any, pd.DataFrame]]:
    """Parts of ``df`` for one table or figure each: by the values of ``by`` (in order of first
    appearance), and any part longer than ``max_rows`` cut into near-equal consecutive pieces.
    Yields ``(key, part)``: ``key`` is the value of ``by`` (``None`` without ``by``), with a
    piece number (``(key, 2)``) when a part had to be cut."""
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    groups = ([(None, df)] if by is None else
              [(k, df[df[by] == k]) for k in dict.fromkeys(df[by].tolist())])
    for key, part in groups:
        pieces = max(1, math.ceil(len(part) / max_rows))
        if pieces == 1:
            yield key, part
            continue
        size = math.ceil(len(part) / pieces)
        for i in range(pieces):
            yield (key, i + 1), part.iloc[i * size:(i + 1) * size]


class Table:
    """A table for reading in ``lang`` (see the module docstring).

    ``columns``: the shown columns (:func:`text`, :func:`coded`, :func:`yes_no`, :func:`number`,
    :func:`estimate`). ``page``: the chapter whose ``header.*`` texts come first. ``max_rows``:
    rows shown before the rest go behind a ``<details>``. ``suppressed``: the column marking
    suppressed rows (their estimate and number cells show ``:``). ``notes``: ``tables.yaml``
    ``note.*`` keys to print under the table (``{"dont_know": {}}``).
    """

    def __init__(self, df: pd.DataFrame, lang: str, columns: Sequence[Column], *, page: str | None = None,
                 max_rows: int = MAX_ROWS, suppressed: str | None = "suppressed", k: int = DEFAULT_K,
                 notes: dict[str, dict] | Sequence[str] = ()):
        self.lang = lang
        self.columns = list(columns)
        if not self.columns:
            raise ValueError("a table needs at least one column")
        missing = [c for col in self.columns for c in (col.name, col.low, col.high) if c and c not in df.columns]
        if missing:
            raise KeyError(f"columns {missing} are not in the table; it has {list(df.columns)}")
        self.headers = [labels.header(c.header or c.name, lang, page) for c in self.columns]
        self.notes = dict(notes) if isinstance(notes, dict) else {key: {} for key in notes}
        data = df.reset_index(drop=True)
        sup = (data[suppressed].fillna(False).astype(bool) if suppressed and suppressed in data.columns
               else pd.Series(False, index=data.index))
        self.rows: list[list[str]] = []
        for i, row in data.iterrows():
            cells = []
            for c in self.columns:
                if sup.iloc[i] and (c.kind == "estimate" or c.name in ESTIMATE_VALUE_COLUMNS):
                    cells.append(SUPPRESSED_SYMBOL)
                else:
                    cells.append(c.cell(row, lang))
            self.rows.append(cells)
        if sup.any():
            self.notes.setdefault("suppressed", {"k": k})
        self.max_rows = max_rows

    def __len__(self) -> int:
        return len(self.rows)

    def _table(self, rows: list[list[str]], caption: str) -> str:
        head = "".join(f'<th scope="col"{self._cls(j)}>{html.escape(h)}</th>' for j, h in enumerate(self.headers))
        body = "".join(
            "<tr>" + "".join((f'<th scope="row">{html.escape(v)}</th>' if j == 0 and not self._cls(0) else
                              f"<td{self._cls(j)}>{html.escape(v)}</td>") for j, v in enumerate(r)) + "</tr>"
            for r in rows)
        return (f'<table class="sk-table"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def _cls(self, j: int) -> str:
        return ' class="sk-num"' if self.columns[j].kind in _NUMERIC_KINDS else ""

    def note_html(self) -> str:
        """The notes under the table (``tables.yaml`` ``note.*``), or ``""``."""
        if not self.notes:
            return ""
        words = " ".join(labels.vocab(f"note.{key}", self.lang, **values) for key, values in self.notes.items())
        return f'<p class="sk-table-note">{html.escape(words)}</p>'

    def html(self, caption: str = "", label: str = "", anchor: str = "") -> str:
        """The table in its scrolling box; ``caption`` is HTML (the numbered caption), ``label``
        its plain words for the box's ``aria-label``, ``anchor`` the box's id."""
        ident = f' id="{html.escape(anchor)}"' if anchor else ""
        name = html.escape(label, quote=True)

        def box(rows: list[list[str]], cap: str, extra: str = "", aria: str = name) -> str:
            return (f'<div class="sk-table-box"{extra} role="region" tabindex="0" aria-label="{aria}">'
                    f"{self._table(rows, cap)}</div>")

        if not self.rows:
            return (box([], caption, ident) + f'<p class="sk-table-note">{html.escape(labels.vocab("table.empty", self.lang))}</p>')
        shown, rest = self.rows[: self.max_rows], self.rows[self.max_rows:]
        out = box(shown, caption, ident)
        if rest:
            more = labels.vocab("table.more_rows", self.lang, n=len(rest))
            cont = labels.vocab("table.continued", self.lang)
            out += (f'<details class="sk-more"><summary>{html.escape(more)}</summary>'
                    + box(rest, f"{caption} {html.escape(cont)}", aria=f"{name} {html.escape(cont)}")
                    + "</details>")
        return out + self.note_html()

    def _repr_html_(self) -> str:  # a Table displayed on its own in a notebook
        return self.html()


def render(df: pd.DataFrame, lang: str, columns: Sequence[Column], **kwargs: Any) -> str:
    """A :class:`Table` as HTML without a numbered caption (for scratch work in JupyterLab)."""
    return Table(df, lang, columns, **kwargs).html()


__all__ = ["Table", "Column", "text", "coded", "yes_no", "number", "estimate", "estimate_text", "split_rows",
           "render", "MAX_ROWS", "MISSING"]
