"""Follow-up text to months."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.proposals.followup import DAYS_PER_MONTH, follow_up_months


@pytest.mark.parametrize(("text", "months"), [
    ("12 months", 12.0),
    ("25 months", 25.0),
    ("2 years", 24.0),
    ("1 year", 12.0),
    ("up to 2 years", 24.0),
    ("one year", 12.0),
    ("median 3.5 years", 42.0),
    ("18-24 months", 24.0),
    ("18 to 24 months", 24.0),
    ("6 mo", 6.0),
    ("2 yrs", 24.0),
    ("1 year (primary endpoint), 5 years (extension)", 60.0),
])
def test_durations(text: str, months: float) -> None:
    assert follow_up_months(text) == pytest.approx(months)


def test_weeks_and_days_use_the_gregorian_month() -> None:
    assert DAYS_PER_MONTH == pytest.approx(30.436875)
    assert follow_up_months("26 weeks") == pytest.approx(26 * 7 / 30.436875)
    assert follow_up_months("90 days") == pytest.approx(90 / 30.436875)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_not_stated(text: str | None) -> None:
    assert follow_up_months(text) is None


def test_no_duration_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        follow_up_months("until death", source="study 'x'")
    assert str(info.value) == ("study 'x': follow-up 'until death': expected a duration with a "
                               "unit, such as '12 months', '2 years' or '26 weeks'")
