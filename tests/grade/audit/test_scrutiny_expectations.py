"""scrutiny's GRIM and GRIMMER test expectations, reproduced as data.

From lhdjung/scrutiny, tests/testthat/ (test-grim.R, test-grim-map.R, test-grimmer.R,
test-grimmer-map.R) with scrutiny's default rounding ``"up_or_down"``. Where test-grimmer.R
compares ``grimmer_scalar()`` with rsprite2's ``GRIMMER_test()``, the expected value is what
``GRIMMER_test()`` returned when run in R 4 (the function as defined in that test file).
"""

from __future__ import annotations

import pytest

from evidencehub.grade.audit.granularity import grim, grimmer
from evidencehub.grade.audit.reported import Printed

T, F = True, False


def _seq(first: str, last: str) -> list[str]:
    """scrutiny's ``seq_endpoint(from, to)``: steps of the last decimal, zeros kept."""
    decimals = max(len(first.partition(".")[2]), len(last.partition(".")[2]))
    start, stop = round(float(first) * 10**decimals), round(float(last) * 10**decimals)
    return [f"{k / 10**decimals:.{decimals}f}" for k in range(start, stop + 1)]


# (values, n, items, percent, expected) from test-grim.R
GRIM_VECTORS = [
    (_seq("5.19", "5.30"), 28, 1, False, [F, F, T, F, F, F, T, F, F, F, T, F]),  # vec1
    (_seq("0.150", "0.159"), 120, 3, False, [T, F, F, T, F, F, T, F, T, F]),  # vec2
    (_seq("0.80", "0.89"), 28, 2, False, [T, F, T, F, T, F, T, T, T, T]),  # vec3
    (_seq("519", "530"), 28, 1, True, [F, F, T, F, F, F, T, F, F, F, T, F]),  # vec4
    (_seq("6", "16"), 50, 1, True, [T, F, T, F, T, F, T, F, T, F, T]),  # vec5
]


@pytest.mark.parametrize(("values", "n", "items", "percent", "expected"), GRIM_VECTORS)
def test_grim_testthat(values: list[str], n: int, items: int, percent: bool,
                       expected: list[bool]) -> None:
    got = [grim(Printed.parse(x), n, items, percent=percent) for x in values]
    assert got == expected


# scrutiny's example data pigs1 (x, n); test-grim-map.R
PIGS1 = [("7.22", 32), ("4.74", 25), ("5.23", 29), ("2.57", 24), ("6.77", 27), ("2.68", 28),
         ("7.01", 29), ("7.38", 26), ("3.14", 27), ("6.89", 31), ("5.00", 25), ("0.24", 28)]


def test_grim_map_pigs1() -> None:
    """test-grim-map.R: ``consistency`` of ``grim_map(pigs1)``; six consistent with items = 2."""
    got = [grim(Printed.parse(x), n) for x, n in PIGS1]
    assert got == [T, F, F, F, F, T, F, T, F, F, T, F]
    assert sum(grim(Printed.parse(x), n, items=2) for x, n in PIGS1) == 6


# pigs5 (x, sd, n) with grimmer_map()'s consistency and reason; test-grimmer-map.R
PIGS5 = [
    ("7.22", "5.30", 38, "grim"), ("4.74", "6.55", 31, None), ("5.23", "2.55", 35, "parity"),
    ("2.57", "2.57", 30, None), ("6.77", "2.18", 33, "grim"), ("2.68", "2.59", 34, None),
    ("7.01", "6.68", 35, "grim"), ("7.38", "3.65", 32, None), ("3.14", "5.32", 33, "grim"),
    ("6.89", "4.18", 37, None), ("5.00", "2.18", 31, None), ("0.24", "6.43", 34, None),
]


@pytest.mark.parametrize(("mean", "sd", "n", "reason"), PIGS5)
def test_grimmer_map_pigs5(mean: str, sd: str, n: int, reason: str | None) -> None:
    """"GRIM inconsistent" → grim, "GRIMMER inconsistent (test 3)" → parity, "Passed all"."""
    assert grimmer(Printed.parse(mean), Printed.parse(sd), n) == reason


# test-grimmer.R: (mean, sd, n, items, consistent)
GRIMMER_CASES = [
    ("5.21", "1.6", 28, 1, T),  # GRIMMER works correctly by default
    ("3.44", "2.47", 18, 1, F),
    ("1.2", "0.3", 57, 1, T),  # ... compared to the rsprite2 implementation
    ("8.3", "7.5", 103, 1, T),
    ("5.23", "2.55", 35, 1, F),  # test-3 inconsistencies
    ("5.23", "2.55", 127, 1, T),
    ("5.2", "2.5", 35, 1, T),
    ("2.57", "2.57", 30, 1, T),  # from pigs5, consistent in both
    ("3.756", "4.485", 89, 1, F),  # finer variations
    ("3.756", "4.485", 12, 1, F),
    ("3.75", "4.48", 12, 1, F),
    ("3.75", "4.48", 89, 1, T),
    ("5.21", "1.60", 28, 2, T),  # items = 2
    ("3.44", "2.47", 18, 2, T),
    ("5.21", "1.60", 28, 3, T),  # items = 3
    ("3.44", "2.47", 18, 3, T),
]


@pytest.mark.parametrize(("mean", "sd", "n", "items", "consistent"), GRIMMER_CASES)
def test_grimmer_testthat(mean: str, sd: str, n: int, items: int, consistent: bool) -> None:
    result = grimmer(Printed.parse(mean), Printed.parse(sd), n, items)
    assert (result is None) is consistent
