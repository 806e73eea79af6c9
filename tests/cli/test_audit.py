"""``evidencehub audit``: texts and tables, the JSON contract, exit status, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencehub.cli import main
from evidencehub.cli.audit import FINDINGS_EXIT
from tests.grade.audit.test_readers import make_pdf

CONTRACT_KEYS = {"line", "kind", "quote", "reported", "recomputed", "verdict", "message"}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["audit", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_is_the_contract_object_for_one_path(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "results.md"
    path.write_text("# Results\n\nThe effect was significant, t(28) = 2.20, p = .03.\n"
                    "Relapse: 12/40 (30%). Mortality: Z = 1.54, p = .14.\n", encoding="utf-8")
    code, out, err = _run([str(path), "--json"], capsys)
    data = json.loads(out)
    assert set(data) == {"checked", "findings"} and data["checked"] == 3
    assert code == FINDINGS_EXIT and err == ""
    (finding,) = [f for f in data["findings"] if f["kind"] == "test-p" and f["line"] == 4]
    assert set(finding) == CONTRACT_KEYS
    assert finding["quote"] == "Z = 1.54, p = .14" and finding["verdict"] == "inconsistent"
    assert finding["reported"] == {"z": "1.54", "p": ".14"}
    assert all(f["quote"] in path.read_text(encoding="utf-8") for f in data["findings"])


def test_several_paths_give_one_object_whose_findings_name_their_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "a.html"
    html.write_text("<p>First</p><p><i>F</i>(2, 56) = 1.203, <i>p</i> &lt; .001</p>",
                    encoding="utf-8")
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(make_pdf(["Results", "r(46) = .34, p = .03"]))
    clean = tmp_path / "c.txt"
    clean.write_text("t(28) = 2.20, p = .04\n", encoding="utf-8")
    code, out, _ = _run([str(html), str(pdf), str(clean), "--json"], capsys)
    data = json.loads(out)
    assert code == FINDINGS_EXIT and data["checked"] == 3
    assert [(f["source"], f["line"], f["kind"]) for f in data["findings"]] == [
        (str(html), 2, "decision-error"), (str(pdf), 2, "test-p")]


def test_a_clean_text_exits_0_with_a_summary(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clean.txt"
    path.write_text("The drug helped (OR 1.50, 95% CI 1.10 to 2.05, P = 0.01).\n", encoding="utf-8")
    code, out, err = _run([str(path)], capsys)
    assert (code, err) == (0, "")
    assert out.strip() == "1 statement checked: 0 inconsistent, 0 warnings"


def test_human_output_is_a_table_of_findings(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "paper.txt"
    path.write_text("Z = 1.54, p = .14\n", encoding="utf-8")
    code, out, _ = _run([str(path)], capsys)
    assert code == FINDINGS_EXIT
    assert "test-p" in out and "inconsistent" in out and "1.54" in out
    assert out.rstrip().endswith("1 statement checked: 1 inconsistent, 0 warnings")


def test_table_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "checks.csv"
    path.write_text("id,t,df1,p\nA,2.20,28,.04\nB,1.54,,.14\n", encoding="utf-8")
    code, out, _ = _run(["--table", str(path), "--json"], capsys)
    data = json.loads(out)
    assert (code, data["checked"]) == (0, 2) and data["findings"] == []


@pytest.mark.parametrize(("args", "code"), [([], 2), (["x.txt", "--table", "y.csv"], 2)])
def test_paths_or_table_not_both(args: list[str], code: int,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(args, capsys)[0] == code


@pytest.mark.parametrize(("name", "data", "message"), [
    ("garbage.pdf", b"\x89\x00 not a pdf at all", "garbage.pdf: not a readable PDF"),
    ("slides.pptx", b"PK", "slides.pptx: cannot audit a .pptx file"),
])
def test_a_bad_file_is_one_error_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = _run([str(path)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_empty_file_and_huge_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.txt"
    huge.write_text("t(28) = 2.20, p = .04, " * 20000, encoding="utf-8")
    code, out, _ = _run([str(empty), str(huge), "--json"], capsys)
    assert code == 0 and json.loads(out) == {"checked": 20000, "findings": []}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=500),
                      st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from([".txt", ".md", ".html", ".pdf"]))
def test_the_command_never_raises(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes,
                                  suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    code, out, err = _run([str(path), "--json"], capsys)
    assert code in (0, 1, FINDINGS_EXIT)
    if code == 1:
        assert err.startswith("error: ")
    else:
        assert set(json.loads(out)) == {"checked", "findings"}
