"""Conversions of what papers report into the means and SDs a meta-analysis needs.

Every function returns a :class:`Converted` record: the value(s), how they were obtained
(:class:`evidencehub.model.ValueDerivation`) and a note naming the method and its inputs, so an
extraction keeps the provenance of each number. All functions accept scalars or array-likes
(vectorised with numpy); array inputs give array outputs.

Sources
-------
* Cochrane Handbook for Systematic Reviews of Interventions, version 6.4 (2023), §6.5.2.2
  (SD from the SE or CI of a group mean), §6.5.2.3 (SD from the SE, CI, t statistic or P value
  of a difference between two means), §6.5.2.8 (SD of a change from baseline via a
  correlation, and the correlation imputed from a study reporting baseline, final and change
  SDs), Table 6.5.a (combining two groups into one); §16.4.6 of version 5.1 for the same
  correlation formula applied to paired data.
* Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation from
  the sample size, median, range and/or interquartile range. BMC Med Res Methodol 14:135
  (SD, scenarios S1, S2, S3).
* Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample
  size, median, mid-range, and/or mid-quartile range. Stat Methods Med Res 27(6):1785-1805
  (mean, the same three scenarios).
* Hozo SP, Djulbegovic B, Hozo I (2005). Estimating the mean and variance from the median,
  range, and the size of a sample. BMC Med Res Methodol 5:13 (option for scenario S1).

The formulas are a few lines each on top of scipy's normal and t quantiles, so they are
written out here rather than adding a dependency; each is tested on its source's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt

from evidencehub.errors import InputError
from evidencehub.model import ValueDerivation
from evidencehub.stats.distributions import norm_cdf, norm_pdf, norm_ppf, t_ppf

__all__ = [
    "Converted",
    "combine_groups",
    "correlation_from_sds",
    "mean_sd_from_median",
    "sd_change",
    "sd_from_ci",
    "sd_from_ci_difference",
    "sd_from_p",
    "sd_from_se",
    "sd_from_t",
]

ArrayLike = float | int | Sequence[float] | npt.NDArray[np.float64]
Value = float | npt.NDArray[np.float64]
Distribution = Literal["auto", "t", "z"]

#: Handbook §6.5.2.2: "if the sample size is small (say less than 60 in each group) then
#: confidence intervals should have been calculated using a value from a t distribution".
SMALL_SAMPLE = 60


@dataclass(frozen=True, slots=True)
class Converted:
    """A converted number and how it was obtained.

    Attributes
    ----------
    value
        The converted quantity: an SD for the ``sd_*`` functions, :func:`mean_sd_from_median`
        and :func:`combine_groups`; a correlation for :func:`correlation_from_sds`.
        A float for scalar input, an array for array input.
    derivation
        How the value was obtained. For array input where elements were derived differently
        (``sd_from_ci`` with ``dist="auto"`` and mixed sample sizes), a tuple with one
        derivation per element.
    note
        The method and its source, in words, for the extraction record.
    mean
        The estimated mean (:func:`mean_sd_from_median`, :func:`combine_groups`), else None.
    n
        The combined sample size (:func:`combine_groups`), else None.
    """

    value: Value
    derivation: ValueDerivation | tuple[ValueDerivation, ...]
    note: str
    mean: Value | None = None
    n: Value | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain-number form: floats or lists, derivations as their string values."""

        def plain(x: Value | None) -> object:
            if x is None:
                return None
            return x.tolist() if isinstance(x, np.ndarray) else float(x)

        derivation: object = (
            [d.value for d in self.derivation]
            if isinstance(self.derivation, tuple)
            else self.derivation.value
        )
        return {
            "value": plain(self.value),
            "derivation": derivation,
            "note": self.note,
            "mean": plain(self.mean),
            "n": plain(self.n),
        }


# --------------------------------------------------------------------------------------------
# input checks


def _arrays(*values: ArrayLike | None) -> tuple[bool, list[npt.NDArray[np.float64] | None]]:
    """Broadcast the given inputs to float arrays; report whether all were scalars."""
    present = [v for v in values if v is not None]
    scalar = all(np.ndim(v) == 0 for v in present)
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in present])
    it = iter(np.atleast_1d(a).astype(float) for a in arrays)
    return scalar, [None if v is None else next(it) for v in values]


def _where(index: int, scalar: bool) -> str | None:
    return None if scalar else f"element {index}"


def _check(
    func: str,
    bad: npt.NDArray[np.bool_],
    scalar: bool,
    message: str | Callable[[int], str],
) -> None:
    """Raise InputError for the first element where ``bad`` is true."""
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{func}: {message(i) if callable(message) else message}",
                         where=_where(i, scalar))


def _finite(func: str, scalar: bool, **named: npt.NDArray[np.float64] | None) -> None:
    for name, arr in named.items():
        if arr is None:
            continue
        bad = ~np.isfinite(arr)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{func}: '{name}' must be a finite number; got {_fmt(arr[i])}",
                             where=_where(i, scalar))


def _positive(func: str, scalar: bool, **named: npt.NDArray[np.float64]) -> None:
    for name, arr in named.items():
        bad = ~(arr > 0)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{func}: '{name}' must be positive; got {_fmt(arr[i])}",
                             where=_where(i, scalar))


def _sample_size(func: str, scalar: bool, **named: npt.NDArray[np.float64]) -> None:
    for name, arr in named.items():
        bad = ~(arr >= 2)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{func}: '{name}' must be a sample size of at least 2; got {_fmt(arr[i])}",
                where=_where(i, scalar),
            )


def _fmt(x: float) -> str:
    return f"{x:g}"


def _out(arr: npt.NDArray[np.float64], scalar: bool) -> Value:
    return float(arr[0]) if scalar else arr


def _critical(level: float, df: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64]:
    """Two-sided critical value: normal when ``df`` is None, else t with ``df`` degrees."""
    q = 1 - (1 - level) / 2
    if df is None:
        return np.asarray(norm_ppf(q), dtype=float)
    return np.asarray(t_ppf(q, df), dtype=float)


def _level(func: str, level: float) -> None:
    if not 0 < level < 1:
        raise InputError(f"{func}: 'level' must be between 0 and 1 (e.g. 0.95); got {level!r}")


def _use_t(func: str, dist: Distribution, small: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    if dist == "auto":
        return small
    if dist == "t":
        return np.ones_like(small)
    if dist == "z":
        return np.zeros_like(small)
    raise InputError(f"{func}: 'dist' must be one of 'auto', 't', 'z'; got {dist!r}")


def _derivation(
    use_t: npt.NDArray[np.bool_], scalar: bool, if_t: ValueDerivation, if_z: ValueDerivation
) -> ValueDerivation | tuple[ValueDerivation, ...]:
    if scalar or np.all(use_t) or not np.any(use_t):
        return if_t if use_t[0] else if_z
    return tuple(if_t if u else if_z for u in use_t)


# --------------------------------------------------------------------------------------------
# SD of a group mean (Handbook §6.5.2.2)


def sd_from_se(se: ArrayLike, n: ArrayLike) -> Converted:
    """SD of a group from the standard error of its mean: ``SD = SE * sqrt(n)``.

    Cochrane Handbook v6.4, §6.5.2.2.
    """
    func = "sd_from_se"
    scalar, (se_a, n_a) = _arrays(se, n)
    assert se_a is not None and n_a is not None
    _finite(func, scalar, se=se_a, n=n_a)
    _sample_size(func, scalar, n=n_a)
    _check(func, se_a < 0, scalar, "'se' must not be negative")
    return Converted(
        value=_out(se_a * np.sqrt(n_a), scalar),
        derivation=ValueDerivation.SD_FROM_SE,
        note="SD = SE x sqrt(n) (Cochrane Handbook v6.4, 6.5.2.2)",
    )


def sd_from_ci(
    lower: ArrayLike,
    upper: ArrayLike,
    n: ArrayLike,
    *,
    level: float = 0.95,
    dist: Distribution = "auto",
) -> Converted:
    """SD of a group from a confidence interval for its mean.

    ``SD = sqrt(n) * (upper - lower) / (2 * crit)`` with ``crit`` the normal quantile
    (1.96 for 95%), or for small samples the t quantile with ``n - 1`` degrees of freedom
    (Cochrane Handbook v6.4, §6.5.2.2: for n = 25 the divisor 3.92 becomes
    2 x 2.0639 = 4.128). ``dist="auto"`` uses t when ``n < 60``, as the Handbook suggests;
    ``"t"`` or ``"z"`` force one.
    """
    func = "sd_from_ci"
    _level(func, level)
    scalar, (lo, hi, n_a) = _arrays(lower, upper, n)
    assert lo is not None and hi is not None and n_a is not None
    _finite(func, scalar, lower=lo, upper=hi, n=n_a)
    _sample_size(func, scalar, n=n_a)
    _check(func, lo > hi, scalar,
           lambda i: f"'lower' ({_fmt(lo[i])}) is above 'upper' ({_fmt(hi[i])})")
    use_t = _use_t(func, dist, n_a < SMALL_SAMPLE)
    crit = np.where(use_t, _critical(level, n_a - 1), _critical(level, None))
    sd = np.sqrt(n_a) * (hi - lo) / (2 * crit)
    return Converted(
        value=_out(sd, scalar),
        derivation=_derivation(use_t, scalar, ValueDerivation.SD_FROM_CI_T,
                               ValueDerivation.SD_FROM_CI_Z),
        note=(f"SD = sqrt(n) x CI width / (2 x critical value), {level:.0%} CI, "
              "t with n-1 df for small n else normal (Cochrane Handbook v6.4, 6.5.2.2)"),
    )


# --------------------------------------------------------------------------------------------
# SD from statistics of a difference between two means (Handbook §6.5.2.3)


def _sd_from_se_difference(
    se: npt.NDArray[np.float64], n1: npt.NDArray[np.float64], n2: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return np.asarray(se / np.sqrt(1 / n1 + 1 / n2), dtype=float)


def sd_from_ci_difference(
    lower: ArrayLike,
    upper: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    *,
    level: float = 0.95,
    dist: Distribution = "auto",
) -> Converted:
    """Common within-group SD from a confidence interval for a difference between two means.

    ``SE = (upper - lower) / (2 * crit)`` and ``SD = SE / sqrt(1/n1 + 1/n2)``, the SD to use for
    both groups. ``crit`` is the normal quantile, or for small samples the t quantile with
    ``n1 + n2 - 2`` df; ``dist="auto"`` uses t when either group has fewer than 60
    (Cochrane Handbook v6.4, §6.5.2.3).
    """
    func = "sd_from_ci_difference"
    _level(func, level)
    scalar, (lo, hi, a, b) = _arrays(lower, upper, n1, n2)
    assert lo is not None and hi is not None and a is not None and b is not None
    _finite(func, scalar, lower=lo, upper=hi, n1=a, n2=b)
    _sample_size(func, scalar, n1=a, n2=b)
    _check(func, lo > hi, scalar,
           lambda i: f"'lower' ({_fmt(lo[i])}) is above 'upper' ({_fmt(hi[i])})")
    use_t = _use_t(func, dist, (a < SMALL_SAMPLE) | (b < SMALL_SAMPLE))
    crit = np.where(use_t, _critical(level, a + b - 2), _critical(level, None))
    sd = _sd_from_se_difference((hi - lo) / (2 * crit), a, b)
    return Converted(
        value=_out(sd, scalar),
        derivation=_derivation(use_t, scalar, ValueDerivation.SD_FROM_CI_T,
                               ValueDerivation.SD_FROM_CI_Z),
        note=(f"SD = SE / sqrt(1/n1 + 1/n2), SE from the {level:.0%} CI of the mean "
              "difference, t with n1+n2-2 df for small n else normal "
              "(Cochrane Handbook v6.4, 6.5.2.3); the same SD applies to both groups"),
    )


def sd_from_t(t: ArrayLike, mean_difference: ArrayLike, n1: ArrayLike, n2: ArrayLike) -> Converted:
    """Common within-group SD from a two-sample t statistic.

    ``SE = |MD| / |t|``, ``SD = SE / sqrt(1/n1 + 1/n2)`` (Cochrane Handbook v6.4, §6.5.2.3).
    """
    func = "sd_from_t"
    scalar, (t_a, md, a, b) = _arrays(t, mean_difference, n1, n2)
    assert t_a is not None and md is not None and a is not None and b is not None
    _finite(func, scalar, t=t_a, mean_difference=md, n1=a, n2=b)
    _sample_size(func, scalar, n1=a, n2=b)
    _check(func, t_a == 0, scalar, "'t' must not be 0 (the SD cannot be recovered)")
    _check(func, md == 0, scalar, "'mean_difference' must not be 0 (the SD cannot be recovered)")
    sd = _sd_from_se_difference(np.abs(md) / np.abs(t_a), a, b)
    return Converted(
        value=_out(sd, scalar),
        derivation=ValueDerivation.SD_FROM_T,
        note=("SD = (|MD| / |t|) / sqrt(1/n1 + 1/n2) (Cochrane Handbook v6.4, 6.5.2.3); "
              "the same SD applies to both groups"),
    )


def sd_from_p(p: ArrayLike, mean_difference: ArrayLike, n1: ArrayLike, n2: ArrayLike) -> Converted:
    """Common within-group SD from the two-sided P value of a two-sample t test.

    ``t`` is the ``1 - p/2`` quantile of the t distribution with ``n1 + n2 - 2`` df (the
    Handbook's ``tinv(p, df)``), then as :func:`sd_from_t` (Cochrane Handbook v6.4, §6.5.2.3:
    P = 0.008 with 25 and 22 participants gives t = 2.78). A P value reported only as a bound
    (P < 0.05) can be used at the bound as a conservative choice, as the Handbook says.
    """
    func = "sd_from_p"
    scalar, (p_a, md, a, b) = _arrays(p, mean_difference, n1, n2)
    assert p_a is not None and md is not None and a is not None and b is not None
    _finite(func, scalar, p=p_a, mean_difference=md, n1=a, n2=b)
    _sample_size(func, scalar, n1=a, n2=b)
    _check(func, ~((p_a > 0) & (p_a < 1)), scalar,
           lambda i: f"'p' must be strictly between 0 and 1; got {_fmt(p_a[i])}")
    _check(func, md == 0, scalar, "'mean_difference' must not be 0 (the SD cannot be recovered)")
    t_val = t_ppf(1 - p_a / 2, a + b - 2)
    sd = _sd_from_se_difference(np.abs(md) / t_val, a, b)
    return Converted(
        value=_out(sd, scalar),
        derivation=ValueDerivation.SD_FROM_P,
        note=("two-sided P -> t with n1+n2-2 df -> SE = |MD|/t -> SD = SE / sqrt(1/n1 + 1/n2) "
              "(Cochrane Handbook v6.4, 6.5.2.3); the same SD applies to both groups"),
    )


# --------------------------------------------------------------------------------------------
# mean and SD from the median with quartiles and/or range (Wan 2014, Luo 2018, Hozo 2005)

MedianMethod = Literal["wan-luo", "hozo"]


#: Wan et al. (2014) tabulate xi(n) exactly for n <= 50 (their Table 1) and approximate it
#: beyond.
WAN_EXACT_XI_UP_TO = 50


@cache
def _expected_ranges() -> npt.NDArray[np.float64]:
    """``2 E(Z_(n))`` for n = 0..50: expected ranges of n standard normal values.

    ``E(Z_(n)) = integral of z n phi(z) Phi(z)^(n-1) dz``, by the trapezoidal rule on a fine
    grid (the integrand is smooth and decays like phi, so the rule is accurate to ~1e-12).
    """
    z = np.linspace(-12.0, 12.0, 24001)
    n = np.arange(1, WAN_EXACT_XI_UP_TO + 1, dtype=float)[:, None]
    density = n * norm_pdf(z) * norm_cdf(z) ** (n - 1)
    expected_max = np.trapezoid(z * density, z, axis=1)
    return np.concatenate([[0.0], 2 * expected_max])


def _wan_xi(n: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Wan et al. (2014) ``xi(n)``: the expected range of n standard normal values.

    Exact (numerical integration, their Table 1) for whole ``n <= 50``; for larger ``n`` the
    approximation ``2 Phi^-1((n - 0.375) / (n + 0.25))`` they give.
    """
    approx = 2 * norm_ppf((n - 0.375) / (n + 0.25))
    exact = [
        _expected_ranges()[int(m)] if m == int(m) and m <= WAN_EXACT_XI_UP_TO else a
        for m, a in zip(n, approx, strict=True)
    ]
    return np.asarray(exact, dtype=float)


def _wan_eta(n: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Wan et al. (2014) eq. 13: ``eta(n) = 2 Phi^-1((0.75 n - 0.125) / (n + 0.25))``."""
    return np.asarray(2 * norm_ppf((0.75 * n - 0.125) / (n + 0.25)), dtype=float)


def mean_sd_from_median(
    median: ArrayLike,
    n: ArrayLike,
    *,
    q1: ArrayLike | None = None,
    q3: ArrayLike | None = None,
    minimum: ArrayLike | None = None,
    maximum: ArrayLike | None = None,
    method: MedianMethod = "wan-luo",
) -> Converted:
    """Estimate a sample's mean and SD from its median, quartiles and/or range.

    The scenario follows from the arguments given (Wan et al. 2014 notation):

    * S1, ``minimum`` and ``maximum``: mean (Luo 2018, eq. 7)
      ``w (a + b)/2 + (1 - w) m`` with ``w = 4 / (4 + n^0.75)``; SD (Wan 2014, eq. 7)
      ``(b - a) / xi(n)`` with ``xi(n) = 2 E(Z_(n))`` the expected range of n standard
      normal values: exact for n <= 50 (Wan's Table 1), ``2 Phi^-1((n - 0.375)/(n + 0.25))``
      beyond.
      ``method="hozo"`` uses Hozo et al. (2005) instead: mean ``(a + 2m + b)/4`` for
      ``n <= 25``, else the median; SD ``sqrt(((a - 2m + b)^2/4 + (b - a)^2)/12)`` for
      ``n <= 15``, ``(b - a)/4`` for ``15 < n <= 70``, ``(b - a)/6`` for ``n > 70``.
    * S2, all five numbers: mean (Luo 2018, eq. 15)
      ``w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m`` with ``w1 = 2.2/(2.2 + n^0.75)``,
      ``w2 = 0.7 - 0.72/n^0.55``; SD (Wan 2014, eq. 10)
      ``(b - a)/(2 xi(n)) + (q3 - q1)/(2 eta(n))``.
    * S3, ``q1`` and ``q3``: mean (Luo 2018, eq. 11) ``w (q1 + q3)/2 + (1 - w) m`` with
      ``w = 0.7 + 0.39/n``; SD (Wan 2014, eq. 13) ``(q3 - q1) / eta(n)``,
      ``eta(n) = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25))``.

    These estimators assume roughly normal data; a median reported because the data are
    skewed is a reason for caution (Cochrane Handbook v6.4, §6.5.2.5).
    """
    func = "mean_sd_from_median"
    has_iqr = q1 is not None or q3 is not None
    has_range = minimum is not None or maximum is not None
    if (q1 is None) != (q3 is None):
        raise InputError(f"{func}: give both 'q1' and 'q3', or neither")
    if (minimum is None) != (maximum is None):
        raise InputError(f"{func}: give both 'minimum' and 'maximum', or neither")
    if not (has_iqr or has_range):
        raise InputError(f"{func}: give the quartiles ('q1', 'q3'), the range "
                         "('minimum', 'maximum'), or both")
    if method not in ("wan-luo", "hozo"):
        raise InputError(f"{func}: 'method' must be 'wan-luo' or 'hozo'; got {method!r}")
    if method == "hozo" and has_iqr:
        raise InputError(f"{func}: method 'hozo' uses the median and range only; "
                         "leave out 'q1' and 'q3' or use method 'wan-luo'")
    scalar, (m, n_a, lo_q, hi_q, a, b) = _arrays(median, n, q1, q3, minimum, maximum)
    assert m is not None and n_a is not None
    _finite(func, scalar, median=m, n=n_a, q1=lo_q, q3=hi_q, minimum=a, maximum=b)
    _sample_size(func, scalar, n=n_a)
    order = [("minimum", a), ("q1", lo_q), ("median", m), ("q3", hi_q), ("maximum", b)]
    present = [(name, arr) for name, arr in order if arr is not None]
    for (name_lo, arr_lo), (name_hi, arr_hi) in pairwise(present):
        assert arr_lo is not None and arr_hi is not None
        bad = arr_lo > arr_hi
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{func}: '{name_lo}' ({_fmt(arr_lo[i])}) is above '{name_hi}' "
                f"({_fmt(arr_hi[i])})",
                where=_where(i, scalar),
            )

    if has_iqr and has_range:
        assert lo_q is not None and hi_q is not None and a is not None and b is not None
        w1 = 2.2 / (2.2 + n_a**0.75)
        w2 = 0.7 - 0.72 / n_a**0.55
        mean = w1 * (a + b) / 2 + w2 * (lo_q + hi_q) / 2 + (1 - w1 - w2) * m
        sd = (b - a) / (2 * _wan_xi(n_a)) + (hi_q - lo_q) / (2 * _wan_eta(n_a))
        derivation = ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR_RANGE
        note = ("mean from median, quartiles and range (Luo et al. 2018), SD from range and "
                "IQR (Wan et al. 2014, scenario S2)")
    elif has_iqr:
        assert lo_q is not None and hi_q is not None
        w = 0.7 + 0.39 / n_a
        mean = w * (lo_q + hi_q) / 2 + (1 - w) * m
        sd = (hi_q - lo_q) / _wan_eta(n_a)
        derivation = ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR
        note = ("mean from median and quartiles (Luo et al. 2018), SD from the IQR "
                "(Wan et al. 2014, scenario S3)")
    elif method == "hozo":
        assert a is not None and b is not None
        mean = np.where(n_a <= 25, (a + 2 * m + b) / 4, m)
        sd = np.where(
            n_a <= 15,
            np.sqrt(((a - 2 * m + b) ** 2 / 4 + (b - a) ** 2) / 12),
            np.where(n_a <= 70, (b - a) / 4, (b - a) / 6),
        )
        derivation = ValueDerivation.MEAN_SD_FROM_MEDIAN_RANGE
        note = "mean and SD from median and range (Hozo et al. 2005)"
    else:
        assert a is not None and b is not None
        w = 4 / (4 + n_a**0.75)
        mean = w * (a + b) / 2 + (1 - w) * m
        sd = (b - a) / _wan_xi(n_a)
        derivation = ValueDerivation.MEAN_SD_FROM_MEDIAN_RANGE
        note = ("mean from median and range (Luo et al. 2018), SD from the range "
                "(Wan et al. 2014, scenario S1)")
    return Converted(value=_out(np.asarray(sd, dtype=float), scalar), derivation=derivation,
                     note=note, mean=_out(np.asarray(mean, dtype=float), scalar))


# --------------------------------------------------------------------------------------------
# change from baseline (Handbook §6.5.2.8)


def _correlation(func: str, scalar: bool, r: npt.NDArray[np.float64], name: str) -> None:
    _check(func, ~((r >= -1) & (r <= 1)), scalar,
           lambda i: f"'{name}' must be a correlation between -1 and 1; got {_fmt(r[i])}")


def sd_change(sd_baseline: ArrayLike, sd_final: ArrayLike, r: ArrayLike) -> Converted:
    """SD of the change from baseline, imputed from the baseline and final SDs and a correlation.

    ``SD_change = sqrt(SD_b^2 + SD_f^2 - 2 r SD_b SD_f)`` (Cochrane Handbook v6.4, §6.5.2.8;
    the same formula gives the SD of within-person differences in §16.4.6 of v5.1). The
    correlation is usually imputed (:func:`correlation_from_sds`) and should be varied in a
    sensitivity analysis.
    """
    func = "sd_change"
    scalar, (sb, sf, r_a) = _arrays(sd_baseline, sd_final, r)
    assert sb is not None and sf is not None and r_a is not None
    _finite(func, scalar, sd_baseline=sb, sd_final=sf, r=r_a)
    _positive(func, scalar, sd_baseline=sb, sd_final=sf)
    _correlation(func, scalar, r_a, "r")
    sd = np.sqrt(np.maximum(sb**2 + sf**2 - 2 * r_a * sb * sf, 0.0))
    return Converted(
        value=_out(sd, scalar),
        derivation=ValueDerivation.SD_CHANGE_FROM_CORRELATION,
        note=("SD_change = sqrt(SD_baseline^2 + SD_final^2 - 2 r SD_baseline SD_final) "
              "(Cochrane Handbook v6.4, 6.5.2.8)"),
    )


def correlation_from_sds(
    sd_baseline: ArrayLike, sd_final: ArrayLike, sd_change: ArrayLike
) -> Converted:
    """Baseline-final correlation from a study that reports all three SDs.

    ``r = (SD_b^2 + SD_f^2 - SD_change^2) / (2 SD_b SD_f)`` (Cochrane Handbook v6.4,
    §6.5.2.8), to impute into studies that report only baseline and final SDs. Three SDs that
    are not consistent with any correlation (|r| > 1) are an error.
    """
    func = "correlation_from_sds"
    scalar, (sb, sf, sc) = _arrays(sd_baseline, sd_final, sd_change)
    assert sb is not None and sf is not None and sc is not None
    _finite(func, scalar, sd_baseline=sb, sd_final=sf, sd_change=sc)
    _positive(func, scalar, sd_baseline=sb, sd_final=sf)
    _check(func, sc < 0, scalar, "'sd_change' must not be negative")
    r = (sb**2 + sf**2 - sc**2) / (2 * sb * sf)
    _check(func, ~((r >= -1) & (r <= 1)), scalar,
           lambda i: (f"the SDs (baseline {_fmt(sb[i])}, final {_fmt(sf[i])}, change "
                      f"{_fmt(sc[i])}) imply a correlation of {r[i]:.4g}, outside [-1, 1]"))
    return Converted(
        value=_out(r, scalar),
        derivation=ValueDerivation.CORRELATION_IMPUTED,
        note=("r = (SD_baseline^2 + SD_final^2 - SD_change^2) / (2 SD_baseline SD_final) "
              "(Cochrane Handbook v6.4, 6.5.2.8)"),
    )


# --------------------------------------------------------------------------------------------
# two groups into one (Handbook Table 6.5.a)


def combine_groups(
    n1: ArrayLike, mean1: ArrayLike, sd1: ArrayLike,
    n2: ArrayLike, mean2: ArrayLike, sd2: ArrayLike,
) -> Converted:
    """Combine two groups (e.g. two doses, or two subgroups) into one arm.

    ``N = N1 + N2``, ``M = (N1 M1 + N2 M2)/N`` and
    ``SD = sqrt(((N1-1) SD1^2 + (N2-1) SD2^2 + N1 N2/N (M1^2 + M2^2 - 2 M1 M2)) / (N - 1))``
    (Cochrane Handbook v6.4, Table 6.5.a). This is exactly the mean and SD of the pooled
    individual observations. ``value`` is the SD; ``mean`` and ``n`` hold the other two.
    """
    func = "combine_groups"
    scalar, (a, ma, sa, b, mb, sb) = _arrays(n1, mean1, sd1, n2, mean2, sd2)
    assert a is not None and ma is not None and sa is not None
    assert b is not None and mb is not None and sb is not None
    _finite(func, scalar, n1=a, mean1=ma, sd1=sa, n2=b, mean2=mb, sd2=sb)
    _sample_size(func, scalar, n1=a, n2=b)
    _check(func, sa < 0, scalar, "'sd1' must not be negative")
    _check(func, sb < 0, scalar, "'sd2' must not be negative")
    n = a + b
    mean = (a * ma + b * mb) / n
    var = ((a - 1) * sa**2 + (b - 1) * sb**2 + a * b / n * (ma - mb) ** 2) / (n - 1)
    return Converted(
        value=_out(np.sqrt(var), scalar),
        derivation=ValueDerivation.COMBINED_SUBGROUPS,
        note="two groups combined into one (Cochrane Handbook v6.4, Table 6.5.a)",
        mean=_out(mean, scalar),
        n=_out(n, scalar),
    )
