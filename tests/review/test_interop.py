"""Which tool made a file, and :func:`read_decisions` choosing the reader and checking the
arguments; real exports from ``tests/data/review`` and other tests' record files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.review.external import ExternalTool
from evidencehub.review.interop import detect_tool, read_decisions
from evidencehub.vocab import ScreeningStage

TESTS = Path(__file__).parent.parent / "data"
DATA = TESTS / "review"
EXCLUDED = DATA / "covidence_synthetic_review_1234_excluded_csv_20240825102514.csv"


@pytest.mark.parametrize(("name", "tool"), [
    ("rayyan_cff_baseline.csv", ExternalTool.RAYYAN),
    ("rayyan_cff_baseline.ris", ExternalTool.RAYYAN),
    ("rayyan_rayyanR_tinea_update.ris", ExternalTool.RAYYAN),
    ("rayyan_rayyanR_MLJ_articles.ris", ExternalTool.RAYYAN),
    ("covidence_cff_baseline.csv", ExternalTool.COVIDENCE),
    ("covidence_cff_baseline_endnote.ris", ExternalTool.COVIDENCE),
    (EXCLUDED.name, ExternalTool.COVIDENCE),
    ("asreview1_export_pubmed.csv", ExternalTool.ASREVIEW),
    ("asreview1_export_pubmed.ris", ExternalTool.ASREVIEW),
    ("asreview3_export_pubmed.csv", ExternalTool.ASREVIEW),
    ("asreview3_export_pubmed.tsv", ExternalTool.ASREVIEW),
    ("asreview3_export_pubmed.ris", ExternalTool.ASREVIEW),
    ("../csv/Cohen_2006_ADHD.csv", ExternalTool.ASREVIEW),  # SYNERGY: record_id and labels
    ("../ris/asreview_ris_issue_992.txt", ExternalTool.RAYYAN),  # Rayyan RIS, no decisions
])
def test_detect_tool(name: str, tool: ExternalTool) -> None:
    assert detect_tool(DATA / name) is tool


@pytest.mark.parametrize("name", ["ris/asreview_scopus.ris", "ris/rispy_example_full.ris",
                                  "csv/asreview_embase.csv", "csv/asreview_generic_tab.tsv"])
def test_plain_record_files_are_no_tool_export(name: str) -> None:
    with pytest.raises(InputError) as info:
        detect_tool(TESTS / name, source="f")
    assert str(info.value) == (
        "f: cannot tell which screening tool made this file (no Rayyan notes, Covidence # "
        "column, ASReview label or hub export columns); name the tool: rayyan, covidence, "
        "asreview, evidencehub")


def test_read_decisions_dispatches() -> None:
    rayyan = read_decisions(DATA / "rayyan_rayyanR_tinea_update.ris", stage="full-text")
    assert rayyan.tool is ExternalTool.RAYYAN
    assert {d.stage for d in rayyan.decisions} == {ScreeningStage.FULL_TEXT}
    covidence = read_decisions(DATA / "covidence_cff_baseline.csv", reviewer="Team",
                               covidence_list="irrelevant")
    assert {(d.reviewer, d.label.value) for d in covidence.decisions} == {("Team", "exclude")}
    asreview = read_decisions(DATA / "asreview3_export_pubmed.csv", reviewer="Ann")
    assert (asreview.tool, len(asreview.decisions)) == (ExternalTool.ASREVIEW, 4)
    # A Covidence file named the tool explicitly reads the same.
    named = read_decisions(EXCLUDED, tool="covidence", reviewer="Team")
    assert named.to_dict() == read_decisions(EXCLUDED, reviewer="Team").to_dict()


def test_import_summary_and_json() -> None:
    result = read_decisions(DATA / "rayyan_cff_baseline.csv", source="articles.csv")
    assert result.summary() == "rayyan export articles.csv: 10 records, 6 decisions, 4 undecided"
    data = result.to_dict()
    assert (data["n_records"], data["n_decisions"], data["n_undecided"]) == (10, 6, 4)
    assert data["decisions"][0] == {
        "key": "doi:10.1038/s41467-024-48400-3",
        "title": "Cellular structure of dinosaur scales reveals retention of reptile-type skin "
                 "during the evolutionary transition to feathers",
        "doi": "10.1038/s41467-024-48400-3", "pmid": None, "year": 2024,
        "where": "row 1 (line 2)", "external_id": "rayyan-42924189", "labels": [], "study": None,
        "reviewer": "Emily", "stage": "title-abstract", "label": "include", "reason": None,
        "note": None, "decided_at": None, "final": False}


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("covidence_cff_baseline.csv", {"covidence_list": "select"},
     "Covidence's exports do not name the reviewers; give the name to record the decisions "
     "under"),
    (EXCLUDED.name, {"reviewer": "T", "stage": "full-text"},
     "a covidence export says the stage of each decision itself; give no stage"),
    ("rayyan_cff_baseline.csv", {"covidence_list": "select"},
     "a Covidence list was given, but this is a rayyan export"),
    ("rayyan_cff_baseline.csv", {"reviewer": "Ann"},
     "a rayyan export names the reviewer of each decision; give no reviewer"),
    ("rayyan_cff_baseline.csv", {"tool": "distiller"},
     "unknown tool 'distiller'; known: rayyan, covidence, asreview, evidencehub"),
    ("rayyan_cff_baseline.csv", {"stage": "abstract"},
     "unknown stage 'abstract'; known: title-abstract, full-text"),
    ("covidence_cff_baseline.csv", {"reviewer": "T", "covidence_list": "full-text"},
     "unknown Covidence list 'full-text'; known: screen, irrelevant, select, included, excluded"),
])
def test_arguments_must_fit_the_tool(name: str, arguments: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as info:
        read_decisions(DATA / name, source="f", **arguments)  # type: ignore[arg-type]
    assert str(info.value) == f"f: {message}"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file, expected a screening tool's export"),
    (b"PK\x03\x04rest", "a ZIP archive or an Excel workbook: unzip a Rayyan export and read its "
                        "articles.csv; export CSV or RIS from Covidence and ASReview LAB, not a "
                        "CSV or RIS export"),
    (b"%PDF-1.7", "a PDF document, not a CSV or RIS export"),
])
def test_files_that_are_no_export(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_decisions(path, source="f")
    assert str(info.value) == f"f: {message}"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^f: no such file$"):
        read_decisions(tmp_path / "nothing.csv", source="f")
    with pytest.raises(InputError, match=r"^f: is a directory, expected an exported file$"):
        read_decisions(tmp_path, source="f")


def test_covidence_ris_named_by_covidence(tmp_path: Path) -> None:
    path = tmp_path / "review_9_select_ris_20240101000000.ris"
    text = (DATA / "covidence_cff_baseline_endnote.ris").read_text(encoding="utf-8")
    path.write_text(text.replace("NS  - \n", ""), encoding="utf-8")  # no NS tags: the name says
    assert detect_tool(path) is ExternalTool.COVIDENCE
    shutil.copy(path, tmp_path / "plain.ris")
    with pytest.raises(InputError, match="cannot tell which screening tool"):
        detect_tool(tmp_path / "plain.ris")


def test_utf16_tab_separated_export(tmp_path: Path) -> None:
    # Spreadsheet programs save "Unicode text" as UTF-16 with tabs.
    path = tmp_path / "asreview.tsv"
    path.write_text("record_id\ttitle\tincluded\n1\tÉtude des îlots\t1\n", encoding="utf-16")
    result = read_decisions(path, reviewer="Ann")
    assert result.tool is ExternalTool.ASREVIEW
    assert [(d.item.record.title, d.label.value) for d in result.decisions] == [
        ("Étude des îlots", "include")]
