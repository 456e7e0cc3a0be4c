"""Monte Carlo summaries of chapter 11's replicates, each with its Monte Carlo error.

Input: the long table of :func:`sosiale_kommuner.chapters.simulation.run` (one row per
scenario, replicate, comparison and column: ``p_value``, ``p_adjusted``, ``effect_*``) and,
for the county municipalities' estimates, :attr:`.simulation.Study.county`.

Monte Carlo errors: a share over replicates of one test (rejection, coverage of one
column) has an exact binomial interval; a share over all tests of a comparison is first
computed per replicate and then averaged, and its interval treats the **replicate** as the
independent unit (the tests of one dataset are correlated, so pooling them as if
independent would understate the error): ``mean ± t_{R-1} sd / sqrt(R)``; ``mc_se`` is
``sd / sqrt(R)`` and ``half_width`` the interval's half-width.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05


def binom_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval for a binomial proportion ``k / n``."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    a = (1 - level) / 2
    lo = np.where(k > 0, stats.beta.ppf(a, k, n - k + 1), 0.0)
    hi = np.where(k < n, stats.beta.ppf(1 - a, k + 1, n - k), 1.0)
    return lo, hi


def mean_interval(x, level: float = 0.95) -> dict:
    """Mean of per-replicate values (NaN left out) with its Monte Carlo error: ``mean``,
    ``mc_se = sd / sqrt(R)``, ``ci_low``/``ci_high = mean -/+ half_width``, ``half_width =
    t_{R-1} mc_se``, ``replicates`` R (replicates are independent)."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    m = float(x.mean()) if len(x) else np.nan
    if len(x) < 2:
        return dict(mean=m, mc_se=np.nan, ci_low=np.nan, ci_high=np.nan, half_width=np.nan, replicates=len(x))
    se = float(x.std(ddof=1) / np.sqrt(len(x)))
    h = float(stats.t.isf((1 - level) / 2, len(x) - 1)) * se
    return dict(mean=m, mc_se=se, ci_low=m - h, ci_high=m + h, half_width=h, replicates=len(x))


def rejection_rates(res: pd.DataFrame, scenario: str = "null", alpha: float = ALPHA,
                    level: float = 0.95) -> pd.DataFrame:
    """Per test (comparison, item): share of replicates with ``p < alpha``, exact interval."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    g = r.assign(rej=r["p_value"] < alpha).groupby(["comparison", "item"], sort=False)["rej"]
    out = pd.DataFrame({"rejections": g.sum().astype(int), "replicates": g.size()}).reset_index()
    out["rate"] = out["rejections"] / out["replicates"]
    out["ci_low"], out["ci_high"] = binom_interval(out["rejections"], out["replicates"], level)
    return out


def overall_rejection(res: pd.DataFrame, scenario: str = "null", alpha: float = ALPHA,
                      level: float = 0.95) -> pd.DataFrame:
    """Share of all tests of a comparison rejecting at ``alpha``: per replicate, then the
    mean over replicates with its Monte Carlo interval and ``half_width`` (the replicate is
    the independent unit; tests within a replicate are dependent)."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        per = d.assign(rej=d["p_value"] < alpha).groupby("replicate")["rej"].mean()
        mi = mean_interval(per.to_numpy(), level)
        rows.append(dict(comparison=cmp, tests_per_replicate=int(d.groupby("replicate").size().median()),
                         replicates=len(per), rate=mi["mean"], ci_low=mi["ci_low"], ci_high=mi["ci_high"],
                         half_width=mi["half_width"], any_rejection=float((per > 0).mean())))
    return pd.DataFrame(rows)


def fdp(res: pd.DataFrame, nulls: dict[str, set[str]], scenario: str = "planted",
        q: float = ALPHA, level: float = 0.95) -> pd.DataFrame:
    """False-discovery proportion after BH at ``q``, per comparison: mean over replicates with
    its t interval; ``m0/m``, BH's bound ``q m0 / m`` (for independent or positively
    dependent tests), discoveries per replicate."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_adjusted"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        isnull = d["item"].isin(nulls.get(cmp, set()) if scenario == "planted" else set(d["item"]))
        disc = d["p_adjusted"] < q
        per = pd.DataFrame({"replicate": d["replicate"], "V": disc & isnull, "R": disc})
        agg = per.groupby("replicate")[["V", "R"]].sum()
        f = np.where(agg["R"] > 0, agg["V"] / agg["R"].clip(lower=1), 0.0)
        mi = mean_interval(f, level)
        m_all = int(d.groupby("replicate").size().median())
        m0 = int(isnull.groupby(d["replicate"]).sum().median())
        rows.append(dict(comparison=cmp, tests=m_all, true_nulls=m0, mean_fdp=mi["mean"], ci_low=mi["ci_low"],
                         ci_high=mi["ci_high"], half_width=mi["half_width"],
                         bh_bound=q * m0 / m_all if m_all else np.nan,
                         mean_discoveries=float(agg["R"].mean()),
                         mean_false_discoveries=float(agg["V"].mean())))
    return pd.DataFrame(rows)


def power(res: pd.DataFrame, nulls: dict[str, set[str]], scenario: str = "planted",
          alpha: float = ALPHA, level: float = 0.95) -> pd.DataFrame:
    """Power per non-null test: share rejected at ``alpha`` (raw p) and after BH
    (``p_adjusted``), exact intervals; ``smoothed_power``: the probability that a normal
    fitted to the replicates' z-scores ``z = Phi^-1(1 - p/2)`` exceeds ``z_{1 - alpha/2}``
    (a smooth estimate that can tell 99.9 % from 95 % with few replicates)."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    zc = stats.norm.isf(alpha / 2)
    for (cmp, item), d in r.groupby(["comparison", "item"], sort=False):
        if item in nulls.get(cmp, set()):
            continue
        n = len(d)
        k = int((d["p_value"] < alpha).sum())
        kb = int((d["p_adjusted"] < alpha).sum())
        z = stats.norm.isf(np.clip(d["p_value"].to_numpy(), 1e-300, 1.0) / 2)
        sd = z.std(ddof=1) if n > 1 else np.nan
        smooth = float(stats.norm.sf((zc - z.mean()) / sd)) if n > 1 and sd > 0 else float(k == n)
        lo, hi = binom_interval(k, n, level)
        rows.append(dict(comparison=cmp, item=item, replicates=n, power=k / n, ci_low=float(lo), ci_high=float(hi),
                         power_bh=kb / n, smoothed_power=smooth,
                         mean_effect=float(d["effect_size"].mean())))
    return pd.DataFrame(rows)


def coverage(res: pd.DataFrame, targets: pd.DataFrame | None, scenario: str = "planted",
             level: float = 0.95) -> pd.DataFrame:
    """Coverage of the effect intervals: per test, the share of replicates whose interval
    holds the target (the process value from ``targets``; 0 under the null scenario), with an
    exact interval; plus the mean estimate's bias."""
    r = _with_targets(res, targets, scenario)
    cov_ = (r["effect_ci_low"] <= r["target"]) & (r["target"] <= r["effect_ci_high"])
    g = r.assign(covered=cov_, err=r["effect_size"] - r["target"]).groupby(["comparison", "item"], sort=False)
    out = pd.DataFrame({"covered": g["covered"].sum().astype(int), "replicates": g.size(),
                        "target": g["target"].first(), "bias": g["err"].mean(),
                        "mean_se": g["effect_se"].mean(), "sd_estimate": g["effect_size"].std(ddof=1)}).reset_index()
    out["coverage"] = out["covered"] / out["replicates"]
    out["ci_low"], out["ci_high"] = binom_interval(out["covered"], out["replicates"], level)
    return out


def dependence(res: pd.DataFrame, scenario: str = "null") -> pd.DataFrame:
    """Are the tests of one comparison independent or positively dependent? (BH's condition)

    For each comparison, over replicates: the correlation matrix of the tests' z-scores
    ``Phi^-1(1 - p)``; reported are the mean and the share of positive off-diagonal
    correlations, the most negative one, and the dispersion ratio of the number of
    rejections per replicate (variance / binomial variance; 1 under independence, > 1
    under positive dependence).
    """
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        wide = d.pivot_table(index="replicate", columns="item", values="p_value")
        wide = wide.loc[:, wide.notna().all() & (wide.std() > 0)]
        z = stats.norm.isf(np.clip(wide.to_numpy(), 1e-300, 1 - 1e-16))
        c = np.corrcoef(z, rowvar=False)
        off = c[~np.eye(len(c), dtype=bool)]
        rej = (wide.to_numpy() < ALPHA).sum(axis=1)
        m = wide.shape[1]
        pbar = rej.mean() / m
        binvar = m * pbar * (1 - pbar)
        rows.append(dict(comparison=cmp, tests=m, replicates=len(wide), mean_correlation=float(off.mean()),
                         share_positive=float((off > 0).mean()), min_correlation=float(off.min()),
                         max_correlation=float(off.max()),
                         dispersion_ratio=float(rej.var(ddof=1) / binvar) if binvar > 0 else np.nan))
    return pd.DataFrame(rows)


def tail_rates(res: pd.DataFrame, scenario: str = "null", thresholds=(0.001, 0.005, 0.01, 0.05),
               level: float = 0.95) -> pd.DataFrame:
    """Calibration of the p-values' tail: the share of null tests with ``p < t`` for each
    threshold ``t`` (nominal: ``t``), pooled over tests and replicates, with an exact interval
    (pooled, so it ignores the dependence within a replicate), and the ratio observed/nominal.
    BH at 5 % with ~100 tests and few discoveries rejects at thresholds near 0.001, so the
    tail, not the 5 % rate, decides whether its false-discovery guarantee carries over."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        p = d["p_value"].to_numpy()
        for t in thresholds:
            k, n = int((p < t).sum()), len(p)
            lo, hi = binom_interval(k, n, level)
            rows.append(dict(comparison=cmp, threshold=t, tests=n, below=k, share=k / n, ci_low=float(lo),
                             ci_high=float(hi), ratio=(k / n) / t))
    return pd.DataFrame(rows)




def power_summary(res: pd.DataFrame, nulls: dict[str, set[str]], scenario: str = "planted", alpha: float = ALPHA,
                  level: float = 0.95) -> pd.DataFrame:
    """Average power over a comparison's non-null tests: per replicate the share of them
    rejected at ``alpha`` (unadjusted) and after BH, then the mean over replicates with its
    Monte Carlo interval (``power``, ``ci_low``, ``ci_high``, ``half_width``; ``power_bh``,
    ``half_width_bh``)."""
    r = res[res["scenario"] == scenario].dropna(subset=["p_value"])
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        d = d[~d["item"].isin(nulls.get(cmp, set()))]
        if d.empty:
            continue
        g = d.assign(rej=d["p_value"] < alpha, rej_bh=d["p_adjusted"] < alpha).groupby("replicate")
        raw, bh = mean_interval(g["rej"].mean().to_numpy(), level), mean_interval(g["rej_bh"].mean().to_numpy(), level)
        rows.append(dict(comparison=cmp, tests=int(g.size().median()), replicates=raw["replicates"],
                         power=raw["mean"], ci_low=raw["ci_low"], ci_high=raw["ci_high"],
                         half_width=raw["half_width"], power_bh=bh["mean"], half_width_bh=bh["half_width"]))
    return pd.DataFrame(rows)


def coverage_summary(res: pd.DataFrame, targets: pd.DataFrame | None, scenario: str = "planted",
                     level: float = 0.95) -> pd.DataFrame:
    """Coverage of the effect intervals over all columns of a comparison: per replicate the
    share of intervals holding their target (:func:`coverage`'s targets), then the mean over
    replicates with its Monte Carlo interval; ``columns`` tested, and how many columns'
    own exact interval lies wholly below / above the nominal level."""
    r = _with_targets(res, targets, scenario)
    per_col = coverage(res, targets, scenario, level)
    rows = []
    for cmp, d in r.groupby("comparison", sort=False):
        cov_ = (d["effect_ci_low"] <= d["target"]) & (d["target"] <= d["effect_ci_high"])
        mi = mean_interval(cov_.groupby(d["replicate"]).mean().to_numpy(), level)
        pc = per_col[per_col["comparison"] == cmp]
        rows.append(dict(scenario=scenario, comparison=cmp, columns=len(pc), replicates=mi["replicates"],
                         coverage=mi["mean"], ci_low=mi["ci_low"], ci_high=mi["ci_high"],
                         half_width=mi["half_width"], below=int((pc["ci_high"] < level).sum()),
                         above=int((pc["ci_low"] > level).sum())))
    return pd.DataFrame(rows)


def _with_targets(res, targets, scenario):
    r = res[res["scenario"] == scenario].dropna(subset=["effect_ci_low", "effect_ci_high"])
    if scenario == "null" or targets is None:
        r = r.assign(target=0.0)
    else:
        r = r.merge(targets[["comparison", "item", "target"]], on=["comparison", "item"], how="left")
    return r.dropna(subset=["target"])


def county_coverage(county: pd.DataFrame, process: pd.DataFrame, scenario: str = "planted",
                    level: float = 0.95) -> pd.DataFrame:
    """Coverage of the county municipalities' 95 % intervals, per proportion (item, level).

    ``county``: :attr:`.simulation.Study.county`; ``process``: the generating process's
    county values (``item, level, process``; :func:`.simulation.county_process_values`).
    ``coverage``: the published interval (with fpc) holds the replicate's census value (its
    target, docs/contracts.md §7); ``coverage_analytic``: the interval without fpc holds the
    process value. Replicates where nobody answered are left out; exact binomial intervals.
    """
    c = county[county["scenario"] == scenario].dropna(subset=["ci_low"])
    c = c.merge(process[["item", "level", "process"]], on=["item", "level"], how="left")
    pub = (c["ci_low"] <= c["census"]) & (c["census"] <= c["ci_high"])
    ana = (c["ci_low_analytic"] <= c["process"]) & (c["process"] <= c["ci_high_analytic"])
    g = c.assign(pub=pub, ana=ana).groupby(["item", "level"], sort=False)
    out = pd.DataFrame({"replicates": g.size(), "covered": g["pub"].sum().astype(int),
                        "covered_analytic": g["ana"].sum().astype(int), "mean_n": g["n"].mean(),
                        "process": g["process"].first(), "mean_estimate": g["estimate"].mean()}).reset_index()
    out["coverage"] = out["covered"] / out["replicates"]
    out["ci_low"], out["ci_high"] = binom_interval(out["covered"], out["replicates"], level)
    out["coverage_analytic"] = out["covered_analytic"] / out["replicates"]
    out["ci_low_analytic"], out["ci_high_analytic"] = binom_interval(out["covered_analytic"], out["replicates"], level)
    return out


def county_coverage_summary(county: pd.DataFrame, process: pd.DataFrame, scenario: str = "planted",
                            level: float = 0.95) -> pd.DataFrame:
    """:func:`county_coverage` pooled over all county proportions: per replicate the share of
    intervals covering, then the mean over replicates with its Monte Carlo interval; one row
    for the published intervals (target: census value) and one for the analytic ones
    (target: process value)."""
    c = county[county["scenario"] == scenario].dropna(subset=["ci_low"])
    c = c.merge(process[["item", "level", "process"]], on=["item", "level"], how="left")
    per_level = county_coverage(county, process, scenario, level)
    rows = []
    for kind, lo, hi, target, col in (("published", "ci_low", "ci_high", "census", "coverage"),
                                      ("analytic", "ci_low_analytic", "ci_high_analytic", "process",
                                       "coverage_analytic")):
        hit = (c[lo] <= c[target]) & (c[target] <= c[hi])
        mi = mean_interval(hit.groupby(c["replicate"]).mean().to_numpy(), level)
        suf = "" if kind == "published" else "_analytic"
        rows.append(dict(scenario=scenario, interval=kind, target=target, proportions=len(per_level),
                         replicates=mi["replicates"], coverage=mi["mean"], ci_low=mi["ci_low"], ci_high=mi["ci_high"],
                         half_width=mi["half_width"],
                         below=int((per_level[f"ci_high{suf}"] < level).sum()),
                         above=int((per_level[f"ci_low{suf}"] > level).sum())))
    return pd.DataFrame(rows)


def coverage_tables(res: pd.DataFrame, targets: pd.DataFrame, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`coverage` (per column) and :func:`coverage_summary` of both scenarios, the global
    null first (its target 0, the planted scenario's from ``targets``), with a ``scenario`` column."""
    per = pd.concat([coverage(res, None, "null", level).assign(scenario="null"),
                     coverage(res, targets, "planted", level).assign(scenario="planted")], ignore_index=True)
    summary = pd.concat([coverage_summary(res, None, "null", level), coverage_summary(res, targets, "planted", level)],
                        ignore_index=True)
    return per, summary


def county_tables(county: pd.DataFrame, process: dict[str, pd.DataFrame],
                  level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`county_coverage` (per proportion, with the process value and its Monte Carlo error
    as ``process_target``/``process_se``) and :func:`county_coverage_summary` of every scenario in
    ``process`` (scenario -> :func:`.simulation_county.process_values`), in that order."""
    per = pd.concat([county_coverage(county, p, s, level).assign(scenario=s) for s, p in process.items()],
                    ignore_index=True)
    proc = pd.concat([p.assign(scenario=s) for s, p in process.items()], ignore_index=True)
    per = per.merge(proc, on=["scenario", "item", "level"], how="left", suffixes=("", "_target"))
    summary = pd.concat([county_coverage_summary(county, p, s, level) for s, p in process.items()],
                        ignore_index=True)
    return per, summary
