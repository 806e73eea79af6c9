"""The review exports: exact layouts on a hand-made review, and round trips (export, read back
with the hub's readers, same decisions) on real records from a Rayyan export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.model import Author, Record
from evidencehub.review.asreview_lab import read_asreview
from evidencehub.review.exports import (
    ASREVIEW_COLUMNS,
    ExportFormat,
    FinalDecision,
    ReviewerDecision,
    ReviewExportRow,
    write_asreview_csv,
    write_csv,
    write_export,
    write_ris,
)
from evidencehub.review.hub_files import read_hub_export
from evidencehub.review.interop import detect_tool
from evidencehub.review.rayyan import read_rayyan
from evidencehub.vocab import ScreeningLabel, ScreeningStage

DATA = Path(__file__).parent.parent / "data" / "review"
TA, FT = ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT
INCLUDE, EXCLUDE, MAYBE = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE, ScreeningLabel.MAYBE

TRIAL = Record(
    title="Stem-cell–derived islets in type 1 diabetes", doi="10.1056/NEJMoa2506549",
    pmid="40544428", year=2025, journal="N Engl J Med", volume="393", issue="4",
    pages="323-335", abstract="Background.\nIslets from\tstem cells.",
    authors=(Author(family="Reichman", given="Trevor W."), Author(collective="VX-880 Group")),
    keywords=("islets", "T1D"), url="https://www.nejm.org/doi/10.1056/NEJMoa2506549")
ROWS = [
    ReviewExportRow(
        record_id=17, record=TRIAL, study="reichman2025",
        decisions=(ReviewerDecision("Ann", TA, INCLUDE),
                   ReviewerDecision("Bo, Jr.", TA, MAYBE, note="dose?"),
                   ReviewerDecision("Ann", FT, EXCLUDE, reason="C2", note="wrong population")),
        finals=(FinalDecision(TA, INCLUDE), FinalDecision(FT, EXCLUDE, reason="C2"))),
    ReviewExportRow(record_id=18, record=Record(title="An undecided record", year=2020)),
]


def test_csv_layout() -> None:
    out = io.StringIO(newline="")
    assert write_csv(ROWS, out) == 2
    text = out.getvalue()
    assert text.startswith("\ufeff")
    header, first, second = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert header == [
        "id", "doi", "pmid", "title", "authors", "year", "journal", "study",
        "title-abstract final decision", "title-abstract final reason",
        "title-abstract decision (Ann)", "title-abstract reason (Ann)", "title-abstract note (Ann)",
        "title-abstract decision (Bo, Jr.)", "title-abstract reason (Bo, Jr.)",
        "title-abstract note (Bo, Jr.)",
        "full-text final decision", "full-text final reason",
        "full-text decision (Ann)", "full-text reason (Ann)", "full-text note (Ann)",
        "abstract"]
    assert first == [
        "17", "10.1056/nejmoa2506549", "40544428", "Stem-cell–derived islets in type 1 diabetes",
        "Reichman, Trevor W.; VX-880 Group", "2025", "N Engl J Med", "reichman2025",
        "include", "", "include", "", "", "maybe", "", "dose?",
        "exclude", "C2", "exclude", "C2", "wrong population",
        "Background.\nIslets from\tstem cells."]
    assert second[:4] == ["18", "", "", "An undecided record"] and set(second[8:21]) == {""}


def test_ris_layout() -> None:
    out = io.StringIO()
    write_ris(ROWS[:1], out)
    assert out.getvalue().splitlines() == [
        "TY  - JOUR",
        "ID  - 17",
        "TI  - Stem-cell–derived islets in type 1 diabetes",
        "AU  - Reichman, Trevor W.",
        "AU  - VX-880 Group",
        "PY  - 2025",
        "JO  - N Engl J Med",
        "VL  - 393",
        "IS  - 4",
        "DO  - 10.1056/nejmoa2506549",
        "AB  - Background. Islets from stem cells.",
        "KW  - islets",
        "KW  - T1D",
        "UR  - https://www.nejm.org/doi/10.1056/NEJMoa2506549",
        "DB  - evidencehub",
        "SP  - 323",
        "EP  - 335",
        "AN  - 40544428",
        "DP  - NLM",
        'N1  - evidencehub-decision: {"stage": "title-abstract", "reviewer": "Ann", '
        '"label": "include"}',
        'N1  - evidencehub-decision: {"stage": "title-abstract", "reviewer": "Bo, Jr.", '
        '"label": "maybe", "note": "dose?"}',
        'N1  - evidencehub-decision: {"stage": "full-text", "reviewer": "Ann", "label": "exclude", '
        '"reason": "C2", "note": "wrong population"}',
        'N1  - evidencehub-final: {"stage": "title-abstract", "label": "include"}',
        'N1  - evidencehub-final: {"stage": "full-text", "label": "exclude", "reason": "C2"}',
        "N1  - evidencehub-study: reichman2025",
        "ER  - ",
    ]


def test_asreview_layout() -> None:
    out = io.StringIO(newline="")
    write_asreview_csv(ROWS, out)
    header, first, second = csv.reader(io.StringIO(out.getvalue()))
    assert tuple(header) == ASREVIEW_COLUMNS
    assert dict(zip(header, first, strict=True)) == {
        "record_id": "17", "title": "Stem-cell–derived islets in type 1 diabetes",
        "abstract": "Background.\nIslets from\tstem cells.",
        "authors": "Reichman, Trevor W.;VX-880 Group", "year": "2025",
        "doi": "10.1056/nejmoa2506549", "pmid": "40544428",
        "url": "https://www.nejm.org/doi/10.1056/NEJMoa2506549", "keywords": "islets;T1D",
        "included": "1"}
    assert second[-1] == ""  # no final decision: not seen
    out = io.StringIO(newline="")
    write_asreview_csv(ROWS, out, stage=FT)
    assert list(csv.reader(io.StringIO(out.getvalue())))[1][-1] == "0"


def _review() -> list[ReviewExportRow]:
    """Fourteen real records (Rayyan's TINEA UPDATE export) with decisions of three reviewers,
    reasons and notes with commas, quotes and non-ASCII text, and final decisions."""
    records = read_rayyan(DATA / "rayyan_rayyanR_tinea_update.ris").records
    labels = list(ScreeningLabel)
    rows = []
    for number, item in enumerate(records):
        decisions = [ReviewerDecision("Zbyś", TA, labels[number % 3],
                                      reason="C1, \"wrong\" drug" if number % 3 == 1 else None)]
        if number % 2:
            decisions.append(ReviewerDecision("m.el-gohary", TA, labels[(number + 1) % 3],
                                              note="see p. 3; ask Zbyś"))
        if number % 4 == 0:
            decisions.append(ReviewerDecision("Resolver (lead)", FT, EXCLUDE, reason="C3"))
        finals = (FinalDecision(TA, labels[number % 3]),) if number % 5 else ()
        rows.append(ReviewExportRow(record_id=100 + number, record=item.record,
                                    decisions=tuple(decisions), finals=finals,
                                    study=f"study{number // 2}"))
    return rows


@pytest.mark.parametrize(("export_format", "suffix"), [(ExportFormat.CSV, ".csv"),
                                                       (ExportFormat.RIS, ".ris")])
def test_round_trip_through_the_hub_reader(tmp_path: Path, export_format: ExportFormat,
                                           suffix: str) -> None:
    rows = _review()
    path = tmp_path / f"review{suffix}"
    with path.open("w", encoding="utf-8", newline="") as stream:
        assert write_export(export_format, rows, stream) == len(rows)
    assert detect_tool(path).value == "evidencehub"
    result = read_hub_export(path)
    assert not result.rejected and len(result.records) == len(rows)
    for row, item in zip(rows, result.records, strict=True):
        assert (item.external_id, item.study) == (str(row.record_id), row.study)
        assert (item.record.title, item.record.year) == (row.record.title, row.record.year)
        assert item.record.key == row.record.key
    written = sorted((str(r.record_id), d.reviewer, d.stage, d.label, d.reason, d.note)
                     for r in rows for d in r.decisions)
    read = sorted((d.item.external_id, d.reviewer, d.stage, d.label, d.reason, d.note)
                  for d in result.decisions)
    assert read == written and len(read) == 25


def test_round_trip_through_asreview_reader(tmp_path: Path) -> None:
    rows = _review()
    path = tmp_path / "asreview.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_export("asreview", rows, stream)
    assert detect_tool(path).value == "asreview"
    result = read_asreview(path, reviewer="Team")
    expected = {str(r.record_id): {MAYBE: INCLUDE}.get(f.label, f.label)
                for r in rows if (f := r.final(TA))}
    assert {d.item.external_id: d.label for d in result.decisions} == expected
    assert result.n_undecided == len(rows) - len(expected) == 3
    assert [i.record.title for i in result.records] == [r.record.title for r in rows]


def test_rows_are_checked() -> None:
    record = Record(title="x")
    with pytest.raises(ValueError, match="two decisions of one reviewer at one stage"):
        ReviewExportRow(1, record, decisions=(ReviewerDecision("A", TA, INCLUDE),
                                              ReviewerDecision("A", TA, EXCLUDE)))
    with pytest.raises(ValueError, match="two final decisions at one stage"):
        ReviewExportRow(1, record, finals=(FinalDecision(TA, INCLUDE), FinalDecision(TA, MAYBE)))


def test_unknown_format() -> None:
    with pytest.raises(InputError) as info:
        write_export("xlsx", ROWS, io.StringIO())
    assert str(info.value) == "unknown export format 'xlsx'; known formats: csv, ris, asreview"
