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


# Analysis 7299 of bench/bench_meta.py (seed 20261121): the restricted likelihood has a local
# maximum at tau^2 = 0 and a higher one near 0.0176. metafor 3.8.1 (by hand,
# bench/results/meta.md): rma(y, v) gives tau^2 = 0 with default and with tight control; its
# restricted log-likelihood is -19.672623561503897 at tau^2 = 0 and -19.656045550360446 at
# tau^2 = 0.017619907296495662 (rma(y, v, tau2 = t)$fit.stats["ll", "REML"]); the argmax of
# that log-likelihood on seq(0, 0.2, length.out = 2001) is 0.0176. PyMARE 0.0.13: 0.017620.
BIMODAL_Y = np.array([
    0.210805561418298, 0.25873631569317035, -0.0934612912418104, 0.27030435058653823,
    0.3905646673875769, 1.0144981143230931, -0.2318236557843409, 0.29385548702300424,
    -0.1440066319508046, -0.22087975329725745, 1.3415433635236362, 0.9362061377627886,
    -0.08595267268517559, -0.23760458731733036, 0.5820467549800765, 0.18315344213552104,
    0.5126265132070019, -0.42312284463994515, -0.1678618370069282, 0.8287734438591845,
    0.42211208432816394, 0.5607638096893363, 0.26440268414728935, 1.4944792487693739,
    0.5998479240666788, -0.06146449362049927, 0.12343734863400155, -0.014769952178877666,
    0.7167742008215163,
])
BIMODAL_V = np.array([
    0.31872057645269075, 0.17065338818075299, 0.19481678903622535, 0.01001682971026379,
    0.09844397657456037, 0.1670032663906955, 0.1116119996682103, 0.2296087471252758,
    0.17389266314096286, 0.24411236879246845, 0.4178100326304579, 0.10591454996440439,
    0.17101554979787553, 0.24883988097499604, 0.42914201634101784, 0.33130613047581325,
    0.3436543323570954, 0.20775640596823827, 0.07154477926829245, 0.34279392442027745,
    0.3643666722779019, 0.4109496229328934, 0.18351872674450287, 0.26873384089750646,
    0.4885751461615997, 0.4452551024428987, 0.33539619141499827, 0.11776211896169496,
    0.4578508383276549,
])


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


def restricted_loglik(y: np.ndarray, v: np.ndarray, tau2: np.ndarray) -> np.ndarray:
    """REML log-likelihood of the intercept-only model at each tau^2 (hand formula, Viechtbauer
    2005, up to a constant): -(sum log(v + t) + log sum w + sum w (y - mu)^2)/2."""
    t = np.asarray(tau2, dtype=float)[:, None]
    w = 1 / (v + t)
    mu = np.sum(w * y, axis=1, keepdims=True) / np.sum(w, axis=1, keepdims=True)
    out: np.ndarray = -0.5 * (np.sum(np.log(v + t), axis=1) + np.log(np.sum(w, axis=1))
                              + np.sum(w * (y - mu) ** 2, axis=1))
    return out


def test_reml_is_the_global_maximum_of_a_bimodal_likelihood() -> None:
    fit = one("REML", BIMODAL_Y, BIMODAL_V)
    tau2 = float(fit.tau2[0])
    grid = np.concatenate([np.linspace(0.0, 0.5, 50_001), np.geomspace(1e-8, 10.0, 2_001)])
    ll_grid = restricted_loglik(BIMODAL_Y, BIMODAL_V, grid)
    ll_fit = restricted_loglik(BIMODAL_Y, BIMODAL_V, np.array([tau2]))[0]
    assert ll_fit >= ll_grid.max() - 1e-12
    assert tau2 == pytest.approx(0.017620, abs=5e-7)  # PyMARE; metafor's grid argmax 0.0176
    # metafor's restricted log-likelihoods at 0 and at this estimate (differences)
    ll0 = restricted_loglik(BIMODAL_Y, BIMODAL_V, np.array([0.0]))[0]
    assert ll_fit - ll0 == pytest.approx(-19.656045550360446 + 19.672623561503897, rel=1e-9)
    assert not fit.truncated[0] and fit.converged[0]


def test_the_bimodal_likelihood_has_a_local_maximum_at_zero() -> None:
    """The case the global check exists for: the score is negative at 0 and positive further
    up, so a solver started at 0 (or at the HE estimate) stays there, as metafor does."""
    w = 1 / BIMODAL_V
    r = BIMODAL_Y - np.sum(w * BIMODAL_Y) / np.sum(w)
    score0 = np.sum(w**2 * r**2) - (np.sum(w) - np.sum(w**2) / np.sum(w))
    assert score0 < 0
    metafor_way = estimate_tau2("REML", BIMODAL_Y[None], BIMODAL_V[None],
                                np.ones((1, BIMODAL_Y.size), bool),
                                np.ones((1, BIMODAL_Y.size, 1)), METAFOR_DEFAULT_CONTROL)
    assert metafor_way.tau2[0] == 0.0  # metafor 3.8.1's answer, reproducible on request


def test_global_maximum_with_moderators_matches_intercept_only_path() -> None:
    """The general (projection) code path finds the same global maximum: an intercept-only
    design given as a column of 2s (same model, not detected as intercept-only)."""
    k = BIMODAL_Y.size
    fast = one("REML", BIMODAL_Y, BIMODAL_V)
    general = estimate_tau2("REML", BIMODAL_Y[None], BIMODAL_V[None], np.ones((1, k), bool),
                            np.full((1, k, 1), 2.0))
    assert general.tau2[0] == pytest.approx(fast.tau2[0], rel=1e-10)
    assert general.se_tau2[0] == pytest.approx(fast.se_tau2[0], rel=1e-10)
