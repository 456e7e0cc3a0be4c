"""The pre-survey: who answered it, what they said, and how their answers agree with the
main survey for units that answered both (notebook 01).

The pre-survey went to the mapped contacts; its 161 respondents are not a probability
sample, so the chapter describes them unweighted and compares their make-up with the
population instead of weighting (a weight would need a response model nobody can check
with 161 units and no covariates beyond size and type).

Agreement of a shared question between the two surveys, on the units answering both with a
substantive answer in both ("Vet ikke" and missing excluded): percent agreement, Cohen's
kappa, and for ordered items the quadratically weighted kappa. Intervals: percentile
bootstrap over units (``n_boot`` resamples, seeded), so a chapter is deterministic.

R equivalents: ``irr::kappa2(cbind(a, b))`` and ``irr::kappa2(..., weight = "squared")``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.data import codebook as cbm

AGREEMENT_COLUMNS = ["item", "column", "type", "statistic", "estimate", "ci_low", "ci_high", "n_pairs"]


def cohen_kappa(a: np.ndarray, b: np.ndarray, k: int, weights: str | None = None) -> float:
    """Cohen's kappa of two ratings coded 0..k-1 (``weights``: None or ``"quadratic"``)."""
    a = np.asarray(a, dtype=int)
    b = np.asarray(b, dtype=int)
    n = len(a)
    if n == 0:
        return float("nan")
    obs = np.zeros((k, k))
    np.add.at(obs, (a, b), 1.0)
    obs /= n
    exp = np.outer(obs.sum(axis=1), obs.sum(axis=0))
    if weights == "quadratic":
        i, j = np.indices((k, k))
        w = ((i - j) ** 2) / max((k - 1) ** 2, 1)
    else:
        w = 1.0 - np.eye(k)
    den = (w * exp).sum()
    if den == 0:
        return float("nan")
    return float(1.0 - (w * obs).sum() / den)


def pairs(pre: pd.DataFrame, main: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, list]:
    """Substantive answers of the units in both surveys for one typed column, as level
    positions (categoricals without "Vet ikke") or 0/1 (options)."""
    both = pre[["unit_id", column]].merge(main[["unit_id", column]], on="unit_id", suffixes=("_pre", "_main"))
    a, b = both[f"{column}_pre"], both[f"{column}_main"]
    if isinstance(a.dtype, pd.CategoricalDtype):
        levels = [c for c in a.cat.categories if c != cbm.DONT_KNOW]
        ok = a.isin(levels) & b.isin(levels)
        pos = {lv: i for i, lv in enumerate(levels)}
        return (a[ok].map(pos).to_numpy(dtype=int), b[ok].map(pos).to_numpy(dtype=int), levels)
    ok = a.notna() & b.notna()
    return a[ok].astype(int).to_numpy(), b[ok].astype(int).to_numpy(), [False, True]


def agreement_table(pre: pd.DataFrame, main: pd.DataFrame, codebook: cbm.Codebook,
                    n_boot: int = 1000, seed: int = 2013) -> pd.DataFrame:
    """Agreement per shared column (columns :data:`AGREEMENT_COLUMNS`): rows with
    ``statistic`` = ``percent_agreement``, ``kappa`` and, for ordered items,
    ``weighted_kappa`` (quadratic), with bootstrap 95 % intervals."""
    rng = np.random.default_rng(seed)
    recs = []
    for it in codebook.shared_items():
        if it.area == 0 or it.type == "text":
            continue
        for col in it.columns:
            if col not in pre.columns or col not in main.columns:
                continue
            a, b, levels = pairs(pre, main, col)
            k = len(levels)
            n = len(a)
            stats = {"percent_agreement": lambda x, y: float(np.mean(x == y)) if len(x) else float("nan"),
                     "kappa": lambda x, y: cohen_kappa(x, y, k)}
            if it.is_ordered:
                stats["weighted_kappa"] = lambda x, y: cohen_kappa(x, y, k, "quadratic")
            idx = rng.integers(0, n, size=(n_boot, n)) if n else np.zeros((0, 0), dtype=int)
            for name, fn in stats.items():
                est = fn(a, b)
                boots = np.array([fn(a[i], b[i]) for i in idx]) if n else np.array([])
                boots = boots[~np.isnan(boots)]
                lo, hi = (np.quantile(boots, [0.025, 0.975]) if len(boots) else (np.nan, np.nan))
                recs.append(dict(item=it.id, column=col, type=it.type, statistic=name, estimate=est,
                                 ci_low=float(lo), ci_high=float(hi), n_pairs=n))
    return pd.DataFrame(recs, columns=AGREEMENT_COLUMNS)


def distribution(df: pd.DataFrame, codebook: cbm.Codebook, items: list[str], lang: str = "en") -> pd.DataFrame:
    """Unweighted distribution of categorical items and options among respondents, by unit
    type: ``item, level, label, unit_type, n, share`` (share of substantive answers;
    "Vet ikke" as share of all answers)."""
    recs = []
    for iid in items:
        it = codebook.item(iid)
        for ut in config.UNIT_TYPES:
            sub = df[df["unit_type"] == ut]
            if it.is_multiple:
                for o in it.options:
                    s = sub[o.column].dropna()
                    recs.append(dict(item=iid, level=o.key, label=o.label(lang), unit_type=ut, n=len(s),
                                     share=float(s.astype(bool).mean()) if len(s) else np.nan))
                continue
            s = sub[iid].dropna()
            subst = s[s != cbm.DONT_KNOW]
            for key in it.substantive_keys:
                recs.append(dict(item=iid, level=key, label=it.level_label(key, lang), unit_type=ut, n=len(subst),
                                 share=float((subst == key).mean()) if len(subst) else np.nan))
            if it.has_dont_know:
                recs.append(dict(item=iid, level=cbm.DONT_KNOW, label=codebook.dont_know_label(lang), unit_type=ut,
                                 n=len(s), share=float((s == cbm.DONT_KNOW).mean()) if len(s) else np.nan))
    return pd.DataFrame(recs)
