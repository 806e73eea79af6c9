"""CHECKS.csv: reading structured numbers and auditing them."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.audit.findings import FindingKind
from evidencehub.grade.audit.table import COLUMNS, audit_table, read_checks


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "CHECKS.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_are_the_contract() -> None:
    assert COLUMNS == ("id", "estimate", "ci_lb", "ci_ub", "p", "ratio", "mean", "sd", "n",
                       "items", "events", "total", "percent", "t", "F", "df1", "df2", "r",
                       "chi2", "z")


def test_read_and_audit(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffid,estimate,ci_lb,ci_ub,p,ratio,t,df1,mean,n,items,percent,"
                 "events,total\n"
                 "A,0.30,0.10,0.90,0.034,yes,,,,,,,,\n"
                 "B,,,,.03,,2.20,28,,,,,,\n"
                 "C,,,,,,,,5.19,28,1,,,\n"
                 "\n"
                 "D,17,1.4,32.6,<0.001,no,,,,,,45%,9,20\n")
    rows = read_checks(path)
    assert [r.id for r in rows] == ["A", "B", "C", "D"]
    a, b, c, d = rows
    assert a.ratio and a.estimate is not None and a.estimate.text == "0.30"
    assert a.quote == "id=A, estimate=0.30, ci_lb=0.10, ci_ub=0.90, p=0.034, ratio=yes"
    assert b.statistic == "t" and b.value is not None and b.value.decimals == 2
    assert (c.n, c.items) == (28, 1)
    assert d.p is not None and d.p.relation == "<" and d.percent is not None
    assert (d.events, d.total, d.ratio) == (9, 20, False)
    report = audit_table(rows, source="CHECKS.csv")
    data = report.to_dict()
    assert data["checked"] == 4
    got = [(f["id"], f["kind"], f["verdict"]) for f in data["findings"]]
    assert got == [("B", "test-p", "inconsistent"), ("C", "grim", "inconsistent"),
                   ("D", "ci-p", "inconsistent")]
    assert all(f["line"] is None for f in data["findings"])


def test_column_names_ignore_case(tmp_path: Path) -> None:
    [row] = read_checks(write(tmp_path, "ID,f,DF1,df2,P\nx,3.1,2,40,0.10\n"))
    assert (row.statistic, row.id) == ("F", "x")
    assert audit_table([row]).findings[0].kind is FindingKind.TEST_P


@pytest.mark.parametrize(("text", "message"), [
    ("", "CHECKS.csv: the file is empty"),
    ("estimate,ci_lb\n", "CHECKS.csv: no data rows after the header"),
    ("estimate,foo\n1,2\n", "CHECKS.csv: unknown column 'foo'; the columns are id, estimate"),
    ("p,P\n0.1,0.2\n", "CHECKS.csv: column 'P' appears more than once in the header"),
    ("estimate,p\n1.5,0.01\n2.0,abc\n", "CHECKS.csv, row 2, column 'p': expected a number, "
     "got 'abc'"),
    ("n,mean\n12.5,3\n", "CHECKS.csv, row 1, column 'n': expected a whole number, got '12.5'"),
    ("ratio,estimate\nmaybe,1\n", "CHECKS.csv, row 1, column 'ratio': expected yes, no, true, "
     "false, 1 or 0, got 'maybe'"),
    ("t,z,p\n2.0,2.0,0.05\n", "CHECKS.csv, row 1: give one test statistic per row, got t and z"),
    ("p\n0.1,0.2\n", "CHECKS.csv, row 1: expected at most 1 cells as in the header, got 2"),
])
def test_bad_input_names_the_place(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_checks(path)
    assert str(info.value).replace(str(path), "CHECKS.csv").startswith(message)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        read_checks(tmp_path / "absent.csv")


def test_odd_numbers_are_findings_not_errors(tmp_path: Path) -> None:
    rows = read_checks(write(tmp_path, "id,p,sd,mean,n,items\nq,1.5,-2,3.0,0,1\n"))
    kinds = [f.kind for f in audit_table(rows).findings]
    assert kinds == [FindingKind.UNREADABLE] * 3


def test_docs_example(tmp_path: Path) -> None:
    """The CHECKS.csv example in docs/audit.md gives the findings the text says."""
    docs = Path(__file__).parents[3] / "docs" / "audit.md"
    example = docs.read_text(encoding="utf-8").split("```csv\n", 1)[1].split("```", 1)[0]
    report = audit_table(read_checks(write(tmp_path, example)))
    assert [(f.id, f.kind) for f in report.findings] == [("B", FindingKind.TEST_P),
                                                         ("C", FindingKind.GRIM)]
