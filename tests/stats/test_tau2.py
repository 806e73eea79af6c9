"""tau^2 estimators checked against their defining formulas (hand computations on small
data), plus the root finder. Agreement with metafor is tested for every estimator and data
set in ``test_models.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from evidencehub.stats.tau2 import (
    METAFOR_DEFAULT_CONTROL,
    Method,
    Tau2Fit,
    estimate_tau2,
    generalized_q,
    newton_bracketed,
)

Y = np.array([0.1, 0.9, -0.4, 0.5, 0.3])
V = np.array([0.02, 0.03, 0.05, 0.04, 0.01])


def one(method: str, y: np.ndarray = Y, v: np.ndarray = V) -> Tau2Fit:
    return estimate_tau2(method, y[None], v[None], np.ones((1, y.size), bool),
                         np.ones((1, y.size, 1)))


def test_dersimonian_laird_formula() -> None:
    """DerSimonian & Laird (1986): (Q - (k-1))/(sum w - sum w^2/sum w)."""
    w = 1 / V
    q = np.sum(w * (Y - np.sum(w * Y) / np.sum(w)) ** 2)
    expected = (q - 4) / (np.sum(w) - np.sum(w**2) / np.sum(w))
    assert one("DL").tau2[0] == pytest.approx(expected, rel=1e-13)


def test_hedges_formula() -> None:
    """Hedges (1983): sum((y - mean)^2)/(k-1) - mean(v) for the intercept-only model."""
    expected = np.var(Y, ddof=1) - np.mean(V)
    assert one("HE").tau2[0] == pytest.approx(expected, rel=1e-13)


def test_hunter_schmidt_formula() -> None:
    """Hunter & Schmidt (2004), as metafor: (Q - k)/sum w."""
    w = 1 / V
    q = np.sum(w * (Y - np.sum(w * Y) / np.sum(w)) ** 2)
    assert one("HS").tau2[0] == pytest.approx((q - 5) / np.sum(w), rel=1e-13)


def test_sidik_jonkman_formula() -> None:
    """Sidik & Jonkman (2005): tau0 = mean((y - ybar)^2); tau0 Q(tau0)/(k-1)."""
    tau0 = np.mean((Y - Y.mean()) ** 2)
    w = 1 / (V + tau0)
    q = np.sum(w * (Y - np.sum(w * Y) / np.sum(w)) ** 2)
    assert one("SJ").tau2[0] == pytest.approx(tau0 * q / 4, rel=1e-13)


def test_paule_mandel_solves_its_equation() -> None:
    """Paule & Mandel (1982): the generalised Q equals k - 1 at the estimate."""
    tau2 = one("PM").tau2
    q, _ = generalized_q(tau2, Y[None], V[None], np.ones((1, 5), bool), np.ones((1, 5, 1)))
    assert q[0] == pytest.approx(4.0, rel=1e-12)


def test_empirical_bayes_equals_paule_mandel() -> None:
    """Morris (1983): the EB estimating equation is Q(tau^2) = k - p, as PM's."""
    assert one("EB").tau2[0] == pytest.approx(one("PM").tau2[0], rel=1e-12)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_likelihood_score_is_zero_at_the_estimate(method: str) -> None:
    """Viechtbauer (2005), eqs. for the ML/REML score: zero at an interior maximum."""
    tau2 = one(method).tau2[0]
    w = 1 / (V + tau2)
    mu = np.sum(w * Y) / np.sum(w)
    r = Y - mu
    if method == "ML":
        score = np.sum(w**2 * r**2) - np.sum(w)
    else:
        score = np.sum(w**2 * r**2) - (np.sum(w) - np.sum(w**2) / np.sum(w))
    assert tau2 > 0
    assert score == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("method", ["ML", "REML", "EB"])
def test_fisher_scoring_reaches_the_same_solution(method: str) -> None:
    tight = {**METAFOR_DEFAULT_CONTROL, "threshold": 1e-14, "maxiter": 100000}
    fisher = estimate_tau2(method, Y[None], V[None], np.ones((1, 5), bool), np.ones((1, 5, 1)),
                           tight)
    assert fisher.tau2[0] == pytest.approx(one(method).tau2[0], rel=1e-9)


# SJ is positive by construction
@pytest.mark.parametrize("method", ["DL", "HE", "HS", "ML", "REML", "EB", "PM"])
def test_homogeneous_data_truncate_at_zero(method: str) -> None:
    fit = one(method, np.array([0.2, 0.21, 0.19, 0.2]), np.array([0.1, 0.2, 0.3, 0.1]))
    assert fit.tau2[0] == 0.0
    assert fit.truncated[0]
    assert fit.converged[0]


def test_equal_effects_has_no_tau2() -> None:
    fit = one("EE")
    assert fit.tau2[0] == 0.0 and np.isnan(fit.se_tau2[0]) and not fit.truncated[0]
    assert Method.FE.is_fixed and Method.EE.is_fixed and not Method.DL.is_fixed


def test_newton_bracketed_solves_many_equations_at_once() -> None:
    targets = np.array([2.0, 3.0, 0.5])

    def fn(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return targets[rows] - x**2, -2 * x

    root, converged, _ = newton_bracketed(fn, np.zeros(3), np.zeros(3), np.full(3, 4.0))
    np.testing.assert_allclose(root, np.sqrt(targets), rtol=1e-13)
    assert converged.all()


def test_stacked_estimates_equal_separate_ones() -> None:
    """Vectorisation: padding and masks do not change any analysis' estimate."""
    y = np.array([[0.1, 0.9, -0.4, 0.5, 0.3], [0.4, -0.2, 0.8, 0.0, 0.0]])
    v = np.array([[0.02, 0.03, 0.05, 0.04, 0.01], [0.05, 0.02, 0.04, 1.0, 1.0]])
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    X = mask[:, :, None].astype(float)
    for method in ("DL", "REML", "PM", "SJ"):
        both = estimate_tau2(method, y, v, mask, X)
        second = one(method, y[1, :3], v[1, :3])
        alone = one(method).tau2[0]
        assert both.tau2[1] == pytest.approx(second.tau2[0], rel=1e-12)
        assert both.tau2[0] == pytest.approx(alone, rel=1e-12)
