"""Risk-of-bias assessments in the store: appended, never changed.

Each row is one assessor's (or the consensus) RoB 2 or ROBINS-I assessment of one study's
outcome; ``payload`` is the typed assessment's ``to_dict()`` (see
:mod:`evidencehub.grade.rob.assessment`), which the service reads back with ``from_dict``.
The newest row per study, outcome, tool, basis and assessor is the current one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from evidencehub.model import Actor
from evidencehub.store import tables as t
from evidencehub.store.repo._common import table_of, utc_now
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.actors import actor_id

__all__ = ["StoredAssessment", "add_assessment", "current_assessments", "list_assessments"]

_ROB = table_of(t.RobAssessment)
_ACTORS = table_of(t.Actor)
_STUDIES = table_of(t.Study)


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """A stored assessment: who made it, when, and its typed payload as a dict."""

    id: int
    review_id: int | None
    study_key: str
    outcome: str
    tool: str
    basis: str
    overall: str
    assessor: str
    payload: dict[str, Any]
    recorded_at: dt.datetime


def add_assessment(session: Session, *, study_key: str, outcome: str, tool: str, basis: str,
                   overall: str, payload: dict[str, Any], assessor: str,
                   review_id: int | None = None) -> int:
    """Append one assessment; return its id (raises NotFoundError for an unknown study)."""
    new_id = session.execute(
        insert(_ROB).values(
            review_id=review_id, study_id=study_row(session, study_key).id, outcome=outcome,
            tool=tool, basis=basis, overall=overall, payload=payload,
            actor_id=actor_id(session, Actor(name=assessor)), recorded_at=utc_now(),
        ).returning(_ROB.c.id)
    ).scalar_one()
    return int(new_id)


def list_assessments(session: Session, *, review_id: int | None = None,
                     study_keys: Sequence[str] | None = None,
                     outcome: str | None = None) -> list[StoredAssessment]:
    """Assessments, oldest first, of a review, some studies or one outcome if given."""
    statement = (
        select(_ROB, _ACTORS.c.name.label("assessor"), _STUDIES.c.key.label("study_key"))
        .join(_ACTORS, _ACTORS.c.id == _ROB.c.actor_id)
        .join(_STUDIES, _STUDIES.c.id == _ROB.c.study_id)
        .order_by(_ROB.c.id)
    )
    if review_id is not None:
        statement = statement.where(_ROB.c.review_id == review_id)
    if study_keys is not None:
        statement = statement.where(_STUDIES.c.key.in_(list(study_keys)))
    if outcome is not None:
        statement = statement.where(_ROB.c.outcome == outcome)
    return [
        StoredAssessment(id=row["id"], review_id=row["review_id"], study_key=row["study_key"],
                         outcome=row["outcome"], tool=row["tool"], basis=row["basis"],
                         overall=row["overall"], assessor=row["assessor"],
                         payload=row["payload"], recorded_at=row["recorded_at"])
        for row in session.execute(statement).mappings()
    ]


def current_assessments(session: Session, **where: Any) -> list[StoredAssessment]:
    """The newest assessment per study, outcome, tool, basis and assessor (filters as
    :func:`list_assessments`), in the order they were first made."""
    newest: dict[tuple[str, str, str, str, str], StoredAssessment] = {}
    for item in list_assessments(session, **where):
        newest[(item.study_key, item.outcome, item.tool, item.basis, item.assessor)] = item
    return list(newest.values())
