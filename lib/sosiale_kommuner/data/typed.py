"""The typed-column convention of the processed data, implemented once.

Typed data (``data/processed/responses.parquet`` and the generator's in-memory tables)
follow one convention, implemented by :func:`to_typed`:

* ``single`` / ``likert5`` items -> a pandas ``Categorical`` whose categories are the
  language-independent level *keys* of the codebook (``"very_small"`` ... ``"very_large"``)
  followed by ``"dont_know"`` where the item has "Vet ikke". Likert items and items marked
  ``ordered`` are *ordered* categoricals; "Vet ikke" is then the last category, so drop it
  before any ordering comparison: use :func:`likert_scores` (1-5, NaN for "Vet ikke" and
  missing) or :attr:`.codebook.Item.substantive_keys`. Missing (not answered, not shown) is NA —
  never a category — so "Vet ikke" stays apart from missing (docs/contracts.md §5).
* ``multiple`` items -> one nullable-boolean column per option, named
  ``<item>__<option key>`` (NA when the question was not shown or left wholly blank).
* ``integer`` / ``year`` -> ``Int64``; ``number`` -> ``Float64``; ``text`` -> ``string``.

The matching R idiom: ``factor(x, levels = codes, labels = keys, ordered = TRUE)``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .codebook import DONT_KNOW, Codebook, CodebookError


def to_typed(coded: pd.DataFrame, codebook: Codebook, survey: str = "main",
             keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Convert a *coded* table (numeric codes; NaN = missing) to typed columns.

    ``coded`` has one column per typed column name (``<item>`` or ``<item>__<option>``,
    options coded 1/0). Categorical items become categoricals of level keys ("Vet ikke"
    its own category), options nullable booleans, numbers ``Int64``/``Float64``, text
    ``string``. Columns in ``keep`` are passed through first, unchanged. Codes outside the
    codebook raise :class:`CodebookError`.
    """
    out: dict[str, pd.Series | np.ndarray] = {k: coded[k] for k in keep}
    idx = coded.index
    for it in codebook.items(survey=survey):
        for col in it.columns:
            if col not in coded.columns:
                continue
            s = coded[col]
            if it.is_categorical:
                vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
                cmap = it.code_to_key
                keys = it.level_keys
                codes = np.full(len(vals), -1, dtype="int64")
                for code, key in cmap.items():
                    codes[vals == code] = keys.index(key)
                bad = ~np.isnan(vals) & (codes < 0)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise CodebookError(f"column {col!r}, row {i}: code {vals[i]:g} not in {sorted(cmap)}")
                out[col] = pd.Categorical.from_codes(codes, dtype=it.dtype)
            elif it.is_multiple:
                vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
                bad = ~np.isnan(vals) & ~np.isin(vals, (0.0, 1.0))
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise CodebookError(f"column {col!r}, row {i}: option code {vals[i]:g} not 0/1")
                arr = pd.array(np.where(np.isnan(vals), False, vals == 1.0), dtype="boolean")
                arr[np.isnan(vals)] = pd.NA
                out[col] = arr
            elif it.type in ("integer", "year"):
                out[col] = pd.array(pd.to_numeric(s, errors="coerce").round(), dtype="Int64")
            elif it.type == "number":
                out[col] = pd.array(pd.to_numeric(s, errors="coerce"), dtype="Float64")
            else:
                out[col] = s.astype("string")
    return pd.DataFrame(out, index=idx)


def likert_scores(series: pd.Series) -> pd.Series:
    """Scores 1..k of an ordered categorical item; NaN for "Vet ikke" and missing.

    The R equivalent: ``as.numeric(droplevels(factor(x, exclude = "dont_know")))``.
    """
    if not isinstance(series.dtype, pd.CategoricalDtype):
        raise TypeError("likert_scores expects a categorical column from to_typed")
    cats = [c for c in series.cat.categories if c != DONT_KNOW]
    codes = series.cat.codes.to_numpy()
    score = np.where((codes >= 0) & (codes < len(cats)), codes + 1.0, np.nan)
    # dont_know is always the last category, so codes == len(cats) only for it
    return pd.Series(score, index=series.index, name=series.name)


def is_dont_know(series: pd.Series) -> pd.Series:
    """True where a categorical column holds "Vet ikke" (False for missing)."""
    return (series == DONT_KNOW).fillna(False).astype(bool)
