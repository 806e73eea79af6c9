"""An estimate, its confidence interval and its P value against each other.

Altman & Bland (2011) recover P from a CI: ``SE = (u - l) / (2 * 1.96)``, ``z = Est / SE``,
``P = 2 * (1 - Phi(|z|))`` (they give a closed-form approximation of the normal tail; here
the normal distribution itself is used), on the log scale for ratios; the companion note
inverts it (``z`` from P, ``SE = Est / z``). For a ``level`` % interval 1.96 becomes the
normal quantile ``z_(1 - (1 - level/100)/2)``.

Every printed number stands for an interval of true values (:attr:`Printed.bounds`). The
functions here return the range of ``z`` over all true values at once (interval
arithmetic), so a statement is inconsistent only if no values that round to the printed
ones agree.

References
----------
Altman DG, Bland JM (2011). How to obtain the P value from a confidence interval.
*BMJ* 343:d2304. Altman DG, Bland JM (2011). How to obtain the confidence interval from a
P value. *BMJ* 343:d2090.
"""

from __future__ import annotations

import math
from itertools import product

from scipy import special

__all__ = ["Interval", "asymmetry", "p_from_z", "z_critical", "z_from_p", "z_range_centre",
           "z_range_estimate"]

Interval = tuple[float, float]


def z_critical(level: float) -> float:
    """The normal quantile of a two-sided ``level`` % interval (1.96 for 95)."""
    return float(-special.ndtri((1.0 - level / 100.0) / 2.0))


def p_from_z(z: float) -> float:
    """Two-sided normal P of ``|z|`` (1 at 0, 0 at infinity)."""
    return 2.0 * float(special.ndtr(-abs(z)))


def z_from_p(p: float) -> float:
    """The ``|z|`` of a two-sided normal P (infinity for P <= 0, 0 for P >= 1)."""
    if p <= 0.0:
        return math.inf
    if p >= 1.0:
        return 0.0
    return float(-special.ndtri(p / 2.0))


def _abs_range(box: Interval) -> Interval:
    low, high = box
    if low <= 0.0 <= high:
        return 0.0, max(-low, high)
    return min(abs(low), abs(high)), max(abs(low), abs(high))


def z_range_estimate(estimate: Interval, lower: Interval, upper: Interval,
                     z_crit: float) -> Interval | None:
    """Range of ``|estimate| / SE`` with ``SE = (upper - lower) / (2 z_crit)`` (Altman & Bland).

    All three arguments are intervals of true values on the analysis scale (log for ratios).
    Returns None if every upper limit is below every lower limit (no positive width).
    """
    width_low, width_high = upper[0] - lower[1], upper[1] - lower[0]
    if width_high <= 0.0:
        return None
    size_low, size_high = _abs_range(estimate)
    z_low = size_low * 2.0 * z_crit / width_high
    z_high = math.inf if width_low <= 0.0 else size_high * 2.0 * z_crit / width_low
    return z_low, z_high


def _candidates(box: Interval) -> tuple[float, ...]:
    low, high = box
    return (low, 0.0, high) if low < 0.0 < high else (low, high)


def z_range_centre(lower: Interval, upper: Interval, z_crit: float) -> Interval | None:
    """Range of ``|centre| / SE`` where the CI's centre ``(lower + upper) / 2`` is the estimate.

    ``|a + b| / (b - a)`` is monotone in each limit wherever the signs of ``a``, ``b`` and
    ``a + b`` are fixed, so its extremes lie at corners of the box split at 0 (or are 0
    where ``a + b = 0`` is reachable, or infinite where the width can reach 0).
    """
    if upper[1] - lower[0] <= 0.0:
        return None
    values = [abs(a + b) * z_crit / (b - a)
              for a, b in product(_candidates(lower), _candidates(upper)) if b > a]
    z_high = math.inf if upper[0] - lower[1] <= 0.0 or not values else max(values)
    # a + b = 0 with b > a needs some b > 0 in upper with -b in lower
    b_low, b_high = max(upper[0], -lower[1], 0.0), min(upper[1], -lower[0])
    touches_zero = b_low <= b_high and b_high > 0.0
    z_low = 0.0 if touches_zero or not values else min(values)
    return z_low, z_high


def asymmetry(estimate: Interval, lower: Interval, upper: Interval) -> float:
    """The least ``|estimate - centre| / half-width`` over all true values (0: symmetric).

    On the analysis scale (log for ratios); 0 when some values that round to the printed ones
    put the estimate exactly at the centre of its interval.
    """
    gap_low = 2.0 * estimate[0] - lower[1] - upper[1]
    gap_high = 2.0 * estimate[1] - lower[0] - upper[0]
    if gap_low <= 0.0 <= gap_high:
        return 0.0
    width = upper[1] - lower[0]
    if width <= 0.0:
        return math.inf
    return min(abs(gap_low), abs(gap_high)) / width
