"""The review service: the one path from the command line (and later the web app) to a
review in the store.

Each function takes an open session (the caller's transaction: one command, one transaction),
reads what it needs, checks the request against the review's rules, and writes append-only
rows through :mod:`evidencehub.store.repo.reviews`. Where a record stands is never stored: it
is settled from the decisions each time (:mod:`evidencehub.review.screening`).

Rules enforced here (see ``docs/review.md``):

* a record is named by the ``id`` that ``review next`` gives, or by ``doi:…``/``pmid:…``, and
  must belong to the review;
* screeners (and leads) decide; a name that has never worked on the review becomes a screener
  with its first decision; resolvers (and leads) resolve; nobody votes on a record that already
  has the votes it needs unless they are changing their own vote;
* a full-text decision needs the record to have passed title and abstract (when the review
  screens both); an exclusion's reason must be one of the review's criteria, and a full-text
  exclusion in a review with criteria must give one (PRISMA 2020 reports them);
* blinding: what a reviewer is shown of a record never includes another reviewer's vote while
  the record awaits votes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from evidencehub.counts import is_count
from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    FullTextStatus,
    Review,
    ReviewMember,
    ScreeningDecision,
    Search,
)
from evidencehub.review.screening import RecordStage, Standing, settle, withdrawable
from evidencehub.store.repo import reviews as repo
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo._lookup import record_row
from evidencehub.store.repo.imports import event_record_ids, get_event
from evidencehub.store.repo.records import list_records, record_ids
from evidencehub.vocab import (
    DecisionBasis,
    RetrievalStatus,
    ReviewerRole,
    ScreeningLabel,
    ScreeningStage,
)

__all__ = [
    "ReviewState",
    "add_query_search",
    "conflicts",
    "create",
    "decide",
    "decision_json",
    "load",
    "record_full_text",
    "record_id_of",
    "record_import_search",
    "resolve",
    "search_record_ids",
    "stage_counts",
    "to_screen",
    "undo",
    "votes_json",
    "with_decision",
]



@dataclass(frozen=True)
class ReviewState:
    """A review as stored now: its settings, its records (each with the searches that returned
    it), its searches, every decision in order, each (record, stage) settled, and the newest
    full-text status of each report."""

    id: int
    review: Review
    records: dict[int, list[int]]
    searches: list[Search]
    decisions: list[ScreeningDecision]
    full_texts: dict[int, FullTextStatus]
    standings: dict[tuple[int, ScreeningStage], RecordStage] = field(default_factory=dict)

    def standing(self, record_id: int, stage: ScreeningStage) -> RecordStage:
        """Where the record stands at ``stage`` (awaiting with no votes if never decided)."""
        return self.standings.get((record_id, stage)) or RecordStage(record_id, stage)

    def role(self, name: str) -> ReviewerRole | None:
        """The reviewer's role in the review, None for someone who is not a member."""
        return next((m.role for m in self.review.members if m.name == name), None)

    def reaches(self, record_id: int, stage: ScreeningStage) -> bool:
        """True when the record is screened at ``stage``: every record at the first stage; at
        full text, those that passed title and abstract (when the review screens both)."""
        if stage not in self.review.stages:
            return False
        if (
            stage is ScreeningStage.FULL_TEXT
            and ScreeningStage.TITLE_ABSTRACT in self.review.stages
        ):
            return self.standing(record_id, ScreeningStage.TITLE_ABSTRACT).passes
        return True


def load(session: Session, slug: str) -> ReviewState:
    """Everything the service needs about review ``slug``."""
    review_id, review = repo.get_review(session, slug)
    decisions = repo.list_decisions(session, review_id)
    return ReviewState(
        id=review_id, review=review, records=repo.review_record_ids(session, review_id),
        searches=repo.list_searches(session, review_id), decisions=decisions,
        full_texts=repo.latest_full_texts(session, review_id),
        standings=settle(decisions, screeners=review.screeners),
    )  # fmt: skip


def with_decision(state: ReviewState, decision: ScreeningDecision) -> ReviewState:
    """``state`` with ``decision`` (just stored) added and its record settled again."""
    decisions = [*state.decisions, decision]
    standings = {key: s for key, s in state.standings.items() if key[0] != decision.record_id}
    standings.update(settle([d for d in decisions if d.record_id == decision.record_id],
                            screeners=state.review.screeners))
    return replace(state, decisions=decisions, standings=standings)


def record_id_of(session: Session, state: ReviewState, ref: str) -> int:
    """The id of the review's record named by ``ref``: its ``id``, or ``doi:…``/``pmid:…``."""
    text = ref.strip()
    if is_count(text):
        record_id = int(text)
    else:
        try:
            record_id = int(record_row(session, text)["id"])
        except NotFoundError:
            raise NotFoundError(f"no record {text!r} in the store") from None
    if record_id not in state.records:
        raise NotFoundError(f"record {text} is not in review {state.review.slug!r}")
    return record_id


def _check_reason(state: ReviewState, reason: str | None) -> None:
    if reason is not None and state.review.criterion(reason) is None:
        codes = ", ".join(c.code for c in state.review.criteria) or "none defined"
        raise InputError(
            f"unknown reason {reason!r} for review {state.review.slug!r}: "
            f"reasons are criterion ids ({codes})"
        )


def _check_stage(state: ReviewState, record_id: int, stage: ScreeningStage) -> None:
    if stage not in state.review.stages:
        raise InputError(f"review {state.review.slug!r} has no {stage.value} stage")
    if not state.reaches(record_id, stage):
        raise InputError(
            f"record {record_id} has not passed title-abstract screening, so it "
            f"is not screened in full text"
        )


def _needs_reason(
    state: ReviewState, stage: ScreeningStage, label: ScreeningLabel, reason: str | None
) -> None:
    if (
        label is ScreeningLabel.EXCLUDE
        and stage is ScreeningStage.FULL_TEXT
        and reason is None
        and state.review.criteria
    ):
        raise InputError(
            "a full-text exclusion needs --reason (one of the review's criteria: "
            + ", ".join(c.code for c in state.review.criteria)
            + ")"
        )


def _check_decision(state: ReviewState, record_id: int, stage: ScreeningStage,
                    label: ScreeningLabel, reason: str | None) -> None:
    _check_stage(state, record_id, stage)
    _check_reason(state, reason)
    _needs_reason(state, stage, label, reason)


def _stored(session: Session, state: ReviewState, decision: ScreeningDecision) -> ScreeningDecision:
    return decision.model_copy(update={"id": repo.add_decision(session, state.id, decision)})


def decide(
    session: Session,
    state: ReviewState,
    record_id: int,
    label: ScreeningLabel,
    reviewer: str,
    *,
    stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT,
    reason: str | None = None,
    note: str | None = None,
    basis: DecisionBasis = DecisionBasis.SCREENING,
) -> ScreeningDecision:
    """Record ``reviewer``'s vote on the record (module docstring: who may, and when)."""
    role = state.role(reviewer)
    if role is None:
        repo.set_member(session, state.id, ReviewMember(name=reviewer, role=ReviewerRole.SCREENER))
    elif not role.screens:
        raise InputError(
            f"{reviewer!r} is a {role.value} of review {state.review.slug!r}; "
            "screeners decide and resolvers use 'review resolve'"
        )
    _check_decision(state, record_id, stage, label, reason)
    standing = state.standing(record_id, stage)
    if reviewer not in standing.votes and len(standing.votes) >= state.review.screeners:
        raise InputError(
            f"record {record_id} already has the {state.review.screeners} vote(s) it needs at "
            f"{stage.value}; a disagreement is settled with 'review resolve'"
        )
    decision = ScreeningDecision(
        record_id=record_id, stage=stage, label=label, basis=basis, reviewer=reviewer,
        reason=reason, note=note, decided_at=utc_now(),
    )  # fmt: skip
    return _stored(session, state, decision)


def resolve(
    session: Session,
    state: ReviewState,
    record_id: int,
    label: ScreeningLabel,
    reviewer: str,
    *,
    stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT,
    reason: str | None = None,
    note: str | None = None,
    consensus: bool = False,
) -> ScreeningDecision:
    """Settle a conflict: a resolver's (or lead's) decision, or with ``consensus`` the
    screeners' agreed decision (any member may record it)."""
    if label is ScreeningLabel.MAYBE:
        raise InputError("a resolution is include or exclude")
    role = state.role(reviewer)
    if not consensus and (role is None or not role.resolves):
        raise InputError(
            f"{reviewer!r} is not a resolver of review {state.review.slug!r}; add them with "
            f"'review member {state.review.slug} {reviewer} --role resolver'"
        )
    if consensus and role is None:
        raise InputError(f"{reviewer!r} is not a member of review {state.review.slug!r}")
    _check_decision(state, record_id, stage, label, reason)
    standing = state.standing(record_id, stage)
    if standing.standing is Standing.AWAITING:
        raise InputError(
            f"record {record_id} still awaits votes at {stage.value}: nothing to resolve yet"
        )
    decision = ScreeningDecision(
        record_id=record_id, stage=stage, label=label,
        basis=DecisionBasis.CONSENSUS if consensus else DecisionBasis.RESOLUTION,
        reviewer=reviewer, reason=reason, note=note, decided_at=utc_now(),
    )  # fmt: skip
    return _stored(session, state, decision)


def undo(
    session: Session,
    state: ReviewState,
    record_id: int,
    reviewer: str,
    *,
    stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT,
) -> ScreeningDecision:
    """Withdraw ``reviewer``'s newest live decision on the record at ``stage`` (recorded as
    an ``undo`` decision; the withdrawn one stays in the history)."""
    target = withdrawable(state.decisions, record_id, stage, reviewer)
    if target is None:
        raise InputError(
            f"{reviewer!r} has no decision on record {record_id} at {stage.value} to undo"
        )
    decision = ScreeningDecision(
        record_id=record_id, stage=stage, label=None, basis=DecisionBasis.UNDO,
        reviewer=reviewer, undoes=target.id, decided_at=utc_now(),
    )  # fmt: skip
    return _stored(session, state, decision)


def conflicts(state: ReviewState, stage: ScreeningStage | None = None) -> list[RecordStage]:
    """The records whose votes disagree and that no resolution has settled, in record order."""
    return sorted(
        (s for s in state.standings.values()
         if s.standing is Standing.CONFLICT and (stage is None or s.stage is stage)),
        key=lambda s: (list(ScreeningStage).index(s.stage), s.record_id),
    )  # fmt: skip


def record_full_text(
    session: Session,
    state: ReviewState,
    record_id: int,
    status: RetrievalStatus,
    actor: str,
    *,
    link: str | None = None,
    note: str | None = None,
) -> FullTextStatus:
    """Record where the report's full text stands (a report must have passed title and
    abstract screening to be sought)."""
    if not state.reaches(record_id, ScreeningStage.FULL_TEXT):
        raise InputError(
            f"record {record_id} has not passed title-abstract screening, so its "
            "full text is not sought"
        )
    entry = FullTextStatus(
        record_id=record_id, status=status, link=link, note=note, actor=actor, recorded_at=utc_now()
    )
    repo.add_full_text(session, state.id, entry)
    return entry


def votes_json(standing: RecordStage, viewer: str, *, blinded: bool) -> list[dict[str, Any]]:
    """The votes on a record that ``viewer`` may see, for JSON output."""
    return [decision_json(d) for d in standing.visible_to(viewer, blinded=blinded).values()]


def decision_json(decision: ScreeningDecision) -> dict[str, Any]:
    """A decision as the JSON of the review commands."""
    return {
        "decision_id": decision.id, "record": decision.record_id, "stage": decision.stage.value,
        "label": decision.label.value if decision.label else None,
        "basis": decision.basis.value, "reviewer": decision.reviewer, "reason": decision.reason,
        "note": decision.note, "undoes": decision.undoes,
        "decided_at": decision.decided_at.isoformat(),
    }  # fmt: skip


def to_screen(state: ReviewState, reviewer: str, stage: ScreeningStage) -> list[int]:
    """The records ``reviewer`` can vote on at ``stage``, in the order they entered the
    review: they reach the stage, the reviewer has not voted, and they need more votes."""
    if stage not in state.review.stages:
        return []
    needed = state.review.screeners
    gated = stage is ScreeningStage.FULL_TEXT and ScreeningStage.TITLE_ABSTRACT in \
        state.review.stages  # fmt: skip
    found = []
    for record_id in state.records:  # (a loop without objects per record: 10,000 in ms)
        standing = state.standings.get((record_id, stage))
        if standing is not None and (reviewer in standing.votes or standing.resolution
                                     is not None or len(standing.votes) >= needed):
            continue
        if gated:
            first = state.standings.get((record_id, ScreeningStage.TITLE_ABSTRACT))
            if first is None or not first.passes:
                continue
        found.append(record_id)
    return found


def stage_counts(state: ReviewState, stage: ScreeningStage) -> dict[str, int]:
    """How many records reach ``stage`` and where they stand: awaiting (none or some of the
    votes), in conflict, and settled by outcome."""
    reached = [r for r in state.records if state.reaches(r, stage)]
    counts = {"records": len(reached), "not_started": 0, "partly_screened": 0, "conflicts": 0,
              "included": 0, "maybe": 0, "excluded": 0}  # fmt: skip
    outcome_keys = {ScreeningLabel.INCLUDE: "included", ScreeningLabel.MAYBE: "maybe",
                    ScreeningLabel.EXCLUDE: "excluded"}  # fmt: skip
    for record_id in reached:
        standing = state.standing(record_id, stage)
        if standing.standing is Standing.CONFLICT:
            counts["conflicts"] += 1
        elif standing.standing is Standing.SETTLED and standing.outcome is not None:
            counts[outcome_keys[standing.outcome]] += 1
        elif standing.votes:
            counts["partly_screened"] += 1
        else:
            counts["not_started"] += 1
    return counts


def search_record_ids(state: ReviewState, searches: Sequence[Search]) -> set[int]:
    """The review's records that ``searches`` returned."""
    ids = {s.id for s in searches}
    return {r for r, found_by in state.records.items() if ids.intersection(found_by)}


# --------------------------------------------------------------------------- creating, searching


def create(session: Session, review: Review, actor: Actor) -> ReviewState:
    """Store a new review (its slug must be free) and return its state."""
    repo.create_review(session, review, actor)
    return load(session, review.slug)


def _hashes(session: Session, import_ids: Iterable[int]) -> set[str]:
    return {e.sha256 for e in (get_event(session, i) for i in import_ids) if e.sha256}


def _same_search(
    session: Session, state: ReviewState, search: Search, record_ids: set[int]
) -> Search | None:
    """A search of the review already recorded with the same source, query and records (and,
    for files, the same file contents): a search run again must not be counted twice."""
    wanted = _hashes(session, search.import_ids)
    for earlier in state.searches:
        same = (earlier.source, earlier.kind, earlier.query) == (
            search.source,
            search.kind,
            search.query,
        )
        if (
            same
            and search_record_ids(state, [earlier]) == record_ids
            and _hashes(session, earlier.import_ids) == wanted
        ):
            return earlier
    return None


def record_import_search(
    session: Session, slug: str, import_ids: Sequence[int], search: Search
) -> tuple[Search, bool]:
    """Record ``search`` for review ``slug`` with the records its imports returned.

    ``n_returned`` and ``n_rejected`` are taken from the import events (records read, records
    refused), never typed. Returns the search and whether it is new: the same files searched
    again with the same source and query are the search already recorded.
    """
    state = load(session, slug)
    events = [get_event(session, i) for i in import_ids]
    search = search.model_copy(update={
        "n_returned": sum(e.n_read for e in events),
        "n_rejected": sum(e.n_rejected for e in events),
        "import_ids": tuple(import_ids),
    })  # fmt: skip
    return _store_search(session, state, search, set(event_record_ids(session, import_ids)))


def add_query_search(
    session: Session, slug: str, query: str, search: Search
) -> tuple[Search, bool]:
    """Add the stored records matching ``query`` (title and abstract, full-text search) to
    review ``slug`` as one search; ``n_returned`` is how many matched."""
    state = load(session, slug)
    ids = set(record_ids(session, [r.key for r in list_records(session, query=query)]).values())
    search = search.model_copy(update={"query": query, "n_returned": len(ids)})
    return _store_search(session, state, search, ids)


def _store_search(
    session: Session, state: ReviewState, search: Search, ids: set[int]
) -> tuple[Search, bool]:
    earlier = _same_search(session, state, search, ids)
    if earlier is not None:
        return earlier, False
    search_id = repo.add_search(session, state.id, search, ids)
    return search.model_copy(update={"id": search_id}), True
