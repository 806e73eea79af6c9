"""Risk-of-bias assessments in the store: record one reviewer's, compare two, agree on one, and
choose the set a plot or a GRADE rating reads.

The typed assessment (:mod:`evidencehub.grade.rob.assessment`) is built and checked before anything is written; the
store keeps its ``to_dict()`` (:mod:`evidencehub.store.repo.rob`), appended, never changed.
For a study's outcome the assessment that counts is the newest consensus, or the only
reviewer's when one reviewer assessed it; two reviewers without a consensus is a disagreement
to settle first (Cochrane Handbook §8.1: dual independent assessment, then agreement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.grade.rob.assessment import (
    Assessment,
    Choice,
    Discrepancy,
    compare,
    consensus,
)
from evidencehub.grade.rob.terms import Answer, Judgement
from evidencehub.store.repo import reviews as reviews_repo
from evidencehub.store.repo import rob as rob_repo

__all__ = ["Comparison", "agree", "compare_two", "counted", "of_review", "of_study",
           "record"]

ASSESSMENT = "assessment"
CONSENSUS = "consensus"


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two reviewers' assessments of one study's outcome and where they differ."""

    first: Assessment
    second: Assessment
    discrepancies: tuple[Discrepancy, ...]


def _review_id(session: Session, review: str | None, assessor: str) -> int | None:
    if review is None:
        return None
    review_id, stored = reviews_repo.get_review(session, review)
    if assessor not in {m.name for m in stored.members}:
        raise InputError(f"{assessor!r} is not a member of review {review!r}; add them with "
                         f"'review member {review} {assessor} --role screener'")
    return review_id


def record(session: Session, assessment: Assessment, *, review: str | None = None,
           basis: str = ASSESSMENT) -> int:
    """Store ``assessment`` (of a member of ``review`` when given); return its row id."""
    return rob_repo.add_assessment(
        session, study_key=assessment.study, outcome=assessment.outcome,
        tool=assessment.tool.value, basis=basis, overall=assessment.overall.chosen.value,
        payload=assessment.to_dict(), assessor=assessment.assessor,
        review_id=_review_id(session, review, assessment.assessor))


def _reviewers(session: Session, study: str, outcome: str) -> list[Assessment]:
    """Each reviewer's current assessment (not the consensus) of ``study``'s ``outcome``."""
    return [Assessment.from_dict(a.payload)
            for a in rob_repo.current_assessments(session, study_keys=[study], outcome=outcome)
            if a.basis == ASSESSMENT]


def compare_two(session: Session, study: str, outcome: str,
                between: Sequence[str] = ()) -> Comparison:
    """The two reviewers' current assessments (``between`` names them when there are more)."""
    mine = _reviewers(session, study, outcome)
    if between:
        mine = [a for a in mine if a.assessor in between]
    if len(mine) != 2:
        names = ", ".join(a.assessor for a in mine) or "nobody"
        raise InputError(f"{study}, {outcome}: comparing needs two reviewers' assessments, found "
                         f"{names}" + ("" if between else "; name two with --between"))
    return Comparison(mine[0], mine[1], compare(mine[0], mine[1]))


def agree(session: Session, study: str, outcome: str, *, assessor: str,
          answers: Mapping[str, Answer | str] | None = None,
          chosen: Mapping[str, Choice | Judgement | str] | None = None,
          support: Mapping[str, str] | None = None, between: Sequence[str] = (),
          review: str | None = None) -> Assessment:
    """Record the consensus of the two reviewers' assessments, settled by ``assessor``."""
    pair = compare_two(session, study, outcome, between)
    agreed = consensus(pair.first, pair.second, assessor=assessor, answers=answers,
                       chosen=chosen, support=support)
    record(session, agreed, review=review, basis=CONSENSUS)
    return agreed


def counted(session: Session, outcome: str, studies: Sequence[str]) -> dict[str, Assessment]:
    """The assessment that counts for each study's ``outcome``: the consensus, else the only
    reviewer's. Studies nobody assessed are left out; two reviewers without a consensus is an
    :class:`InputError` naming the study."""
    current: dict[str, dict[str, list[rob_repo.StoredAssessment]]] = {}
    for item in rob_repo.current_assessments(session, study_keys=list(studies), outcome=outcome):
        current.setdefault(item.study_key, {}).setdefault(item.basis, []).append(item)
    chosen: dict[str, Assessment] = {}
    for study in studies:
        agreed = current.get(study, {}).get(CONSENSUS, [])
        single = current.get(study, {}).get(ASSESSMENT, [])
        if agreed or len(single) == 1:
            newest = max(agreed or single, key=lambda a: a.id)
            chosen[study] = Assessment.from_dict(newest.payload)
        elif single:
            names = " and ".join(a.assessor for a in single)
            raise InputError(f"{study}, {outcome}: {names} assessed risk of bias separately and "
                             f"have no consensus yet; record it with 'rob consensus'")
    return chosen


def of_review(session: Session, review_id: int) -> list[rob_repo.StoredAssessment]:
    """The current assessments tied to a review (each assessor's newest, and the consensus),
    in the order they were first made."""
    return rob_repo.current_assessments(session, review_id=review_id)


def of_study(session: Session, study: str, outcome: str) -> list[rob_repo.StoredAssessment]:
    """The current assessments of one study's outcome (each assessor's newest, and the
    consensus), in the order they were first made."""
    return rob_repo.current_assessments(session, study_keys=[study], outcome=outcome)
