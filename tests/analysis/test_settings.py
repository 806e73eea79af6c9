"""Pool settings: normalised once, impossible combinations refused in one line."""

from __future__ import annotations

import pytest

from evidencehub.analysis import PoolSettings
from evidencehub.errors import InputError
from evidencehub.stats import Measure


def test_text_is_normalised() -> None:
    s = PoolSettings("or", method="mh")  # type: ignore[arg-type]
    assert s.measure is Measure.OR and s.method == "MH" and s.pooler == "MH"
    assert PoolSettings("MD", method="fe").method == "EE"  # type: ignore[arg-type]
    assert PoolSettings("MD").pooler is None
    assert PoolSettings("OR", method="PETO").effects_measure is Measure.PETO
    assert PoolSettings("PETO", method="PETO").effects_measure is Measure.PETO
    assert PoolSettings("OR", method="MH").effects_measure is Measure.OR


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"measure": "XYZ"}, "escalc: unknown measure 'XYZ'"),
    ({"measure": "MD", "test": "t"}, "pool: unknown test 't'; known: z, knha"),
    ({"measure": "MD", "convention": "cochrane"},
     "pool: unknown convention 'cochrane'; known: metafor, revman"),
    ({"measure": "MD", "level": 100}, "pool: the confidence level must be a percentage between 0 "
                                      "and 100; got 100"),
    ({"measure": "RD", "method": "PETO"}, "pool: method PETO (Peto's method) gives an odds "
                                          "ratio: use measure OR; got measure RD"),
    ({"measure": "MD", "method": "MH"}, "pool: method MH (Mantel-Haenszel) pools 2x2 tables as "
                                        "OR, RR or RD; got measure MD"),
    ({"measure": "OR", "method": "PETO", "test": "knha"},
     "pool: method PETO is a common-effect model; Knapp-Hartung tests (test knha) need a "
     "random-effects model"),
])
def test_refusals(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as exc:
        PoolSettings(**kwargs)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)
