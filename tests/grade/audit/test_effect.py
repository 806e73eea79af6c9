"""Interval arithmetic for estimate, CI and P (Altman & Bland 2011), checked by hand."""

from __future__ import annotations

import math

import pytest

from evidencehub.grade.audit import effect


def _ends(z: effect.Interval | None) -> effect.Interval:
    assert z is not None
    return z


@pytest.mark.parametrize(("level", "z"), [(90.0, 1.644854), (95.0, 1.959964), (99.0, 2.575829)])
def test_z_critical_matches_normal_tables(level: float, z: float) -> None:
    assert effect.z_critical(level) == pytest.approx(z, abs=1e-6)


def test_p_and_z_round_trip_and_ends() -> None:
    assert effect.p_from_z(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert effect.z_from_p(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert effect.z_from_p(0.0) == math.inf and effect.z_from_p(1.0) == 0.0
    assert effect.p_from_z(math.inf) == 0.0 and effect.p_from_z(0.0) == 1.0


def test_z_from_the_estimate() -> None:
    """1 (95% CI 0 to 2): SE = 2 / 3.92, z = 1.96."""
    z = effect.z_range_estimate((1.0, 1.0), (0.0, 0.0), (2.0, 2.0), 1.959964)
    assert z == pytest.approx((1.959964, 1.959964))
    # an estimate that may be 0 gives z from 0; a width that may be 0 gives z up to infinity
    assert _ends(effect.z_range_estimate((-0.1, 0.1), (0.0, 0.0), (2.0, 2.0), 1.96))[0] == 0.0
    assert _ends(effect.z_range_estimate((1.0, 1.0), (0.9, 1.1), (0.95, 1.05), 1.96))[1] == math.inf
    assert effect.z_range_estimate((1.0, 1.0), (2.0, 2.0), (0.0, 0.0), 1.96) is None


def test_z_from_the_centre() -> None:
    """CI 1 to 3: centre 2, half-width 1 = 1.96 SE, so z = 2 × 1.96 = 3.92."""
    assert effect.z_range_centre((1.0, 1.0), (3.0, 3.0), 1.96) == pytest.approx((3.92, 3.92))
    # -1 to 1 (within rounding) may be centred on 0
    assert _ends(effect.z_range_centre((-1.1, -0.9), (0.9, 1.1), 1.96))[0] == 0.0
    # the extremes over a box are at its corners: 0.9..1.1 to 2.9..3.1
    low, high = _ends(effect.z_range_centre((0.9, 1.1), (2.9, 3.1), 1.96))
    assert low == pytest.approx((0.9 + 3.1) / (3.1 - 0.9) * 1.96)
    assert high == pytest.approx((1.1 + 2.9) / (2.9 - 1.1) * 1.96)


def test_asymmetry() -> None:
    """2 (1 to 9): the estimate is 3 from the centre 5, with half-width 4."""
    assert effect.asymmetry((2.0, 2.0), (1.0, 1.0), (9.0, 9.0)) == pytest.approx(0.75)
    assert effect.asymmetry((1.9, 2.1), (0.9, 1.1), (2.9, 3.1)) == 0.0
