"""The distribution functions of ``stats.distributions`` against ``scipy.stats``, which they replace:
exactly equal (NaN where scipy.stats gives NaN) on a grid of ordinary and edge values, and
scalars out for scalars in."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from evidencehub.stats import distributions as dist

X = np.array([-np.inf, -50, -5, -1, -1e-300, 0, 1e-300, 0.5, 1, 1.96, 3.2, 40, 1e5, np.inf,
              np.nan])
Q = np.array([-0.1, 0, 1e-300, 1e-10, 0.025, 0.05, 0.5, 0.975, 1 - 1e-16, 1, 1.1, np.nan])
DF = np.array([-1, 0, 0.5, 1, 2, 3, 7.5, 29, 1e6, np.inf, np.nan])

Case = tuple[Callable[..., Any], Callable[..., Any], tuple[np.ndarray, ...]]
XD = np.meshgrid(X, DF)
QD = np.meshgrid(Q, DF)
CASES: dict[str, Case] = {
    "norm_cdf": (dist.norm_cdf, stats.norm.cdf, (X,)),
    "norm_sf": (dist.norm_sf, stats.norm.sf, (X,)),
    "norm_pdf": (dist.norm_pdf, stats.norm.pdf, (X[np.abs(np.nan_to_num(X)) < 1e100],)),
    "norm_ppf": (dist.norm_ppf, stats.norm.ppf, (Q,)),
    "norm_isf": (dist.norm_isf, stats.norm.isf, (Q,)),
    "t_sf": (dist.t_sf, stats.t.sf, tuple(XD)),
    "t_ppf": (dist.t_ppf, stats.t.ppf, tuple(QD)),
    "t_isf": (dist.t_isf, stats.t.isf, tuple(QD)),
    "chi2_cdf": (dist.chi2_cdf, stats.chi2.cdf, tuple(XD)),
    "chi2_sf": (dist.chi2_sf, stats.chi2.sf, tuple(XD)),
    "chi2_ppf": (dist.chi2_ppf, stats.chi2.ppf, tuple(QD)),
    "chi2_isf": (dist.chi2_isf, stats.chi2.isf, tuple(QD)),
    **{f"f_sf_dfd_{dfd}": (lambda x, dfn, dfd=dfd: dist.f_sf(x, dfn, dfd),
                           lambda x, dfn, dfd=dfd: stats.f.sf(x, dfn, dfd), tuple(XD))
       for dfd in (-1.0, 0.0, 1.0, 5.0, 120.0, np.inf, np.nan)},
}


def _quiet(f: Callable[..., Any], *args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args)


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_scipy_stats_on_the_grid(name: str) -> None:
    ours, ref, args = CASES[name]
    got, want = _quiet(ours, *args), _quiet(ref, *args)
    np.testing.assert_array_equal(got, want)  # NaN matches NaN


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_scalar_gives_a_numpy_scalar(name: str) -> None:
    ours, ref, args = CASES[name]
    point = tuple(float(a.flat[7]) for a in args)
    got, want = _quiet(ours, *point), _quiet(ref, *point)
    assert isinstance(got, np.float64)
    assert got == want or (np.isnan(got) and np.isnan(want))
