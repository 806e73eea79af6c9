"""Estimators of the between-study variance tau^2, vectorised across analyses.

Every function works on a *stack* of ``m`` analyses at once: padded arrays ``y``, ``v`` of
shape ``(m, k)``, a boolean ``mask`` (``True`` where a study exists) and design matrices
``X`` of shape ``(m, k, p)`` (a column of ones for the intercept-only model). A single
analysis is a stack of one. No Python loop runs over analyses; iterative estimators update
all analyses together and freeze each one as it converges.

The estimators and their standard errors follow metafor 3.8 ``rma.uni`` (Viechtbauer 2005,
JEBS 30(3); Viechtbauer 2010, JSS 36(3)), with ``P = W - W X (X'WX)^-1 X'W``:

========  =================================================================================
``EE``    equal effects, tau^2 = 0 (``FE`` is accepted as a synonym)
``DL``    DerSimonian & Laird (1986): ``(y'Py - (k-p))/tr P`` with ``W = 1/v``
``HE``    Hedges (1983), unweighted method of moments (OLS residuals)
``HS``    Hunter & Schmidt (2004): ``(y'Py - k)/sum(1/v)``
``SJ``    Sidik & Jonkman (2005), one step from ``tau0 = var(y)(k-1)/k``
``ML``    maximum likelihood (Viechtbauer 2005): the global maximum on [0, inf)
``REML``  restricted ML: the global maximum of the restricted likelihood on [0, inf)
``EB``    empirical Bayes (Morris 1983; Berkey et al. 1995), metafor's iteration
``PM``    Paule & Mandel (1982): root of ``Q(tau^2) = k - p`` on ``[0, tau2_max]``
========  =================================================================================

Negative values are truncated at 0, and the truncation is reported.

Iterative estimators are solved to full precision by default (``threshold=1e-12``);
``control=METAFOR_DEFAULT_CONTROL`` reproduces metafor's default stopping rule
(``threshold = 1e-5`` on the change in tau^2) step for step for ML/REML/EB. PM is solved
with a safeguarded Newton iteration (metafor uses ``uniroot``), so it agrees with metafor's
``fits_tight`` values, and with its defaults only up to their ``uniroot`` tolerance.

Convention for ML/REML: the estimate is the *global* maximum of the (restricted) likelihood
on ``[0, inf)`` (:mod:`evidencehub.stats.likelihood`). metafor's Fisher scoring, started at
the Hedges estimate, returns the maximum it reaches; on a likelihood with two maxima (say at
0 and inside) the two can differ, and ``control=METAFOR_DEFAULT_CONTROL`` gives metafor's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evidencehub.stats.likelihood import (
    LL0_TOL,
    global_maximum,
    intercept_loglik,
    intercept_score,
    newton_bracketed,
    upper_bound,
)
from evidencehub.vocab import Method

__all__ = [
    "DEFAULT_CONTROL",
    "METAFOR_DEFAULT_CONTROL",
    "Method",
    "Projection",
    "Tau2Fit",
    "estimate_tau2",
    "generalized_q",
    "newton_bracketed",
    "solve_decreasing",
    "wls_projection",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


DEFAULT_CONTROL: Mapping[str, float | str | None] = {
    "algorithm": "newton", "threshold": 1e-13, "maxiter": 1000, "tau2_max": None,
}
"""Full precision: the estimating equations solved by safeguarded Newton steps."""

METAFOR_DEFAULT_CONTROL: Mapping[str, float | str | None] = {
    "algorithm": "fisher", "threshold": 1e-5, "maxiter": 100, "tau2_max": None,
}
"""metafor's own algorithm and defaults (Fisher scoring from the HE estimate, stop when the
change in tau^2 is below 1e-5), to reproduce its printed output for ML/REML/EB."""


@dataclass(frozen=True, slots=True, eq=False)
class Tau2Fit:
    """tau^2 estimates for a stack of ``m`` analyses.

    Attributes
    ----------
    tau2 : ndarray of shape (m,)
        Estimates, truncated at 0.
    se_tau2 : ndarray of shape (m,)
        metafor's estimator-specific standard errors (NaN for EE).
    truncated : ndarray of bool, shape (m,)
        True where the untruncated estimate was negative (or ML/REML stopped at 0).
    converged : ndarray of bool, shape (m,)
        False where an iterative estimator hit ``maxiter`` (or PM found no root below
        ``tau2_max``).
    n_iter : ndarray of int, shape (m,)
        Iterations used (0 for closed-form estimators).
    """

    tau2: FloatArray
    se_tau2: FloatArray
    truncated: BoolArray
    converged: BoolArray
    n_iter: NDArray[np.int64]


# -- batched linear algebra --------------------------------------------------------------------
def _xdx(X: FloatArray, d: FloatArray) -> FloatArray:
    """``X' diag(d) X`` for every analysis: (m, k, p), (m, k) -> (m, p, p)."""
    if X.shape[2] == 1:
        out: FloatArray = np.sum(X[:, :, 0] ** 2 * d, axis=1)[:, None, None]
        return out
    out = np.matmul(np.swapaxes(X, 1, 2) * d[:, None, :], X)
    return out


def _xdy(X: FloatArray, d: FloatArray, y: FloatArray) -> FloatArray:
    """``X' diag(d) y``: -> (m, p)."""
    out: FloatArray = np.einsum("mki,mk->mi", X, d * y)
    return out


def _tr(A: FloatArray, B: FloatArray) -> FloatArray:
    """``tr(A B)`` for stacks of square matrices."""
    if A.shape[1] == 1:
        return A[:, 0, 0] * B[:, 0, 0]
    out: FloatArray = np.einsum("mij,mji->m", A, B)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Projection:
    """``P = W - W X A X' W`` with ``A = (X'WX)^-1``, kept implicit (never k x k).

    Attributes
    ----------
    X : ndarray of shape (m, k, p)
        Design matrices.
    w : ndarray of shape (m, k)
        Weights (0 for padding).
    A : ndarray of shape (m, p, p)
        ``(X'WX)^-1``.
    resid : ndarray of shape (m, k)
        ``y - X beta_hat`` (0 for padding).
    intercept_only : bool
        ``X`` is the intercept column (1 wherever ``w > 0``); the traces then reduce to sums
        over studies (a faster path with the same formulas).
    """

    X: FloatArray
    w: FloatArray
    A: FloatArray
    resid: FloatArray
    intercept_only: bool = False

    @property
    def rss(self) -> FloatArray:
        """``y'Py = sum w r^2``."""
        out: FloatArray = np.einsum("mk,mk,mk->m", self.w, self.resid, self.resid)
        return out

    @property
    def rss_pp(self) -> FloatArray:
        """``y'PPy = sum (w r)^2``."""
        wr = self.w * self.resid
        out: FloatArray = np.einsum("mk,mk->m", wr, wr)
        return out

    def tr_pd(self, d: FloatArray) -> FloatArray:
        """``tr(P D)`` for a diagonal ``D``."""
        w = self.w
        if self.intercept_only:
            out: FloatArray = (np.einsum("mk,mk->m", w, d)
                               - self.A[:, 0, 0] * np.einsum("mk,mk,mk->m", w, w, d))
            return out
        out = np.einsum("mk,mk->m", w, d) - _tr(self.A, _xdx(self.X, w**2 * d))
        return out

    def upu(self, u: FloatArray) -> FloatArray:
        """``u'Pu`` for vectors ``u`` of shape (m, k)."""
        w = self.w
        if self.intercept_only:
            wu = np.einsum("mk,mk->m", w, u)
            out: FloatArray = np.einsum("mk,mk,mk->m", w, u, u) - self.A[:, 0, 0] * wu**2
            return out
        xwu = _xdy(self.X, w, u)
        out = np.einsum("mk,mk,mk->m", w, u, u) - np.einsum("mi,mij,mj->m", xwu, self.A, xwu)
        return out

    def tr_pdpd(self, d1: FloatArray, d2: FloatArray) -> FloatArray:
        """``tr(P D1 P D2)`` for diagonal ``D1``, ``D2``."""
        w = self.w
        w2 = w * w
        first = np.einsum("mk,mk,mk->m", w2, d1, d2)
        if self.intercept_only:
            a = self.A[:, 0, 0]
            second = np.einsum("mk,mk,mk,mk->m", w2, w, d1, d2)
            s1 = np.einsum("mk,mk->m", w2, d1)
            s2 = s1 if d2 is d1 else np.einsum("mk,mk->m", w2, d2)
            out: FloatArray = first - 2 * a * second + a * a * s1 * s2
            return out
        second = _tr(self.A, _xdx(self.X, w2 * w * d1 * d2))
        third = _tr(self.A @ _xdx(self.X, w2 * d1), self.A @ _xdx(self.X, w2 * d2))
        out = first - 2 * second + third
        return out


def wls_projection(y: FloatArray, w: FloatArray, X: FloatArray) -> Projection:
    """Weighted least squares of ``y`` on ``X`` with weights ``w`` (0 for padding)."""
    if X.shape[2] == 1 and bool(np.all(X[:, :, 0][w > 0] == 1.0)):
        sw = np.sum(w, axis=1)
        mu = np.einsum("mk,mk->m", w, y) / sw
        resid = np.where(w > 0, y - mu[:, None], 0.0)
        return Projection(X, w, (1.0 / sw)[:, None, None], resid, True)
    xwx = _xdx(X, w)
    A: FloatArray = 1.0 / xwx if X.shape[2] == 1 else np.linalg.inv(xwx).astype(np.float64)
    beta = np.einsum("mij,mj->mi", A, _xdy(X, w, y))
    resid = np.where(w > 0, y - np.einsum("mki,mi->mk", X, beta), 0.0)
    return Projection(X, w, A, resid)


def generalized_q(
    tau2: FloatArray, y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Generalised Q statistic ``Q(tau^2) = y'P y`` with ``W = 1/(v + tau^2)`` and its slope.

    Returns ``(Q, dQ/dtau^2)``; the slope is ``-y'PPy``. Used by PM and by the Q-profile
    confidence interval (Viechtbauer 2007, Stat Med 26(1)).
    """
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    proj = wls_projection(y, w, X)
    return proj.rss, -proj.rss_pp


def solve_decreasing(
    target: FloatArray, lo: FloatArray, hi: FloatArray, y: FloatArray, v: FloatArray,
    mask: BoolArray, X: FloatArray, tol: float = 1e-13, maxiter: int = 200,
) -> tuple[FloatArray, BoolArray, NDArray[np.int64]]:
    """Solve ``Q(tau^2) = target`` on ``[lo, hi]`` for every analysis (Q decreasing in tau^2).

    Callers make sure ``Q(lo) > target >= Q(hi)``; Newton from ``lo`` (Q is convex in
    practice, so the steps approach the root from below).
    """
    target = np.broadcast_to(np.asarray(target, dtype=np.float64), lo.shape)

    def fn(x: FloatArray, rows: NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        q, dq = generalized_q(x, y[rows], v[rows], mask[rows], X[rows])
        return q - target[rows], dq

    return newton_bracketed(fn, lo, lo, hi, tol, maxiter)


# -- estimators --------------------------------------------------------------------------------
def estimate_tau2(
    method: Method | str,
    y: FloatArray,
    v: FloatArray,
    mask: BoolArray,
    X: FloatArray,
    control: Mapping[str, float | str | None] | None = None,
) -> Tau2Fit:
    """Estimate tau^2 for a stack of analyses.

    Parameters
    ----------
    method : Method or str
        The estimator.
    y, v : ndarray of shape (m, k)
        Effect sizes and sampling variances; padded entries may hold anything finite
        (``v`` > 0 there avoids spurious warnings).
    mask : ndarray of bool, shape (m, k)
        True where a study exists.
    X : ndarray of shape (m, k, p)
        Design matrices, zero rows where ``mask`` is False.
    control : mapping, optional
        ``threshold`` (stop when the change in tau^2 is below it), ``maxiter``, ``tau2_max``
        (upper end of the first PM search interval; ``None``: metafor's
        ``max(100, 10 mad(y)^2)``), ``algorithm`` (``"newton"``: the estimating equations
        solved to full precision; ``"fisher"``: metafor's Fisher scoring for ML/REML/EB).
        Defaults: :data:`DEFAULT_CONTROL`.
    """
    method = Method(method)
    con = {**DEFAULT_CONTROL, **(control or {})}
    m = y.shape[0]
    k = mask.sum(axis=1).astype(np.float64)
    p = float(X.shape[2])
    zeros = np.zeros(m)
    ok = np.ones(m, dtype=bool)
    none = np.zeros(m, dtype=np.int64)
    if method.is_fixed:
        return Tau2Fit(zeros, np.full(m, np.nan), np.zeros(m, dtype=bool), ok, none)
    if method is Method.ML or method is Method.REML:
        if con.get("algorithm") == "fisher":
            start = np.maximum(_hedges(y, v, mask, X, k, p)[0], 0.0)
            return _fisher_scoring(method, start, y, v, mask, X, k, p, con)
        return _score_root(method, y, v, mask, X, k, p, con)
    w_fe = np.where(mask, 1.0 / v, 0.0)
    ones = mask.astype(np.float64)

    if method is Method.DL:
        proj = wls_projection(y, w_fe, X)
        tr_p = proj.tr_pd(ones)
        raw = (proj.rss - (k - p)) / tr_p
        tau2 = np.maximum(raw, 0.0)
        se = np.sqrt((2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2**2 * proj.tr_pdpd(ones, ones))
                     / tr_p**2)
        return Tau2Fit(tau2, se, raw < 0, ok, none)

    if method is Method.HS:
        proj = wls_projection(y, w_fe, X)
        sum_w = np.sum(w_fe, axis=1)
        raw = (proj.rss - k) / sum_w
        tau2 = np.maximum(raw, 0.0)
        se = np.sqrt((2 * (k - p) + 4 * tau2 * proj.tr_pd(ones)
                      + 2 * tau2**2 * proj.tr_pdpd(ones, ones)) / sum_w**2)
        return Tau2Fit(tau2, se, raw < 0, ok, none)

    if method is Method.SJ:
        mean = np.sum(y * ones, axis=1) / k
        tau0 = np.sum(ones * (y - mean[:, None]) ** 2, axis=1) / k
        proj = wls_projection(y, np.where(mask, 1.0 / (v + tau0[:, None]), 0.0), X)
        raw = tau0 * proj.rss / (k - p)
        tau2 = np.maximum(raw, 0.0)
        vm = np.where(mask, v, 0.0)
        se = np.sqrt(tau0**2 / (k - p) ** 2 * (
            2 * proj.tr_pdpd(vm, vm) + 4 * tau2 * proj.tr_pdpd(vm, ones)
            + 2 * tau2**2 * proj.tr_pdpd(ones, ones)))
        return Tau2Fit(tau2, se, raw < 0, ok, none)

    if method is Method.HE:
        he_raw, he_se = _hedges(y, v, mask, X, k, p)
        tau2 = np.maximum(he_raw, 0.0)
        return Tau2Fit(tau2, he_se(tau2), he_raw < 0, ok, none)

    if method is Method.PM:
        return _paule_mandel(y, v, mask, X, k, p, con)

    if con.get("algorithm") == "fisher":  # EB
        start = np.maximum(_hedges(y, v, mask, X, k, p)[0], 0.0)
        return _fisher_scoring(method, start, y, v, mask, X, k, p, con)
    return _paule_mandel(y, v, mask, X, k, p, con)


def _hedges(
    y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray, k: FloatArray, p: float
) -> tuple[FloatArray, Callable[[FloatArray], FloatArray]]:
    """Hedges' estimator (OLS residuals) and a function giving its SE at a tau^2."""
    ones = mask.astype(np.float64)
    proj = wls_projection(y, ones, X)
    vm = np.where(mask, v, 0.0)
    tr_pv = proj.tr_pd(vm)
    raw = (proj.rss - tr_pv) / (k - p)
    tr_pvpv = proj.tr_pdpd(vm, vm)

    def se(tau2: FloatArray) -> FloatArray:
        return np.sqrt((2 * tr_pvpv + 4 * tau2 * tr_pv + 2 * tau2**2 * (k - p)) / (k - p) ** 2)

    return raw, se


def _paule_mandel(
    y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray, k: FloatArray, p: float,
    con: Mapping[str, float | str | None],
) -> Tau2Fit:
    """Root of ``Q(tau^2) = k - p``; 0 when ``Q(0) < k - p``.

    The search starts on metafor's ``[0, max(100, 10 mad(y)^2)]`` and its upper end is
    doubled until it brackets the root (metafor stops with an error instead).
    """
    m = y.shape[0]
    target = k - p
    lo = np.zeros(m)
    hi = _tau2_max(y, mask, con)
    q0, _ = generalized_q(lo, y, v, mask, X)
    at_zero = q0 < target
    for _ in range(200):
        qmax, _ = generalized_q(hi, y, v, mask, X)
        short = ~at_zero & (qmax > target)
        if not short.any():
            break
        hi = np.where(short, 2 * hi, hi)
    tau2, conv, n_iter = solve_decreasing(target, lo, hi, y, v, mask, X)
    tau2 = np.where(at_zero, 0.0, tau2)
    converged = at_zero | conv
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    se = np.sqrt(2 * k**2 / (k - p) / np.sum(w, axis=1) ** 2)
    return Tau2Fit(tau2, se, at_zero, converged, np.where(at_zero, 0, n_iter))


def _tau2_max(
    y: FloatArray, mask: BoolArray, con: Mapping[str, float | str | None]
) -> FloatArray:
    """metafor's upper search bound ``max(100, 10 mad(y)^2)`` (R's ``mad``: 1.4826 MAD)."""
    if con.get("tau2_max") is not None:
        return np.full(y.shape[0], float(con["tau2_max"]))  # type: ignore[arg-type]
    yn = np.where(mask, y, np.nan)
    med = np.nanmedian(yn, axis=1)
    mad = 1.4826 * np.nanmedian(np.abs(yn - med[:, None]), axis=1)
    out: FloatArray = np.maximum(100.0, 10 * mad**2)
    return out


def _score_root(
    method: Method, y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray,
    k: FloatArray, p: float, con: Mapping[str, float | str | None],
) -> Tau2Fit:
    """ML / REML to full precision: the global maximum of the (restricted) likelihood on
    ``[0, inf)`` (:func:`evidencehub.stats.likelihood.global_maximum`). Score and derivative
    (Viechtbauer 2005): REML ``(y'PPy - tr P)/2`` and ``-y'PPPy + tr(PP)/2``; ML
    ``(y'PPy - sum w)/2`` and ``-y'PPPy + sum(w^2)/2``."""
    tol = float(con["threshold"] or 1e-13)
    maxiter = int(con["maxiter"] or 1000)
    if X.shape[2] == 1 and bool(np.all(X[:, :, 0][mask] == 1.0)):
        return _intercept_root(method, y, v, mask, k, tol, maxiter)
    restricted = method is Method.REML

    def score(x: FloatArray, rows: NDArray[np.intp] | None, derivative: bool
              ) -> tuple[FloatArray, FloatArray | None]:
        if rows is None:
            rows = np.arange(y.shape[0])
        mk = mask[rows]
        w = np.where(mk, 1.0 / (v[rows] + x[:, None]), 0.0)
        proj = wls_projection(y[rows], w, X[rows])
        ones = mk.astype(np.float64)
        if restricted:
            f = 0.5 * (proj.rss_pp - proj.tr_pd(ones))
        else:
            f = 0.5 * (proj.rss_pp - np.sum(w, axis=1))
        if not derivative:
            return f, None
        u = w * proj.resid
        second = proj.tr_pdpd(ones, ones) if restricted else np.sum(w**2, axis=1)
        return f, -proj.upu(u) + 0.5 * second

    def loglik(x: FloatArray, rows: NDArray[np.intp]) -> FloatArray:
        return _loglik(method, x, y[rows], v[rows], mask[rows], X[rows], k[rows], p)

    rss_ols = wls_projection(y, mask.astype(np.float64), X).rss
    v_min = np.min(np.where(mask, v, np.inf), axis=1)
    v_max = np.max(np.where(mask, v, 0.0), axis=1)
    t_hi = upper_bound(rss_ols, v_min, v_max, k - p)
    tau2, at_zero, conv, n_iter = global_maximum(score, loglik, t_hi, tol, maxiter)
    return Tau2Fit(tau2, _likelihood_se(method, tau2, y, v, mask, X), at_zero, conv, n_iter)


def _intercept_root(
    method: Method, y: FloatArray, v: FloatArray, mask: BoolArray, k: FloatArray, tol: float,
    maxiter: int,
) -> Tau2Fit:
    """:func:`_score_root` for intercept-only models: sums over studies instead of
    projections, and the analyses split into blocks of similar k (less padding)."""
    restricted = method is Method.REML
    m, width = mask.shape
    used = width - np.argmax(mask[:, ::-1], axis=1)  # columns up to the last study
    tau2, se = np.zeros(m), np.zeros(m)
    at_zero, conv = np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
    n_iter = np.zeros(m, dtype=np.int64)
    edges = np.unique(np.quantile(used, [0.25, 0.5, 0.75, 1.0], method="higher"))
    below = 0
    for edge in edges:
        rows = np.flatnonzero((used > below) & (used <= edge))
        below = edge
        mk = mask[rows, :edge]
        yb = np.where(mk, y[rows, :edge], 0.0)
        vb = np.where(mk, v[rows, :edge], np.inf)
        kb = k[rows]
        dev = np.where(mk, yb - (yb.sum(axis=1) / kb)[:, None], 0.0)
        t_hi = upper_bound(np.einsum("ij,ij->i", dev, dev), vb.min(axis=1),
                           np.where(mk, vb, 0.0).max(axis=1), kb - 1)
        score = intercept_score(restricted, yb, vb)

        def loglik(x: FloatArray, r: NDArray[np.intp], yb: FloatArray = yb,
                   vb: FloatArray = vb) -> FloatArray:
            return intercept_loglik(restricted, yb[r], vb[r], x)

        t, z, c, n = global_maximum(score, loglik, t_hi, tol, maxiter)
        tau2[rows], at_zero[rows], conv[rows], n_iter[rows] = t, z, c, n
        w = 1.0 / (vb + t[:, None])
        s_w2 = np.einsum("ij,ij->i", w, w)
        if restricted:
            sw = w.sum(axis=1)
            s_w3 = np.einsum("ij,ij->i", w * w, w)
            s_w2 = s_w2 - 2 * s_w3 / sw + (s_w2 / sw) ** 2  # tr(PP)
        se[rows] = np.sqrt(2 / s_w2)
    return Tau2Fit(tau2, se, at_zero, conv, n_iter)


def _likelihood_se(
    method: Method, tau2: FloatArray, y: FloatArray, v: FloatArray, mask: BoolArray,
    X: FloatArray,
) -> FloatArray:
    """metafor's SE of tau^2: ML ``sqrt(2/sum w^2)``, REML ``sqrt(2/tr(PP))``, EB
    ``sqrt(2 k^2/(k - p)/(sum w)^2)``."""
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    if method is Method.ML:
        out: FloatArray = np.sqrt(2 / np.sum(w**2, axis=1))
        return out
    if method is Method.REML:
        ones = mask.astype(np.float64)
        return np.sqrt(2 / wls_projection(y, w, X).tr_pdpd(ones, ones))
    k = mask.sum(axis=1)
    out = np.sqrt(2 * k**2 / (k - X.shape[2]) / np.sum(w, axis=1) ** 2)
    return out


def _fisher_scoring(
    method: Method, start: FloatArray, y: FloatArray, v: FloatArray, mask: BoolArray,
    X: FloatArray, k: FloatArray, p: float, con: Mapping[str, float | str | None],
) -> Tau2Fit:
    """ML / REML / EB iterations exactly as metafor: ``tau2 += adj`` from the HE estimate,
    halving steps that would go below 0, until the change is at most ``threshold``."""
    threshold = float(con["threshold"] or 0.0)
    maxiter = int(con["maxiter"] or 0)
    tau2 = start.copy()
    m = tau2.shape[0]
    active = np.ones(m, dtype=bool)
    n_iter = np.zeros(m, dtype=np.int64)
    for _ in range(maxiter + 1):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        t, mk, kr = tau2[rows], mask[rows], k[rows]
        w = np.where(mk, 1.0 / (v[rows] + t[:, None]), 0.0)
        proj = wls_projection(y[rows], w, X[rows])
        if method is Method.ML:
            adj = (proj.rss_pp - np.sum(w, axis=1)) / np.sum(w**2, axis=1)
        elif method is Method.REML:
            ones = mk.astype(np.float64)
            adj = (proj.rss_pp - proj.tr_pd(ones)) / proj.tr_pdpd(ones, ones)
        else:  # EB
            adj = (proj.rss * kr / (kr - p) - kr) / np.sum(w, axis=1)
        adj = np.where(np.isnan(adj), 0.0, adj)
        for _halve in range(60):
            below = t + adj < 0
            if not below.any():
                break
            adj = np.where(below, adj / 2, adj)
        tau2[rows] = t + adj
        n_iter[rows] += 1
        active[rows[np.abs(adj) <= threshold]] = False
    converged = ~active
    truncated = tau2 <= 0
    if method in (Method.ML, Method.REML):
        tau2, stuck = _ll0_check(method, tau2, y, v, mask, X, k, p, threshold)
        truncated |= stuck
    tau2 = np.maximum(tau2, 0.0)
    return Tau2Fit(tau2, _likelihood_se(method, tau2, y, v, mask, X), truncated, converged,
                   n_iter)


def _loglik(
    method: Method, tau2: FloatArray, y: FloatArray, v: FloatArray, mask: BoolArray,
    X: FloatArray, k: FloatArray, p: float,
) -> FloatArray:
    """ML or restricted log-likelihood at ``tau2`` (metafor's, without the ``X'X`` term)."""
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    proj = wls_projection(y, w, X)
    logv = np.sum(np.where(mask, np.log(v + tau2[:, None]), 0.0), axis=1)
    if method is Method.ML:
        out: FloatArray = -0.5 * k * np.log(2 * np.pi) - 0.5 * logv - 0.5 * proj.rss
        return out
    logdet = np.linalg.slogdet(_xdx(X, w))[1]
    out = -0.5 * (k - p) * np.log(2 * np.pi) - 0.5 * logv - 0.5 * logdet - 0.5 * proj.rss
    return out


def _ll0_check(
    method: Method, tau2: FloatArray, y: FloatArray, v: FloatArray, mask: BoolArray,
    X: FloatArray, k: FloatArray, p: float, threshold: float,
) -> tuple[FloatArray, BoolArray]:
    """metafor's ``ll0check``: keep tau^2 = 0 when it has the higher (restricted) likelihood."""
    ll0 = _loglik(method, np.zeros_like(tau2), y, v, mask, X, k, p)
    ll = _loglik(method, tau2, y, v, mask, X, k, p)
    stuck = (ll0 - ll > LL0_TOL) & (tau2 > threshold)
    return np.where(stuck, 0.0, tau2), stuck
