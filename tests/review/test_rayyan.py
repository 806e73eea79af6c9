"""Rayyan's exports: real CSV and RIS files (sources in ``tests/data/review/SOURCES.md``); the
short notes strings are hand-written edge cases of the layout Rayyan documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencehub.review.external import ExternalTool
from evidencehub.review.rayyan import RayyanNotes, parse_rayyan_notes, read_rayyan
from evidencehub.vocab import ScreeningLabel, ScreeningStage

DATA = Path(__file__).parent.parent / "data" / "review"
INCLUDE, EXCLUDE, MAYBE = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE, ScreeningLabel.MAYBE


@pytest.mark.parametrize("name", ["rayyan_cff_baseline.csv", "rayyan_cff_baseline.ris"])
def test_one_reviewer_export(name: str) -> None:
    result = read_rayyan(DATA / name)
    assert result.tool is ExternalTool.RAYYAN and not result.rejected
    assert (len(result.records), len(result.decisions), result.n_undecided) == (10, 6, 4)
    got = [(d.item.external_id, d.item.record.doi, d.reviewer, d.label) for d in result.decisions]
    assert got == [
        ("rayyan-42924189", "10.1038/s41467-024-48400-3", "Emily", INCLUDE),
        ("rayyan-42924190", "10.1038/s41598-024-65283-y", "Emily", INCLUDE),
        ("rayyan-42924191", "10.1111/cla.12583", "Emily", MAYBE),
        ("rayyan-42924192", "10.1038/s41598-024-56479-3", "Emily", MAYBE),
        ("rayyan-42924193", "10.1186/s12862-024-02216-3", "Emily", EXCLUDE),
        ("rayyan-42924194", "10.1002/ar.25299", "Emily", EXCLUDE),
    ]
    assert {d.stage for d in result.decisions} == {ScreeningStage.TITLE_ABSTRACT}
    first = result.decisions[0].item.record
    assert first.title.startswith("Cellular structure of dinosaur scales")
    assert [a.family for a in first.authors] == ["Yang", "Jiang", "Xu", "McNamara"]
    assert first.year == 2024


def test_two_reviewers_reasons_and_labels() -> None:
    result = read_rayyan(DATA / "rayyan_rayyanR_tinea_update.ris", stage=ScreeningStage.FULL_TEXT)
    assert (len(result.records), len(result.decisions), result.n_undecided) == (14, 16, 2)
    by_key = {(d.item.external_id, d.reviewer): d for d in result.decisions}
    conflict = [by_key["rayyan-14431", "Zbys"], by_key["rayyan-14431", "m.el-gohary"]]
    assert [d.label for d in conflict] == [EXCLUDE, INCLUDE]
    assert conflict[0].item.labels == ("M.el-G please review",)
    both = by_key["rayyan-14440", "m.el-gohary"]
    assert both.label is EXCLUDE and both.stage is ScreeningStage.FULL_TEXT
    # Rayyan gives the reasons of the record, not of each member: both excluders get all four.
    assert both.reason == by_key["rayyan-14440", "Zbys"].reason == (
        "wrong population; background article; wrong study design; wrong publication type")
    assert by_key["rayyan-14433", "Zbys"].reason == "wrong drug; wrong intervention"
    assert by_key["rayyan-14431", "Zbys"].reason is None  # excluded without a reason
    assert by_key["rayyan-14432", "Zbys"].item.labels == ("need to see full text",)
    undecided = [r for r in result.records if r.external_id in ("rayyan-14435", "rayyan-14436")]
    assert [r.labels for r in undecided] == [("M.el-G please review", "need to see full text")] * 2


def test_rayyan_ris_of_2025() -> None:
    result = read_rayyan(DATA / "rayyan_rayyanR_MLJ_articles.ris")
    assert (len(result.records), len(result.decisions)) == (5, 10)
    report = [d for d in result.decisions if d.item.external_id == "rayyan-229697633"]
    assert [(d.reviewer, d.label) for d in report] == [("Matt", INCLUDE), ("Laura", INCLUDE)]
    assert report[0].item.labels == ("lol", "rofl")
    assert report[0].item.record.record_type == "report"


@pytest.mark.parametrize(("notes", "expected"), [
    # Notes from before the import come first and are left alone; the parts may come in any
    # order; Ruby 3.4 writes spaces around "=>".
    ('Section: 12 p. | RAYYAN-INCLUSION: {"Ann" => "Maybe", "Bo Li"=>"Excluded"} | '
     'RAYYAN-EXCLUSION-REASONS: wrong population,  foreign language',
     RayyanNotes({"Ann": "Maybe", "Bo Li": "Excluded"}, (),
                 ("wrong population", "foreign language"))),
    ('RAYYAN-LABELS: RCT | USER-NOTES: {"Ann"=>["check the dose", "ask \\"Bo\\""]} | '
     'RAYYAN-INCLUSION: {"Ann"=>"Included"}',
     RayyanNotes({"Ann": "Included"}, ("RCT",), (), {"Ann": ("check the dose", 'ask "Bo"')})),
    ('RAYYAN-INCLUSION: {"Jos\\u00e9"=>"Included"}', RayyanNotes({"José": "Included"})),
    # A copy of an earlier review's decision inside the notes: Rayyan's own part is the last.
    ('old: RAYYAN-INCLUSION: {"X"=>"Excluded"} | RAYYAN-INCLUSION: {"Ann"=>"Included"}',
     RayyanNotes({"Ann": "Included"})),
    ("Imported note without Rayyan parts", None),
    ("", None),
])
def test_parse_rayyan_notes(notes: str, expected: RayyanNotes | None) -> None:
    assert parse_rayyan_notes(notes) == expected


@pytest.mark.parametrize(("notes", "message"), [
    ('RAYYAN-INCLUSION: {"Ann"=>"Included"', "RAYYAN-INCLUSION: expected ',' or '}' at "
                                              "character 19, got 'the end'"),
    ('RAYYAN-INCLUSION: {"Ann": "Included"}', "RAYYAN-INCLUSION: expected '=>' at character 7, "
                                               "got ': \"Included\"}'"),
    ('RAYYAN-INCLUSION: {"Ann"=>["Included"]}', "RAYYAN-INCLUSION: the decision of 'Ann' is a "
                                                 "list, expected a string"),
])
def test_malformed_notes(notes: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rayyan_notes(notes)
    assert str(info.value) == message


def test_bad_rows_are_rejected_with_where_and_what(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text(
        "key,title,year,authors,location,notes\n"
        'rayyan-1,A trial,2020,"Smith, J.",,"RAYYAN-INCLUSION: {""Ann""=>""Included"", '
        '""Bo""=>""Probably""}"\n'
        'rayyan-2,Another trial,2021,,,"RAYYAN-INCLUSION: {""Ann""=>Included}"\n'
        'rayyan-3,,2021,,,"RAYYAN-INCLUSION: {""Ann""=>""Excluded""}"\n', encoding="utf-8")
    result = read_rayyan(path, source="articles.csv")
    assert [(d.item.external_id, d.reviewer, d.label) for d in result.decisions] == [
        ("rayyan-1", "Ann", INCLUDE)]
    assert [str(r) for r in result.rejected] == [
        "articles.csv, row 1 (line 2): Rayyan notes: 'Bo' decided 'Probably'; expected one of "
        "Included, Excluded, Maybe",
        "articles.csv, row 2 (line 3): Rayyan notes: RAYYAN-INCLUSION: expected a quoted string "
        "at character 9, got 'Included}'",
        "articles.csv, row 3 (line 4): field 'title': Field required",
    ]
