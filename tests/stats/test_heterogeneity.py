"""Q-profile interval edge cases (metafor ``confint.rma.uni`` sign conventions) and the
Cochrane Handbook reading of I^2. The ``fits_tight`` Q-profile limits of every reference data
set are checked in ``test_models.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from evidencehub.errors import StatsWarning
from evidencehub.stats import rma
from evidencehub.stats.heterogeneity import I2_BANDS, heterogeneity, interpret_i2


def test_interval_below_the_search_range_is_flagged() -> None:
    # r <- rma(c(0.1, 0.1, 0.1), c(0.1, 0.2, 0.3)); confint(r)
    # tau^2 0 [0, 0], lb.sign "<", ub.sign "<"
    with pytest.warns(StatsWarning):
        res = rma([0.1, 0.1, 0.1], [0.1, 0.2, 0.3])
    ci = res.confint()
    assert (ci.tau2_ci_lb, ci.tau2_ci_ub, ci.ci_lb_sign, ci.ci_ub_sign) == (0.0, 0.0, "<", "<")
    assert (ci.I2_ci_lb, ci.H2_ci_ub) == (0.0, 1.0)


def test_upper_limit_beyond_the_search_range_is_flagged() -> None:
    # r <- rma(c(-30, 40, 5, 80), c(0.01, 0.02, 0.01, 0.03)); confint(r)
    # tau^2 2222.8943963049633 [713.3372059670005, 2.22289439630496e+04], ub.sign ">"
    res = rma([-30, 40, 5, 80], [0.01, 0.02, 0.01, 0.03])
    assert res.tau2 == pytest.approx(2222.8943963049633, rel=1e-6)
    ci = res.confint()
    assert (ci.ci_lb_sign, ci.ci_ub_sign) == ("", ">")
    assert ci.tau2_ci_ub == pytest.approx(10 * res.tau2, rel=1e-15)
    # metafor's lower limit comes from uniroot(tol = 1.2e-4): compare at that precision
    assert ci.tau2_ci_lb == pytest.approx(713.3372059670005, rel=1e-6)


def test_interval_at_another_level() -> None:
    res = rma([0.1, 0.9, -0.4, 0.5, 0.2], [0.02, 0.03, 0.05, 0.04, 0.02])
    wide, narrow = res.confint(level=99), res.confint(level=80)
    assert wide.tau2_ci_lb < narrow.tau2_ci_lb < res.tau2 < narrow.tau2_ci_ub < wide.tau2_ci_ub


def test_confint_of_equal_effects_model_is_refused() -> None:
    with pytest.raises(ValueError, match="no estimated between-study variance"):
        rma([0.1, 0.2], [0.1, 0.1], method="EE").confint()


def test_q_based_i2_is_higgins_thompson() -> None:
    """Higgins & Thompson (2002): I^2 = (Q - df)/Q, H^2 = Q/df (hand computation)."""
    y = np.array([[0.1, 0.9, -0.4, 0.5]])
    v = np.array([[0.02, 0.03, 0.05, 0.04]])
    mask = np.ones_like(y, dtype=bool)
    het = heterogeneity(y, v, mask, np.ones((1, 4, 1)), np.array([0.1]), fixed=False, i2="Q")
    w = 1 / v[0]
    q = np.sum(w * (y[0] - np.sum(w * y[0]) / np.sum(w)) ** 2)
    assert het.QE[0] == pytest.approx(q, rel=1e-13)
    assert het.I2[0] == pytest.approx(100 * (q - 3) / q, rel=1e-13)
    assert het.H2[0] == pytest.approx(q / 3, rel=1e-13)


@pytest.mark.parametrize(
    ("i2", "readings"),
    [
        (0.0, ["might not be important"]),
        (35.0, ["might not be important", "moderate"]),
        (55.0, ["moderate", "substantial"]),
        (80.0, ["substantial", "considerable"]),
        (95.0, ["considerable"]),
    ],
)
def test_cochrane_bands_overlap_as_in_the_handbook(i2: float, readings: list[str]) -> None:
    text = interpret_i2(i2)
    for reading in readings:
        assert reading in text
    assert text.count("%)") == len(readings)
    assert text.endswith("[Cochrane Handbook 10.10.2]")


def test_bands_are_the_handbooks() -> None:
    assert [(lo, hi) for lo, hi, _ in I2_BANDS] == [(0, 40), (30, 60), (50, 90), (75, 100)]


def test_summary_explains_heterogeneity() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        text = rma([0.1, 0.9, -0.4, 0.5], [0.02, 0.03, 0.05, 0.04]).summary()
    assert "Heterogeneity: I^2 = " in text and "Cochrane Handbook 10.10.2" in text
