"""What a reviewer screens next: the records they can vote on, in priority order.

Orders
    ``priority`` (the default) ranks the records by a model trained on what the review has
    learnt so far (:mod:`evidencehub.review.priority`); ``random`` shuffles them with a seed
    fixed per review, reviewer and stage (the same order every time it is asked); ``import``
    keeps the order they entered the review.

What the model learns from
    At each stage: the settled outcomes of the review's records (include and maybe count as
    relevant, exclude as not; a full-text exclusion overrides a title-abstract inclusion) and
    the reviewer's own current votes. Another reviewer's vote on a record still awaiting votes
    is never used, so the order cannot leak it: blinding holds for the ranking too. Until the
    labels hold at least one relevant and one irrelevant record no classifier can be fitted:
    the records most like the relevant ones come first (``similarity``), or, with none known
    yet, the order is ``random`` (ASReview asks for such prior knowledge for the same reason).

The ranking cache
    A ranking is stored per review, reviewer and stage (``review_rankings``) with a fingerprint
    of the records and labels it was trained on and how many labels that was. ``next`` reuses
    it while the fingerprint holds, and while :func:`evidencehub.review.priority.retrain_due`
    says the labels added since are too few to refit (after every label for the first 100,
    then every 2 %: measured to give the same order quality); records decided since are
    skipped. A record added to the review changes the fingerprint and forces a retrain.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Record
from evidencehub.review.priority import (
    DEFAULT_MODEL,
    build_features,
    rank,
    record_text,
    retrain_due,
)
from evidencehub.review.screening import Standing
from evidencehub.review.service import ReviewState, load, records_of, to_screen
from evidencehub.store.repo import reviews as repo
from evidencehub.store.repo._common import utc_now
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = ["ORDERS", "NextBatch", "learnt_labels", "next_for"]

ORDERS = ("priority", "random", "import")


@dataclass(frozen=True)
class NextBatch:
    """The next records for a reviewer: the order used (``priority`` is reported as ``random``
    while the model cannot learn yet), the model, how many records are left for them, the ids
    to show, and the records."""

    order: str
    model: str | None
    remaining: int
    record_ids: list[int]
    records: dict[int, Record]


def learnt_labels(state: ReviewState, reviewer: str, stage: ScreeningStage) -> dict[int, bool]:
    """What a ranking for ``reviewer`` at ``stage`` may learn from (module docstring): record
    id → relevant."""
    labels: dict[int, bool] = {}
    stages = [s for s in state.review.stages if list(ScreeningStage).index(s)
              <= list(ScreeningStage).index(stage)]  # fmt: skip
    for current in stages:
        for record_id in state.records:
            standing = state.standing(record_id, current)
            if standing.standing is Standing.SETTLED and standing.outcome is not None:
                labels[record_id] = standing.outcome is not ScreeningLabel.EXCLUDE
            elif reviewer in standing.votes:
                label = standing.votes[reviewer].label
                labels[record_id] = label is not ScreeningLabel.EXCLUDE
    return labels


def _shuffled(
    state: ReviewState, reviewer: str, stage: ScreeningStage, ids: list[int]
) -> list[int]:
    seed = hashlib.sha256(f"{state.review.slug}\0{reviewer}\0{stage.value}".encode()).digest()
    shuffled = list(ids)
    random.Random(seed).shuffle(shuffled)
    return shuffled


def _fingerprint(state: ReviewState, labels: dict[int, bool]) -> str:
    text = repr((DEFAULT_MODEL.value, list(state.records), sorted(labels.items())))
    return hashlib.sha256(text.encode()).hexdigest()


def _prioritised(session: Session, state: ReviewState, reviewer: str,
                 stage: ScreeningStage) -> tuple[list[int], bool]:
    """The review's records in priority order for ``reviewer`` (cached, module docstring), and
    whether a classifier made it."""
    labels = learnt_labels(state, reviewer, stage)
    fingerprint = _fingerprint(state, labels)
    cached = repo.get_ranking(session, state.id, reviewer, stage)
    if cached is not None and (cached.trained_on == fingerprint or not retrain_due(
            len(labels), len(labels) - cached.n_labelled)) and set(cached.record_ids) | set(
            labels) >= set(state.records):
        return list(cached.record_ids), cached.trained
    ids = list(state.records)
    records = records_of(session, ids)
    texts = [record_text(records[i].title, records[i].abstract) if i in records else ""
             for i in ids]  # fmt: skip
    position = {record_id: i for i, record_id in enumerate(ids)}
    seed = int.from_bytes(hashlib.sha256(state.review.slug.encode()).digest()[:4], "big")
    ranking = rank(build_features(texts), {position[r]: v for r, v in labels.items()},
                   model=DEFAULT_MODEL, seed=seed)
    order = [ids[i] for i in ranking.order]
    repo.put_ranking(session, state.id, reviewer, stage, repo.Ranking(
        model=ranking.model.value, trained=ranking.trained, n_labelled=len(labels),
        trained_on=fingerprint, record_ids=tuple(order), ranked_at=utc_now()))
    return order, ranking.trained


def next_for(
    session: Session,
    slug: str,
    reviewer: str,
    stage: ScreeningStage,
    *,
    n: int = 1,
    order: str | None = None,
) -> NextBatch:
    """The next ``n`` records ``reviewer`` should screen at ``stage`` in review ``slug``."""
    chosen = order or "priority"
    if chosen not in ORDERS:
        raise InputError(f"--order: unknown value {chosen!r}; choose one of: {', '.join(ORDERS)}")
    if n < 1:
        raise InputError(f"--n must be 1 or more, got {n}")
    state = load(session, slug)
    if stage not in state.review.stages:
        raise InputError(f"review {slug!r} has no {stage.value} stage")
    candidates = to_screen(state, reviewer, stage)
    model = None
    if chosen == "import":
        ranked = candidates
    elif chosen == "random" or not candidates:
        ranked = _shuffled(state, reviewer, stage, candidates)
    else:
        order_of, trained = _prioritised(session, state, reviewer, stage)
        wanted = set(candidates)
        ranked = [r for r in order_of if r in wanted]
        model = DEFAULT_MODEL.value
        if not trained:
            has_relevant = any(learnt_labels(state, reviewer, stage).values())
            chosen = "similarity" if has_relevant else "random"
    shown = ranked[:n]
    return NextBatch(order=chosen, model=model, remaining=len(candidates), record_ids=shown,
                     records=records_of(session, shown))
