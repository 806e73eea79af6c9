"""The model rule i2-q: strict thresholds, and the decision says what it saw."""

from __future__ import annotations

import numpy as np
import pytest

from evidencehub.analysis.rule import decide, goes_random


@pytest.mark.parametrize(("i2", "qp", "random"), [
    (50.0, 0.01, False),   # I² must exceed 50 %
    (50.01, 0.0999, True),
    (80.0, 0.10, False),   # P must be below 0.10
    (0.0, 0.5, False),
])
def test_thresholds_are_strict(i2: float, qp: float, random: bool) -> None:
    assert bool(goes_random(np.array(i2), np.array(qp))) is random
    decision = decide("i2-q", i2, 20.0, 9, qp, "DL")
    assert decision.chosen == ("random" if random else "common")
    assert decision.method == ("DL" if random else "EE")


def test_reason_and_dict() -> None:
    d = decide("i2-q", 92.07, 152.2, 12, 1.5e-26, "REML")
    assert d.reason == ("I^2 = 92.1% > 50%; Q test P = 1.5e-26 < 0.1 (common-effect fit, "
                        "Q = 152.2, df = 12); both criteria met: random-effects model (REML) "
                        "[rule i2-q: random effects when I^2 > 50% and Q test P < 0.1]")
    assert d.to_dict() == {"rule": "i2-q", "I2": 92.07, "QE": 152.2, "QEdf": 12,
                           "QEp": 1.5e-26, "chosen": "random", "method": "REML",
                           "reason": d.reason}
