"""Tables for reading the way the chapters not yet converted make them (pandas Styler).

New and converted chapters use :mod:`.tables` (headers from the text layer, estimate and
interval in one cell, at most 25 rows shown, numbered captions through ``ChapterPage.table``).
This module stays for the others until they are converted:

``display(styling.table(df, percent=["estimate"], labels=..., lang="nb"))``

Displayed on its own, the table sits in a focusable scrolling box (:class:`BoxedStyler`), and
yes/no values read ``Ja``/``Nei`` (``Yes``/``No``), never ``True``/``False``.

Why a pandas :class:`~pandas.io.formats.style.Styler`: it is part of pandas (no new
dependency, pinned with pandas), it renders plain HTML tables that our inline stylesheet
styles, it hides the index, and it is deterministic once its ``uuid`` is fixed and cell
ids are off. Richer table libraries (great_tables, itables) either add JavaScript (which
the offline pages must not need) or another pinned dependency for what a few lines do
here. The numbers are formatted *here*, in Python, into strings (so ``lang`` controls
separators exactly and suppressed cells can be marked), and the Styler only adds classes:

* numbers right-aligned (class ``sk-num``; the report's CSS aligns them), with
  thousands separators (``en``: ``12,345``; ``nb``: ``12 345`` with a narrow no-break space);
* percentages with one decimal from proportions on 0–1 (``en``: ``63.2%``; ``nb``: ``63,2 %``);
* other floats with ``decimals`` (default 2), whole-number floats as integers;
* missing values as ``–``; estimates of suppressed rows (a ``suppressed`` column, see
  :mod:`disclosure`) as ``:`` with a note under the table; nullable-integer ``<NA>`` in a
  count table from :func:`disclosure.suppress_counts` with ``counts_suppressed=True``;
* column headers and category values translated by ``labels`` (a mapping from codes to
  labels in the chosen language, e.g. from ``codebook``) and ``value_labels`` (per column);
* no index, and the Styler's table id is a hash of the table's content, so a rebuild
  emits the same bytes and two different tables on one page do not share an id.
"""
from __future__ import annotations

import hashlib
import html
import math
import re
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from . import labels as names
from .disclosure import DEFAULT_K, SUPPRESSED_SYMBOL

MISSING = "–"
#: Columns a ``suppressed`` row empties (docs/contracts.md §6 estimates schema) and n_weighted.
SUPPRESSIBLE = ("estimate", "se", "ci_low", "ci_high", "n_weighted")
_SEP = {"en": (",", ".", "%"), "nb": ("\u202f", ",", "\u00a0%")}
_NOTE = {
    "en": "“{sym}”: suppressed, based on fewer than {k} respondents (or suppressed so that such a cell cannot be recovered from totals).",
    "nb": "«{sym}»: prikket, bygger på færre enn {k} respondenter (eller prikket for at slike celler ikke skal kunne regnes ut av summer).",
}


def _seps(lang: str) -> tuple[str, str, str]:
    if lang not in _SEP:
        raise ValueError(f"lang must be one of {sorted(_SEP)}, got {lang!r}")
    return _SEP[lang]


def format_number(x: Any, *, lang: str = "en", decimals: int = 2, percent: bool = False) -> str:
    """One number as printed in a table (see module doc); ``MISSING`` for NA."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    thousands, decimal, pct = _seps(lang)
    if percent:
        s = f"{100 * float(x):,.1f}"
        suffix = pct
    elif isinstance(x, (int, np.integer)) or (isinstance(x, (float, np.floating)) and float(x).is_integer() and decimals == 0):
        s = f"{int(x):,}"
        suffix = ""
    else:
        s = f"{float(x):,.{decimals}f}"
        suffix = ""
    s = s.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    if s.startswith("-"):
        s = "\u2212" + s[1:]
    return s + suffix


def _is_whole(series: pd.Series) -> bool:
    v = pd.to_numeric(series, errors="coerce").dropna()
    return bool(len(v)) and bool((v == np.round(v)).all())


def table(df: pd.DataFrame, *, lang: str = "en", percent: Iterable[str] = (),
          decimals: int | Mapping[str, int] = 2, labels: Mapping[Any, str] | None = None,
          value_labels: Mapping[str, Mapping[Any, str]] | None = None, caption: str | None = None,
          hide: Iterable[str] = (), k: int = DEFAULT_K, counts_suppressed: bool = False,
          note: str | None = None) -> Styler:
    """A reading-ready Styler of ``df`` (its index is dropped: make labels columns first).

    ``percent``: columns holding proportions on 0–1. ``decimals``: for other float columns
    (one int, or per column). ``labels``: code -> label for headers and for values of
    non-numeric columns; ``value_labels``: {column: {code: label}} (takes precedence).
    ``hide``: columns not shown (``suppressed`` is always hidden; its rows show ``:``).
    ``counts_suppressed``: ``<NA>`` in numeric columns means suppressed (show ``:``).
    """
    labels = dict(labels or {})
    value_labels = {c: dict(m) for c, m in (value_labels or {}).items()}
    percent = set(percent)
    unknown = percent - set(df.columns)
    if unknown:
        raise KeyError(f"percent columns {sorted(unknown)} not in the table; columns: {list(df.columns)}")
    data = df.reset_index(drop=True)
    sup_rows = (data["suppressed"].fillna(False).astype(bool) if "suppressed" in data.columns
                else pd.Series(False, index=data.index))
    shown = [c for c in data.columns if c not in set(hide) | {"suppressed"}]
    any_suppressed = bool(sup_rows.any())
    cells: dict[str, list[str]] = {}
    numeric: list[str] = []
    for col in shown:
        s = data[col]
        is_num = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if is_num:
            numeric.append(col)
            dec = decimals.get(col, 2) if isinstance(decimals, Mapping) else decimals
            if col not in percent and _is_whole(s):
                dec = 0
            out = []
            for i, x in enumerate(s.tolist()):
                if (sup_rows.iloc[i] and col in SUPPRESSIBLE) or (counts_suppressed and (x is pd.NA or x is None or (isinstance(x, float) and math.isnan(x)))):
                    out.append(SUPPRESSED_SYMBOL)
                    any_suppressed = True
                else:
                    out.append(format_number(x, lang=lang, decimals=dec, percent=col in percent))
            cells[col] = out
        else:
            vmap = value_labels.get(col, {})
            cells[col] = [MISSING if (x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)))
                          else names.boolean(x, lang) if isinstance(x, (bool, np.bool_)) and x not in vmap
                          else str(vmap.get(x, labels.get(x, x))) for x in s.tolist()]
    display = pd.DataFrame(cells, columns=shown)
    display.columns = [str(labels.get(c, c)) for c in shown]
    classes = pd.DataFrame([["sk-num" if c in numeric else "" for c in shown]] * len(display),
                           columns=display.columns)
    digest = hashlib.sha256(
        (repr(caption) + display.to_csv(index=False, lineterminator="\n")).encode("utf-8")
    ).hexdigest()[:10]
    styler = BoxedStyler(display, uuid=f"sk{digest}", cell_ids=False, caption=caption)
    styler.sk_lang = lang
    styler.hide(axis="index")
    styler.set_td_classes(classes)
    styler.set_table_attributes('class="sk-table"')
    styles = [{"selector": "th.col_heading", "props": [("text-align", "left")]}]
    for j, c in enumerate(shown):
        if c in numeric:
            styles.append({"selector": f"th.col_heading.col{j}", "props": [("text-align", "right")]})
            styles.append({"selector": f"td.col{j}", "props": [("text-align", "right"), ("white-space", "nowrap")]})
    styler.set_table_styles(styles)
    notes = []
    if any_suppressed:
        notes.append(_NOTE[lang].format(sym=SUPPRESSED_SYMBOL, k=k))
    if note:
        notes.append(note)
    if notes:
        # a Styler has no footer; the note is a caption line below the title
        cap = (caption + " — " if caption else "") + " ".join(notes)
        styler.set_caption(cap)
    return styler


class BoxedStyler(Styler):
    """A Styler that, displayed on its own in a notebook, sits in a box that scrolls sideways on a
    narrow screen and can take keyboard focus (``role="region"``, ``tabindex="0"``, ``aria-label``:
    its caption), like every table of :mod:`.tables`."""

    sk_lang = "nb"

    def _repr_html_(self) -> str:
        body = self.to_html()
        words = re.sub(r"<[^>]+>", "", self.caption or "").strip() or names.vocab("table.unnamed", self.sk_lang)
        return (f'<div class="sk-table-box" role="region" tabindex="0" '
                f'aria-label="{html.escape(html.unescape(words), quote=True)}">{body}</div>')


def to_html(df: pd.DataFrame, **kwargs: Any) -> str:
    """:func:`table` rendered to an HTML string (deterministic)."""
    return table(df, **kwargs).to_html()


__all__ = ["table", "to_html", "format_number", "BoxedStyler", "MISSING"]
