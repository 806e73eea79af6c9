"""Pieces shared by rma_mh and rma_peto (stats._two_by_two): table checks, labels, Wald, Q."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.stats._two_by_two import (
    check_tables,
    fmtp,
    none_if_nan,
    q_based,
    table_labels,
    wald,
)


def test_tables_come_back_as_float_arrays() -> None:
    a, _, _, d = check_tables("f", [1, 2], [3, 4], [5, 6], [7, 8])
    assert a.dtype == np.float64
    np.testing.assert_array_equal(d, [7.0, 8.0])


@pytest.mark.parametrize(
    ("name_mismatch", "message"),
    [
        (False, "f: 'ai', 'bi', 'ci' and 'di' must have the same length; got 2, 2, 1, 2"),
        (True, "f: 'ai', 'bi', 'ci' and 'di' must have the same length; 'ci' has 1, 'ai' has 2"),
    ],
)
def test_length_mismatch_messages(name_mismatch: bool, message: str) -> None:
    with pytest.raises(InputError) as exc:
        check_tables("f", [1, 2], [3, 4], [5], [7, 8], name_mismatch=name_mismatch)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (([], [], [], []), "f: no tables given"),
        (([[1]], [1], [1], [1]), "f: 'ai' must be a one-dimensional sequence of counts"),
        (([1, 1], [1, -1], [1, 1], [1, 1]), "table 2: f: 'bi' must be a non-negative count; got -1"),
        (([1], [1], [0], [0]), "table 1: f: each arm needs at least one participant "
                               "(ai + bi > 0 and ci + di > 0)"),
    ],
)
def test_bad_tables(cells: tuple[list[object], ...], message: str) -> None:
    with pytest.raises(InputError) as exc:
        check_tables("f", *cells)  # type: ignore[arg-type]
    assert str(exc.value) == message


def test_labels() -> None:
    assert table_labels("f", None, 3) == ("1", "2", "3")
    assert table_labels("f", ["A", 2], 2) == ("A", "2")  # type: ignore[list-item]
    with pytest.raises(InputError, match="'study' has 1 labels for 2 tables"):
        table_labels("f", ["A"], 2)


def test_wald_at_the_normal_quantile() -> None:
    # z = 1.959964 is the 97.5% normal quantile: two-sided p = 0.05, the 95% CI touches 0
    zval, pval, lb, ub = wald(1.959963984540054, 1.0, 95.0)
    assert zval == pytest.approx(1.959963984540054)
    assert pval == pytest.approx(0.05, rel=1e-12)
    assert lb == pytest.approx(0.0, abs=1e-12) and ub == pytest.approx(3.919927969080108)


def test_q_based_heterogeneity() -> None:
    # Q = 20 on 4 df: I2 = 100 (20 - 4)/20 = 80 %, H2 = 5; P from the chi-square upper tail
    qp, i2, h2 = q_based(20.0, 4)
    assert qp == pytest.approx(math.exp(-10) * (1 + 10), rel=1e-12)  # chi2(4) sf at 20
    assert i2 == pytest.approx(80.0) and h2 == pytest.approx(5.0)
    assert q_based(2.0, 4)[1] == 0.0  # truncated at 0
    assert q_based(0.0, 0) == (None, 0.0, None)


def test_formatting() -> None:
    assert none_if_nan(float("nan")) is None and none_if_nan(1.5) == 1.5
    assert [fmtp(None), fmtp(5e-5), fmtp(0.01234)] == ["NA", "<.0001", "0.0123"]
