"""Named conversions with their inputs (stats/derive.py): each method gives what its
stats.convert function gives and records exactly the inputs it used; what it needs is said."""

from __future__ import annotations

import math

import pytest

from evidencehub.errors import InputError
from evidencehub.model import ValueDerivation
from evidencehub.stats.derive import CONVERSIONS, derive

NUMBERS = {
    "se": 0.3,
    "n": 25.0,
    "ci_lb": 3.0,
    "ci_ub": 7.0,
    "p": 0.008,
    "t": 2.78,
    "mean_difference": 3.8,
    "n1": 25.0,
    "n2": 22.0,
    "median": 7.0,
    "q1": 6.0,
    "q3": 9.0,
    "minimum": 4.0,
    "maximum": 12.0,
    "sd_baseline": 2.0,
    "sd_final": 2.5,
    "corr": 0.5,
    "mean": 99.0,
}


@pytest.mark.parametrize("method", list(CONVERSIONS))
def test_every_conversion_keeps_exactly_its_inputs(method: ValueDerivation) -> None:
    result = derive(method, NUMBERS)
    conversion = CONVERSIONS[method]
    assert result.derivation.method is method
    assert result.derivation.fields == conversion.fields
    assert result.derivation.inputs == {k: NUMBERS[k] for k in conversion.inputs}
    assert set(result.values) == set(conversion.fields)
    assert all(math.isfinite(v) and v > 0 for v in result.values.values())


def test_published_formulas_by_hand() -> None:
    # SD = SE × sqrt(n) (Cochrane Handbook v6.4 §6.5.2.2)
    assert math.isclose(derive(ValueDerivation.SD_FROM_SE, NUMBERS).values["sd"], 1.5)
    # SD_change = sqrt(SD_b² + SD_f² − 2 r SD_b SD_f) (§6.5.2.8)
    change = derive(ValueDerivation.SD_CHANGE_FROM_CORRELATION, NUMBERS).values["sd"]
    assert math.isclose(change, math.sqrt(4 + 6.25 - 2 * 0.5 * 2 * 2.5))
    # a 95% CI with the normal quantile: SD = sqrt(n) × width / 3.92 (§6.5.2.2)
    ci = derive(ValueDerivation.SD_FROM_CI_Z, NUMBERS).values["sd"]
    assert math.isclose(ci, 5 * 4 / (2 * 1.959963984540054))


def test_missing_inputs_and_non_conversions_are_named() -> None:
    with pytest.raises(InputError, match=r"^sd-from-se needs se, n; missing se$"):
        derive(ValueDerivation.SD_FROM_SE, {"n": 25.0, "se": None})
    with pytest.raises(InputError, match=r"^'reported' is not a conversion; the conversions"):
        derive(ValueDerivation.REPORTED, NUMBERS)
    with pytest.raises(InputError, match=r"'se' must not be negative"):
        derive(ValueDerivation.SD_FROM_SE, {"se": -1.0, "n": 25.0})
