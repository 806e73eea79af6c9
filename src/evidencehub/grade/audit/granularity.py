"""GRIM, GRIMMER and percentages: which means, SDs and shares whole numbers can give.

A mean of ``n`` answers to ``items`` integer items is a whole sum divided by ``n * items``;
its SD comes from a whole sum of squares whose parity is the parity of the sum. A printed
mean (or SD) fits if some whole sum (and sum of squares) gives a value that rounds to it.

Rounding follows scrutiny's default ``"up_or_down"``: a printed ``5.19`` stands for any
value in the closed interval [5.185, 5.195], so a tie may have been rounded either way
(Jung, scrutiny ``reround()``). A relative slack of 1e-9 absorbs floating-point dust, where
scrutiny uses 1e-12 (``dustify``) and 1.5e-8 (``dplyr::near``).

References
----------
Brown NJL, Heathers JAJ (2017). The GRIM test: a simple technique detects numerous
anomalies in the reporting of results in psychology. *Soc Psychol Personal Sci* 8:363-9.
Anaya J (2016). The GRIMMER test: a method for testing the validity of reported measures of
variability. *PeerJ Preprints* 4:e2400v1.
Allard A (2018). Analytic-GRIMMER: a new way of testing the possibility of standard
deviations (blog post; the algorithm of rsprite2's ``GRIMMER_test`` and scrutiny's
``grimmer()``).
"""

from __future__ import annotations

import math
from typing import Literal

from evidencehub.grade.audit.reported import Printed

__all__ = ["MAX_SUMS", "GrimmerFailure", "grim", "grim_applies", "grimmer", "percent_fits",
           "whole_sums"]

#: Above this many candidate sums (or sums of squares) the checks stop and call the numbers
#: possible: with so many, the test has no power.
MAX_SUMS = 10_000
_SLACK = 1e-9
_EXACT = 2.0**52

GrimmerFailure = Literal["grim", "sum-of-squares", "parity"]


def _slack(x: float) -> float:
    return _SLACK * max(1.0, abs(x))


def whole_sums(low: float, high: float, count: int) -> range | None:
    """The whole numbers ``S`` with ``low <= S / count <= high`` (up to float dust).

    None if there are more than :data:`MAX_SUMS` of them (or the bounds are not finite): too
    many to list, or sums beyond 2**52 where floats no longer hold every whole number.
    """
    first, last = _whole_between(low * count, high * count)
    return None if first is None or last is None else range(first, last + 1)


def _whole_between(low: float, high: float) -> tuple[int | None, int | None]:
    """First and last whole number in [low, high] (with slack); None, None if not countable."""
    if not (abs(low) < _EXACT and abs(high) < _EXACT) or high - low > MAX_SUMS:
        return None, None
    return math.ceil(low - _slack(low)), math.floor(high + _slack(high))


def grim(value: Printed, n: int, items: int = 1, *, percent: bool = False) -> bool:
    """True if some whole sum of ``n * items`` integers has a mean that rounds to ``value``.

    With ``percent``, ``value`` is a percentage of ``n * items`` (scrutiny's ``grim(x, n,
    items, percent = TRUE)``); no cap at 100 % is applied here.
    """
    low, high = value.bounds
    scale = 100.0 if percent else 1.0
    sums = whole_sums(low / scale, high / scale, n * items)
    return sums is None or len(sums) > 0


def grim_applies(mean: Printed, n: int, items: int = 1) -> bool:
    """GRIM can fail only if ``n * items`` is below ``10 ** decimals`` (Brown & Heathers 2017).

    With more answers than steps of the last printed digit, every printed mean is possible.
    """
    return n * items < 10.0 ** mean.decimals


def grimmer(mean: Printed, sd: Printed, n: int, items: int = 1) -> GrimmerFailure | None:
    """Why a mean and SD of integer data are impossible for ``n``, or None if they are possible.

    Parameters
    ----------
    mean, sd : Printed
        The printed mean and SD (relation ``=``); the SD is the sample SD (``n - 1``).
    n : int
        Participants, at least 2.
    items : int
        Integer items averaged per participant (1 for a single integer answer).

    Returns
    -------
    "grim", "sum-of-squares", "parity" or None
        ``"grim"``: no whole sum gives the mean; ``"sum-of-squares"``: no whole sum of squares
        lies between the ones the SD's rounding interval allows (Allard's test 1);
        ``"parity"``: the only such sums of squares have the wrong parity (test 3; the sum of
        squares of integers has the parity of their sum). None: possible.

    Notes
    -----
    For a participant's item total ``s_i`` (an integer), ``sum s_i = S`` and
    ``sum s_i**2 = items**2 * ((n - 1) * sd**2) + S**2 / n``. Unlike scrutiny, which takes only
    the sum nearest to ``mean * n * items``, every whole sum that GRIM allows is tried, so a
    mean printed with fewer decimals than ``n * items`` needs is never a false alarm. Beyond
    :data:`MAX_SUMS` candidate sums (or sums of squares) the SD is called possible (the test
    has no power there).
    """
    count = n * items
    sums = whole_sums(*mean.bounds, count)
    if sums is None:
        return None
    if len(sums) == 0:
        return "grim"
    sd_low, sd_high = sd.bounds
    spread_low = items * items * (n - 1) * max(sd_low, 0.0) * max(sd_low, 0.0)
    spread_high = items * items * (n - 1) * sd_high * sd_high
    any_integer = False
    for total in sums:
        centre = total * total / n
        first, last = _whole_between(spread_low + centre, spread_high + centre)
        if first is None or last is None:
            return None
        if first > last:
            continue
        any_integer = True
        if last > first or first % 2 == total % 2:
            return None
    return "parity" if any_integer else "sum-of-squares"


def percent_fits(percent: Printed, total: int, events: int | None = None) -> bool:
    """True if ``events`` of ``total`` (or, without ``events``, some whole count) gives the
    printed percentage when rounded up or down (closed rounding interval, as GRIM).
    """
    low, high = percent.bounds
    if events is not None:
        share = 100.0 * events / total
        return low - _slack(low) <= share <= high + _slack(high)
    counts = whole_sums(low / 100.0, high / 100.0, total)
    return counts is None or max(counts.start, 0) <= min(counts.stop - 1, total)
