"""Where each record of a review stands, worked out from its append-only decisions.

Decisions are never changed; this module reads the whole history and settles it:

* **A reviewer's current vote** on a record at a stage is their newest ``screening`` or
  ``imported`` decision that no ``undo`` withdrew. An undo withdraws the decision it names, so
  undoing twice steps back twice, as in any editor.
* **A resolution** is the newest ``resolution`` or ``consensus`` decision not withdrawn; it
  settles the record whatever the votes say.
* Without one, a record is **awaiting** while fewer reviewers than the review's ``screeners``
  have voted. Once enough have, the votes settle it when they agree and make a **conflict**
  when they do not. What agrees differs by stage, as in Covidence:

  - title and abstract: ``include`` and ``maybe`` both send a record on to full text, so only
    ``exclude`` against either is a conflict; the record's outcome is ``include`` if anyone
    included it, ``maybe`` if all said maybe, ``exclude`` if all excluded;
  - full text: the votes must be the same ``include`` or ``exclude``; a ``maybe`` is not a
    final word there, so it leaves the record in conflict for a resolver.

* The **reason** of an exclusion is the resolution's reason, or else the reason most of the
  excluding votes gave (ties: the earliest), so every excluded report counts once under one
  reason in the PRISMA flow.
* **Blinding**: with a blinded review nobody sees another reviewer's vote on a record at a
  stage while that record is awaiting votes (:meth:`RecordStage.visible_to`).

Pure: decisions in, standings out; the store and the service feed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from evidencehub.model import ScreeningDecision
from evidencehub.vocab import DecisionBasis, ScreeningLabel, ScreeningStage

__all__ = ["RecordStage", "Standing", "settle", "withdrawable"]

_VOTES = frozenset({DecisionBasis.SCREENING, DecisionBasis.IMPORTED})
_RESOLUTIONS = frozenset({DecisionBasis.RESOLUTION, DecisionBasis.CONSENSUS})


class Standing(StrEnum):
    """Where a record stands at a stage."""

    AWAITING = "awaiting"  # fewer votes than the review needs
    CONFLICT = "conflict"  # enough votes, and they disagree
    SETTLED = "settled"  # agreed, or resolved


@dataclass(frozen=True, slots=True)
class RecordStage:
    """One record at one stage: the current votes by reviewer, the current resolution, and
    what follows from them (``standing``; ``outcome`` and ``reason`` once settled)."""

    record_id: int
    stage: ScreeningStage
    votes: Mapping[str, ScreeningDecision] = field(default_factory=dict)
    resolution: ScreeningDecision | None = None
    standing: Standing = Standing.AWAITING
    outcome: ScreeningLabel | None = None
    reason: str | None = None

    @property
    def passes(self) -> bool:
        """True when the record goes on from this stage (settled as include, or as maybe at
        title and abstract)."""
        return self.standing is Standing.SETTLED and self.outcome in (
            ScreeningLabel.INCLUDE,
            ScreeningLabel.MAYBE,
        )

    def visible_to(self, reviewer: str, *, blinded: bool) -> dict[str, ScreeningDecision]:
        """The votes ``reviewer`` may see: all of them, unless the review is blinded and the
        record is still awaiting votes, when only their own."""
        if not blinded or self.standing is not Standing.AWAITING:
            return dict(self.votes)
        return {name: vote for name, vote in self.votes.items() if name == reviewer}


def withdrawable(
    decisions: Iterable[ScreeningDecision], record_id: int, stage: ScreeningStage, reviewer: str
) -> ScreeningDecision | None:
    """The reviewer's newest decision on the record at the stage that an undo can withdraw
    (a vote or a resolution not already withdrawn), if any."""
    live = _live(d for d in decisions if d.record_id == record_id and d.stage is stage
                 and d.reviewer == reviewer)  # fmt: skip
    return live[-1] if live else None


def _live(decisions: Iterable[ScreeningDecision]) -> list[ScreeningDecision]:
    """The decisions no undo withdrew, in order."""
    ordered = list(decisions)
    withdrawn = {d.undoes for d in ordered if d.basis is DecisionBasis.UNDO}
    return [d for d in ordered if d.basis is not DecisionBasis.UNDO and d.id not in withdrawn]


def settle(
    decisions: Iterable[ScreeningDecision], *, screeners: int
) -> dict[tuple[int, ScreeningStage], RecordStage]:
    """Every (record, stage) that has a live decision, settled as the module docstring says.

    ``decisions`` must come oldest first (their store order); ``screeners`` is how many votes
    a record needs (1 or 2).
    """
    grouped: dict[tuple[int, ScreeningStage], list[ScreeningDecision]] = {}
    for decision in _live(decisions):
        grouped.setdefault((decision.record_id, decision.stage), []).append(decision)
    return {key: _settle_one(key, group, screeners) for key, group in grouped.items()}


def _settle_one(
    key: tuple[int, ScreeningStage], decisions: list[ScreeningDecision], screeners: int
) -> RecordStage:
    record_id, stage = key
    votes: dict[str, ScreeningDecision] = {}
    resolution = None
    for decision in decisions:
        if decision.basis in _VOTES:
            votes.pop(decision.reviewer, None)  # keep the dict in order of the newest votes
            votes[decision.reviewer] = decision
        elif decision.basis in _RESOLUTIONS:
            resolution = decision
    base = RecordStage(record_id=record_id, stage=stage, votes=votes, resolution=resolution)
    if resolution is not None:
        return replace(
            base, standing=Standing.SETTLED, outcome=resolution.label, reason=resolution.reason
        )
    if len(votes) < screeners:
        return base
    labels = {vote.label for vote in votes.values()}
    outcome = _agreed(labels, stage)
    if outcome is None:
        return replace(base, standing=Standing.CONFLICT)
    reason = _reason(votes.values()) if outcome is ScreeningLabel.EXCLUDE else None
    return replace(base, standing=Standing.SETTLED, outcome=outcome, reason=reason)


def _agreed(labels: set[ScreeningLabel | None], stage: ScreeningStage) -> ScreeningLabel | None:
    """The outcome the votes agree on at ``stage``, or None for a conflict."""
    if labels == {ScreeningLabel.EXCLUDE}:
        return ScreeningLabel.EXCLUDE
    if stage is ScreeningStage.FULL_TEXT:
        return ScreeningLabel.INCLUDE if labels == {ScreeningLabel.INCLUDE} else None
    if ScreeningLabel.EXCLUDE in labels:
        return None
    return ScreeningLabel.INCLUDE if ScreeningLabel.INCLUDE in labels else ScreeningLabel.MAYBE


def _reason(votes: Iterable[ScreeningDecision]) -> str | None:
    """The reason most excluding votes gave (ties: the earliest decision's)."""
    ordered = sorted((v for v in votes if v.reason), key=lambda v: v.id or 0)
    if not ordered:
        return None
    counts = Counter(v.reason for v in ordered)
    best = max(counts.values())
    return next(v.reason for v in ordered if counts[v.reason] == best)
