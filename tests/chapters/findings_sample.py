"""Hand-made published estimates tables for the tests of the findings chapters 04–08
(chapters.findings_text, findings_items, findings_plots): rows written out here, in the
schema of docs/contracts.md §6, so every expected value in the tests can be read off them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner.report import results

SIZES = ("< 5 000", "5 000–19 999", "≥ 20 000")
ALL = ("all", "all")
COUNTY = ("unit_type", "fylkeskommune")
SIZE_GROUPS = tuple(("size_class", s) for s in SIZES)
GROUPS = (ALL, *SIZE_GROUPS, COUNTY)


def row(item, level, group, est, lo, hi, n, df=None, area=8, suppressed=False):
    """One row; ``df`` defaults to the rule of docs/contracts.md §7 for one stratum (n − 1)."""
    domain, code = group
    if suppressed:
        est = lo = hi = df = np.nan
    return dict(item=item, area=area, level=level, domain=domain, group=code, estimate=est, se=np.nan,
                ci_low=lo, ci_high=hi, df=(n - 1 if df is None else df), n_unweighted=n,
                n_weighted=np.nan if suppressed else float(n), suppressed=suppressed)


def table(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=results.ESTIMATES_COLUMNS)


def collaborates() -> list[dict]:
    """a8_collaborates (yes/no, "Vet ikke"): shares, bases and intervals written out.

    Municipalities: yes 0.334 (0.29–0.38) of 183, "Vet ikke" 0.057 (0.03–0.10) of 191.
    Size classes (yes): 0.31, 0.42, 0.25; county municipalities: yes 0.5 (0.22–0.78) of 10.
    """
    out = [row("a8_collaborates", "yes", ALL, 0.334, 0.29, 0.38, 183, df=180),
           row("a8_collaborates", "no", ALL, 0.666, 0.62, 0.71, 183, df=180),
           row("a8_collaborates", "dont_know", ALL, 0.057, 0.03, 0.10, 191, df=188)]
    for g, yes, n in zip(SIZE_GROUPS, (0.31, 0.42, 0.25), (66, 77, 40)):
        out += [row("a8_collaborates", "yes", g, yes, yes - 0.1, yes + 0.1, n),
                row("a8_collaborates", "no", g, 1 - yes, 0.9 - yes, 1.1 - yes, n),
                row("a8_collaborates", "dont_know", g, 0.05, 0.02, 0.12, n + 3)]
    out += [row("a8_collaborates", "yes", COUNTY, 0.5, 0.22, 0.78, 10),
            row("a8_collaborates", "no", COUNTY, 0.5, 0.22, 0.78, 10),
            row("a8_collaborates", "dont_know", COUNTY, 0.0, 0.0, 0.31, 10)]
    return out


def partners() -> list[dict]:
    """a8_collab_with (options, asked of those collaborating): municipalities 0.60, 0.48, 0.48,
    0.28 (two options tie); county municipalities suppressed (2 respondents)."""
    shares = {"neighbours": 0.60, "regional_council": 0.48, "county": 0.48, "national_network": 0.28}
    out = [row("a8_collab_with", k, ALL, v, v - 0.12, v + 0.12, 64) for k, v in shares.items()]
    for g in SIZE_GROUPS:
        out += [row("a8_collab_with", k, g, v, v - 0.2, v + 0.2, 21) for k, v in shares.items()]
    out += [row("a8_collab_with", k, COUNTY, 0, 0, 0, 2, suppressed=True) for k in shares]
    return out


LIKERT = ("very_small", "small", "some", "large", "very_large")


def aware(shares=(0.10, 0.20, 0.30, 0.25, 0.15)) -> list[dict]:
    """a8_aware_others (Likert): level shares ``shares`` for every group, top2 the last two,
    mean score 2.26 (2.10–2.42), "Vet ikke" 0.071 among the municipalities."""
    out = []
    for g in GROUPS:
        n = 9 if g == COUNTY else 174 if g == ALL else 58
        out += [row("a8_aware_others", k, g, v, max(v - 0.05, 0), v + 0.05, n) for k, v in zip(LIKERT, shares)]
        out += [row("a8_aware_others", "top2", g, shares[3] + shares[4], 0.33, 0.47, n),
                row("a8_aware_others", "mean_score", g, 2.26, 2.10, 2.42, n),
                row("a8_aware_others", "dont_know", g, 0.071 if g == ALL else 0.05, 0.04, 0.12, n + 12)]
    return out


def first_year() -> list[dict]:
    """a1_first_year (a year): mean 2011.12 (2010.96–2011.28) among 168 municipalities."""
    out = [row("a1_first_year", "mean", ALL, 2011.12, 2010.96, 2011.28, 168, area=1)]
    out += [row("a1_first_year", "mean", g, 2011.0 + i / 4, 2010.5, 2011.9, 40 + i, area=1)
            for i, g in enumerate(SIZE_GROUPS)]
    out.append(row("a1_first_year", "mean", COUNTY, 2010.9, 2009.94, 2011.86, 10, area=1))
    return out


def want(dk=0.023) -> list[dict]:
    """a8_want_more_knowledge: yes 0.918 among 181 municipalities, "Vet ikke" ``dk``."""
    out = []
    for g in GROUPS:
        n = 10 if g == COUNTY else 181 if g == ALL else 60
        out += [row("a8_want_more_knowledge", "yes", g, 0.918, 0.88, 0.95, n),
                row("a8_want_more_knowledge", "no", g, 0.082, 0.05, 0.12, n),
                row("a8_want_more_knowledge", "dont_know", g, dk if g == ALL else 0.02, 0.01, 0.06, n + 4)]
    return out
