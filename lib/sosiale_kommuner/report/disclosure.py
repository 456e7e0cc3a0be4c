"""Disclosure control for published tables: small cells are suppressed and marked.

Rules (issue 7; ``k`` is a parameter, default 3):

**Estimates** (the ``estimates`` schema of docs/contracts.md §6), :func:`suppress_estimates`:

* ``n_unweighted`` is the estimate's *base*: the number of respondents in the group who
  answered the item (the denominator of a proportion, the respondents averaged for a
  mean) — not the number choosing a level. All levels of a categorical item in one group
  share that base and are therefore suppressed together ("per group").
* *Primary suppression*: every row of (item, domain, group) whose smallest
  ``n_unweighted`` is below ``k`` (including 0).
* *Secondary suppression*: the groups of one domain partition the population, and the
  ``all`` row (published in the same table or another) and the groups' sizes are known,
  so a single suppressed group could be recovered by subtraction. Therefore, within each
  (item, domain), when exactly one group is suppressed, the next-smallest group
  (smallest base, ties by group label) is suppressed too. (Two or more suppressed groups
  cannot be separated from totals.) Totals are assumed to exist even when the table does
  not contain the ``all`` row, because another table may publish it. Groups with no
  respondents (base 0) have nothing to protect and cannot protect another. The
  ``unit_type`` domain gets no secondary suppression: municipalities and county
  municipalities are separate populations, never combined in one published estimate
  (``all`` means municipalities), so no total reveals one from the other.
* A suppressed row keeps ``item, area, level, domain, group, n_unweighted`` and gets
  ``suppressed = True``; ``estimate, se, ci_low, ci_high, df`` *and* ``n_weighted`` are
  emptied (``n_weighted`` may be a weighted level count, from which the estimate follows).
* *County municipalities are shown overall, not split further*: a row that describes
  county municipalities within another domain (``domain`` other than ``unit_type`` or
  ``all`` and a ``group`` mentioning ``fylkeskommune``, or ``domain == "unit_type"`` with a
  group other than exactly ``kommune``/``fylkeskommune``/``all``) is rejected with
  :class:`DisclosureError` (``county_split="raise"``, the default used by
  ``tables.write_result``) or dropped (``county_split="drop"``). Chapters compute the
  ``size_class``, ``region`` and ``centrality`` domains over municipalities only; counties
  appear only as the ``unit_type = fylkeskommune`` group.

**Frequency tables** (counts), :func:`suppress_counts`:

* a count ``0 < n < k`` is suppressed (zeros are structural and kept: 0 discloses
  nothing about a respondent's answer that the row total does not);
* secondary suppression, repeated until stable: in every row and every column of the
  body (margins excluded) that has exactly one suppressed cell, the smallest remaining
  cell (non-zero first) is suppressed too. Rows are lines only when the table has more
  than one column, columns only when it has more than one row;
* margin cells (``margins=True``: the last row and column hold totals) are suppressed
  when below ``k``;
* the result has nullable integer columns with ``<NA>`` in the suppressed cells; the
  report renders them as ":" (Statistics Norway's symbol for "suppressed to avoid
  disclosure").
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

DEFAULT_K = 3
ESTIMATE_VALUE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "df", "n_weighted")
SUPPRESSED_SYMBOL = ":"
COUNTY = "fylkeskommune"
_UNIT_TYPE_GROUPS = ("kommune", "fylkeskommune", "all")
#: Domains without a published total across their groups (see suppress_estimates).
SEPARATE_DOMAINS = ("unit_type",)


class DisclosureError(ValueError):
    """A table would publish something disclosure control forbids."""


def _check_k(k: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer (respondents), got {k!r}")
    return int(k)


def county_split_rows(df: pd.DataFrame) -> pd.Series:
    """Boolean mask of rows that split county municipalities by another domain."""
    dom = df["domain"].astype(str)
    grp = df["group"].astype(str)
    mentions = grp.str.contains(COUNTY, case=False, regex=False) | grp.str.contains("county", case=False, regex=False)
    crossed = ~dom.isin(["unit_type", "all"]) & mentions
    odd_unit = (dom == "unit_type") & ~grp.isin(_UNIT_TYPE_GROUPS)
    return crossed | odd_unit


def suppress_estimates(df: pd.DataFrame, k: int = DEFAULT_K, *,
                       county_split: Literal["raise", "drop"] = "raise",
                       separate_domains: tuple[str, ...] = SEPARATE_DOMAINS) -> pd.DataFrame:
    """Apply primary and secondary suppression to an ``estimates`` table (see module doc).

    ``separate_domains``: domains whose groups are separate populations with no published
    combined total (``unit_type``: municipalities and county municipalities are never mixed
    in one estimate), so they get primary suppression only.

    Returns a new frame with the same columns and row order (less dropped county splits).
    """
    k = _check_k(k)
    need = {"item", "domain", "group", "n_unweighted", "estimate", "se", "ci_low", "ci_high"}
    missing = sorted(need - set(df.columns))
    if missing:
        raise DisclosureError(f"estimates table lacks columns {missing} needed for disclosure control")
    out = df.copy()
    bad = county_split_rows(out)
    if bad.any():
        if county_split == "drop":
            out = out.loc[~bad]
        else:
            first = out.loc[bad].iloc[0]
            raise DisclosureError(
                f"{int(bad.sum())} row(s) split county municipalities further "
                f"(first: item={first['item']!r}, domain={first['domain']!r}, group={first['group']!r}); "
                "county municipalities are shown overall only: compute size_class/region/centrality "
                "over municipalities, or pass county_split='drop'")
    n = pd.to_numeric(out["n_unweighted"], errors="coerce")
    if n.isna().any():
        row = n.index[n.isna()][0]
        raise DisclosureError(f"row {row}: n_unweighted is missing; every estimate needs its base")
    already = out["suppressed"].fillna(False).astype(bool) if "suppressed" in out else pd.Series(False, index=out.index)

    item_key = out["item"].astype(str)
    dom = out["domain"].astype(str)
    grp = out["group"].astype(str)
    base = n.groupby([item_key, dom, grp]).transform("min")
    suppress = (base < k) | already
    # a group with any suppressed row is suppressed as a whole (all levels go together)
    suppress = suppress.groupby([item_key, dom, grp]).transform("any")

    for (item, domain), idx in out.groupby([item_key, dom]).groups.items():
        if domain == "all" or domain in separate_domains:
            continue
        groups = pd.DataFrame({"group": grp[idx], "base": base[idx], "sup": suppress[idx]})
        per = groups.groupby("group").agg(base=("base", "min"), sup=("sup", "any")).reset_index()
        # a group without respondents reveals nothing and hides nothing
        protect = per["sup"] & (per["base"] > 0)
        candidates = per.loc[~per["sup"] & (per["base"] > 0)].sort_values(["base", "group"], kind="mergesort")
        if int(protect.sum()) != 1 or candidates.empty:
            continue
        victim = candidates.iloc[0]["group"]
        suppress.loc[idx[grp[idx] == victim]] = True

    for col in ESTIMATE_VALUE_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype("float64") if pd.api.types.is_numeric_dtype(out[col]) else out[col]
            out.loc[suppress, col] = np.nan
    out["suppressed"] = suppress.astype(bool)
    return out


def suppress_counts(table: pd.DataFrame, k: int = DEFAULT_K, *, margins: bool = False) -> pd.DataFrame:
    """Suppress small counts of a frequency table (rows x columns of counts); see module doc.

    ``margins=True`` means the last row and the last column are totals (as from
    ``pd.crosstab(..., margins=True)``). Returns nullable ``Int64`` columns with ``<NA>``
    where a cell is suppressed.
    """
    k = _check_k(k)
    values = table.apply(pd.to_numeric, errors="raise")
    arr = values.to_numpy(dtype="float64")
    if np.isnan(arr).any():
        raise DisclosureError("frequency table has missing counts; fill structural zeros with 0")
    if (arr < 0).any() or (arr != np.round(arr)).any():
        raise DisclosureError("frequency table must hold non-negative whole counts")
    nr, nc = arr.shape
    body_r = nr - 1 if margins else nr
    body_c = nc - 1 if margins else nc
    sup = (arr > 0) & (arr < k)
    body = arr[:body_r, :body_c]
    bsup = sup[:body_r, :body_c]

    def lines():
        if body_c > 1:
            for i in range(body_r):
                yield (i, slice(None))
        if body_r > 1:
            for j in range(body_c):
                yield (slice(None), j)

    changed = True
    while changed:
        changed = False
        for line in lines():
            s = bsup[line]
            if int(s.sum()) != 1:
                continue
            vals = body[line]
            free = np.flatnonzero(~s)
            if free.size == 0:
                continue
            # smallest non-zero first, then zeros; ties by position (deterministic)
            order = sorted(free, key=lambda t: (vals[t] == 0, vals[t], t))
            pos = order[0]
            if isinstance(line[0], slice):
                bsup[pos, line[1]] = True
            else:
                bsup[line[0], pos] = True
            changed = True
    sup[:body_r, :body_c] = bsup
    out = values.astype("Int64")
    out = out.mask(pd.DataFrame(sup, index=values.index, columns=values.columns))
    return out


__all__ = ["suppress_estimates", "suppress_counts", "county_split_rows", "DisclosureError",
           "DEFAULT_K", "SUPPRESSED_SYMBOL"]
