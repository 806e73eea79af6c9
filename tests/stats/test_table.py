"""Reading study tables with escalc-named columns (stats/table.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from evidencehub.errors import InputError
from evidencehub.stats.table import read_table, table_from_rows

BCG = Path(__file__).parent.parent / "reference" / "metafor" / "bcg_RR.csv"


def _read(text: str):  # type: ignore[no-untyped-def]
    return read_table(io.StringIO(text), source="t.csv")


def test_reads_a_reference_csv() -> None:
    with BCG.open(encoding="utf-8", newline="") as fh:
        table = read_table(fh, source="bcg_RR.csv")
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
        ("study,ai,bi,ci,di\nA,1,2,3\n", "t.csv, row 1: expected 5 cells as in the header, got 4"),
        ("", "t.csv: the file is empty; expected a header row and one row per study"),
        ("study,ai\n", "t.csv: no data rows after the header; expected one row per study"),
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


def test_alternative_columns_and_generic_sei() -> None:
    table = _read("study,ai,n1i,ci,n2i\nA,1,10,2,12\n")
    assert sorted(table.effect_inputs("RR")) == ["ai", "ci", "n1i", "n2i"]
    gen = _read("yi,sei\n0.5,0.1\n").effect_inputs("GEN")
    assert gen["sei"].tolist() == [0.1]


def test_blank_lines_are_skipped_but_rows_keep_their_numbers() -> None:
    table = _read("study,yi,vi\nA,1,1\n\nC,x,1\n")
    assert table.k == 2
    with pytest.raises(InputError, match="row 3, column 'yi'"):
        table.numbers("yi")


def test_optional_numbers_become_nan_and_na_is_missing() -> None:
    table = _read("study,yi,vi,x\nA,1,1,NA\nB,2,1,3\n")
    x = table.numbers("x", required=False)
    assert np.isnan(x[0]) and x[1] == 3.0
    assert table.text("x") == (None, "3")


def test_split_keeps_first_appearance_order_and_row_numbers() -> None:
    table = _read("study,yi,vi,t\nA,1,1,12\nB,2,1,3\nC,3,1,12\nD,4,1,\n")
    parts, left_out = table.split("t")
    assert [v for v, _ in parts] == ["12", "3"]
    assert parts[0][1].study() == ("A", "C")
    assert parts[0][1].row_numbers == (1, 3)
    assert left_out == (4,)


def test_study_labels_absent_or_empty() -> None:
    assert _read("yi,vi\n1,1\n").study() is None
    assert _read("study,yi,vi\n,1,1\n").study() == ("row 1",)


def test_table_from_parsed_rows() -> None:
    table = table_from_rows([["study", "yi", "vi"], ["A", "0.1", "0.2"]], source="rows")
    assert table.numbers("vi").tolist() == [0.2]
    with pytest.raises(InputError, match="rows: missing column 'sei'"):
        table.numbers("sei")


def test_malformed_csv_names_the_line() -> None:
    with pytest.raises(InputError) as exc:
        read_table(io.StringIO('study,yi\n"A"x,1\n'), source="t.csv")
    assert str(exc.value) == "t.csv, line 2: malformed CSV: ',' expected after '\"'"
