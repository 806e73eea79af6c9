"""Settling a review's decisions (review/screening.py): votes, undo, resolutions, conflicts,
exclusion reasons and blinding, on hand-made histories whose outcome the docstring rules fix."""

from __future__ import annotations

import datetime as dt

from evidencehub.model import ScreeningDecision
from evidencehub.review.screening import Standing, settle, withdrawable
from evidencehub.vocab import DecisionBasis, ScreeningLabel, ScreeningStage

TA = ScreeningStage.TITLE_ABSTRACT
FT = ScreeningStage.FULL_TEXT
INC, EXC, MAY = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE, ScreeningLabel.MAYBE
T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


class History:
    """Decisions made one after another, with ids as the store gives them."""

    def __init__(self) -> None:
        self.decisions: list[ScreeningDecision] = []

    def add(
        self,
        reviewer: str,
        label: ScreeningLabel | None,
        *,
        record: int = 1,
        stage: ScreeningStage = TA,
        basis: DecisionBasis = DecisionBasis.SCREENING,
        reason: str | None = None,
        undoes: int | None = None,
    ) -> int:
        new_id = len(self.decisions) + 1
        self.decisions.append(
            ScreeningDecision(
                id=new_id,
                record_id=record,
                stage=stage,
                label=label,
                basis=basis,
                reviewer=reviewer,
                reason=reason,
                undoes=undoes,
                decided_at=T0 + dt.timedelta(minutes=new_id),
            )
        )
        return new_id

    def undo(self, reviewer: str, *, record: int = 1, stage: ScreeningStage = TA) -> int:
        target = withdrawable(self.decisions, record, stage, reviewer)
        assert target is not None
        return self.add(
            reviewer, None, record=record, stage=stage, basis=DecisionBasis.UNDO, undoes=target.id
        )

    def settle(self, screeners: int = 2, record: int = 1, stage: ScreeningStage = TA):  # type: ignore[no-untyped-def]
        return settle(self.decisions, screeners=screeners)[(record, stage)]


def test_one_vote_settles_a_single_screened_record_and_awaits_a_second_otherwise() -> None:
    h = History()
    h.add("ana", EXC, reason="P1")
    single = h.settle(screeners=1)
    assert (single.standing, single.outcome, single.reason) == (Standing.SETTLED, EXC, "P1")
    dual = h.settle(screeners=2)
    assert (dual.standing, dual.outcome) == (Standing.AWAITING, None)


def test_title_abstract_agreement_counts_maybe_as_going_on() -> None:
    cases = {(INC, INC): INC, (INC, MAY): INC, (MAY, MAY): MAY, (EXC, EXC): EXC}
    for (a, b), outcome in cases.items():
        h = History()
        h.add("ana", a)
        h.add("ben", b)
        settled = h.settle()
        assert (settled.standing, settled.outcome) == (Standing.SETTLED, outcome), (a, b)
    for a, b in [(INC, EXC), (MAY, EXC)]:
        h = History()
        h.add("ana", a)
        h.add("ben", b)
        assert h.settle().standing is Standing.CONFLICT


def test_full_text_needs_the_same_include_or_exclude() -> None:
    for (a, b), standing in {
        (INC, INC): Standing.SETTLED,
        (EXC, EXC): Standing.SETTLED,
        (INC, MAY): Standing.CONFLICT,
        (MAY, MAY): Standing.CONFLICT,
        (INC, EXC): Standing.CONFLICT,
    }.items():
        h = History()
        h.add("ana", a, stage=FT)
        h.add("ben", b, stage=FT)
        assert h.settle(stage=FT).standing is standing, (a, b)


def test_a_resolution_settles_a_conflict_and_keeps_the_votes() -> None:
    h = History()
    h.add("ana", INC)
    h.add("ben", EXC, reason="P1")
    h.add("cy", EXC, basis=DecisionBasis.RESOLUTION, reason="S1")
    settled = h.settle()
    assert (settled.standing, settled.outcome, settled.reason) == (Standing.SETTLED, EXC, "S1")
    assert [v.label for v in settled.votes.values()] == [INC, EXC]
    assert settled.resolution is not None and settled.resolution.reviewer == "cy"


def test_a_new_vote_replaces_the_reviewers_earlier_one() -> None:
    h = History()
    h.add("ana", EXC)
    h.add("ben", INC)
    h.add("ana", INC)
    settled = h.settle()
    assert (settled.standing, settled.outcome) == (Standing.SETTLED, INC)
    assert list(settled.votes) == ["ben", "ana"]


def test_undo_withdraws_the_newest_live_decision_and_twice_steps_back_twice() -> None:
    h = History()
    h.add("ana", EXC)
    h.add("ana", INC)
    h.undo("ana")
    assert h.settle(screeners=1).outcome is EXC
    h.undo("ana")
    assert (1, TA) not in settle(h.decisions, screeners=1)
    assert withdrawable(h.decisions, 1, TA, "ana") is None
    assert len(h.decisions) == 4  # nothing was removed from the history


def test_undo_of_a_resolution_reopens_the_conflict() -> None:
    h = History()
    h.add("ana", INC)
    h.add("ben", EXC)
    h.add("cy", INC, basis=DecisionBasis.RESOLUTION)
    h.undo("cy")
    assert h.settle().standing is Standing.CONFLICT


def test_the_reason_of_an_exclusion_is_the_most_given_then_the_earliest() -> None:
    h = History()
    h.add("ana", EXC, reason="S1")
    h.add("ben", EXC, reason="P1")
    assert h.settle().reason == "S1"
    h = History()
    h.add("ana", EXC, reason="S1", record=2)
    h.add("ben", EXC, reason="P1", record=2)
    h.add("ana", EXC, reason="P1", record=2)
    assert h.settle(record=2).reason == "P1"


def test_blinding_hides_other_votes_until_all_are_in() -> None:
    h = History()
    h.add("ana", INC)
    waiting = h.settle()
    assert waiting.visible_to("ben", blinded=True) == {}
    assert list(waiting.visible_to("ana", blinded=True)) == ["ana"]
    assert list(waiting.visible_to("ben", blinded=False)) == ["ana"]
    h.add("ben", EXC)
    assert list(h.settle().visible_to("ben", blinded=True)) == ["ana", "ben"]


def test_imported_decisions_vote_and_consensus_resolves() -> None:
    h = History()
    h.add("rayyan:ana", INC, basis=DecisionBasis.IMPORTED)
    h.add("rayyan:ben", EXC, basis=DecisionBasis.IMPORTED)
    assert h.settle().standing is Standing.CONFLICT
    h.add("ana", INC, basis=DecisionBasis.CONSENSUS)
    assert h.settle().passes
