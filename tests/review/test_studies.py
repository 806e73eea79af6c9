"""Grouping included reports into studies (review/studies.py): shared registry ids join
reports transitively, a stored study pulls its group in, and designs come from publication
types."""

from __future__ import annotations

from evidencehub.model import Record
from evidencehub.review.studies import design_of, group_reports
from evidencehub.vocab import StudyDesign


def _record(title: str, *trials: str, types: tuple[str, ...] = ()) -> Record:
    return Record(title=title, registry_ids=trials, publication_types=types)


def test_reports_sharing_a_registration_are_one_study_transitively() -> None:
    records = {
        1: _record("main", "NCT00000001"),
        2: _record("other"),
        3: _record("follow-up", "NCT00000001", "ISRCTN12345678"),
        4: _record("abstract", "ISRCTN12345678"),
        5: _record("unrelated", "NCT00000002"),
    }
    assert group_reports(records, {}) == [[1, 3, 4], [2], [5]]


def test_a_report_in_a_stored_study_brings_its_group() -> None:
    records = {1: _record("a"), 2: _record("b"), 3: _record("c", "NCT00000003")}
    assert group_reports(records, {1: "smith2001", 3: "smith2001"}) == [[1, 3], [2]]


def test_design_is_the_closest_to_a_patient_any_report_states() -> None:
    assert design_of([_record("x", types=("Journal Article",))]) is None
    assert (
        design_of(
            [
                _record("x", types=("Journal Article", "Controlled Clinical Trial")),
                _record("y", types=("Randomized Controlled Trial",)),
            ]
        )
        is StudyDesign.RANDOMISED_CONTROLLED
    )
