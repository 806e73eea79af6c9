"""Systematic reviews in the store: projects, members, searches, decisions, full texts.

Reviews
    :func:`create_review` stores a :class:`~evidencehub.model.Review` with its criteria and
    members; :func:`get_review` reads it back by slug with its row id; :func:`set_member` adds a
    reviewer or changes their role.

Searches
    :func:`add_search` stores a search with the imports that brought its records and the
    records it returned (``review_search_records``). A review's records are the union of its
    searches' records (:func:`review_record_ids`); merging two duplicates leaves one row per
    search, so the duplicates a review removed are counted from merges, never typed.

Decisions and full texts
    Append-only: :func:`add_decision` and :func:`add_full_text` insert, nothing here updates
    or deletes them. :func:`list_decisions` reads them in the order they were made;
    :func:`latest_full_texts` gives each report's newest status.

Rankings
    The priority order a model last gave a reviewer (:func:`put_ranking`, :func:`get_ranking`):
    a cache keyed by review, reviewer and stage that each retrain replaces.

Studies
    :func:`add_review_study` records a study the review includes; :func:`review_study_ids` lists
    them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    Criterion,
    FullTextStatus,
    Pico,
    Review,
    ReviewMember,
    ScreeningDecision,
    Search,
)
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush, table_of, utc_now
from evidencehub.store.repo.actors import actor_id
from evidencehub.vocab import (
    DecisionBasis,
    OtherMethod,
    RetrievalStatus,
    ReviewerRole,
    ScreeningLabel,
    ScreeningStage,
    SearchKind,
)

__all__ = [
    "Ranking",
    "add_decision",
    "add_full_text",
    "add_review_study",
    "add_search",
    "create_review",
    "get_ranking",
    "get_review",
    "latest_full_texts",
    "list_decisions",
    "list_reviews",
    "list_searches",
    "put_ranking",
    "review_record_ids",
    "review_study_ids",
    "review_study_keys",
    "reviews_of_record",
    "review_version",
    "set_member",
]

_SEARCHES = table_of(t.ReviewSearch)
_SEARCH_RECORDS = table_of(t.ReviewSearchRecord)
_SEARCH_IMPORTS = table_of(t.ReviewSearchImport)
_DECISIONS = table_of(t.ScreeningDecision)
_FULL_TEXTS = table_of(t.FullText)
_RANKINGS = table_of(t.ReviewRanking)
_ACTORS = table_of(t.Actor)


@dataclass(frozen=True, slots=True)
class Ranking:
    """A stored priority order: the model that made it, whether a classifier was fitted, how
    many labels it learnt from and their fingerprint, the record ids best first, and when it
    was made."""

    model: str
    trained: bool
    n_labelled: int
    trained_on: str
    record_ids: tuple[int, ...]
    ranked_at: dt.datetime


# --------------------------------------------------------------------------- reviews


def create_review(session: Session, review: Review, actor: Actor) -> int:
    """Store a new review with its criteria and members; return its id.

    A slug already taken is an :class:`InputError` (reviews are created once; members are
    added with :func:`set_member`).
    """
    taken = session.scalar(select(t.Review.id).where(t.Review.slug == review.slug))
    if taken is not None:
        raise InputError(f"review {review.slug!r} already exists")
    now = utc_now()
    row = t.Review(
        slug=review.slug, title=review.title, question=review.question.model_dump(mode="json"),
        stages=[s.value for s in review.stages], screeners=review.screeners,
        blinded=review.blinded, actor_id=actor_id(session, actor), created_at=now,
        updated_at=now,
    )  # fmt: skip
    session.add(row)
    flush(session, f"review {review.slug!r}")
    session.add_all(
        t.ReviewCriterion(review_id=row.id, code=c.code, text=c.text, position=i)
        for i, c in enumerate(review.criteria)
    )
    for member in review.members:
        set_member(session, row.id, member)
    flush(session, f"review {review.slug!r}")
    return row.id


def _members(session: Session, review_id: int) -> tuple[ReviewMember, ...]:
    rows = session.execute(
        select(_ACTORS.c.name, t.ReviewMember.role)
        .join(_ACTORS, _ACTORS.c.id == t.ReviewMember.actor_id)
        .where(t.ReviewMember.review_id == review_id)
        .order_by(t.ReviewMember.added_at, _ACTORS.c.name)
    )
    return tuple(ReviewMember(name=name, role=ReviewerRole(role)) for name, role in rows)


def _to_review(session: Session, row: t.Review) -> Review:
    criteria = session.scalars(
        select(t.ReviewCriterion)
        .where(t.ReviewCriterion.review_id == row.id)
        .order_by(t.ReviewCriterion.position)
    )
    return Review(
        slug=row.slug, title=row.title, question=Pico.model_validate(row.question),
        criteria=tuple(Criterion(code=c.code, text=c.text) for c in criteria),
        stages=tuple(ScreeningStage(s) for s in row.stages), screeners=row.screeners,
        blinded=row.blinded, members=_members(session, row.id),
    )  # fmt: skip


def get_review(session: Session, slug: str) -> tuple[int, Review]:
    """The review called ``slug`` and its row id; :class:`NotFoundError` if there is none."""
    row = session.scalars(select(t.Review).where(t.Review.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no review {slug!r} in the store (create it with 'review create')")
    return row.id, _to_review(session, row)


def list_reviews(session: Session) -> list[Review]:
    """Every review, oldest first."""
    rows = session.scalars(select(t.Review).order_by(t.Review.id)).all()
    return [_to_review(session, row) for row in rows]


def set_member(session: Session, review_id: int, member: ReviewMember) -> None:
    """Add ``member`` to the review, or give a member their new role."""
    who = actor_id(session, Actor(name=member.name))
    row = session.get(t.ReviewMember, (review_id, who))
    if row is None:
        session.add(
            t.ReviewMember(
                review_id=review_id, actor_id=who, role=member.role.value, added_at=utc_now()
            )
        )
    elif row.role != member.role.value:
        row.role = member.role.value
    session.execute(update(t.Review).where(t.Review.id == review_id).values(updated_at=utc_now()))
    flush(session, f"reviewer {member.name!r}")


# --------------------------------------------------------------------------- searches


def add_search(session: Session, review_id: int, search: Search, record_ids: Iterable[int]) -> int:
    """Store ``search`` (with its ``import_ids``) and the records it returned; return its id."""
    row = t.ReviewSearch(
        review_id=review_id, source=search.source, kind=search.kind.value,
        method=search.method.value if search.method else None, query=search.query,
        run_on=search.run_on, n_returned=search.n_returned, n_rejected=search.n_rejected,
        actor_id=actor_id(session, Actor(name=search.actor)), recorded_at=search.recorded_at,
    )  # fmt: skip
    session.add(row)
    flush(session, f"search of {search.source!r}")
    if search.import_ids:
        session.execute(
            insert(_SEARCH_IMPORTS),
            [{"search_id": row.id, "import_id": i} for i in search.import_ids],
        )
    ids = sorted(set(record_ids))
    if ids:
        session.execute(
            insert(_SEARCH_RECORDS), [{"search_id": row.id, "record_id": r} for r in ids]
        )
    return row.id


def list_searches(session: Session, review_id: int) -> list[Search]:
    """The review's searches, in the order they were recorded."""
    rows = session.execute(
        select(t.ReviewSearch, _ACTORS.c.name)
        .join(_ACTORS, _ACTORS.c.id == t.ReviewSearch.actor_id)
        .where(t.ReviewSearch.review_id == review_id)
        .order_by(t.ReviewSearch.id)
    ).all()
    imports: dict[int, list[int]] = {}
    for search_id, import_id in session.execute(
        select(_SEARCH_IMPORTS.c.search_id, _SEARCH_IMPORTS.c.import_id)
        .where(_SEARCH_IMPORTS.c.search_id.in_([r.id for r, _ in rows]))
        .order_by(_SEARCH_IMPORTS.c.import_id)
    ):
        imports.setdefault(search_id, []).append(import_id)
    return [
        Search(
            id=row.id,
            source=row.source,
            kind=SearchKind(row.kind),
            method=OtherMethod(row.method) if row.method else None,
            query=row.query,
            run_on=row.run_on,
            n_returned=row.n_returned,
            n_rejected=row.n_rejected,
            import_ids=tuple(imports.get(row.id, ())),
            actor=name,
            recorded_at=row.recorded_at,
        )
        for row, name in rows
    ]


def review_record_ids(session: Session, review_id: int) -> dict[int, list[int]]:
    """The review's records: each record id with the searches that returned it, in the order
    the records entered the review (first search, then record id).

    Read with a Core statement on the session's connection (no ORM row processing): ``review
    next`` reads this for every record of the review, 10,000 rows in a few milliseconds.
    """
    searches = select(_SEARCHES.c.id).where(_SEARCHES.c.review_id == review_id)
    rows = session.connection().execute(
        select(_SEARCH_RECORDS.c.record_id, _SEARCH_RECORDS.c.search_id)
        .where(_SEARCH_RECORDS.c.search_id.in_(searches.scalar_subquery()))
        .order_by(_SEARCH_RECORDS.c.search_id, _SEARCH_RECORDS.c.record_id)
    ).all()
    found: dict[int, list[int]] = {}
    for record_id, search_id in rows:
        if record_id in found:
            found[record_id].append(search_id)
        else:
            found[record_id] = [search_id]
    return found


# --------------------------------------------------------------------------- decisions


def add_decision(session: Session, review_id: int, decision: ScreeningDecision) -> int:
    """Append ``decision`` to the review's decisions; return its id."""
    new_id = session.execute(
        insert(_DECISIONS).values(
            review_id=review_id,
            record_id=decision.record_id,
            stage=decision.stage.value,
            label=decision.label.value if decision.label else None,
            basis=decision.basis.value,
            reason=decision.reason,
            note=decision.note,
            undoes_id=decision.undoes,
            actor_id=actor_id(session, Actor(name=decision.reviewer)),
            decided_at=decision.decided_at,
        ).returning(_DECISIONS.c.id)
    ).scalar_one()
    return int(new_id)


def list_decisions(
    session: Session, review_id: int, *, record_ids: Sequence[int] | None = None
) -> list[ScreeningDecision]:
    """The review's decisions (on ``record_ids`` only, if given), oldest first."""
    statement = (
        select(_DECISIONS, _ACTORS.c.name.label("reviewer"))
        .join(_ACTORS, _ACTORS.c.id == _DECISIONS.c.actor_id)
        .where(_DECISIONS.c.review_id == review_id)
        .order_by(_DECISIONS.c.id)
    )
    if record_ids is not None:
        statement = statement.where(_DECISIONS.c.record_id.in_(list(record_ids)))
    return [
        ScreeningDecision(
            id=row["id"],
            record_id=row["record_id"],
            stage=ScreeningStage(row["stage"]),
            label=ScreeningLabel(row["label"]) if row["label"] else None,
            basis=DecisionBasis(row["basis"]),
            reviewer=row["reviewer"],
            reason=row["reason"],
            note=row["note"],
            undoes=row["undoes_id"],
            decided_at=row["decided_at"],
        )
        for row in session.execute(statement).mappings()
    ]


def reviews_of_record(session: Session, record_id: int) -> list[str]:
    """The slugs of the reviews a search of which returned the record, oldest review first."""
    statement = (
        select(t.Review.slug)
        .join(_SEARCHES, _SEARCHES.c.review_id == t.Review.id)
        .join(_SEARCH_RECORDS, _SEARCH_RECORDS.c.search_id == _SEARCHES.c.id)
        .where(_SEARCH_RECORDS.c.record_id == record_id)
        .distinct()
        .order_by(t.Review.slug)
    )
    return list(session.scalars(statement))


def review_version(session: Session, review_id: int) -> tuple[int, ...]:
    """What changes whenever the review's records, decisions or full texts change (the newest
    decision, search and full-text ids, and how many records the searches hold): a process
    that keeps a review in memory compares it to know when to read the review again."""
    newest_decision = select(func.max(_DECISIONS.c.id)).where(_DECISIONS.c.review_id == review_id)
    newest_search = select(func.max(_SEARCHES.c.id)).where(_SEARCHES.c.review_id == review_id)
    newest_text = select(func.max(_FULL_TEXTS.c.id)).where(_FULL_TEXTS.c.review_id == review_id)
    searches = select(_SEARCHES.c.id).where(_SEARCHES.c.review_id == review_id)
    held = select(func.count()).select_from(_SEARCH_RECORDS).where(
        _SEARCH_RECORDS.c.search_id.in_(searches.scalar_subquery()))
    row = session.connection().execute(select(
        newest_decision.scalar_subquery(), newest_search.scalar_subquery(),
        newest_text.scalar_subquery(), held.scalar_subquery())).one()
    return tuple(value or 0 for value in row)


# --------------------------------------------------------------------------- full texts


def add_full_text(session: Session, review_id: int, status: FullTextStatus) -> None:
    """Append a full-text status of a report."""
    session.execute(
        insert(_FULL_TEXTS).values(
            review_id=review_id,
            record_id=status.record_id,
            status=status.status.value,
            link=status.link,
            note=status.note,
            actor_id=actor_id(session, Actor(name=status.actor)),
            recorded_at=status.recorded_at,
        )
    )


def latest_full_texts(session: Session, review_id: int) -> dict[int, FullTextStatus]:
    """Each report's newest full-text status in the review, by record id."""
    rows = session.execute(
        select(_FULL_TEXTS, _ACTORS.c.name.label("actor"))
        .join(_ACTORS, _ACTORS.c.id == _FULL_TEXTS.c.actor_id)
        .where(_FULL_TEXTS.c.review_id == review_id)
        .order_by(_FULL_TEXTS.c.id)
    ).mappings()
    return {
        row["record_id"]: FullTextStatus(
            record_id=row["record_id"],
            status=RetrievalStatus(row["status"]),
            link=row["link"],
            note=row["note"],
            actor=row["actor"],
            recorded_at=row["recorded_at"],
        )
        for row in rows
    }


# --------------------------------------------------------------------------- rankings


def put_ranking(
    session: Session, review_id: int, reviewer: str, stage: ScreeningStage, ranking: Ranking
) -> None:
    """Store ``ranking`` as the reviewer's priority order at ``stage``, replacing the last."""
    key = (review_id, actor_id(session, Actor(name=reviewer)), stage.value)
    row = session.get(t.ReviewRanking, key)
    if row is None:
        row = t.ReviewRanking(review_id=key[0], actor_id=key[1], stage=key[2])
        session.add(row)
    row.model = ranking.model
    row.trained = ranking.trained
    row.n_labelled = ranking.n_labelled
    row.trained_on = ranking.trained_on
    row.record_ids = list(ranking.record_ids)
    row.ranked_at = ranking.ranked_at
    flush(session, f"ranking of {reviewer!r}")


def get_ranking(
    session: Session, review_id: int, reviewer: str, stage: ScreeningStage
) -> Ranking | None:
    """The reviewer's last stored priority order at ``stage``, if any."""
    row = session.execute(
        select(t.ReviewRanking)
        .join(_ACTORS, _ACTORS.c.id == t.ReviewRanking.actor_id)
        .where(
            t.ReviewRanking.review_id == review_id,
            _ACTORS.c.name == reviewer,
            t.ReviewRanking.stage == stage.value,
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return Ranking(
        model=row.model,
        trained=row.trained,
        n_labelled=row.n_labelled,
        trained_on=row.trained_on,
        record_ids=tuple(row.record_ids),
        ranked_at=row.ranked_at,
    )


# --------------------------------------------------------------------------- studies


def add_review_study(session: Session, review_id: int, study_id: int, actor: Actor) -> bool:
    """Record that the review includes the study; False if it already did."""
    if session.get(t.ReviewStudy, (review_id, study_id)) is not None:
        return False
    session.add(
        t.ReviewStudy(
            review_id=review_id,
            study_id=study_id,
            actor_id=actor_id(session, actor),
            added_at=utc_now(),
        )
    )
    flush(session, f"study {study_id} of review {review_id}")
    return True


def review_study_ids(session: Session, review_id: int) -> list[int]:
    """The ids of the studies the review includes, in the order they were added."""
    return list(session.scalars(
        select(t.ReviewStudy.study_id)
        .where(t.ReviewStudy.review_id == review_id)
        .order_by(t.ReviewStudy.added_at, t.ReviewStudy.study_id)
    ))  # fmt: skip


def review_study_keys(session: Session, review_id: int) -> tuple[str, ...]:
    """The keys of the studies the review includes, in the order they were added."""
    return tuple(session.scalars(
        select(t.Study.key)
        .join(t.ReviewStudy, t.ReviewStudy.study_id == t.Study.id)
        .where(t.ReviewStudy.review_id == review_id)
        .order_by(t.ReviewStudy.added_at, t.ReviewStudy.study_id)
    ))  # fmt: skip
