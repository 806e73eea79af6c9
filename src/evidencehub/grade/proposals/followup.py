"""Follow-up durations as studies state them (``"25 months"``, ``"up to 2 years"``) in months.

:attr:`evidencehub.model.Study.follow_up` is free text. :func:`follow_up_months` reads the
durations in it and returns the longest, converted with the calendar averages of ISO 8601
(a year is 12 months; a month 30.4375 days, the mean of the Gregorian calendar's 400-year
cycle; a week 7 days). Qualifiers such as "up to", "median", "about" or "at least" are
allowed and ignored: the number is what the study followed people for, at most.
"""

from __future__ import annotations

import re

from evidencehub.errors import InputError

__all__ = ["DAYS_PER_MONTH", "follow_up_months"]

#: Mean length of a Gregorian month in days (146097 days / 4800 months).
DAYS_PER_MONTH = 146097 / 4800

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18,
          "twenty-four": 24}
_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|y)\b"
_DURATION = re.compile(_NUMBER + r"(?:\s*(?:-|–|to)\s*" + _NUMBER + r")?\s*" + _UNIT,
                       re.IGNORECASE)
_MONTHS_PER_UNIT = {"d": 1 / DAYS_PER_MONTH, "w": 7 / DAYS_PER_MONTH, "m": 1.0, "y": 12.0}


def _number(text: str) -> float:
    return float(_WORDS[text.lower()]) if text.lower() in _WORDS else float(text)


def follow_up_months(text: str | None, *, source: str | None = None) -> float | None:
    """The longest duration stated in ``text``, in months; None when ``text`` is empty.

    Parameters
    ----------
    text : str or None
        A follow-up as written: ``"12 months"``, ``"2 years"``, ``"up to 2 years"``,
        ``"18-24 months"`` (a range counts as its upper end), ``"26 weeks"``, ``"one year"``.
    source : str, optional
        Names the study in the error message.

    Returns
    -------
    float or None
        Months (years × 12, weeks × 7 / 30.4375, days / 30.4375).

    Raises
    ------
    InputError
        When ``text`` is not empty but states no duration with a unit.

    Examples
    --------
    >>> follow_up_months("up to 2 years")
    24.0
    >>> follow_up_months("25 months")
    25.0
    """
    if text is None or not text.strip():
        return None
    months = []
    for match in _DURATION.finditer(text):
        value = _number(match.group(2) or match.group(1))
        months.append(value * _MONTHS_PER_UNIT[match.group(3)[0].lower()])
    if not months:
        raise InputError(f"follow-up {text!r}: expected a duration with a unit, such as "
                         "'12 months', '2 years' or '26 weeks'", source=source)
    return max(months)
