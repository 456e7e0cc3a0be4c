"""Design-based tests: Rao–Scott for two-way tables, rank tests, multiplicity.

All p-values come from survival functions (``scipy.stats.*.sf``), as docs/contracts.md §7 asks.
The regression part (R ``svyglm``, ``regTermTest``, marginal effects) lives in
:mod:`sosiale_kommuner.survey.regression`.

Which design to pass: docs/contracts.md §7 says tests and models use the design *without* the
finite population correction (``design.without_fpc()``) unless ``fpc_in_tests`` is true.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .design import SurveyDesign
from .errors import DesignError, SurveyError
from .estimation import levels_of, mean_scores

SMALL_EXPECTED = 5.0


# ---------------------------------------------------------------------------------------
# Rao–Scott tests of association
# ---------------------------------------------------------------------------------------
@dataclass
class RaoScott:
    """Design-based tests of independence in a two-way table (R ``svychisq``).

    ``second_order``: R ``statistic="F"`` (default): ``F = X2 / trace(Delta)`` on
    ``(d0, d0 * nu)`` df, ``d0 = trace(Delta)^2 / trace(Delta^2)``.
    ``first_order``: R ``statistic="Chisq"``: ``pearson_X2`` is R's reported (unadjusted)
    statistic, ``statistic`` the adjusted ``X2 / mean(delta)``, referred to chi^2 on
    ``(r-1)(c-1)`` df (``p_value``).
    ``adj_wald``: R ``"adjWald"``: ``F = W (nu - k + 1) / (k nu)`` on ``(k, nu - k + 1)``.
    ``wald``: R ``"Wald"``: ``F = W / k`` on ``(k, nu)``.
    ``table``: the weighted table (population units); ``n_table`` the unweighted counts;
    ``min_expected`` the smallest expected unweighted count under independence and
    ``small_expected`` True when it is below 1 or more than 20 % of cells are below 5
    (Cochran's rule; then read the p-values with caution).
    """

    row: str
    col: str
    table: pd.DataFrame
    n_table: pd.DataFrame
    second_order: dict
    first_order: dict
    adj_wald: dict
    wald: dict
    deltas: np.ndarray
    nu: int
    n: int
    min_expected: float
    small_expected: bool
    notes: list = field(default_factory=list)


def _indicator(col: pd.Series, levels) -> np.ndarray:
    return np.column_stack([(col == lv).fillna(False).to_numpy(dtype=float) for lv in levels])


def rao_scott(design: SurveyDesign, row: str, col: str, row_levels=None, col_levels=None,
              nu: float | None = None) -> RaoScott:
    """Rao–Scott tests of association between categorical columns ``row`` and ``col``.

    Rows missing either variable are left out (zero influence; the design, its df ``nu`` =
    #PSUs - #strata and its fpc are kept). ``N`` = number of complete rows.
    R: ``svychisq(~row + col, design, statistic = "F" | "Chisq" | "adjWald" | "Wald")``.

    ``nu``: the denominator degrees of freedom of the design; ``None`` (default) is R's
    ``degf(design)``. Another value (e.g. a Satterthwaite effective df, as
    :mod:`sosiale_kommuner.chapters.item_tests` uses) replaces ``nu`` in every F: second order on
    ``(d0, d0 * nu)``, Wald on ``(k, nu)``, adjusted Wald on ``(k, nu - k + 1)``.
    """
    r, c = design.column(row), design.column(col)
    rl, cl = levels_of(r, row_levels), levels_of(c, col_levels)
    mask = design.used((r.notna() & c.notna()).to_numpy())
    if not mask.any():
        raise DesignError("no respondents with both variables", where="rao_scott",
                          expected=f"rows with {row!r} and {col!r}", got="0")
    nr, nc = len(rl), len(cl)
    if nr < 2 or nc < 2:
        raise DesignError("a two-way table needs two levels in each variable", where="rao_scott",
                          expected=">= 2 levels of each", got=f"{row!r}: {rl}; {col!r}: {cl}")
    R, C = _indicator(r, rl), _indicator(c, cl)
    # cell indicators, rows varying fastest (R's interaction(factor(rows), factor(cols)))
    mm = np.column_stack([R[:, i] * C[:, j] for j in range(nc) for i in range(nr)])
    N = int(mask.sum())
    nu = design.df if nu is None else nu
    k = (nr - 1) * (nc - 1)
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    core = rao_scott_cells(design, mm, mask, nr, nc, nu=nu)
    cells_w, X2, Delta, tr = core["cells_w"], core["pearson_X2"], core["Delta"], core["trace_delta"]
    second = {key: core[key] for key in ("test", "statistic", "ndf", "ddf", "p_value")}
    adj1 = X2 / (tr / k)
    first = dict(test="Rao-Scott chi-square (first order)", pearson_X2=X2, statistic=adj1, df=k,
                 p_value=float(stats.chi2.sf(adj1, k)))

    # Wald tests on the cell-total deviations from independence
    mr, mc = R, C
    tot_cols = np.column_stack([mm, mr, mc, np.ones(design.n)])
    tot_scores = np.where(mask[:, None], design.weights[:, None] * tot_cols, 0.0)
    cells = tot_scores.sum(axis=0)
    Vc = design.variance(tot_scores)
    rt, ct, T = cells[nr * nc:nr * nc + nr], cells[nr * nc + nr:nr * nc + nr + nc], cells[-1]
    J = np.zeros((nr * nc, nr * nc + nr + nc + 1))
    J[:, :nr * nc] = np.eye(nr * nc)
    for idx in range(nr * nc):
        i, j = grid_r[idx], grid_c[idx]
        J[idx, nr * nc + i] = -ct[j] / T
        J[idx, nr * nc + nr + j] = -rt[i] / T
        J[idx, -1] = rt[i] * ct[j] / T ** 2
    Y = cells[:nr * nc] - np.outer(rt, ct).T.reshape(-1) / T
    VY = J @ Vc @ J.T
    use = [idx for idx in range(nr * nc) if grid_r[idx] > 0 and grid_c[idx] > 0]
    W = float(Y[use] @ np.linalg.solve(VY[np.ix_(use, use)], Y[use]))
    Fw = W / k
    wald = dict(test="Wald F", statistic=Fw, ndf=k, ddf=nu, p_value=float(stats.f.sf(Fw, k, nu)))
    ddf_adj = nu - k + 1
    Fa = W * ddf_adj / (k * nu)
    adjw = dict(test="Adjusted Wald F", statistic=Fa, ndf=k, ddf=ddf_adj,
                p_value=float(stats.f.sf(Fa, k, ddf_adj)) if ddf_adj > 0 else np.nan)

    n_tab = pd.crosstab(pd.Categorical(r[mask], categories=rl), pd.Categorical(c[mask], categories=cl),
                        dropna=False).to_numpy(dtype=float)
    En = n_tab.sum(axis=1, keepdims=True) * n_tab.sum(axis=0, keepdims=True) / n_tab.sum()
    min_e = float(En.min())
    small = bool(min_e < 1 or (En < SMALL_EXPECTED).mean() > 0.2)
    return RaoScott(
        row=row, col=col,
        table=pd.DataFrame(cells_w.reshape(nc, nr).T, index=pd.Index(rl, name=row), columns=pd.Index(cl, name=col)),
        n_table=pd.DataFrame(n_tab, index=pd.Index(rl, name=row), columns=pd.Index(cl, name=col)),
        second_order=second, first_order=first, adj_wald=adjw, wald=wald,
        deltas=np.sort(np.linalg.eigvals(Delta).real)[::-1], nu=nu, n=N, min_expected=min_e,
        small_expected=small)


def rao_scott_cells(design: SurveyDesign, cells: np.ndarray, mask: np.ndarray, nr: int, nc: int,
                    nu: float | None = None) -> dict:
    """The second-order Rao–Scott F from cell indicators: the array core of :func:`rao_scott`.

    ``cells`` (n x nr*nc): 0/1 indicators of the cells of an ``nr`` x ``nc`` table, rows
    varying fastest (R's ``interaction(factor(rows), factor(cols))``); ``mask``: the complete
    rows (``N = mask.sum()``). As ``survey:::svychisq.survey.design``: Pearson's ``X2`` on the
    weighted table rescaled to ``N``; ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` with
    ``V`` the linearised covariance of the cell proportions and ``C`` the interaction columns
    residualised on the main effects; ``F = X2 / tr(Delta)`` on ``(d0, d0 * nu)``,
    ``d0 = tr(Delta)^2 / tr(Delta^2)``; ``nu`` = ``degf(design)`` unless given.
    Returns ``test, statistic, ndf, ddf, p_value, pearson_X2, trace_delta, Delta, cells_w``
    (weighted cell totals). Raises ``numpy.linalg.LinAlgError`` if ``Delta`` is singular.
    """
    mask = design.used(mask)
    N = int(mask.sum())
    nu = design.df if nu is None else nu
    # Pearson X2 on the weighted table rescaled to N (chisq.test(svytable(..., Ntotal = N)))
    w = np.where(mask, design.weights, 0.0)
    cells_w = (w[:, None] * cells).sum(axis=0)
    obs = cells_w / cells_w.sum() * N
    O = obs.reshape(nc, nr).T
    E = O.sum(axis=1, keepdims=True) * O.sum(axis=0, keepdims=True) / N
    X2 = float(((O - E) ** 2 / E).sum())

    # generalised design effects
    p, scores, _ = mean_scores(design, cells, mask)
    V = design.variance(scores)
    Cm = interaction_contrasts(nr, nc)
    iD = np.diag(np.divide(1.0, p, out=np.zeros_like(p), where=p != 0))
    denom = Cm.T @ (iD / N) @ Cm
    numr = Cm.T @ iD @ V @ iD @ Cm
    Delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(Delta))
    d0 = tr ** 2 / float(np.trace(Delta @ Delta))
    F2 = X2 / tr
    return dict(test="Rao-Scott F (second order)", statistic=F2, ndf=d0, ddf=d0 * nu,
                p_value=float(stats.f.sf(F2, d0, d0 * nu)), pearson_X2=X2, trace_delta=tr, Delta=Delta,
                cells_w=cells_w)


@functools.lru_cache(maxsize=64)
def interaction_contrasts(nr: int, nc: int) -> np.ndarray:
    """R's ``Cmat <- qr.resid(qr(X1), X12[, -(1:(nr + nc - 1))])``: the interaction columns
    of the saturated ``nr`` x ``nc`` model residualised on the main effects (read-only)."""
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(nr * nc)] + [(grid_r == i) * 1.0 for i in range(1, nr)]
                         + [(grid_c == j) * 1.0 for j in range(1, nc)])
    inter = np.column_stack([(grid_r == i) * (grid_c == j) * 1.0 for j in range(1, nc) for i in range(1, nr)])
    Cm = inter - X1 @ np.linalg.lstsq(X1, inter, rcond=None)[0]
    Cm.setflags(write=False)
    return Cm


def exact_test_unweighted(n_table, n_resamples: int = 9999, seed: int = 2013) -> dict:
    """SENSITIVITY CHECK ONLY: Fisher's exact test on the *unweighted* counts (ignores the design).

    2 x 2 tables: exact two-sided p (R ``fisher.test``); larger tables: Monte Carlo p-value
    of the r x c Fisher test with ``n_resamples`` tables and a fixed ``seed``
    (R ``fisher.test(simulate.p.value = TRUE)``). Never put this in a tests table.
    """
    t = np.asarray(n_table, dtype=int)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape == (2, 2):
        p = float(stats.fisher_exact(t).pvalue)
        method = "Fisher exact (unweighted counts, sensitivity check)"
    elif min(t.shape) < 2:
        return dict(test="Fisher exact (unweighted counts, sensitivity check)", p_value=np.nan)
    else:
        res = stats.fisher_exact(t, method=stats.MonteCarloMethod(
            n_resamples=n_resamples, rng=np.random.default_rng(seed)))
        p = float(res.pvalue)
        method = f"Fisher exact, Monte Carlo {n_resamples} tables (unweighted counts, sensitivity check)"
    return dict(test=method, p_value=p)


# ---------------------------------------------------------------------------------------
# Rank tests
# ---------------------------------------------------------------------------------------
def rank_scores(y: np.ndarray, w: np.ndarray, score: str = "wilcoxon") -> np.ndarray:
    """Weighted mid-rank scores of ``y`` (no missing values) with weights ``w``:
    ``ave(cumsum(w) - w/2)`` over ties, divided by N = sum(w) (R ``svyranktest``'s scores);
    ``"vanderWaerden"`` and ``"median"`` transform them as R does."""
    order = np.argsort(y, kind="mergesort")
    ys, ws = y[order], w[order]
    mid = np.cumsum(ws) - ws / 2
    rank_sorted = pd.Series(mid).groupby(ys).transform("mean").to_numpy()
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    N = w.sum()
    if score == "wilcoxon":
        return rank / N
    if score == "vanderWaerden":
        return stats.norm.ppf(rank / N)
    if score == "median":
        return (rank > N / 2).astype(float)
    raise DesignError("unknown rank score", where="rank_scores", expected="'wilcoxon', 'vanderWaerden' or 'median'",
                      got=repr(score))


def rank_test(design: SurveyDesign, y: str, group: str, score: str = "wilcoxon", ddf: float | None = None) -> dict:
    """Design-based rank test of ``y`` (numeric/ordinal codes) across the groups of ``group``.

    Rank scores are weighted mid-ranks / N; they are regressed on group dummies by weighted
    least squares and the group coefficients tested with their design-based covariance.
    K > 2 groups (R ``survey:::multiranktest``): ``chisq = b' V^-1 b``, ``F = chisq/(K-1)`` on
    ``(K-1, df - (K-1))``, ``p = P(F > ...)`` (R's p; note R's htest swaps its statistic and
    parameter fields). 2 groups: ``t = b / se`` on ``df - 1``, two-sided (R
    ``svyranktest``); ``estimate`` is the difference in mean rank score (second group minus
    first). Rows missing ``y`` or ``group`` are left out; ``df`` then counts only PSUs and
    strata with used rows (R ``degf`` of the subset).
    R: ``svyranktest(y ~ group, design, test = "wilcoxon")``.

    ``ddf``: the denominator df of the F (the t's df with two groups); ``None`` (default) is
    R's ``df - (K - 1)`` above. :mod:`sosiale_kommuner.chapters.item_tests` passes a Satterthwaite df.
    """
    yv = pd.to_numeric(design.column(y)).to_numpy(dtype=float, na_value=np.nan)
    g = design.column(group)
    mask = design.used(~np.isnan(yv) & g.notna().to_numpy())
    levels = levels_of(g[mask])
    if len(levels) < 2:
        raise DesignError("a rank test needs two groups", where=f"rank_test by {group!r}", expected=">= 2 groups",
                          got=f"{levels}")
    codes = np.full(design.n, -1)
    for k, lv in enumerate(levels):
        codes[(g == lv).fillna(False).to_numpy(dtype=bool)] = k
    out = rank_test_codes(design, yv, codes, score=score, ddf=ddf)
    out["groups"] = levels
    return out


def rank_test_codes(design: SurveyDesign, y: np.ndarray, codes: np.ndarray, score: str = "wilcoxon",
                    ddf: float | None = None) -> dict:
    """:func:`rank_test` on arrays: ``y`` (n,) values (NaN = missing), ``codes`` (n,) integer
    group codes (-1 = missing). The groups present among complete rows are compared, in code
    order. Returns ``test, statistic, chisq, ndf, ddf, p_value, estimate, n`` (with two
    groups ``statistic`` is R's t and ``chisq = t^2``).
    """
    y = np.asarray(y, dtype=float)
    codes = np.asarray(codes)
    mask = design.used(~np.isnan(y) & (codes >= 0))
    idx = np.flatnonzero(mask)
    rs = np.full(design.n, np.nan)
    rs[idx] = rank_scores(y[idx], design.weights[idx], score)
    w = group_means_wald(design, rs, codes, ddf=ddf)
    K = w["ndf"] + 1
    name = {"wilcoxon": "Wilcoxon", "vanderWaerden": "van der Waerden", "median": "median"}[score]
    if K == 2:
        t = w["estimate"] / w["se"]
        return dict(test=f"Design-based {name} rank test (t)", statistic=t, chisq=w["chisq"], ndf=1,
                    ddf=w["ddf"], p_value=float(2 * stats.t.sf(abs(t), w["ddf"])), estimate=w["estimate"],
                    n=w["n"])
    return dict(test=f"Design-based {'Kruskal-Wallis' if score == 'wilcoxon' else name} rank test (F)",
                statistic=w["statistic"], chisq=w["chisq"], ndf=w["ndf"], ddf=w["ddf"], p_value=w["p_value"],
                estimate=np.nan, n=w["n"])


def group_means_wald(design: SurveyDesign, y: np.ndarray, codes: np.ndarray, ddf: float | None = None) -> dict:
    """Design-based Wald F that the domain means of ``y`` (n,) are equal across groups.

    ``y`` is regressed on the dummies of the K groups present (``codes`` >= 0 and ``y`` not
    NaN; first present group the reference) by weighted least squares; the K - 1 coefficients
    ``b`` (differences from the reference mean) get their design-based covariance ``V`` from
    the influence functions (calibration accounted for by :meth:`SurveyDesign.variance`);
    ``chisq = b' V^-1 b``, ``F = chisq / (K - 1)`` on ``(K - 1, ddf)``, ``ddf`` by default
    ``degf - (K - 1)`` with ``degf`` the used PSUs minus used strata (the residual df of R's
    gaussian ``svyglm(y ~ g)``, so this is R ``regTermTest(svyglm(y ~ factor(g), d), ~factor(g))``;
    on rank scores it is :func:`rank_test`). With two groups ``estimate`` and ``se`` are the
    difference (second minus first) and its standard error.
    Returns ``statistic, chisq, ndf, ddf, p_value, estimate, se, n``. Raises ``DesignError``
    with fewer than two groups and ``numpy.linalg.LinAlgError`` if ``V`` is singular.
    """
    y = np.asarray(y, dtype=float)
    codes = np.asarray(codes)
    mask = design.used(~np.isnan(y) & (codes >= 0))
    present = np.unique(codes[mask])
    K = len(present)
    if K < 2:
        raise DesignError("a Wald test of group means needs two groups", where="group_means_wald",
                          expected=">= 2 groups", got=f"{K}")
    idx = np.flatnonzero(mask)
    w = design.weights[idx]
    X = np.column_stack([np.ones(len(idx))] + [(codes[idx] == c).astype(float) for c in present[1:]])
    Ainv = np.linalg.inv(X.T @ (X * w[:, None]))
    yc = y[idx] - np.sum(w * y[idx]) / w.sum()  # centred: same b and residuals, less cancellation (years)
    beta = Ainv @ (X.T @ (w * yc))
    resid = yc - X @ beta
    infl = np.zeros((design.n, X.shape[1]))
    infl[idx] = (X * (resid * w)[:, None]) @ Ainv
    V = design.variance(infl)
    ndf = K - 1
    if ddf is None:
        ddf = design.degf(mask) - ndf
    b, Vb = beta[1:], V[1:, 1:]
    chisq = float(b @ np.linalg.solve(Vb, b))
    Fv = chisq / ndf
    return dict(statistic=Fv, chisq=chisq, ndf=ndf, ddf=ddf, p_value=float(stats.f.sf(Fv, ndf, ddf)),
                estimate=float(b[0]) if K == 2 else np.nan, se=float(np.sqrt(Vb[0, 0])) if K == 2 else np.nan,
                n=int(mask.sum()))


# ---------------------------------------------------------------------------------------
# Multiplicity
# ---------------------------------------------------------------------------------------
def p_adjust(p, method: str = "BH") -> np.ndarray:
    """Adjusted p-values, as R ``p.adjust(p, method = "BH" | "holm")``; NaN stays NaN and
    does not count in the number of tests."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    n = len(q)
    if n == 0:
        return out
    if method in ("BH", "fdr"):
        o = np.argsort(-q, kind="mergesort")
        i = np.arange(n, 0, -1)
        adj = np.minimum.accumulate(n / i * q[o])
    elif method == "holm":
        o = np.argsort(q, kind="mergesort")
        i = np.arange(1, n + 1)
        adj = np.maximum.accumulate((n - i + 1) * q[o])
    else:
        raise SurveyError("unknown adjustment", where="p_adjust", expected="'BH' or 'holm'", got=repr(method))
    res = np.empty(n)
    res[o] = np.minimum(1.0, adj)
    out[ok] = res
    return out
