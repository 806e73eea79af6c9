"""GRADE in the store: reviewers' flags and certainty ratings, appended, never changed.

Flags
    What GRADE cannot read from the data: a study's indirectness (population, intervention,
    comparator, outcome) or a dose-response gradient, recorded by a reviewer for an analysis.
    The newest row per study and flag holds; ``present`` false withdraws a flag.

Ratings
    A rating judges one run (``run_id``); its ``payload`` is the typed rating's ``to_dict()``
    (:mod:`evidencehub.grade.certainty.rating`). A rating whose run is not its analysis's
    newest is due for re-review (:attr:`StoredRating.stale`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from evidencehub.errors import NotFoundError
from evidencehub.model import Actor
from evidencehub.store import tables as t
from evidencehub.store.repo._common import table_of, utc_now
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.actors import actor_id

__all__ = ["StoredFlag", "StoredRating", "add_rating", "current_flags", "latest_ratings",
           "rating_history", "set_flag"]

_FLAGS = table_of(t.GradeFlag)
_RATINGS = table_of(t.GradeRating)
_RUNS = table_of(t.AnalysisRun)
_ANALYSES = table_of(t.Analysis)
_ACTORS = table_of(t.Actor)
_STUDIES = table_of(t.Study)


@dataclass(frozen=True, slots=True)
class StoredFlag:
    """A reviewer's flag on an analysis (``study_key`` None: on the whole body of evidence)."""

    study_key: str | None
    flag: str
    note: str | None
    reviewer: str
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredRating:
    """A stored rating, the run it judged and the analysis's newest run."""

    id: int
    analysis_slug: str
    run_id: int
    latest_run_id: int
    certainty: str
    payload: dict[str, Any]
    rater: str
    recorded_at: dt.datetime

    @property
    def stale(self) -> bool:
        """True when the analysis was run again after this rating: it needs re-review."""
        return self.run_id != self.latest_run_id


def _analysis_id(session: Session, slug: str) -> int:
    found = session.scalar(select(_ANALYSES.c.id).where(_ANALYSES.c.slug == slug))
    if found is None:
        raise NotFoundError(f"no analysis {slug!r} in the store")
    return int(found)


def set_flag(session: Session, analysis_slug: str, flag: str, *, reviewer: str,
             study_key: str | None = None, present: bool = True, note: str | None = None) -> int:
    """Record (or with ``present=False`` withdraw) a flag; return the new row's id."""
    new_id = session.execute(
        insert(_FLAGS).values(
            analysis_id=_analysis_id(session, analysis_slug),
            study_id=study_row(session, study_key).id if study_key else None,
            flag=flag, present=present, note=note,
            actor_id=actor_id(session, Actor(name=reviewer)), recorded_at=utc_now(),
        ).returning(_FLAGS.c.id)
    ).scalar_one()
    return int(new_id)


def current_flags(session: Session, analysis_slug: str) -> list[StoredFlag]:
    """The flags that hold for an analysis: the newest row per study and flag, if present."""
    statement = (
        select(_FLAGS, _ACTORS.c.name.label("reviewer"), _STUDIES.c.key.label("study_key"))
        .join(_ACTORS, _ACTORS.c.id == _FLAGS.c.actor_id)
        .outerjoin(_STUDIES, _STUDIES.c.id == _FLAGS.c.study_id)
        .where(_FLAGS.c.analysis_id == _analysis_id(session, analysis_slug))
        .order_by(_FLAGS.c.id)
    )
    newest: dict[tuple[str | None, str], Any] = {}
    for row in session.execute(statement).mappings():
        newest[(row["study_key"], row["flag"])] = row
    return [StoredFlag(study_key=row["study_key"], flag=row["flag"], note=row["note"],
                       reviewer=row["reviewer"], recorded_at=row["recorded_at"])
            for row in newest.values() if row["present"]]


def add_rating(session: Session, analysis_slug: str, run_id: int, *, certainty: str,
               payload: dict[str, Any], rater: str) -> int:
    """Append a rating of run ``run_id`` of the analysis; return its id."""
    new_id = session.execute(
        insert(_RATINGS).values(
            analysis_id=_analysis_id(session, analysis_slug), run_id=run_id,
            certainty=certainty, payload=payload,
            actor_id=actor_id(session, Actor(name=rater)), recorded_at=utc_now(),
        ).returning(_RATINGS.c.id)
    ).scalar_one()
    return int(new_id)


def _ratings(session: Session, slugs: Iterable[str] | None) -> list[StoredRating]:
    newest_run = (select(_RUNS.c.analysis_id, func.max(_RUNS.c.id).label("latest"))
                  .group_by(_RUNS.c.analysis_id).subquery())
    statement = (
        select(_RATINGS, _ANALYSES.c.slug, _ACTORS.c.name.label("rater"),
               newest_run.c.latest)
        .join(_ANALYSES, _ANALYSES.c.id == _RATINGS.c.analysis_id)
        .join(_ACTORS, _ACTORS.c.id == _RATINGS.c.actor_id)
        .join(newest_run, newest_run.c.analysis_id == _RATINGS.c.analysis_id)
        .order_by(_RATINGS.c.id)
    )
    if slugs is not None:
        statement = statement.where(_ANALYSES.c.slug.in_(list(slugs)))
    return [StoredRating(id=row["id"], analysis_slug=row["slug"], run_id=row["run_id"],
                         latest_run_id=row["latest"], certainty=row["certainty"],
                         payload=row["payload"], rater=row["rater"],
                         recorded_at=row["recorded_at"])
            for row in session.execute(statement).mappings()]


def rating_history(session: Session, analysis_slug: str) -> list[StoredRating]:
    """Every rating of an analysis, oldest first."""
    return _ratings(session, [analysis_slug])


def latest_ratings(session: Session, slugs: Iterable[str] | None = None) -> dict[str, StoredRating]:
    """The newest rating of each analysis (of ``slugs`` if given) that has one."""
    return {rating.analysis_slug: rating for rating in _ratings(session, slugs)}
