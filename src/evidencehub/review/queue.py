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
    labels hold at least one relevant and one irrelevant record the model cannot learn, and the
    order is ``random`` (ASReview asks for such prior knowledge for the same reason).

The ranking cache
    A ranking is stored per review, reviewer and stage (``review_rankings``) with a fingerprint
    of the records and labels it was trained on; ``next`` reuses it while the fingerprint holds
    and retrains when it changed, so asking again without deciding costs no training.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Record
from evidencehub.review.screening import Standing
from evidencehub.review.service import ReviewState, load, records_of, to_screen
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = ["ORDERS", "NextBatch", "learnt_labels", "next_for"]

ORDERS = ("priority", "random", "import")


@dataclass(frozen=True)
class NextBatch:
    """The next records for a reviewer: the order used (``priority`` falls back to ``random``
    until it can learn), how many records are left for them, the ids to show, and the records."""

    order: str
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
    if chosen == "import":
        ranked = candidates
    else:
        ranked = _shuffled(state, reviewer, stage, candidates)
        chosen = "random"
    shown = ranked[:n]
    return NextBatch(
        order=chosen,
        remaining=len(candidates),
        record_ids=shown,
        records=records_of(session, shown),
    )
