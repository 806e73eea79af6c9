"""The fast path of the CSV reader (analysis/_spans.py): the same cells as the general path,
and plain decimals parsed to exactly the doubles ``float()`` gives."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencehub.analysis._spans import Spans, split_plain
from evidencehub.analysis.table import CsvTable, _plain, read_csv
from evidencehub.errors import InputError


def _column(cells: list[str]) -> Spans:
    """The cells as the one column of a regular file."""
    parts = split_plain("x\n" + "\n".join(cells) + "\n")
    assert parts is not None
    return parts[1][0]


_DECIMAL = st.builds(
    lambda sign, whole, point, frac: sign + whole + point + frac,
    st.sampled_from(["", "-", "+"]), st.text("0123456789", max_size=12),
    st.sampled_from(["", "."]), st.text("0123456789", max_size=12),
).filter(lambda s: any(c.isdigit() for c in s))


@settings(max_examples=300, deadline=None)
@given(st.lists(_DECIMAL, min_size=1, max_size=20))
def test_plain_decimals_are_the_doubles_float_gives(cells: list[str]) -> None:
    parsed = _column(cells).decimals()
    expected = np.array([float(c) for c in cells])
    if parsed is None:  # more digits than the exact fast path takes
        assert max(sum(ch.isdigit() for ch in c) for c in cells) > 15
        return
    assert parsed.tobytes() == expected.tobytes()  # bit for bit, the sign of zero included


@pytest.mark.parametrize("cell", ["1e5", " 1", "1 ", "NA", "inf", "nan", "1_0", "1.2.3", "-",
                                  ".", "+-1", "1-", "0x1", "12345678901234567890"])
def test_other_forms_are_left_to_float(cell: str) -> None:
    assert _column(["1.5", cell]).decimals() is None


def test_mantissas_beyond_2_to_the_53_are_left_to_float() -> None:
    assert _column(["9007199254740993"]).decimals() is None
    assert _column(["9007199254740992"]).decimals().tolist() == [2.0**53]  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n\n3,4\n",        # a blank line
    "a,b\n1,2\n , \n",          # a blank row
    "a,b\n1,2,3\n4\n",          # one cell too many, then one too few
    "a,b\n1\n",                 # too few
    'a,b\n"1",2\n',             # quoting
    "a,b\nMüller,2\n",          # not ASCII
    "a,b\n",                    # no rows
    "a,b",                      # no line break
])
def test_irregular_files_take_the_general_path(text: str) -> None:
    assert split_plain(text) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", " ", "NA", "1", " 2.5 ", "-3e-2", "x", "A b",
                                           "-0", "7.25"]), min_size=3, max_size=3),
                min_size=1, max_size=8),
       st.booleans())
def test_same_cells_and_numbers_as_the_general_path(rows: list[list[str]], final: bool) -> None:
    text = "study,yi,vi\n" + "\n".join(",".join(r) for r in rows) + ("\n" if final else "")
    try:
        header, flat, numbers = _plain(text, "t.csv")
    except InputError as exc:
        with pytest.raises(InputError, match=re.escape(str(exc))):
            read_csv(text, source="t.csv")
        return
    width = len(header)
    general = CsvTable("t.csv", header, tuple(tuple(flat[j::width]) for j in range(width)),
                       np.array(numbers))
    table = read_csv(text, source="t.csv")
    assert table.header == header and table.row_numbers.tolist() == numbers
    for j, column in enumerate(header):
        assert tuple(table.columns[j]) == general.columns[j]
        assert table.text(column) == general.text(column)
        ours, theirs = table.groups(column), general.groups(column)
        assert (ours.values, ours.codes.tolist(), ours.left_out) == (
            theirs.values, theirs.codes.tolist(), theirs.left_out)
        for required in (True, False):
            try:
                expected = general.numbers(column, required=required)
            except InputError as exc:
                with pytest.raises(InputError) as ours:
                    table.numbers(column, required=required)
                assert str(ours.value) == str(exc)
            else:
                got = table.numbers(column, required=required)
                assert got.tobytes() == expected.tobytes()
    fast = split_plain(text)
    if fast is not None:
        for spans in fast[1]:
            assert tuple(spans) == spans.cells() and spans[0] == spans.cells()[0]
            picked = spans.take(np.array([len(spans) - 1, 0]))
            assert picked.cells() == (spans.cells()[-1], spans.cells()[0])


def test_runs_of_a_grouped_column() -> None:
    runs = _column(["A1", "A1", "A10", "B", "B", "A1x"]).runs()
    assert runs is not None
    values, codes = runs
    assert values == ("A1", "A10", "B", "A1x") and codes.tolist() == [0, 0, 1, 2, 2, 3]


def test_runs_refuse_a_value_that_comes_back() -> None:
    assert _column(["A", "B", "A"]).runs() is None
    table = read_csv("g,y\nA,1\nB,2\nA,3\n", source="t.csv")
    groups = table.groups("g")
    assert groups.values == ("A", "B") and groups.codes.tolist() == [0, 1, 0]
