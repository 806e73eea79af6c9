"""Where a review stands: counts per stage, each reviewer's progress, agreement between
reviewers, and (at title and abstract) the estimated recall with a stopping recommendation.

Stopping is the hypergeometric test of Callaghan & Müller-Hansen 2020 on the records settled
so far in the order they were settled, as ranked quasi-sampling (:mod:`.stopping`): the hub
shows records in priority order, so the last ones screened stand in for a random sample.

Agreement is computed per stage and per pair of reviewers on the records both voted on, from
their current votes (a vote changed later counts as changed; resolutions are not votes), with
:mod:`evidencehub.review.agreement`. Everything is derived from the stored decisions each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from evidencehub.review.agreement import ScreeningAgreement, screening_agreement
from evidencehub.review.screening import Standing
from evidencehub.review.service import ReviewState, stage_counts
from evidencehub.review.stopping import StoppingResult, stopping_test
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = [
    "PairAgreement",
    "ReviewStatus",
    "pair_agreements",
    "review_status",
    "stopping_of",
]


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Agreement of two reviewers at one stage."""

    stage: ScreeningStage
    reviewers: tuple[str, str]
    agreement: ScreeningAgreement

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage.value,
            "reviewers": list(self.reviewers),
            **self.agreement.to_dict(),
        }


@dataclass(frozen=True)
class ReviewStatus:
    """A review's state in numbers (:func:`review_status`)."""

    slug: str
    title: str
    screeners: int
    blinded: bool
    records: int
    searches: int
    stages: dict[ScreeningStage, dict[str, int]]
    reviewers: dict[str, dict[ScreeningStage, int]]
    agreement: list[PairAgreement]
    stopping: StoppingResult | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``review status``."""
        return {
            "review": self.slug, "title": self.title, "screeners": self.screeners,
            "blinded": self.blinded, "records": self.records, "searches": self.searches,
            "stages": {stage.value: counts for stage, counts in self.stages.items()},
            "reviewers": [{"name": name, "decided": {s.value: n for s, n in done.items()}}
                          for name, done in self.reviewers.items()],
            "agreement": [pair.to_dict() for pair in self.agreement],
            "stopping": None if self.stopping is None else self.stopping.to_dict(),
        }  # fmt: skip

    def summary(self) -> str:
        """A few lines for people: counts per stage, progress, agreement, stopping."""
        lines = [
            f"{self.title} ({self.slug}): {self.records} records from {self.searches} "
            f"search(es); {self.screeners} screener(s) per record, "
            f"{'blinded' if self.blinded else 'unblinded'}"
        ]
        for stage, counts in self.stages.items():
            lines.append(
                f"{stage.value}: "
                + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
            )
        for name, done in self.reviewers.items():
            lines.append(f"  {name}: " + ", ".join(f"{n} at {s.value}" for s, n in done.items()))
        for pair in self.agreement:
            lines.append(
                f"agreement {' & '.join(pair.reviewers)} at {pair.stage.value}: "
                + pair.agreement.labels.summary()
            )
        if self.stopping is not None:
            lines.append(f"stopping ({ScreeningStage.TITLE_ABSTRACT.value}): "
                         + self.stopping.summary())
        return "\n".join(lines)


def pair_agreements(state: ReviewState) -> list[PairAgreement]:
    """Agreement for every pair of reviewers that voted on the same records, per stage."""
    found = []
    for stage in state.review.stages:
        votes: dict[str, dict[int, str]] = {}
        for (record_id, at), standing in state.standings.items():
            if at is not stage:
                continue
            for name, vote in standing.votes.items():
                if vote.label is not None:
                    votes.setdefault(name, {})[record_id] = vote.label.value
        for first, second in combinations(sorted(votes), 2):
            shared = sorted(votes[first].keys() & votes[second].keys())
            if not shared:
                continue
            agreement = screening_agreement(
                [votes[first][r] for r in shared], [votes[second][r] for r in shared]
            )
            found.append(PairAgreement(stage=stage, reviewers=(first, second), agreement=agreement))
    return found


def _progress(state: ReviewState) -> dict[str, dict[ScreeningStage, int]]:
    done: dict[str, dict[ScreeningStage, int]] = {
        m.name: dict.fromkeys(state.review.stages, 0) for m in state.review.members
    }
    for (_, stage), standing in state.standings.items():
        for name in standing.votes:
            done.setdefault(name, dict.fromkeys(state.review.stages, 0))[stage] += 1
    return done


def stopping_of(state: ReviewState, *, target_recall: float = 0.95,
                confidence: float = 0.95) -> StoppingResult | None:
    """Estimated recall and the stopping recommendation at title and abstract, from the
    records settled there in the order they were settled (the decision that settled each),
    by the test of :mod:`evidencehub.review.stopping`; None before any record is settled."""
    stage = ScreeningStage.TITLE_ABSTRACT
    settled = []
    for (record_id, at), standing in state.standings.items():
        if at is not stage or record_id not in state.records:
            continue
        if standing.standing is Standing.SETTLED and standing.outcome is not None:
            deciding = [d.id or 0 for d in standing.votes.values()]
            if standing.resolution is not None:
                deciding.append(standing.resolution.id or 0)
            settled.append((max(deciding), standing.outcome is not ScreeningLabel.EXCLUDE))
    if not settled or stage not in state.review.stages:
        return None
    settled.sort()
    return stopping_test([relevant for _, relevant in settled], len(state.records),
                         target_recall=target_recall, confidence=confidence)


def review_status(state: ReviewState, *, target_recall: float = 0.95,
                  confidence: float = 0.95) -> ReviewStatus:
    """The review's counts, progress, agreement, and the stopping test at ``target_recall``
    with ``confidence`` (:func:`stopping_of`)."""
    return ReviewStatus(
        slug=state.review.slug, title=state.review.title, screeners=state.review.screeners,
        blinded=state.review.blinded, records=len(state.records), searches=len(state.searches),
        stages={stage: stage_counts(state, stage) for stage in state.review.stages},
        reviewers=_progress(state), agreement=pair_agreements(state),
        stopping=stopping_of(state, target_recall=target_recall, confidence=confidence),
    )  # fmt: skip
