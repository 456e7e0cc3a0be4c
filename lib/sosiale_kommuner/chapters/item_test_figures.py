"""How chapter 09 shows the item tests: readable labels, summary counts, the forest figure.

The tests themselves are :mod:`sosiale_kommuner.chapters.item_tests` (which re-exports these
helpers, so ``item_tests.forest`` and friends keep working).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner.data.codebook import Codebook

#: Significance level of the chapter's tests (also :data:`item_tests.ALPHA`).
ALPHA = 0.05


MEASURE_LABELS = {
    "en": {"diff_prop": "difference in proportion (percentage points)",
           "diff_mean_score": "difference in mean score (1–5)", "diff_mean": "difference in mean"},
    "nb": {"diff_prop": "differanse i andel (prosentpoeng)",
           "diff_mean_score": "differanse i gjennomsnittsskår (1–5)", "diff_mean": "differanse i gjennomsnitt"},
}


def label_rows(df: pd.DataFrame, codebook: Codebook, lang: str = "en") -> pd.Series:
    """Readable label of each row's column (item label, ": option" for options, and the
    effect level for single-choice items), from the codebook in ``lang``."""
    out = []
    for item, measure in zip(df["item"], df["effect_measure"]):
        lab = codebook.label(item, lang)
        base = str(measure).split(" [")[0]
        if base.startswith("diff_prop:") and "__" not in item:
            lev = base.split(":", 1)[1]
            lab = f"{lab} = {codebook.level_label(item, lev, lang)}"
        out.append(lab)
    return pd.Series(out, index=df.index)


def summary_counts(tests: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Per comparison: columns analysed, tested, not testable, rejected at ``alpha`` before and
    after Benjamini-Hochberg."""
    rows = []
    for cmp, d in tests.groupby("comparison", sort=False):
        tested = d["p_value"].notna()
        rows.append(dict(comparison=cmp, columns=len(d), tested=int(tested.sum()),
                         not_testable=int((~tested).sum()),
                         significant_raw=int((d["p_value"] < alpha).sum()),
                         significant_bh=int((d["p_adjusted"] < alpha).sum())))
    return pd.DataFrame(rows)


def forest(df: pd.DataFrame, labels: pd.Series, title: str, xlabel: str, alpha: float = ALPHA,
           max_rows: int | None = None, scale: float = 1.0):
    """Forest-style figure: each row's effect with its interval, BH-significant rows filled.

    ``df`` holds ``effect_size, effect_ci_low, effect_ci_high, p_adjusted``; rows are drawn
    in the given order (top to bottom); ``scale`` multiplies effects (100 for percentage
    points). Returns the matplotlib figure (show it with :func:`plots.show`).
    """
    import matplotlib.pyplot as plt

    d = df.copy()
    d["label"] = labels
    if max_rows is not None:
        d = d.head(max_rows)
    n = len(d)
    fig, ax = plt.subplots(figsize=(8.0, max(2.5, 0.26 * n + 1.2)))
    y = np.arange(n)[::-1]
    sig = (d["p_adjusted"] < alpha).to_numpy()
    est = d["effect_size"].to_numpy() * scale
    lo = d["effect_ci_low"].to_numpy() * scale
    hi = d["effect_ci_high"].to_numpy() * scale
    ax.hlines(y, lo, hi, color="0.45", lw=1.4)
    ax.scatter(est[~sig], y[~sig], s=28, facecolor="white", edgecolor="0.25", zorder=3,
               label="not significant after BH")
    ax.scatter(est[sig], y[sig], s=30, color="C3", zorder=3, label=f"BH-adjusted p < {alpha:g}")
    ax.axvline(0, color="0.2", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([str(s)[:70] for s in d["label"]], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    fig.tight_layout()
    return fig


__all__ = ["MEASURE_LABELS", "label_rows", "summary_counts", "forest", "ALPHA"]
