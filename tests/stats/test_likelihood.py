"""The global-maximum search for ML/REML (``stats.likelihood``) on its own: the bound on the
stationary points, the choice among several local maxima, and the bracketed Newton solver."""

from __future__ import annotations

import numpy as np
import pytest

from evidencehub.stats.likelihood import (
    LL0_TOL,
    global_maximum,
    intercept_loglik,
    intercept_score,
    newton_bracketed,
    upper_bound,
)


def padded(m: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``m`` random analyses, k 2..25, padded with y = 0 and v = inf."""
    rng = np.random.default_rng(seed)
    ks = rng.integers(2, 26, m)
    y, v = np.zeros((m, 25)), np.full((m, 25), np.inf)
    for i, k in enumerate(ks):
        v[i, :k] = rng.uniform(0.001, 1.0, k) ** rng.integers(1, 4)
        y[i, :k] = rng.normal(0.0, np.sqrt(v[i, :k] + rng.choice([0.0, 0.05, 1.0])))
        if i % 5 == 0:
            y[i, 0] += 5.0  # an outlier
    return y, v, ks


@pytest.mark.parametrize("restricted", [True, False])
def test_scores_are_negative_above_the_bound(restricted: bool) -> None:
    y, v, ks = padded(200, seed=1)
    mask = np.isfinite(v)
    dev = np.where(mask, y - (y.sum(axis=1) / ks)[:, None], 0.0)
    t_hi = upper_bound(np.sum(dev**2, axis=1), v.min(axis=1),
                       np.where(mask, v, 0.0).max(axis=1), ks - 1.0)
    score = intercept_score(restricted, y, v)
    for factor in (1.0, 1.5, 4.0, 100.0):
        assert (score(t_hi * factor + 1e-12, None, False)[0] < 0).all()


def test_score_derivative_is_the_slope_of_the_score() -> None:
    y, v, _ = padded(50, seed=2)
    for restricted in (True, False):
        score = intercept_score(restricted, y, v)
        t = np.full(50, 0.3)
        f, df = score(t, None, True)
        assert df is not None
        h = 1e-6
        slope = (score(t + h, None, False)[0] - score(t - h, None, False)[0]) / (2 * h)
        np.testing.assert_allclose(df, slope, rtol=1e-5)
        assert np.all(f == score(t, None, False)[0])


def test_score_is_the_slope_of_the_loglik() -> None:
    y, v, _ = padded(50, seed=3)
    rows = np.arange(50)
    for restricted in (True, False):
        t = np.full(50, 0.2)
        h = 1e-6
        slope = (intercept_loglik(restricted, y, v, t + h)
                 - intercept_loglik(restricted, y, v, t - h)) / (2 * h)
        f, _ = intercept_score(restricted, y, v)(t, rows, False)
        np.testing.assert_allclose(f, slope, rtol=1e-5, atol=1e-6)


def test_global_maximum_picks_the_highest_of_several_maxima() -> None:
    """Synthetic log-likelihoods ``h0 exp(-t/0.01) + h1 b(t; 0.1) + h2 b(t; 1)`` with
    log-normal-shaped bumps ``b`` at 0.1 and 1: analysis 0 has its highest maximum at 1,
    analysis 1 at 0.1, analysis 2 at 0 (a boundary maximum), analysis 3 at 0 but by less
    than metafor's ``ll0check`` tolerance (so the interior one is kept), analysis 4 only the
    maximum at 1."""
    heights = np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 1.0], [5.0, 1.0, 2.0],
                        [2.0 + LL0_TOL / 2, 1.0, 2.0], [0.0, 0.0, 1.0]])
    centres = np.array([0.1, 1.0])

    def parts(t: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = heights[rows]
        pos = t > 0
        logt = np.log(np.where(pos, t, 1.0))[:, None]
        z = (logt - np.log(centres)) / 0.7
        bumps = np.where(pos[:, None], np.exp(-(z**2)), 0.0)
        ll = h[:, 0] * np.exp(-t / 0.01) + np.sum(h[:, 1:] * bumps, axis=1)
        slope = np.where(pos[:, None], bumps * (-2 * z / 0.7) / np.where(pos, t, 1.0)[:, None],
                         0.0)
        score = -h[:, 0] / 0.01 * np.exp(-t / 0.01) + np.sum(h[:, 1:] * slope, axis=1)
        return ll, score

    def loglik(t: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return parts(t, rows)[0]

    def score(t: np.ndarray, rows: np.ndarray | None, derivative: bool
              ) -> tuple[np.ndarray, np.ndarray | None]:
        rows = np.arange(heights.shape[0]) if rows is None else rows
        f = parts(t, rows)[1]
        if not derivative:
            return f, None
        eps = 1e-7 * np.maximum(t, 1e-3)
        return f, (parts(t + eps, rows)[1] - f) / eps

    tau2, at_zero, converged, _ = global_maximum(score, loglik, np.full(5, 10.0), 1e-12, 100)
    np.testing.assert_allclose(tau2, [1.0, 0.1, 0.0, 1.0, 1.0], rtol=1e-3)
    assert at_zero.tolist() == [False, False, True, False, False]
    assert converged.all()


def test_newton_bracketed_stops_on_an_exact_root_at_the_bracket_end() -> None:
    """A Newton step that lands on the bracket's end (f within rounding of 0) counts as
    converged instead of falling back to bisection."""
    calls = []

    def fn(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(x.copy())
        return 2.0 - x, -np.ones_like(x)

    root, converged, n_iter = newton_bracketed(fn, np.array([1.0]), np.array([0.0]),
                                               np.array([5.0]))
    assert root[0] == 2.0 and converged[0]
    assert n_iter[0] <= 2
