"""Reading study rows into columns (analysis/table.py).

The messages are those of :mod:`evidencehub.stats.table` (same texts), and the columns are
checked against that row-wise reader on generated files, quoted and unquoted.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencehub.analysis.table import CsvTable, read_csv
from evidencehub.errors import InputError
from evidencehub.stats.table import read_table

BCG = Path(__file__).parent.parent / "reference" / "metafor" / "bcg_RR.csv"


def _read(text: str) -> CsvTable:
    return read_csv(text, source="t.csv")


def test_reads_a_reference_csv() -> None:
    table = read_csv(BCG.read_text(encoding="utf-8"), source="bcg_RR.csv")
    assert table.k == 13
    assert table.study()[0] == "Aronson 1948"  # type: ignore[index]
    inputs = table.effect_inputs("RR")
    assert sorted(inputs) == ["ai", "bi", "ci", "di"]
    assert inputs["ai"][:3].tolist() == [4.0, 6.0, 3.0]
    assert table.text("group")[0] == "random"
    assert table.numbers("x")[0] == 44.0


def test_quoted_fields_and_bom() -> None:
    table = _read('\ufeffstudy,yi,vi\n"Smith, 2001",0.1,0.02\n')
    assert table.header == ("study", "yi", "vi")
    assert table.study() == ("Smith, 2001",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study,ai,bi,ci,di\nA,1,2,x,4\n", "t.csv, row 1, column 'ci': expected a number, got 'x'"),
        ("study,ai,bi,ci,di\nA,1,2,3,4\nB,1,,3,4\n",
         "t.csv, row 2, column 'bi': expected a number, got an empty cell"),
        ("study,ai,bi,ci,di\nA,1,2,3,inf\n",
         "t.csv, row 1, column 'di': expected a finite number, got 'inf'"),
        ("study,ai,bi,ci,di\nA,1,2,3, nan \n",
         "t.csv, row 1, column 'di': expected a finite number, got 'nan'"),
        ("study,ai,bi,ci,di\nA,1,2,3\n", "t.csv, row 1: expected 5 cells as in the header, got 4"),
        ('study,ai,bi,ci,di\n"A",1,2,3\n',
         "t.csv, row 1: expected 5 cells as in the header, got 4"),
        ("", "t.csv: the file is empty; expected a header row and one row per study"),
        ("study,ai\n", "t.csv: no data rows after the header; expected one row per study"),
        ("study,ai\n\n , \n", "t.csv: no data rows after the header; expected one row per study"),
        ("study,ai,ai\nA,1,2\n", "t.csv: column 'ai' appears more than once in the header"),
        ("study,,bi\nA,1,2\n", "t.csv: column 2 of the header has no name"),
        ("study;ai;bi\nA;1;2\n", ("t.csv: the header is separated by semicolons; expected commas "
         "(save the file as comma-separated CSV)")),
        ("study\tai\nA\t1\n", ("t.csv: the header is separated by tabs; expected commas "
         "(save the file as comma-separated CSV)")),
    ],
)
def test_errors_name_the_row_and_column(text: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        _read(text).effect_inputs("OR")
    assert str(exc.value) == message


def test_missing_column_lists_what_the_measure_reads() -> None:
    table = _read("study,ai,bi,ci\nA,1,2,3\n")
    with pytest.raises(InputError) as exc:
        table.effect_inputs("OR")
    assert str(exc.value) == (
        "t.csv: missing column 'di' or 'n2i' needed for measure OR (it reads ai, bi/n1i, ci, "
        "di/n2i); the columns are 'study', 'ai', 'bi', 'ci'")


def test_blank_lines_are_skipped_but_rows_keep_their_numbers() -> None:
    table = _read("study,yi,vi\r\nA,1,1\r\n\r\n , ,\r\nC,x,1\r\n")
    assert table.k == 2
    with pytest.raises(InputError, match="row 4, column 'yi'"):
        table.numbers("yi")


def test_optional_numbers_become_nan_and_na_is_missing() -> None:
    table = _read("study,yi,vi,x\nA,1,1,NA\nB,2,1, 3 \n")
    x = table.numbers("x", required=False)
    assert np.isnan(x[0]) and x[1] == 3.0
    assert table.text("x") == (None, "3")


def test_groups_keep_first_appearance_order_and_row_numbers() -> None:
    table = _read("study,yi,vi,t\nA,1,1,12\nB,2,1,3\nC,3,1, 12\nD,4,1,\nE,5,1,NA\n")
    groups = table.groups("t")
    assert groups.values == ("12", "3")
    assert groups.codes.tolist() == [0, 1, 0, -1, -1]
    assert groups.left_out == (4, 5)
    part = table.take(np.flatnonzero(groups.codes == 0))
    assert part.study() == ("A", "C")
    assert part.row_numbers.tolist() == [1, 3]


def test_study_labels_absent_or_empty() -> None:
    assert _read("yi,vi\n1,1\n").study() is None
    assert _read("study,yi,vi\n,1,1\n").study() == ("row 1",)


def test_malformed_csv_names_the_line() -> None:
    with pytest.raises(InputError) as exc:
        _read('study,yi\n"A"x,1\n')
    assert str(exc.value) == "t.csv, line 2: malformed CSV: ',' expected after '\"'"


_CELL = st.one_of(st.sampled_from(["", " ", "NA", "1", " 2.5 ", "-3e-2", "x", "A b"]),
                  st.text(alphabet="ab ,\"\t", max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=0, max_size=4), min_size=0, max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_same_table_as_the_row_reader(rows: list[list[str]], newline: str,
                                      final_newline: bool) -> None:
    """Any file gives the cells, row numbers and first error of stats.table.read_table."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(["study", "yi", "vi"])
    writer.writerows(rows)
    text = buf.getvalue()
    if not final_newline:
        text = text.rstrip("\r\n")
    try:
        expected = read_table(io.StringIO(text, newline=""), source="t.csv")
    except InputError as exc:
        with pytest.raises(InputError) as ours:
            read_csv(text, source="t.csv")
        assert str(ours.value) == str(exc)
        return
    table = read_csv(text, source="t.csv")
    assert table.header == expected.header
    assert table.row_numbers.tolist() == list(expected.row_numbers)
    for j, column in enumerate(table.header):
        assert tuple(c.strip() for c in table.columns[j]) == tuple(r[j] for r in expected.cells)
        assert table.text(column) == expected.text(column)
        for required in (True, False):
            try:
                want = expected.numbers(column, required=required)
            except InputError as exc:
                with pytest.raises(InputError) as ours:
                    table.numbers(column, required=required)
                assert str(ours.value) == str(exc)
            else:
                np.testing.assert_array_equal(table.numbers(column, required=required), want)
