"""Risk-of-bias assessments (store/repo/rob.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import NotFoundError
from evidencehub.model import Study
from evidencehub.store.repo.rob import add_assessment, current_assessments, list_assessments
from evidencehub.store.repo.studies import upsert_study
from evidencehub.vocab import StudyDesign


@pytest.fixture
def studies(session: Session) -> None:
    for key in ("rct1", "rct2"):
        upsert_study(session, Study(key=key, label=key.upper(),
                                    design=StudyDesign.RANDOMISED_CONTROLLED))


def _add(session: Session, study: str, assessor: str, overall: str, **fields: str) -> int:
    return add_assessment(session, study_key=study, outcome=fields.get("outcome", "HbA1c"),
                          tool="rob2", basis=fields.get("basis", "assessment"), overall=overall,
                          payload={"overall": overall, "answers": {"1.1": "Y"}},
                          assessor=assessor)


@pytest.mark.usefixtures("studies")
def test_assessments_are_appended_and_the_newest_per_assessor_is_current(
        session: Session) -> None:
    first = _add(session, "rct1", "ana", "high")
    _add(session, "rct1", "ben", "low")
    _add(session, "rct1", "ana", "some concerns")
    _add(session, "rct2", "ana", "low", outcome="C-peptide")
    _add(session, "rct1", "cy", "some concerns", basis="consensus")
    history = list_assessments(session, study_keys=["rct1"])
    assert [(a.assessor, a.overall) for a in history] == [
        ("ana", "high"), ("ben", "low"), ("ana", "some concerns"), ("cy", "some concerns")]
    assert history[0].id == first and history[0].payload["answers"] == {"1.1": "Y"}
    current = current_assessments(session, study_keys=["rct1"])
    assert {(a.assessor, a.basis): a.overall for a in current} == {
        ("ana", "assessment"): "some concerns", ("ben", "assessment"): "low",
        ("cy", "consensus"): "some concerns"}
    assert [a.study_key for a in list_assessments(session, outcome="C-peptide")] == ["rct2"]


def test_an_assessment_of_an_unknown_study_is_refused(session: Session) -> None:
    with pytest.raises(NotFoundError, match="no study 'nope'"):
        _add(session, "nope", "ana", "low")
