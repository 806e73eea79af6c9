"""Reviewers in the browser, screening side: their reviews, and screening one record at a time.

* ``GET /reviews`` — the reviews the signed-in account is a member of (editors and admins see
  the others too);
* ``GET /reviews/{slug}`` — a review: its question, criteria, where each stage stands and the
  reviewer's own progress, with links to screening, conflicts, full texts and the PRISMA flow;
* ``GET /reviews/{slug}/screen?stage=title-abstract|full-text`` — the next record in the
  order the review's queue gives (:class:`evidencehub.review.queue.ScreeningQueue`: priority
  ranking retrained in the background), its title and abstract with the review's keywords
  marked (:mod:`evidencehub.web.highlight`), the include / exclude / maybe form with the
  review's exclusion reasons, progress (records screened of all), and at title and abstract the
  estimated recall and stopping recommendation as ``review status`` gives them
  (:func:`evidencehub.review.status.stopping_of`);
* ``POST /reviews/{slug}/screen`` (``record_id``, ``stage``, ``label``, ``reason``, ``note``)
  — a vote, written by the service (:func:`evidencehub.review.service.decide`) under the
  signed-in account's name, at the time it is made; then the next record;
* ``POST /reviews/{slug}/undo`` (``record_id``, ``stage``) — withdraw one's newest vote
  (:func:`evidencehub.review.service.undo`).

Keys i, e, m (and u for undo, 1–9 to pick a reason) work through ``/static/screening.js``;
without JavaScript the same form posts. Blinding is the service's: this page shows a record
the reviewer has not voted on and never another reviewer's vote. Conflicts, the full-text
list and the PRISMA flow are in :mod:`.screening_conflicts`, :mod:`.screening_fulltext` and
:mod:`.screening_prisma`; their routes are part of :data:`ROUTES`.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from evidencehub.model import ScreeningDecision
from evidencehub.review.screening import withdrawable
from evidencehub.review.service import ReviewState, stage_counts, undo
from evidencehub.review.status import stopping_of
from evidencehub.store.repo.records import records_by_id
from evidencehub.store.session import transaction
from evidencehub.vocab import AccountRole, DecisionBasis, ScreeningStage
from evidencehub.web import screening_conflicts, screening_fulltext, screening_prisma
from evidencehub.web.appraisal import form_text
from evidencehub.web.highlight import highlight, review_keywords
from evidencehub.web.review_seat import (
    ReviewSeat,
    label_of,
    queue_of,
    record_of,
    reviewer_page,
    reviews_of,
    safe_link,
    seat_in,
    stage_of,
)
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["ROUTES"]


# --------------------------------------------------------------------------- reviews


async def review_list(request: Request) -> Response:
    """The signed-in account's reviews."""

    def work() -> Response:
        with transaction(hub_of(request).engine) as session:
            mine, others = reviews_of(session, request)
        name = request.state.user.name
        roles = {r.slug: next(m.role.value for m in r.members if m.name == name) for r in mine}
        return page(request, "reviews.html", "Reviews", mine=mine, others=others, roles=roles)

    return await run_in_threadpool(work)


def _own_votes(state: ReviewState, reviewer: str, stage: ScreeningStage) -> int:
    return sum(1 for (_, at), standing in state.standings.items()
               if at is stage and reviewer in standing.votes)  # fmt: skip


@reviewer_page
async def review_overview(request: Request) -> Response:
    """A review: question, criteria, counts per stage, the reviewer's progress, stopping."""

    def work() -> Response:
        with transaction(hub_of(request).engine) as session:
            seat = seat_in(session, request)
        state = seat.state
        stages = [{"stage": stage.value, "counts": stage_counts(state, stage),
                   "mine": _own_votes(state, seat.reviewer, stage)}
                  for stage in state.review.stages]  # fmt: skip
        return page(request, "review.html", state.review.title, seat=seat, review=state.review,
                    stages=stages, stopping=stopping_of(state), n_records=len(state.records),
                    n_searches=len(state.searches))

    return await run_in_threadpool(work)


# --------------------------------------------------------------------------- screening


def _last_vote(state: ReviewState, reviewer: str, stage: ScreeningStage) -> ScreeningDecision | None:
    """The reviewer's newest vote at ``stage`` if an undo can still withdraw it."""
    for decision in reversed(state.decisions):
        if decision.reviewer == reviewer and decision.stage is stage:
            if decision.basis is not DecisionBasis.SCREENING:
                return None
            live = withdrawable(state.decisions, decision.record_id, stage, reviewer)
            return live if live is not None and live.id == decision.id else None
    return None


def _screen_page(request: Request, stage_value: str | None, *, error: str | None = None,
                 status: int = 200) -> Response:
    """The screening page of the next record for the signed-in reviewer (blocking)."""
    hub = hub_of(request)
    with transaction(hub.engine) as session:
        seat = seat_in(session, request, queue_of(request).state)
        stage = stage_of(stage_value, seat.state.review)
        last = _last_vote(seat.state, seat.reviewer, stage)
        last_title = None
        if last is not None:
            found = records_by_id(session, [last.record_id]).get(last.record_id)
            last_title = found.title if found else None
    state = seat.state
    context: dict[str, Any] = {
        "seat": seat, "review": state.review, "stage": stage.value, "error": error,
        "counts": stage_counts(state, stage), "mine": _own_votes(state, seat.reviewer, stage),
        "stopping": stopping_of(state) if stage is ScreeningStage.TITLE_ABSTRACT else None,
        "last": last, "last_title": last_title, "record": None, "record_id": None,
        "remaining": 0, "order": None, "full_text": None, "full_text_link": None,
        "title_marked": None, "abstract_marked": None,
    }  # fmt: skip
    if seat.screens:
        batch = queue_of(request).next(seat.slug, seat.reviewer, stage)
        context.update(remaining=batch.remaining, order=batch.order)
        if batch.record_ids:
            record_id = batch.record_ids[0]
            record = batch.records.get(record_id)
            keywords = review_keywords(state.review)
            full_text = state.full_texts.get(record_id)
            context.update(
                record=record, record_id=record_id, full_text=full_text,
                full_text_link=safe_link(full_text.link) if full_text else None,
                title_marked=highlight(record.title if record else "", keywords),
                abstract_marked=highlight(record.abstract if record else "", keywords),
            )  # fmt: skip
    title = f"Screening · {state.review.title}"
    return page(request, "screen.html", title, status=status, **context)


@reviewer_page
async def screen(request: Request) -> Response:
    """The next record to screen."""
    stage = request.query_params.get("stage")
    return await run_in_threadpool(_screen_page, request, stage)


def _back_to_screen(slug: str, stage: ScreeningStage) -> Response:
    return RedirectResponse(f"/reviews/{slug}/screen?stage={stage.value}", status_code=303)


def _seat_and_record(request: Request, stage_value: str | None, ref: str | None
                     ) -> tuple[ReviewSeat, ScreeningStage, int]:
    with transaction(hub_of(request).engine) as session:
        seat = seat_in(session, request, queue_of(request).state)
        stage = stage_of(stage_value, seat.state.review)
        return seat, stage, record_of(session, seat, ref or "")


@reviewer_page
async def decide(request: Request) -> Response:
    """Record the signed-in reviewer's vote through the service, then show the next record."""
    form = await request.form()
    label = label_of(form_text(form, "label"))
    reason, note = form_text(form, "reason"), form_text(form, "note")
    stage_value, ref = form_text(form, "stage"), form_text(form, "record_id")

    def work() -> Response:
        from evidencehub.errors import InputError

        seat, stage, record_id = _seat_and_record(request, stage_value, ref)
        try:
            queue_of(request).decide(seat.slug, record_id, label, seat.reviewer, stage=stage,
                                     reason=reason, note=note)
        except InputError as error:
            return _screen_page(request, stage.value, error=str(error), status=400)
        hub_of(request).view.invalidate()
        return _back_to_screen(seat.slug, stage)

    return await run_in_threadpool(work)


@reviewer_page
async def undo_vote(request: Request) -> Response:
    """Withdraw the signed-in reviewer's newest vote on a record (the service's undo)."""
    form = await request.form()
    stage_value, ref = form_text(form, "stage"), form_text(form, "record_id")

    def work() -> Response:
        hub = hub_of(request)
        with transaction(hub.engine, immediate=True) as session:
            seat = seat_in(session, request)
            stage = stage_of(stage_value, seat.state.review)
            record_id = record_of(session, seat, ref or "")
            undo(session, seat.state, record_id, seat.reviewer, stage=stage)
        hub.view.invalidate()
        return _back_to_screen(seat.slug, stage)

    return await run_in_threadpool(work)


_ROLE = AccountRole.REVIEWER

ROUTES = (
    WebRoute("/reviews", review_list, ("GET",), role=_ROLE),
    WebRoute("/reviews/{slug}", review_overview, ("GET",), role=_ROLE),
    WebRoute("/reviews/{slug}/screen", screen, ("GET",), role=_ROLE),
    WebRoute("/reviews/{slug}/screen", decide, ("POST",), role=_ROLE),
    WebRoute("/reviews/{slug}/undo", undo_vote, ("POST",), role=_ROLE),
    *screening_conflicts.ROUTES,
    *screening_fulltext.ROUTES,
    *screening_prisma.ROUTES,
)
