"""Shared input checks: one message shape, naming the function, the study and the column."""

from __future__ import annotations

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.stats._validate import as_float_array, check_choice, check_level, study_labels


def test_numbers_pass_through() -> None:
    np.testing.assert_array_equal(as_float_array([1, "2.5", 3], "vi", "rma"), [1.0, 2.5, 3.0])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1.0, "abc"], "rma, study 'B': 'vi' must be a number; got 'abc'"),
        ([1.0, float("inf")], "rma, study 'B': 'vi' must be a finite number; got inf"),
        ([1.0, None], "rma, study 'B': 'vi' must be a finite number; got None"),
    ],
)
def test_bad_values_name_the_study(values: list[object], message: str) -> None:
    with pytest.raises(InputError) as exc:
        as_float_array(values, "vi", "rma", ["A", "B"])
    assert str(exc.value) == message


def test_missing_values_when_allowed() -> None:
    assert np.isnan(as_float_array([1.0, None], "x", "rma", allow_nan=True)[1])


def test_study_labels() -> None:
    assert study_labels(None, 2, "rma") == ("Study 1", "Study 2")
    with pytest.raises(InputError, match="'study' has 1 labels but the data have 2 studies"):
        study_labels(["a"], 2, "rma")


def test_choices_and_levels() -> None:
    assert check_choice("z", "test", ("z", "knha"), "rma") == "z"
    with pytest.raises(InputError, match="'level' must be a percentage between 0 and 100"):
        check_level(195.0, "rma")
