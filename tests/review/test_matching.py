"""Matching an export's records to a review's: Rayyan's and Covidence's exports of the same
search (real files, ``tests/data/review/SOURCES.md``), eight works in common."""

from __future__ import annotations

from pathlib import Path

from evidencehub.model import Record
from evidencehub.review.covidence import read_covidence
from evidencehub.review.external import CovidenceList, ExternalRecord
from evidencehub.review.matching import match_records
from evidencehub.review.rayyan import read_rayyan

DATA = Path(__file__).parent.parent / "data" / "review"
# The Rayyan records that are not in the Covidence export: 3rd and 6th.
EXPECTED = [100, 101, None, 102, 103, None, 104, 105, 106, 107]


def _review(without_dois: bool = False) -> list[tuple[int, Record]]:
    records = read_covidence(DATA / "covidence_cff_baseline.csv", reviewer="T",
                             covidence_list=CovidenceList.SCREEN).records
    return [(100 + number, item.record.model_copy(update={"doi": None}) if without_dois
             else item.record) for number, item in enumerate(records)]


def test_matched_by_doi() -> None:
    matches = match_records(read_rayyan(DATA / "rayyan_cff_baseline.csv").records, _review())
    assert [m.record_id for m in matches] == EXPECTED
    assert {(m.verdict, m.reason) for m in matches if m.record_id} == {("same", "doi")}
    assert {(m.verdict, m.reason) for m in matches if m.record_id is None} == {("none", None)}


def test_matched_by_title_year_and_first_author() -> None:
    # "Erratum: Author Correction: A remarkable assemblage…" and "A remarkable assemblage…"
    # (same authors, same year) stay apart.
    matches = match_records(read_rayyan(DATA / "rayyan_cff_baseline.ris").records,
                            _review(without_dois=True))
    assert [m.record_id for m in matches] == EXPECTED
    assert {(m.verdict, m.reason, m.score) for m in matches if m.record_id} == {
        ("same", "title", 100.0)}


def test_a_candidate_is_reported_not_taken() -> None:
    review = [(1, Record(title="Islet transplantation outcomes", year=2020))]
    item = ExternalRecord(Record(title="Islet transplantation outcome", year=2020), "row 1")
    [match] = match_records([item], review)
    assert (match.record_id, match.verdict, match.reason) == (1, "candidate", "title")
    assert match.to_dict() == {"where": "row 1", "key": "title:islet-transplantation-outcome",
                               "record_id": 1, "verdict": "candidate", "reason": "title",
                               "score": match.score}
