"""ASReview LAB's exports: files ASReview LAB 1.6.5 and 3.0.8 wrote themselves (how, in
``tests/data/review/SOURCES.md``); hand-written CSVs for the edge cases of the label column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.review.asreview_lab import read_asreview
from evidencehub.review.external import ExternalTool
from evidencehub.vocab import ScreeningLabel, ScreeningStage

DATA = Path(__file__).parent.parent / "data" / "review"
INCLUDE, EXCLUDE = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE
# What the generating script labelled: (ASReview record id, PMID, label, note).
LABELLED = [
    ("0", "21553931", INCLUDE, "Relevant: reports the outcome of interest"),
    ("2", "27626602", INCLUDE, None),
    ("1", "29459515", EXCLUDE, "Wrong population"),
    ("3", "27452660", EXCLUDE, "Not an intervention study; see discussion"),
]


@pytest.mark.parametrize(("name", "ids", "notes", "timed"), [
    ("asreview3_export_pubmed.csv", True, True, True),
    ("asreview3_export_pubmed.tsv", True, True, True),
    ("asreview3_export_pubmed.ris", True, True, True),
    ("asreview1_export_pubmed.csv", True, True, False),
    ("asreview1_export_pubmed.ris", False, False, False),  # LAB 1 writes no notes in RIS
])
def test_lab_exports(name: str, ids: bool, notes: bool, timed: bool) -> None:
    result = read_asreview(DATA / name, reviewer="Ann")
    assert result.tool is ExternalTool.ASREVIEW and not result.rejected
    assert (len(result.records), result.n_undecided) == (6, 2)
    got = [(d.item.external_id, d.item.record.pmid, d.label, d.note) for d in result.decisions]
    assert got == [(rid if ids else None, pmid, label, note if notes else None)
                   for rid, pmid, label, note in LABELLED]
    assert {(d.reviewer, d.stage) for d in result.decisions} == {
        ("Ann", ScreeningStage.TITLE_ABSTRACT)}
    times = {d.decided_at for d in result.decisions}
    if timed:  # the script ran once; LAB 3 writes the label times in UTC
        [when] = times
        assert when is not None and when.tzinfo is dt.UTC and when.year >= 2025
    else:
        assert times == {None}
    assert result.records[0].record.doi == "10.2165/11586800-000000000-00000"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_label_column_and_values(tmp_path: Path) -> None:
    # LAB 3 keeps the input's own label column: its asreview_label wins.
    path = _csv(tmp_path, "record_id,title,label_included,asreview_label,asreview_user_name\n"
                          "7,A,1,0,Bo\n8,B,0,1.0,\n9,C,1,,\n10,D,,-1,\n11,E,,maybe,\n")
    result = read_asreview(path, reviewer="Ann", stage=ScreeningStage.FULL_TEXT, source="e.csv")
    assert [(d.item.external_id, d.reviewer, d.label, d.stage) for d in result.decisions] == [
        ("7", "Bo", EXCLUDE, ScreeningStage.FULL_TEXT),
        ("8", "Ann", INCLUDE, ScreeningStage.FULL_TEXT),
    ]
    assert [str(r) for r in result.rejected] == [
        "e.csv, row 5 (line 6): column 'asreview_label': expected 1, 0 or empty, got 'maybe'"]


def test_synergy_style_labels(tmp_path: Path) -> None:
    path = _csv(tmp_path, "record_id,title,label_included,label_abstract_screening\n"
                          "1,A,0,1\n2,B,1,1\n")
    result = read_asreview(path, reviewer="Ann")
    assert [d.label for d in result.decisions] == [EXCLUDE, INCLUDE]


def test_a_reviewer_is_needed(tmp_path: Path) -> None:
    path = _csv(tmp_path, "record_id,title,included\n1,A,\n2,B,1\n")
    with pytest.raises(InputError) as info:
        read_asreview(path, source="e.csv")
    assert str(info.value) == ("e.csv, row 2 (line 3): ASReview's export does not say who "
                               "labelled the records; give the reviewer")


def test_no_label_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "record_id,title\n1,A\n")
    with pytest.raises(InputError) as info:
        read_asreview(path, reviewer="Ann", source="e.csv")
    assert str(info.value).startswith("e.csv, line 1: no label column: ASReview writes its "
                                      "labels in one of asreview_label, final_included, label,")


def test_bad_time_is_rejected(tmp_path: Path) -> None:
    path = _csv(tmp_path, ",title,asreview_label,asreview_time\n0,A,1,yesterday\n1,B,1,"
                          "2024-05-01 10:00:00\n")
    result = read_asreview(path, reviewer="Ann", source="e.csv")
    assert [str(r) for r in result.rejected] == [
        "e.csv, row 1 (line 2): asreview_time 'yesterday' is not YYYY-MM-DD HH:MM:SS"]
    [decision] = result.decisions
    assert decision.item.external_id == "1"
    assert decision.decided_at == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
