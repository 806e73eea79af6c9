"""The PRISMA 2020 flow of a review from its stored state (review/flow.py).

The quality bar of issue 9: any decision history gives a flow whose boxes add up. Histories
are generated with Hypothesis — votes, changed votes, undos, resolutions, consensus, full-text
marks, records found by several searches, refused and duplicate records — including histories
the service would refuse (a full-text vote on a record that title and abstract excluded), and
every one must give a checked flow (:func:`evidencehub.review.prisma.prisma_flow` raises,
naming the box, when one does not add up).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencehub.model import Criterion, FullTextStatus, Review, ScreeningDecision, Search
from evidencehub.review.flow import flow_of
from evidencehub.review.screening import settle, withdrawable
from evidencehub.review.service import ReviewState
from evidencehub.vocab import (
    DecisionBasis,
    OtherMethod,
    RetrievalStatus,
    ScreeningLabel,
    ScreeningStage,
    SearchKind,
)

T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
REVIEWERS = ("ana", "ben", "cy")
ACTIONS = ("include", "exclude", "maybe", "undo", "resolve-include", "resolve-exclude")


@st.composite
def review_states(draw: st.DrawFn) -> ReviewState:
    n_records = draw(st.integers(1, 12))
    kinds = draw(st.lists(st.sampled_from(list(SearchKind)), min_size=1, max_size=3))
    found: dict[int, list[int]] = {}
    for record in range(1, n_records + 1):
        chosen = draw(st.sets(st.integers(1, len(kinds)), min_size=1))
        found[record] = sorted(chosen)
    searches = []
    for search_id, kind in enumerate(kinds, start=1):
        hits = sum(search_id in f for f in found.values())
        rejected = draw(st.integers(0, 2))
        searches.append(
            Search(
                id=search_id,
                source=f"source {search_id}",
                kind=kind,
                method=OtherMethod.WEBSITE if kind is SearchKind.OTHER else None,
                n_returned=hits + rejected + draw(st.integers(0, 3)),
                n_rejected=rejected,
                actor="ana",
                recorded_at=T0,
            )
        )
    screeners = draw(st.sampled_from([1, 2]))
    decisions: list[ScreeningDecision] = []
    for _ in range(draw(st.integers(0, 40))):
        record = draw(st.integers(1, n_records))
        stage = draw(st.sampled_from(list(ScreeningStage)))
        who = draw(st.sampled_from(REVIEWERS))
        action = draw(st.sampled_from(ACTIONS))
        reason = draw(st.sampled_from([None, "P1", "S1"]))
        common = {
            "id": len(decisions) + 1,
            "record_id": record,
            "stage": stage,
            "reviewer": who,
            "decided_at": T0 + dt.timedelta(seconds=len(decisions)),
        }
        if action == "undo":
            target = withdrawable(decisions, record, stage, who)
            if target is None:
                continue
            decisions.append(
                ScreeningDecision(label=None, basis=DecisionBasis.UNDO, undoes=target.id, **common)
            )
        elif action.startswith("resolve"):
            label = ScreeningLabel(action.removeprefix("resolve-"))
            decisions.append(
                ScreeningDecision(
                    label=label, basis=DecisionBasis.RESOLUTION, reason=reason, **common
                )
            )
        else:
            decisions.append(
                ScreeningDecision(
                    label=ScreeningLabel(action),
                    basis=DecisionBasis.SCREENING,
                    reason=reason,
                    **common,
                )
            )
    full_texts = {
        record: FullTextStatus(record_id=record, status=status, actor="ana", recorded_at=T0)
        for record, status in draw(
            st.dictionaries(st.integers(1, n_records), st.sampled_from(list(RetrievalStatus)))
        ).items()
    }
    review = Review(
        slug="r",
        title="R",
        screeners=screeners,
        criteria=(
            Criterion(code="P1", text="Not type 1 diabetes"),
            Criterion(code="S1", text="Not a clinical study"),
        ),
    )
    return ReviewState(
        id=1,
        review=review,
        records=found,
        searches=searches,
        decisions=decisions,
        full_texts=full_texts,
        standings=settle(decisions, screeners=screeners),
    )


@settings(max_examples=300, deadline=None)
@given(review_states(), st.data())
def test_any_decision_history_gives_a_flow_whose_boxes_add_up(
    state: ReviewState, data: st.DataObject
) -> None:
    studies = {r: str(data.draw(st.integers(1, 3))) for r in state.records}
    flow = flow_of(state, studies)  # raises, naming the box, if any box does not add up
    dbr = [s for s in state.searches if s.kind is not SearchKind.OTHER]
    assert (flow.database_results or 0) + (flow.register_results or 0) == sum(
        s.n_returned for s in dbr
    )
    assert flow.new_reports <= len(state.records)
    assert flow.new_studies <= flow.new_reports
