"""The normal, t, chi-square and F distribution functions that the statistics use.

Written by hand on :mod:`scipy.special`'s ufuncs rather than taken from :mod:`scipy.stats`
because importing ``scipy.stats`` costs about 0.3 s (a third of a whole ``evidencehub meta``
run on 10,000 analyses), while ``scipy.stats``' ``sf``, ``cdf``, ``ppf`` and ``isf`` of these
four distributions are the same ufuncs behind argument checks (scipy 1.17,
``scipy/stats/_continuous_distns.py``):

========  ====================  ====================  ============================
          normal                Student t (df)        chi-square (df)
========  ====================  ====================  ============================
cdf       ``ndtr(x)``           ``stdtr(df, x)``      ``chdtr(df, x)``
sf        ``ndtr(-x)``          ``stdtr(df, -x)``     ``chdtrc(df, x)``
ppf       ``ndtri(q)``          ``stdtrit(df, q)``    ``2 gammaincinv(df/2, q)``
isf       ``-ndtri(q)``         ``-stdtrit(df, q)``   ``chdtri(df, q)``
========  ====================  ====================  ============================

and the F survival function is ``fdtrc(dfn, dfd, x)``. The checks are reproduced: a degree of
freedom that is not positive gives NaN, a probability outside [0, 1] gives NaN, 0 and 1 map to
the ends of the support, and ``x`` at or below the lower end of a support gives the limit
(``tests/stats/test_distributions.py`` checks every function against ``scipy.stats`` on a grid of
ordinary and edge values, exactly). Scalars in give numpy scalars out, arrays give arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import (
    chdtr,
    chdtrc,
    chdtri,
    fdtrc,
    gammaincinv,
    ndtr,
    ndtri,
    stdtr,
    stdtrit,
)

__all__ = [
    "chi2_cdf",
    "chi2_isf",
    "chi2_ppf",
    "chi2_sf",
    "f_sf",
    "norm_cdf",
    "norm_isf",
    "norm_pdf",
    "norm_ppf",
    "norm_sf",
    "t_isf",
    "t_ppf",
    "t_sf",
]

_SQRT_2PI = float(np.sqrt(2 * np.pi))


def _scalar(value: Any) -> Any:
    """A 0-d array as a numpy scalar (as ``scipy.stats`` returns it), else the array."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _quantile(raw: Any, q: ArrayLike, valid: Any, at0: float, at1: float) -> Any:
    """Quantile ``raw`` with ``scipy.stats``' ends: ``at0`` for q = 0, ``at1`` for q = 1, NaN
    for q outside [0, 1] or invalid shape parameters."""
    p = np.asarray(q, dtype=np.float64)
    out = np.where(p == 0, at0, np.where(p == 1, at1, raw))
    return _scalar(np.where(valid & (p >= 0) & (p <= 1), out, np.nan))


def _on_positive(raw: Any, x: ArrayLike, valid: Any, below: float, above: float) -> Any:
    """A distribution or survival function on (0, inf) with ``scipy.stats``' ends: ``below``
    at or below 0, ``above`` at infinity, NaN for invalid shape parameters."""
    xs = np.asarray(x, dtype=np.float64)
    out = np.where(xs <= 0, below, np.where(xs == np.inf, above, raw))
    return _scalar(np.where(valid, out, np.nan))


def norm_cdf(x: ArrayLike) -> Any:
    """Standard normal distribution function, ``scipy.stats.norm.cdf``."""
    return ndtr(x)


def norm_sf(x: ArrayLike) -> Any:
    """Standard normal upper tail, ``scipy.stats.norm.sf``: ``1 - Phi(x)`` without
    cancellation."""
    return ndtr(np.negative(x))


def norm_pdf(x: ArrayLike) -> Any:
    """Standard normal density, ``scipy.stats.norm.pdf``."""
    xs = np.asarray(x, dtype=np.float64)
    return _scalar(np.exp(-xs**2 / 2.0) / _SQRT_2PI)


def norm_ppf(q: ArrayLike) -> Any:
    """Standard normal quantile, ``scipy.stats.norm.ppf``."""
    return ndtri(q)


def norm_isf(q: ArrayLike) -> Any:
    """Standard normal upper quantile, ``scipy.stats.norm.isf``: ``Phi^-1(1 - q)``."""
    return np.negative(ndtri(q))


def t_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """Upper tail of Student's t, ``scipy.stats.t.sf``."""
    return _scalar(np.where(np.asarray(df) > 0, stdtr(df, np.negative(x)), np.nan))


def t_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """Quantile of Student's t, ``scipy.stats.t.ppf``."""
    return _quantile(stdtrit(df, q), q, np.asarray(df) > 0, -np.inf, np.inf)


def t_isf(q: ArrayLike, df: ArrayLike) -> Any:
    """Upper quantile of Student's t, ``scipy.stats.t.isf``."""
    return _quantile(np.negative(stdtrit(df, q)), q, np.asarray(df) > 0, np.inf, -np.inf)


def chi2_cdf(x: ArrayLike, df: ArrayLike) -> Any:
    """Chi-square distribution function, ``scipy.stats.chi2.cdf``."""
    return _on_positive(chdtr(df, x), x, np.asarray(df) > 0, 0.0, 1.0)


def chi2_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """Chi-square upper tail, ``scipy.stats.chi2.sf``."""
    return _on_positive(chdtrc(df, x), x, np.asarray(df) > 0, 1.0, 0.0)


def chi2_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """Chi-square quantile, ``scipy.stats.chi2.ppf``."""
    return _quantile(2 * gammaincinv(np.divide(df, 2), q), q, np.asarray(df) > 0, 0.0, np.inf)


def chi2_isf(q: ArrayLike, df: ArrayLike) -> Any:
    """Chi-square upper quantile, ``scipy.stats.chi2.isf``."""
    return _quantile(chdtri(df, q), q, np.asarray(df) > 0, np.inf, 0.0)


def f_sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> Any:
    """Upper tail of the F distribution, ``scipy.stats.f.sf``."""
    valid = (np.asarray(dfn) > 0) & (np.asarray(dfd) > 0)
    return _on_positive(fdtrc(dfn, dfd, x), x, valid, 1.0, 0.0)
