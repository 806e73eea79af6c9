"""Test statistics with degrees of freedom against their P value, as statcheck checks them.

This follows statcheck's R code (Nuijten et al. 2016; Nuijten & Epskamp, statcheck 1.5:
``compute_p``, ``error_test``, ``decision_error_test``, ``process_stats``) rule for rule:

* P is recomputed from the statistic: two-tailed for t, z and r (r through
  ``t = r / sqrt((1 - r**2) / df)``), upper tail for F, chi2 and Q (Q as chi2).
* The statistic may have been rounded: with ``d`` decimals its true value lies within
  ``0.5 / 10**d``; the P values of both ends give the range of correct P values, and a
  reported ``P = x`` is an error only if it lies outside that range after the range's ends
  are rounded to the decimals of ``x``. ``P < x`` and ``P > x`` and statistics reported
  with ``<`` or ``>`` are compared as in ``error_test``.
* ``P = .000`` (any reported P of 0 or below) is an error (statcheck's ``pZeroError``).
* A decision error is an error where the reported and the recomputed P fall on different
  sides of alpha; ``P = alpha`` counts as significant (``pEqualAlphaSig``).
* A one-tailed test (the text says so: ``tails=1``) is accepted if the one-tailed P makes
  the result correct (statcheck's ``OneTailedTxt``).

One deliberate difference: when the rounding interval of a t, z or r value straddles 0
(``t = 0.0``), the smallest possible absolute value is 0, not the interval's end
(statcheck takes ``abs()`` of both ends). ``P <= x`` is read as ``P < x``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import special

from evidencehub.grade.audit.reported import Printed, TestStatistic

__all__ = ["StatcheckResult", "compute_p", "statcheck"]

_Comparison = Literal["=", "<", ">"]


@dataclass(frozen=True, slots=True)
class StatcheckResult:
    """statcheck's verdict on one test statistic and its P value.

    Attributes
    ----------
    computed_p : float
        P recomputed from the printed statistic (one-tailed if that made it correct).
    p_range : tuple of float
        ``(low, high)``: P values of the ends of the statistic's rounding interval.
    error : bool
        The reported P cannot belong to the statistic (statcheck's ``error``).
    decision_error : bool
        An error that changes significance at ``alpha`` (``decision_error``).
    one_tailed : bool
        The result was accepted as a one-tailed test.
    """

    computed_p: float
    p_range: tuple[float, float]
    error: bool
    decision_error: bool
    one_tailed: bool = False


def compute_p(statistic: TestStatistic, value: float, df1: float | None, df2: float | None,
              *, two_tailed: bool = True) -> float:
    """P of a test statistic (statcheck's ``compute_p``), with scipy's distribution functions.

    ``df1`` is the statistic's df (the numerator df for F); ``df2`` the denominator df of F.
    t, z and r are two-tailed unless ``two_tailed`` is false; F, chi2 and Q are upper-tail.
    """
    if statistic in ("t", "r"):
        df = float(df1 or 0.0)
        if statistic == "r":
            value = math.inf if abs(value) >= 1.0 else value / math.sqrt((1.0 - value**2) / df)
        p = float(special.stdtr(df, -abs(value)))
    elif statistic == "z":
        p = float(special.ndtr(-abs(value)))
    elif statistic == "F":
        p = float(special.fdtrc(float(df1 or 0.0), float(df2 or 0.0), max(value, 0.0)))
    else:  # chi2 and Q
        p = float(special.chdtrc(float(df1 or 0.0), max(value, 0.0)))
    if statistic in ("t", "z", "r") and two_tailed:
        p *= 2.0
    return min(p, 1.0)


def _comparison(printed: Printed) -> _Comparison:
    if printed.relation in ("<", "<="):
        return "<"
    if printed.relation in (">", ">="):
        return ">"
    return "="


def _p_range(statistic: TestStatistic, value: Printed, df1: float | None, df2: float | None,
             two_tailed: bool) -> tuple[float, float]:
    half = value.half_width
    if statistic in ("t", "z", "r"):
        size = abs(value.value)
        smallest, largest = max(size - half, 0.0), size + half
    else:
        smallest, largest = value.value - half, value.value + half
    low = compute_p(statistic, largest, df1, df2, two_tailed=two_tailed)
    high = compute_p(statistic, smallest, df1, df2, two_tailed=two_tailed)
    return low, high


def _error(p: Printed, value: Printed, p_range: tuple[float, float], p_zero_error: bool) -> bool:
    """statcheck's ``error_test`` for every combination of ``=``, ``<`` and ``>``."""
    low_p, up_p = p_range
    reported = p.value
    if p_zero_error and reported <= 0.0:
        return True
    p_cmp, test_cmp = _comparison(p), _comparison(value)
    decimals = max(p.decimals, 0)
    if test_cmp == "=":
        if p_cmp == "=":
            return reported > round(up_p, decimals) or reported < round(low_p, decimals)
        if p_cmp == "<":
            return reported < low_p
        return reported > up_p
    if test_cmp == "<":  # the statistic is smaller, so the true P is larger than up_p
        if p_cmp == "=":
            return reported < round(up_p, decimals)
        return reported < up_p if p_cmp == "<" else False
    # test_cmp == ">": the true P is smaller than low_p
    if p_cmp == "=":
        return reported > round(low_p, decimals)
    return False if p_cmp == "<" else reported > low_p


def _decision_error(p: Printed, value: Printed, computed: float, alpha: float,
                    p_equal_alpha_significant: bool) -> bool:
    """statcheck's ``decision_error_test`` (called only for errors)."""
    reported = p.value
    p_cmp, test_cmp = _comparison(p), _comparison(value)
    if p_equal_alpha_significant:
        if test_cmp == "=":
            if p_cmp == "=":
                return ((reported <= alpha and computed > alpha)
                        or (reported > alpha and computed <= alpha))
            if p_cmp == "<":
                return reported <= alpha and computed > alpha
            return reported >= alpha and computed <= alpha
        if test_cmp == "<":
            if p_cmp == "=":
                return reported <= alpha and computed >= alpha
            return reported <= alpha and computed >= alpha if p_cmp == "<" else False
        if p_cmp == "=":
            return reported > alpha and computed <= alpha
        return False if p_cmp == "<" else reported >= alpha and computed <= alpha
    if test_cmp == "=":
        if p_cmp == "=":
            return ((reported < alpha and computed >= alpha)
                    or (reported >= alpha and computed < alpha))
        if p_cmp == "<":
            return reported <= alpha and computed >= alpha
        return reported >= alpha and computed < alpha
    if test_cmp == "<":
        if p_cmp == "=":
            return reported < alpha and computed >= alpha
        return reported <= alpha and computed >= alpha if p_cmp == "<" else False
    if p_cmp == "=":
        return reported >= alpha and computed <= alpha
    return False if p_cmp == "<" else reported >= alpha and computed <= alpha


def _one_pass(statistic: TestStatistic, value: Printed, df1: float | None, df2: float | None,
              p: Printed, two_tailed: bool, alpha: float, p_equal_alpha_significant: bool,
              p_zero_error: bool) -> StatcheckResult:
    computed = compute_p(statistic, value.value, df1, df2, two_tailed=two_tailed)
    p_range = _p_range(statistic, value, df1, df2, two_tailed)
    error = _error(p, value, p_range, p_zero_error)
    decision = error and _decision_error(p, value, computed, alpha, p_equal_alpha_significant)
    return StatcheckResult(computed, p_range, error, decision, one_tailed=not two_tailed)


def statcheck(statistic: TestStatistic, value: Printed, df1: Printed | None,
              df2: Printed | None, p: Printed, *, tails: Literal[1, 2] = 2,
              alpha: float = 0.05, p_equal_alpha_significant: bool = True,
              p_zero_error: bool = True) -> StatcheckResult:
    """Check a reported test statistic against its reported P, as statcheck does.

    Parameters
    ----------
    statistic : {"t", "F", "r", "chi2", "z", "Q"}
        The test.
    value : Printed
        The statistic as printed (its relation may be ``<`` or ``>``).
    df1, df2 : Printed or None
        The statistic's degrees of freedom (``F(df1, df2)``; ``t``, ``r``, ``chi2``, ``Q``
        use ``df1``; ``z`` none). The caller checks that they are positive.
    p : Printed
        The P value as printed (``= .03``, ``< .001``; ``ns`` is ``> alpha``).
    tails : 1 or 2
        1 when the text says the test is one-tailed (one-sided, directional).
    alpha, p_equal_alpha_significant, p_zero_error
        statcheck's ``alpha``, ``pEqualAlphaSig`` and ``pZeroError`` (defaults as statcheck).

    Returns
    -------
    StatcheckResult
    """
    d1 = None if df1 is None else df1.value
    d2 = None if df2 is None else df2.value
    result = _one_pass(statistic, value, d1, d2, p, True, alpha, p_equal_alpha_significant,
                       p_zero_error)
    if result.error and tails == 1:
        one = _one_pass(statistic, value, d1, d2, p, False, alpha, p_equal_alpha_significant,
                        p_zero_error)
        if not one.error:
            return one
    return result
