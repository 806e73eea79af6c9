"""Whole sums, GRIM, GRIMMER and percentages, on cases worked by hand."""

from __future__ import annotations

from evidencehub.grade.audit.granularity import (
    MAX_SUMS,
    grim,
    grim_applies,
    grimmer,
    percent_fits,
    whole_sums,
)
from evidencehub.grade.audit.reported import Printed


def test_whole_sums() -> None:
    assert list(whole_sums(5.185, 5.195, 28)) == []  # 145.18 to 145.46
    assert list(whole_sums(5.205, 5.215, 28)) == [146]  # 145.74 to 146.02
    assert list(whole_sums(0.5, 0.5, 2)) == [1]  # closed bounds, float dust absorbed
    assert whole_sums(0.0, 1.0, 2 * MAX_SUMS) is None
    assert whole_sums(1e300, 1e300, 10**10) is None


def test_grim_applies_only_below_the_granularity() -> None:
    mean = Printed.parse("5.19")
    assert grim_applies(mean, 99) and not grim_applies(mean, 100)
    assert not grim_applies(mean, 50, items=2)


def test_grimmer_two_answers() -> None:
    """Answers 1 and 2: mean 1.50, SD sqrt(0.5) = 0.707; the sum of squares is 5."""
    assert grimmer(Printed.parse("1.50"), Printed.parse("0.71"), 2) is None
    # SD 0.70 needs a sum of squares between 4.983 and 4.997: no whole number
    assert grimmer(Printed.parse("1.50"), Printed.parse("0.70"), 2) == "sum-of-squares"
    assert grimmer(Printed.parse("1.55"), Printed.parse("0.71"), 2) == "grim"


def test_percent_fits() -> None:
    assert percent_fits(Printed.parse("42.9"), 7)  # 3 of 7 = 42.857
    assert percent_fits(Printed.parse("42.9"), 7, events=3)
    assert not percent_fits(Printed.parse("42.8"), 7, events=3)
    assert not percent_fits(Printed.parse("50"), 7)
    assert percent_fits(Printed.parse("100"), 7) and percent_fits(Printed.parse("0"), 7)


def test_grim_percent_matches_mean_of_proportion() -> None:
    assert grim(Printed.parse("42.9"), 7, percent=True) == grim(Printed.parse("0.429"), 7)
