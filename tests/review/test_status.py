"""A review's status (review/status.py): counts, agreement pairs from current votes, and the
stopping test fed with the records in the order they were settled."""

from __future__ import annotations

import datetime as dt

from evidencehub.model import Review, ScreeningDecision
from evidencehub.review.screening import settle
from evidencehub.review.service import ReviewState
from evidencehub.review.status import review_status, stopping_of
from evidencehub.review.stopping import stopping_test
from evidencehub.vocab import DecisionBasis, ScreeningLabel, ScreeningStage

T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
TA = ScreeningStage.TITLE_ABSTRACT
INC, EXC = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE


def _state(votes: list[tuple[int, str, ScreeningLabel, DecisionBasis]], n: int,
           screeners: int = 2) -> ReviewState:
    decisions = [ScreeningDecision(id=i + 1, record_id=r, stage=TA, label=label, basis=basis,
                                   reviewer=who, decided_at=T0 + dt.timedelta(minutes=i))
                 for i, (r, who, label, basis) in enumerate(votes)]
    review = Review(slug="r", title="R", screeners=screeners)
    return ReviewState(id=1, review=review, records={r: [1] for r in range(1, n + 1)},
                       searches=[], decisions=decisions, full_texts={},
                       standings=settle(decisions, screeners=screeners))


def test_stopping_sees_records_in_the_order_they_were_settled() -> None:
    S, R = DecisionBasis.SCREENING, DecisionBasis.RESOLUTION
    state = _state([
        (1, "ana", INC, S), (2, "ana", EXC, S), (1, "ben", EXC, S),  # 1: conflict
        (2, "ben", EXC, S),                                          # 2 settled (excluded)
        (3, "ana", EXC, S), (3, "ben", EXC, S),                      # 3 settled (excluded)
        (1, "cy", INC, R),                                           # 1 settled (included)
        (4, "ana", INC, S),                                          # 4 awaits its second vote
    ], n=50)
    found = stopping_of(state)
    assert found == stopping_test([False, False, True], 50)
    assert found is not None and found.n_screened == 3 and found.n_included_seen == 1


def test_no_settled_record_means_no_stopping_test_and_agreement_uses_current_votes() -> None:
    S = DecisionBasis.SCREENING
    state = _state([(1, "ana", INC, S), (1, "ana", EXC, S), (2, "ben", INC, S)], n=5)
    assert stopping_of(state) is None
    status = review_status(_state([(1, "ana", INC, S), (1, "ben", EXC, S), (1, "ana", EXC, S),
                                   (2, "ana", INC, S), (2, "ben", INC, S)], n=5))
    (pair,) = status.agreement
    assert pair.reviewers == ("ana", "ben") and pair.agreement.labels.n == 2
    assert pair.agreement.labels.percent_agreement == 100.0  # percent
    assert status.to_dict()["stages"]["title-abstract"]["included"] == 1
