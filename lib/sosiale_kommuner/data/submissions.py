"""One submission per unit: which of several submissions for a unit is kept, and why.

The rule (docs/contracts.md §5): of several submissions for one unit the most complete is
kept (most answered item columns); among equally complete ones the latest by last-changed
time (``Sist endret``), where a missing time counts as the earliest, never the latest; then
the later start time (``Startet``, missing = earliest); then the later row of the file.

:func:`choose_submissions` applies it and says, for every unit that had more than one, which
criterion decided: the first on which the kept submission beats the best of the others.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: The criteria in order, as the cleaning log names them.
CRITERIA = {
    "complete": "most complete",
    "submitted": "latest 'Sist endret'",
    "started": "latest 'Startet'",
    "pos": "later in the file",
}


def _time_key(values) -> np.ndarray:
    """Timestamps as sortable numbers; a missing time is the earliest (-inf)."""
    out = np.full(len(values), -np.inf)
    for i, v in enumerate(values):
        if v is not None and not pd.isna(v):
            out[i] = pd.Timestamp(v).value
    return out


def choose_submissions(sub: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the rule to ``sub`` (one row per submission: ``pos`` (file order), ``unit_id``,
    ``complete`` (answered items), ``submitted`` and ``started`` (timestamps or None)).

    Returns ``(kept, decisions)``: the kept rows (one per unit, in ``sub``'s columns), and one
    row per unit with more than one submission — ``unit_id, kept_pos, dropped_pos (list),
    submissions, rule`` (the criterion that decided, a key of :data:`CRITERIA`) and
    ``undated`` (how many of its submissions had no ``Sist endret``).
    """
    s = sub.copy()
    s["_submitted"] = _time_key(s["submitted"].tolist())
    s["_started"] = _time_key(s["started"].tolist())
    keys = ["complete", "_submitted", "_started", "pos"]
    s = s.sort_values(["unit_id", *keys], kind="stable")
    kept = s.drop_duplicates("unit_id", keep="last")
    decisions = []
    for uid, g in s.groupby("unit_id", sort=True):
        if len(g) < 2:
            continue
        best, second = g.iloc[-1], g.iloc[-2]
        rule = next(k.lstrip("_") for k in keys if best[k] != second[k])
        decisions.append({"unit_id": uid, "kept_pos": int(best["pos"]),
                          "dropped_pos": [int(p) for p in g["pos"].iloc[:-1]], "submissions": len(g),
                          "rule": rule, "undated": int(np.isinf(g["_submitted"]).sum())})
    cols = ["unit_id", "kept_pos", "dropped_pos", "submissions", "rule", "undated"]
    return kept[sub.columns].reset_index(drop=True), pd.DataFrame(decisions, columns=cols)
