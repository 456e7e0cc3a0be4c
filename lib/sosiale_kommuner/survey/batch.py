"""Many variables of one design at once: the survey statistics in batched array operations.

The functions of :mod:`.estimation`, :mod:`.inference` and :mod:`.contrasts` take one
variable at a time. A simulation that tests a hundred variables on each of thousands of
designs spends its time in their per-call overhead, not in arithmetic. Here the same
statistics take a stack of ``m`` variables (arrays ``(n, m)`` or ``(n, m, k)``) and return
arrays of ``m`` results; the formulas are those of the one-variable functions, so results
agree with them to rounding (~1e-13 relative; tested).

The design is :class:`ArrayDesign`: one stage, stratified, **each row its own PSU**
(R ``svydesign(id = ~1, strata = ~s, weights = ~w)``), with an optional finite population
correction (stratum population counts N_h) and optional calibration (the weighted
least-squares residuals on a model matrix, as :meth:`.design.Calibration.residualize`).

===============================  ========================================================
function                         one-variable counterpart
===============================  ========================================================
:func:`domain_means`             :func:`.estimation.mean_scores`
:meth:`ArrayDesign.covariance`   :meth:`.design.SurveyDesign.variance` (per variable)
:meth:`ArrayDesign.stratum_covariance`  :func:`.contrasts.stratum_covariance`
:func:`domain_difference`        :func:`.contrasts.domain_difference`
:func:`rao_scott_f`              :func:`.inference.rao_scott_cells` (second-order F)
:func:`rank_scores`              the weighted mid-ranks of :func:`.inference.rank_test_codes`
:func:`group_means_wald`         :func:`.inference.group_means_wald`
:func:`rake`                     :func:`.weighting.rake_weights` on integer codes
===============================  ========================================================
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .design import SurveyDesign
from .inference import interaction_contrasts
from .weighting import EmptyCategoryError, RakingError, collapse_sparse


class ArrayDesign:
    """A stratified one-stage design with one PSU per row, on numpy arrays.

    ``weights`` (n,) > 0; ``strata`` (n,) integer codes 0..H-1 (every stratum at least two
    rows); ``N_h`` (H,) stratum population counts for the fpc, or None; ``model_matrix``
    (n x k) and ``base_weights`` (n,) of a calibration, or None.
    """

    def __init__(self, weights, strata, N_h=None, model_matrix=None, base_weights=None):
        self.weights = np.asarray(weights, dtype=float)
        self.strata = np.asarray(strata, dtype=np.int64)
        self.n = len(self.weights)
        self.H = int(self.strata.max()) + 1
        self.n_h = np.bincount(self.strata, minlength=self.H)
        if (self.n_h < 2).any():
            raise ValueError(f"every stratum needs >= 2 rows; counts {self.n_h.tolist()}")
        self.N_h = None if N_h is None else np.asarray(N_h, dtype=float)
        f = np.zeros(self.H) if self.N_h is None else self.n_h / self.N_h
        self.scale = (1.0 - f) * self.n_h / (self.n_h - 1.0)
        self.onehot = (self.strata[:, None] == np.arange(self.H)[None, :]).astype(float)
        self._qa = self._qb = None
        if model_matrix is not None:
            # Calibration.residualize: x - w / sw * Q Q' (sw x / w), Q an orthonormal basis of
            # the model matrix weighted by sqrt(base weights) sw; the two sides precomputed
            sw = np.sqrt(np.asarray(base_weights, dtype=float))
            u, s, _ = np.linalg.svd(np.asarray(model_matrix, dtype=float) * sw[:, None], full_matrices=False)
            rank = int(np.sum(s > s.max() * max(u.shape) * np.finfo(float).eps))
            q = u[:, :rank]
            self._qa = np.ascontiguousarray((q * (sw / self.weights)[:, None]).T)
            self._qb = np.ascontiguousarray(q * (self.weights / sw)[:, None])

    @property
    def df(self) -> int:
        """Design degrees of freedom: rows minus strata (R ``degf``)."""
        return int(self.n - self.H)

    @classmethod
    def from_design(cls, design: SurveyDesign) -> "ArrayDesign":
        """The array form of a :class:`SurveyDesign` whose PSUs are its rows."""
        if design.n_psu != design.n:
            raise ValueError("ArrayDesign needs one PSU per row; this design is clustered")
        cal = design.calibration
        return cls(design.weights, design.strata, design.N_h,
                   None if cal is None else cal.model_matrix, None if cal is None else cal.base_weights)

    def subset_df(self, mask: np.ndarray) -> np.ndarray:
        """R ``degf`` of the design restricted to each column of ``mask`` (n, m): used rows
        minus used strata."""
        m = np.asarray(mask, dtype=bool)
        used = (self.onehot.T @ m) > 0
        return m.sum(axis=0) - used.sum(axis=0)

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Calibration residuals of weighted scores ``x`` (n, ...), as
        :meth:`.design.Calibration.residualize`; ``x`` itself without calibration."""
        if self._qa is None:
            return x
        flat = x.reshape(self.n, -1)
        return (flat - self._qb @ (self._qa @ flat)).reshape(x.shape)

    def _centred(self, x: np.ndarray) -> np.ndarray:
        flat = x.reshape(self.n, -1)
        means = (self.onehot.T @ flat) / self.n_h[:, None]
        return (flat - means[self.strata]).reshape(x.shape)

    def stratum_covariance(self, x: np.ndarray, residualized: bool = False) -> np.ndarray:
        """Per-stratum contributions ``(H, m, k, k)`` to the covariance of the totals of
        ``x`` (n, m, k): ``k`` columns for each of ``m`` variables (no cross-variable
        terms). Their sum over strata is :meth:`covariance`."""
        if not residualized:
            x = self.residualize(x)
        zc = self._centred(x)
        out = np.empty((self.H,) + x.shape[1:] + x.shape[-1:])
        for h in range(self.H):
            zh = zc[self.strata == h]
            out[h] = _crossprod(zh, zh) * self.scale[h]
        return out

    def covariance(self, x: np.ndarray) -> np.ndarray:
        """Covariance ``(m, k, k)`` of the totals of the ``k`` columns of each of the ``m``
        variables of ``x`` (n, m, k): :meth:`.design.SurveyDesign.variance` per variable."""
        zc = self._centred(self.residualize(x))
        s = self.scale[self.strata]
        return _crossprod(zc * s[:, None, None], zc)


def _crossprod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_u a[u, m, i] b[u, m, j]`` -> (m, i, j), as a batched matrix product."""
    return a.transpose(1, 2, 0) @ b.transpose(1, 0, 2)


# ---------------------------------------------------------------------------------------
# Means and differences of domains
# ---------------------------------------------------------------------------------------
def domain_means(design: ArrayDesign, y: np.ndarray, mask: np.ndarray):
    """Weighted means of ``y`` (n, m) or (n, m, k) over the domains ``mask`` (n, m) and their
    weighted influence scores, as :func:`.estimation.mean_scores` per variable.

    Returns ``(estimate (m[, k]), scores (n, m[, k]), weight total (m,))``; a domain without
    weight gives NaN.
    """
    mask = np.asarray(mask, dtype=bool)
    tail = (1,) * (y.ndim - 2)
    w = np.where(mask, design.weights[:, None], 0.0)
    wt = w.sum(axis=0)
    mk, wk, wtk = mask.reshape(mask.shape + tail), w.reshape(w.shape + tail), wt.reshape(wt.shape + tail)
    yz = np.where(mk, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (wk * yz).sum(axis=0) / wtk
        scores = np.where(mk, wk * (yz - est) / wtk, 0.0)
    return est, scores, wt


def satterthwaite_from_strata(design: ArrayDesign, vh: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Satterthwaite's effective df of variances with stratum contributions ``vh`` (H, m),
    domains ``domain`` (n, m); as :func:`.contrasts.satterthwaite_from_strata` per variable."""
    mh = np.maximum(design.onehot.T @ np.asarray(domain, dtype=float), 2.0)
    den = np.sum(vh ** 2 / (mh - 1.0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.minimum(vh.sum(axis=0) ** 2 / den, float(design.df))
    return np.where(den > 0, df, float(design.df))


def wilson_interval(p, n_eff, q):
    """Wilson score limits (arrays), as :func:`.contrasts.wilson_interval`."""
    den = 1.0 + q * q / n_eff
    mid = (p + q * q / (2 * n_eff)) / den
    half = q * np.sqrt(p * (1 - p) / n_eff + q * q / (4 * n_eff * n_eff)) / den
    return np.maximum(mid - half, 0.0), np.minimum(mid + half, 1.0)


def domain_difference(design: ArrayDesign, y: np.ndarray, ok: np.ndarray, g: np.ndarray, a: int, b: int,
                      ci_level: float = 0.95, df_method: str = "design", proportion=False) -> dict:
    """``mean(y | a) - mean(y | b)`` for each column of ``y`` (n, m) over its rows ``ok``
    (n, m), groups ``g`` (n,): :func:`.contrasts.domain_difference` per column (same df
    rules and Newcombe intervals; ``proportion`` a bool or an (m,) array).

    Returns arrays ``estimate, se, ci_low, ci_high, t, df, p_value, n_a, n_b``; a column with
    an empty group gives NaN (and the design df).
    """
    if df_method not in ("design", "satterthwaite"):
        raise ValueError(f"df_method must be 'design' or 'satterthwaite', not {df_method!r}")
    ok = np.asarray(ok, dtype=bool)
    ma, mb = ok & (g == a)[:, None], ok & (g == b)[:, None]
    n_a, n_b = ma.sum(axis=0), mb.sum(axis=0)
    yz = np.where(ok, y, 0.0)
    ea, sa, _ = domain_means(design, yz, ma)
    eb, sb, _ = domain_means(design, yz, mb)
    est = ea - eb
    cov = design.stratum_covariance(np.stack([sa, sb], axis=2))  # (H, m, 2, 2)
    vh = cov[:, :, 0, 0] + cov[:, :, 1, 1] - 2 * cov[:, :, 0, 1]
    var = vh.sum(axis=0)
    vab = cov.sum(axis=0)
    if df_method == "satterthwaite":
        df = np.minimum(satterthwaite_from_strata(design, vh, ma | mb), np.minimum(n_a, n_b) - 1.0)
    else:
        df = np.full(len(est), float(design.df))
    se = np.sqrt(np.maximum(var, 0.0))
    tq = special.stdtrit(df, 1.0 - (1.0 - ci_level) / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tval = np.where(se > 0, est / np.where(se > 0, se, 1.0), np.nan)
    p = np.where(se > 0, 2 * special.stdtr(df, -np.abs(tval)), np.nan)
    lo, hi = est - tq * se, est + tq * se
    prop = np.broadcast_to(np.asarray(proportion, dtype=bool), est.shape)
    if prop.any():
        lims = []
        for e, v, n in ((ea, vab[:, 0, 0], n_a), (eb, vab[:, 1, 1], n_b)):
            with np.errstate(invalid="ignore", divide="ignore"):
                n_eff = np.where((v > 0) & (e > 0) & (e < 1), e * (1 - e) / np.where(v > 0, v, 1.0), n.astype(float))
                lims.append(wilson_interval(e, np.maximum(n_eff, 1e-9), tq))
        (la, ua), (lb, ub) = lims
        lo = np.where(prop, est - np.sqrt((ea - la) ** 2 + (ub - eb) ** 2), lo)
        hi = np.where(prop, est + np.sqrt((ua - ea) ** 2 + (eb - lb) ** 2), hi)
    empty = (n_a == 0) | (n_b == 0)
    nan = np.where(empty, np.nan, 1.0)
    return dict(estimate=est * nan, se=se * nan, ci_low=lo * nan, ci_high=hi * nan, t=tval * nan,
                df=np.where(empty, float(design.df), df), p_value=p * nan, n_a=n_a, n_b=n_b)


# ---------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------
def _solve_each(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``solve(A[i], B[i])`` for a stack; NaN where ``A[i]`` is singular."""
    try:
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        out = np.full(B.shape, np.nan)
        for i in range(len(A)):
            try:
                out[i] = np.linalg.solve(A[i], B[i])
            except np.linalg.LinAlgError:
                pass
        return out


def rao_scott_f(design: ArrayDesign, cell: np.ndarray, nr: int, nc: int, nu=None) -> dict:
    """Second-order Rao–Scott F of ``m`` tables at once: :func:`.inference.rao_scott_cells`.

    ``cell`` (n, m): each row's cell of each table, ``c * nr + r`` for row level ``r`` and
    column level ``c`` (rows of the table varying fastest), -1 where the row is not in the
    table; ``nu``: denominator df of the design, (m,) or scalar (None: the design df).
    Returns arrays ``statistic, ndf, ddf, p_value, pearson_X2, trace_delta`` (NaN where a
    table's ``Delta`` is singular).

    Same quantities as R's ``svychisq``: ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C``.
    ``V`` (the covariance of the cell proportions) is only needed through ``C' D^-1 V D^-1 C``,
    which is the covariance of the scores projected on ``D^-1 C``; that is what is
    computed (an exact identity, with (nr - 1)(nc - 1) columns instead of nr nc).
    """
    cell = np.asarray(cell)
    n, m = cell.shape
    c = nr * nc
    mask = cell >= 0
    N = mask.sum(axis=0).astype(float)
    w = np.where(mask, design.weights[:, None], 0.0)
    flat = (np.arange(m)[None, :] * c + np.where(mask, cell, 0)).ravel()
    cells_w = np.bincount(flat, weights=w.ravel(), minlength=m * c).reshape(m, c)
    wt = cells_w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        obs = cells_w / wt[:, None] * N[:, None]
        O = obs.reshape(m, nc, nr).transpose(0, 2, 1)
        E = O.sum(axis=2, keepdims=True) * O.sum(axis=1, keepdims=True) / N[:, None, None]
        X2 = ((O - E) ** 2 / E).sum(axis=(1, 2))
        p = cells_w / wt[:, None]
    Cm = interaction_contrasts(nr, nc)
    iD = np.divide(1.0, p, out=np.zeros_like(p), where=p != 0)
    A = iD[:, :, None] * Cm[None]                      # (m, c, q) = D^-1 C
    pA = (p[:, :, None] * A).sum(axis=1)               # (m, q): the proportions' projection
    gathered = A[np.arange(m)[None, :], np.where(mask, cell, 0)]          # (n, m, q)
    T = np.where(mask[:, :, None], (w / wt)[:, :, None] * (gathered - pA[None]), 0.0)
    numr = design.covariance(T)
    denom = (Cm.T[None] * (iD / N[:, None])[:, None, :]) @ Cm
    Delta = _solve_each(denom, numr)
    tr = np.trace(Delta, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        d0 = tr ** 2 / np.trace(Delta @ Delta, axis1=1, axis2=2)
        F2 = X2 / tr
    nu = np.broadcast_to(float(design.df) if nu is None else np.asarray(nu, dtype=float), (m,))
    with np.errstate(invalid="ignore"):
        pv = special.fdtrc(d0, d0 * nu, F2)  # = scipy's f.sf
    return dict(statistic=F2, ndf=d0, ddf=d0 * nu, p_value=pv, pearson_X2=X2, trace_delta=tr)


def rank_scores(y: np.ndarray, weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Weighted Wilcoxon mid-rank scores of each column of ``y`` (n, m) over its rows
    ``mask``, divided by the weight total (NaN outside the mask): the scores of
    :func:`.inference.rank_test_codes` (R ``svyranktest``: ``ave(cumsum(w) - w/2)`` over
    ties, in the order of the rows)."""
    n, m = y.shape
    mask = np.asarray(mask, dtype=bool)
    key = np.where(mask, y, np.inf)
    order = np.argsort(key, axis=0, kind="stable")
    ys = np.take_along_axis(key, order, axis=0)
    ws = np.where(np.take_along_axis(mask, order, axis=0), weights[order], 0.0)
    mid = np.cumsum(ws, axis=0) - ws / 2
    # tie groups: a new group starts where the sorted value changes
    start = np.ones((n, m), dtype=bool)
    start[1:] = ys[1:] != ys[:-1]
    gid = np.cumsum(start, axis=0) - 1 + (np.arange(m) * n)[None, :]
    flat = gid.ravel()
    sums = np.bincount(flat, weights=mid.ravel(), minlength=n * m)
    counts = np.bincount(flat, minlength=n * m)
    with np.errstate(invalid="ignore", divide="ignore"):
        rank_sorted = (sums / counts)[gid]
    rank = np.empty((n, m))
    np.put_along_axis(rank, order, rank_sorted, axis=0)
    N = np.where(mask, weights[:, None], 0.0).sum(axis=0)
    return np.where(mask, rank / N, np.nan)


def group_means_wald(design: ArrayDesign, y: np.ndarray, codes: np.ndarray, K: int, ddf=None) -> dict:
    """Wald F that the means of ``K`` groups are equal, for each column of ``y`` (n, m):
    :func:`.inference.group_means_wald` per column.

    ``codes`` (n, m) or (n,): group codes 0..K-1 (-1 missing); each column must have all
    ``K`` groups among its complete rows (the first is the reference). ``ddf``: the
    denominator df, (m,) or scalar; None gives R's ``degf`` of the complete rows minus
    ``K - 1``. Returns arrays ``statistic, chisq, ndf, ddf, p_value, estimate, se, n``
    (``estimate``/``se``: second group minus first, when ``K == 2``).
    """
    n, m = y.shape
    codes = np.broadcast_to(codes.reshape(n, -1), (n, m))
    mask = ~np.isnan(y) & (codes >= 0)
    w = np.where(mask, design.weights[:, None], 0.0)
    X = np.concatenate([np.ones((n, m, 1)), (codes[:, :, None] == np.arange(1, K)[None, None, :])], axis=2)
    X = X * mask[:, :, None]
    Ainv = np.linalg.inv(_crossprod(X * w[:, :, None], X))
    yz = np.where(mask, y, 0.0)
    yc = yz - (w * yz).sum(axis=0) / w.sum(axis=0)
    beta = (Ainv @ _crossprod(X, (w * yc)[:, :, None]))[:, :, 0]
    resid = np.where(mask, yc - (X * beta[None]).sum(axis=2), 0.0)
    infl = (X * (resid * w)[:, :, None]).transpose(1, 0, 2) @ Ainv      # (m, n, K)
    infl = infl.transpose(1, 0, 2)
    V = design.covariance(infl)
    ndf = K - 1
    if ddf is None:
        ddf = design.subset_df(mask) - ndf
    ddf = np.broadcast_to(np.asarray(ddf, dtype=float), (m,))
    b, Vb = beta[:, 1:], V[:, 1:, 1:]
    chisq = np.einsum("mi,mi->m", b, np.linalg.solve(Vb, b[:, :, None])[:, :, 0])
    F = chisq / ndf
    out = dict(statistic=F, chisq=chisq, ndf=np.full(m, float(ndf)), ddf=ddf, p_value=special.fdtrc(ndf, ddf, F),
               estimate=np.full(m, np.nan), se=np.full(m, np.nan), n=mask.sum(axis=0))
    if K == 2:
        out["estimate"], out["se"] = b[:, 0], np.sqrt(Vb[:, 0, 0])
    return out


# ---------------------------------------------------------------------------------------
# Raking on codes
# ---------------------------------------------------------------------------------------
def rake(base: np.ndarray, codes: list[np.ndarray], targets: list[np.ndarray], tol: float = 1e-10,
         max_iter: int = 1000, min_cell: int | None = None):
    """Iterative proportional fitting on integer-coded margins: :func:`.weighting.rake_weights`.

    ``codes[j]`` (n,) the category (0..K_j-1, in the margin's order, which is its adjacency)
    of each respondent in margin ``j``; ``targets[j]`` (K_j,) the population counts. With
    ``min_cell``, sparse categories are merged as :func:`.weighting.collapse_sparse` does.
    The sweeps are :func:`.weighting.rake_weights`'s, so the weights are the same numbers.
    Returns ``(weights, merged codes, merged targets)``.
    """
    cc, tt = [], []
    for j, (c, t) in enumerate(zip(codes, targets)):
        t = np.asarray(t, dtype=float)
        counts = np.bincount(c, minlength=len(t))
        if min_cell:
            mapping, merged, _ = collapse_sparse(dict(enumerate(counts.tolist())), dict(enumerate(t.tolist())),
                                                 int(min_cell), margin=str(j))
            labels = list(merged)
            lookup = np.array([labels.index(mapping[k]) for k in range(len(t))])
            c, t = lookup[c], np.array([merged[lab] for lab in labels])
        elif (counts == 0).any() or (t == 0).any():
            raise EmptyCategoryError(f"margin {j}: a category has no respondents or a population count of 0")
        cc.append(c)
        tt.append(t)
    w = np.asarray(base, dtype=float).copy()
    for _ in range(max_iter):
        for c, t in zip(cc, tt):
            w = w * (t / np.bincount(c, weights=w, minlength=len(t)))[c]
        worst = max(float(np.max(np.abs(np.bincount(c, weights=w, minlength=len(t)) - t) / t)) for c, t in zip(cc, tt))
        if worst < tol:
            return w, cc, tt
    raise RakingError(f"raking did not converge in {max_iter} sweeps (worst relative difference {worst:.3g})")
