"""A count someone typed: ASCII digits only, never more than int() reads."""

from __future__ import annotations

import pytest

from evidencehub.counts import is_count


@pytest.mark.parametrize("text", ["0", "7", "123456789", "9" * 18])
def test_counts(text: str) -> None:
    assert is_count(text)
    int(text)


@pytest.mark.parametrize("text", ["", "²", "٣", "１", "-1", "+1", "1.5", " 1", "1e3", "9" * 19,
                                  "9" * 5000])
def test_not_counts(text: str) -> None:
    assert not is_count(text)


def test_a_shorter_limit() -> None:
    assert is_count("123456", max_digits=6) and not is_count("1234567", max_digits=6)
