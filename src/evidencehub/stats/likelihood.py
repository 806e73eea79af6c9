"""ML / REML tau^2 to full precision: the global maximum of the (restricted) likelihood.

The (restricted) log-likelihood of the random-effects model need not be unimodal in tau^2:
it can have a local maximum at 0 and a higher one inside, or two inside. A solver started
at one point (metafor's Fisher scoring from the Hedges estimate) returns whichever maximum it
reaches. Here the estimate is the global maximum on ``[0, inf)``, found for a whole stack of
analyses at once:

1. Every stationary point lies below a closed-form bound ``t_hi`` (:func:`upper_bound`), so
   the maximum is in ``[0, t_hi]``.
2. The score (Viechtbauer 2005) is evaluated on a coarse grid: 0 and ``t_hi 2^-j``,
   ``j = 0..GRID_POINTS - 2``. Each interval where it turns from positive to negative holds a
   local maximum; ``tau^2 = 0`` is one when the score at 0 is not positive.
3. Each bracketed maximum is solved by safeguarded Newton steps (:func:`newton_bracketed`,
   started at the secant point); where an analysis has more than one candidate, the one
   with the highest log-likelihood is kept. ``tau^2 = 0`` must beat an interior maximum by
   metafor's ``ll0check`` tolerance ``eps^(1/4)`` to be chosen, as in metafor.

A maximum narrower than the grid spacing (a factor 2 in tau^2) can escape step 2; on a
unimodal likelihood the result is the unique maximum, identical to metafor's at full
precision. Hand-written (rather than ``scipy.optimize``) because scipy's scalar solvers work
on one function at a time, and this must run across thousands of analyses in one pass.

For the intercept-only model, :func:`intercept_score` evaluates the score with sums over
studies (no projection matrices, a few passes over the padded data per step).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "GRID_POINTS",
    "ScoreFn",
    "global_maximum",
    "intercept_loglik",
    "intercept_score",
    "newton_bracketed",
    "upper_bound",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]
ScoreFn = Callable[[FloatArray, IntArray | None, bool], tuple[FloatArray, FloatArray | None]]
"""``fn(tau2, rows, derivative)`` -> score (and its derivative) of the analyses ``rows``
(``None``: all analyses)."""

GRID_POINTS = 12
"""Grid size of the global check: 0 and 11 points from ``t_hi`` down by factors of 2."""

LL0_TOL = np.finfo(float).eps ** 0.25
"""metafor's ``control$tol`` for the ``ll0check`` (keep tau^2 = 0 if higher by more)."""


def newton_bracketed(
    fn: Callable[[FloatArray, IntArray], tuple[FloatArray, FloatArray]],
    x0: FloatArray, lo: FloatArray, hi: FloatArray, tol: float = 1e-13, maxiter: int = 200,
) -> tuple[FloatArray, BoolArray, NDArray[np.int64]]:
    """Root of decreasing functions, one per analysis, by safeguarded Newton steps.

    ``fn(x, rows)`` returns ``(f, f')`` at ``x`` for the analyses ``rows``; callers make sure
    ``f(lo) > 0 >= f(hi)``. A Newton step that leaves the current bracket is replaced by
    bisection, so every analysis converges; only unconverged analyses are evaluated.
    Stops when the step is below ``tol`` (relative to ``max(1, |x|)``).
    """
    x = np.clip(x0.astype(np.float64), lo, hi)
    lo = lo.astype(np.float64).copy()
    hi = hi.astype(np.float64).copy()
    n_iter = np.zeros(x.shape[0], dtype=np.int64)
    active = np.ones(x.shape[0], dtype=bool)
    rows = np.arange(x.shape[0])
    for _ in range(maxiter):
        if rows.size == 0:
            break
        xr = x[rows]
        f, df = fn(xr, rows)
        positive = f > 0
        lo_r = np.where(positive, xr, lo[rows])
        hi_r = np.where(positive, hi[rows], xr)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xr - f / df
        inside = np.isfinite(newton) & (newton >= lo_r) & (newton <= hi_r)
        step = np.where(inside, newton, 0.5 * (lo_r + hi_r))
        scale = np.maximum(1.0, np.abs(step))
        done = (np.abs(step - xr) <= tol * scale) | (f == 0) | (hi_r - lo_r <= tol * scale)
        x[rows] = np.where(f == 0, xr, step)
        lo[rows], hi[rows] = lo_r, hi_r
        n_iter[rows] += 1
        active[rows[done]] = False
        rows = rows[~done]
    return x, ~active, n_iter


def upper_bound(rss_ols: FloatArray, v_min: FloatArray, v_max: FloatArray,
                df: FloatArray) -> FloatArray:
    """A tau^2 above which the ML and REML scores are negative (no stationary point).

    With ``W = diag(1/(v + t))`` and ``P`` of rank ``df = k - p``: ``y'PPy <= y'Py/(v_min +
    t) <= rss_ols/(v_min + t)^2`` (the WLS residual sum is at most the one of the OLS fit),
    while ``tr P >= df/(v_max + t)`` and ``sum w >= k/(v_max + t)``. Both scores are therefore
    negative once ``df a^2 - rss_ols a - rss_ols (v_max - v_min) > 0`` with ``a = v_min +
    t``; the bound is that root, less ``v_min``, with a 1% margin.
    """
    disc = np.sqrt(rss_ols**2 + 4 * df * rss_ols * (v_max - v_min))
    a = (rss_ols + disc) / (2 * df)
    out: FloatArray = 1.01 * np.maximum(a - v_min, 0.0)
    return out


def intercept_score(restricted: bool, y: FloatArray, v: FloatArray) -> ScoreFn:
    """Score of the intercept-only model for padded ``y`` (0) and ``v`` (``inf``) rows.

    With ``w = 1/(v + tau^2)`` (0 for padding) and ``r = y - mu_hat``: REML
    ``(sum w^2 r^2 - tr P)/2`` with ``tr P = sum w - sum w^2/sum w``, derivative
    ``-u'Pu + tr(PP)/2`` with ``u = w r``; ML ``(sum w^2 r^2 - sum w)/2`` and
    ``-u'Pu + sum w^2/2`` (Viechtbauer 2005).
    """
    def fn(t: FloatArray, rows: IntArray | None, derivative: bool
           ) -> tuple[FloatArray, FloatArray | None]:
        yr = y if rows is None else y[rows]
        w = (v if rows is None else v[rows]) + t[:, None]
        np.reciprocal(w, out=w)
        sw = w.sum(axis=1)
        mu = np.einsum("ij,ij->i", w, yr) / sw
        wr = yr - mu[:, None]
        wr *= w
        s_w2 = np.einsum("ij,ij->i", w, w)
        score = np.einsum("ij,ij->i", wr, wr) - sw
        if restricted:
            score += s_w2 / sw
        score *= 0.5
        if not derivative:
            return score, None
        wr_w = wr * w
        upu = np.einsum("ij,ij->i", wr_w, wr) - np.einsum("ij->i", wr_w) ** 2 / sw
        if restricted:
            s_w3 = np.einsum("ij,ij->i", w * w, w)
            tr_pp = s_w2 - 2 * s_w3 / sw + (s_w2 / sw) ** 2
            return score, -upu + 0.5 * tr_pp
        return score, -upu + 0.5 * s_w2

    return fn


def intercept_loglik(restricted: bool, y: FloatArray, v: FloatArray,
                     tau2: FloatArray) -> FloatArray:
    """(Restricted) log-likelihood of the intercept-only model, up to a constant that is
    the same for every tau^2 of an analysis (padding: ``y`` 0, ``v`` ``inf``)."""
    vt = v + tau2[:, None]
    w = 1.0 / vt
    sw = w.sum(axis=1)
    mu = np.einsum("ij,ij->i", w, y) / sw
    r = y - mu[:, None]
    logv = np.log(vt, where=np.isfinite(vt), out=np.zeros_like(vt)).sum(axis=1)
    out: FloatArray = -0.5 * (logv + np.einsum("ij,ij,ij->i", w, r, r))
    if restricted:
        out -= 0.5 * np.log(sw)
    return out


def global_maximum(
    score: ScoreFn, loglik: Callable[[FloatArray, IntArray], FloatArray], t_hi: FloatArray,
    tol: float, maxiter: int,
) -> tuple[FloatArray, BoolArray, BoolArray, NDArray[np.int64]]:
    """The tau^2 maximising the likelihood on ``[0, t_hi]`` for every analysis.

    ``score`` is as :data:`ScoreFn`; ``loglik(tau2, rows)`` is only called for analyses with
    more than one local maximum on the grid. Returns ``(tau2, at_zero, converged, n_iter)``.
    """
    m = t_hi.shape[0]
    grid = t_hi[:, None] * np.exp2(-np.arange(GRID_POINTS - 2, -1, -1.0))[None, :]
    grid = np.concatenate([np.zeros((m, 1)), grid], axis=1)
    scores = np.empty_like(grid)
    for j in range(GRID_POINTS):
        scores[:, j] = score(grid[:, j], None, False)[0]
    down = (scores[:, :-1] > 0) & (scores[:, 1:] <= 0)
    zero_max = scores[:, 0] <= 0
    pair_row, pair_col = np.nonzero(down)
    lo, hi = grid[pair_row, pair_col], grid[pair_row, pair_col + 1]
    s_lo, s_hi = scores[pair_row, pair_col], scores[pair_row, pair_col + 1]
    x0 = lo + (hi - lo) * s_lo / (s_lo - s_hi)

    def fn(x: FloatArray, rows: IntArray) -> tuple[FloatArray, FloatArray]:
        f, df = score(x, pair_row[rows], True)
        assert df is not None
        return f, df

    roots, conv, iters = newton_bracketed(fn, x0, lo, hi, tol, maxiter)
    tau2 = np.zeros(m)
    converged = np.ones(m, dtype=bool)
    n_iter = np.zeros(m, dtype=np.int64)
    n_cand = down.sum(axis=1) + zero_max
    single = n_cand[pair_row] == 1
    tau2[pair_row[single]] = roots[single]
    converged[pair_row[single]] = conv[single]
    n_iter[pair_row[single]] = iters[single]
    many = np.flatnonzero(n_cand > 1)
    if many.size:
        tau2[many], converged[many], n_iter[many] = _best_candidate(
            many, pair_row, roots, conv, iters, zero_max, loglik)
    return tau2, tau2 == 0, converged, n_iter


def _best_candidate(
    many: IntArray, pair_row: IntArray, roots: FloatArray, conv: BoolArray,
    iters: NDArray[np.int64], zero_max: BoolArray,
    loglik: Callable[[FloatArray, IntArray], FloatArray],
) -> tuple[FloatArray, BoolArray, NDArray[np.int64]]:
    """Among several local maxima per analysis, the one with the highest log-likelihood
    (0 only if it is higher than the best interior one by more than :data:`LL0_TOL`)."""
    in_many = np.isin(pair_row, many)
    rows, x = pair_row[in_many], roots[in_many]
    ll = loglik(x, rows)
    pos = np.searchsorted(many, rows)
    best_ll = np.full(many.size, -np.inf)
    np.maximum.at(best_ll, pos, ll)
    # the first pair reaching each analysis' best (ties: the smaller tau^2)
    idx = np.flatnonzero(ll == best_ll[pos])
    first = np.full(many.size, ll.size)
    np.minimum.at(first, pos[idx], idx)
    tau2, converged = x[first], conv[in_many][first]
    n_iter = iters[in_many][first]
    zero = zero_max[many]
    if zero.any():
        ll0 = loglik(np.zeros(int(zero.sum())), many[zero])
        use0 = np.zeros(many.size, dtype=bool)
        use0[zero] = ll0 - best_ll[zero] > LL0_TOL
        tau2 = np.where(use0, 0.0, tau2)
        converged = converged | use0
        n_iter = np.where(use0, 0, n_iter)
    return tau2, converged, n_iter
