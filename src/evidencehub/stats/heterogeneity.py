"""Heterogeneity: Cochran's Q, I^2, H^2, the Q-profile interval for tau^2, and how to read I^2.

Definitions follow metafor 3.8 ``rma.uni`` and ``confint.rma.uni``:

* ``QE = y'P y`` with ``W = 1/v`` (Cochran 1954), ``k - p`` df, upper-tail chi-square p-value.
* metafor's I^2 and H^2 (Higgins & Thompson 2002, generalised): ``I2 = 100 tau2/(vt + tau2)``,
  ``H2 = 1 + tau2/vt`` with the "typical" sampling variance ``vt = (k - p)/tr(P)``. For the
  equal-effects model (and with ``i2="Q"``, the RevMan / R ``meta`` convention) the Q-based
  forms ``I2 = max(0, 100 (QE - df)/QE)`` and ``H2 = QE/df`` are used instead.
* Q-profile confidence interval for tau^2 (Viechtbauer 2007, Stat Med 26(1)): the values of
  tau^2 where the generalised Q equals the chi-square quantiles, searched on
  ``[0, max(100, 10 tau2)]``, with metafor's ``"<"``/``">"`` flags when a limit falls outside
  the search interval. The I^2, H^2 and tau limits are transformations of the tau^2 limits.
* Interpretation bands for I^2: Cochrane Handbook for Systematic Reviews of Interventions,
  version 6.4, section 10.10.2 (the bands overlap on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evidencehub.stats.distributions import chi2_isf, chi2_ppf, chi2_sf
from evidencehub.stats.tau2 import generalized_q, solve_decreasing, wls_projection

__all__ = [
    "I2_BANDS",
    "Heterogeneity",
    "QProfile",
    "heterogeneity",
    "interpret_i2",
    "q_profile",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

I2_BANDS: tuple[tuple[float, float, str], ...] = (
    (0.0, 40.0, "might not be important"),
    (30.0, 60.0, "may represent moderate heterogeneity"),
    (50.0, 90.0, "may represent substantial heterogeneity"),
    (75.0, 100.0, "considerable heterogeneity"),
)
"""Cochrane Handbook (v6.4, section 10.10.2) rough guide to I^2, as (low %, high %, reading)."""


@dataclass(frozen=True, slots=True, eq=False)
class Heterogeneity:
    """Heterogeneity statistics for a stack of ``m`` analyses (arrays of shape (m,)).

    Attributes
    ----------
    QE, QEdf, QEp : ndarray
        Cochran's Q (residual Q with moderators), its df ``k - p`` and upper-tail p-value.
    vt : ndarray
        metafor's typical within-study variance ``(k - p)/tr(P)``, ``W = 1/v``.
    I2, H2 : ndarray
        In percent / as a ratio; definition chosen by ``i2`` (see the module docstring).
    """

    QE: FloatArray
    QEdf: FloatArray
    QEp: FloatArray
    vt: FloatArray
    I2: FloatArray
    H2: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class QProfile:
    """Q-profile confidence limits for tau^2 and the quantities derived from it.

    Attributes
    ----------
    tau2_lb, tau2_ub, tau_lb, tau_ub, I2_lb, I2_ub, H2_lb, H2_ub : ndarray of shape (m,)
        The limits.
    lb_sign, ub_sign : tuple of str
        ``""``, or ``"<"``/``">"`` when the limit lies below/above the search interval and
        its end is reported instead (metafor's ``lb.sign``/``ub.sign``).
    converged : ndarray of bool
        False when a root search did not converge.
    """

    tau2_lb: FloatArray
    tau2_ub: FloatArray
    tau_lb: FloatArray
    tau_ub: FloatArray
    I2_lb: FloatArray
    I2_ub: FloatArray
    H2_lb: FloatArray
    H2_ub: FloatArray
    lb_sign: tuple[str, ...]
    ub_sign: tuple[str, ...]
    converged: BoolArray


def heterogeneity(
    y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray, tau2: FloatArray,
    fixed: bool, i2: str = "metafor",
) -> Heterogeneity:
    """Q, I^2, H^2 and vt for a stack of analyses (see the module docstring).

    Parameters
    ----------
    y, v, mask, X : ndarray
        Stacked data as in :func:`evidencehub.stats.tau2.estimate_tau2`.
    tau2 : ndarray of shape (m,)
        Estimated tau^2 (0 for EE).
    fixed : bool
        The model is an equal-effects model (Q-based I^2 and H^2, as metafor).
    i2 : {"metafor", "Q"}
        ``"Q"`` forces the Q-based I^2/H^2 also for random-effects models (RevMan, ``meta``).
    """
    k = mask.sum(axis=1).astype(np.float64)
    df = k - X.shape[2]
    q, _ = generalized_q(np.zeros(y.shape[0]), y, v, mask, X)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.maximum(q, 0.0)
        qp = np.where(df > 0, chi2_sf(q, np.maximum(df, 1)), 1.0)
        w = np.where(mask, 1.0 / v, 0.0)
        tr_p = wls_projection(y, w, X).tr_pd(mask.astype(np.float64))
        vt = np.where(df > 0, df / tr_p, 0.0)
        if fixed or i2 == "Q":
            i2_val = np.where(df > 0, np.maximum(0.0, 100 * (q - df) / q), 0.0)
            h2_val = np.where(df > 0, q / df, 1.0)
        else:
            i2_val = np.where(df > 0, 100 * tau2 / (vt + tau2), 0.0)
            h2_val = np.where(df > 0, tau2 / vt + 1, 1.0)
    i2_val = np.nan_to_num(i2_val, nan=0.0)
    q = np.where(df > 0, q, 0.0)
    return Heterogeneity(q, df, qp, vt, i2_val, h2_val)


def q_profile(
    y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray, tau2: FloatArray,
    vt: FloatArray, level: float = 95.0,
) -> QProfile:
    """Q-profile confidence interval for tau^2 (metafor ``confint.rma.uni``, ``type="QP"``).

    Parameters
    ----------
    y, v, mask, X : ndarray
        Stacked data.
    tau2 : ndarray of shape (m,)
        The estimates (they set the search interval ``[0, max(100, 10 tau2)]``).
    vt : ndarray of shape (m,)
        Typical within-study variances, for the I^2/H^2 limits.
    level : float
        Confidence level in percent.
    """
    m = y.shape[0]
    df = mask.sum(axis=1) - X.shape[2]
    alpha = 1 - level / 100
    dfs, at = np.unique(df, return_inverse=True)  # each quantile once per distinct df
    crit_u = chi2_isf(alpha / 2, dfs)[at]
    crit_l = chi2_ppf(alpha / 2, dfs)[at]
    t_min = np.zeros(m)
    t_max = np.maximum(100.0, 10 * tau2)
    q_min, _ = generalized_q(t_min, y, v, mask, X)
    q_max, _ = generalized_q(t_max, y, v, mask, X)
    lb = np.full(m, np.nan)
    ub = np.full(m, np.nan)
    lb_sign = np.full(m, "", dtype=object)
    ub_sign = np.full(m, "", dtype=object)
    converged = np.ones(m, dtype=bool)

    below = q_min < crit_l
    lb[below] = ub[below] = t_min[below]
    lb_sign[below] = ub_sign[below] = "<"
    ub_at_max = ~below & (q_max > crit_l)
    ub[ub_at_max] = t_max[ub_at_max]
    ub_sign[ub_at_max] = ">"
    ub_root = ~below & ~ub_at_max
    if ub_root.any():
        root, conv, _ = _roots(crit_l, t_min, t_max, y, v, mask, X, ub_root)
        ub[ub_root] = root
        converged[ub_root] &= conv

    above = q_max > crit_u
    lb[above] = ub[above] = t_max[above]
    lb_sign[above] = ub_sign[above] = ">"
    lb_at_min = ~above & (q_min < crit_u)
    lb[lb_at_min] = t_min[lb_at_min]
    lb_root = ~above & ~lb_at_min
    if lb_root.any():
        root, conv, _ = _roots(crit_u, t_min, t_max, y, v, mask, X, lb_root)
        lb[lb_root] = root
        converged[lb_root] &= conv

    with np.errstate(divide="ignore", invalid="ignore"):
        i2_lb, i2_ub = 100 * lb / (vt + lb), 100 * ub / (vt + ub)
        h2_lb, h2_ub = lb / vt + 1, ub / vt + 1
    return QProfile(
        lb, ub, np.sqrt(lb), np.sqrt(ub), i2_lb, i2_ub, h2_lb, h2_ub,
        tuple(lb_sign.tolist()), tuple(ub_sign.tolist()), converged,
    )


def _roots(
    target: FloatArray, lo: FloatArray, hi: FloatArray, y: FloatArray, v: FloatArray,
    mask: BoolArray, X: FloatArray, rows: BoolArray,
) -> tuple[FloatArray, BoolArray, NDArray[np.int64]]:
    return solve_decreasing(
        np.asarray(target)[rows], lo[rows], hi[rows], y[rows], v[rows], mask[rows], X[rows]
    )


def interpret_i2(i2: float) -> str:
    """Read an I^2 value (percent) with the Cochrane Handbook's overlapping bands.

    >>> interpret_i2(95.0)
    'I^2 = 95.0%: considerable heterogeneity (75-100%) [Cochrane Handbook 10.10.2]'
    """
    readings = [f"{text} ({lo:g}-{hi:g}%)" for lo, hi, text in I2_BANDS if lo <= i2 <= hi]
    return f"I^2 = {i2:.1f}%: {' / '.join(readings)} [Cochrane Handbook 10.10.2]"
