"""The full-text stage in the browser: the reports that passed title and abstract, where each
full text stands, and the reviewer's own full-text votes.

* ``GET /reviews/{slug}/full-text`` — every record that reaches the full-text stage
  (:meth:`evidencehub.review.service.ReviewState.reaches`: settled as include or maybe at title
  and abstract), with its newest retrieval mark (sought, retrieved with a link, not retrieved),
  the signed-in reviewer's own vote and, once the record has all its votes, where it stands
  (blinding as the service defines it: another reviewer's vote is never shown while the record
  awaits votes). Votes are cast one record at a time on the screening page at the full-text
  stage, where an exclusion needs one of the review's reasons (the service's rule);
* ``POST /reviews/{slug}/full-text/{record_id}`` (``status``, ``link``, ``note``) — a
  retrieval mark through :func:`evidencehub.review.service.record_full_text`, signed with the
  account's name and the time; the PRISMA flow counts reports sought and not retrieved from
  these.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from evidencehub.errors import InputError
from evidencehub.review.screening import Standing
from evidencehub.review.service import record_full_text
from evidencehub.store.repo.records import records_by_id
from evidencehub.store.session import transaction
from evidencehub.vocab import AccountRole, RetrievalStatus, ScreeningStage
from evidencehub.web.appraisal import form_text
from evidencehub.web.review_seat import (
    Refused,
    record_of,
    reviewer_page,
    safe_link,
    seat_in,
    stage_of,
)
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["ROUTES"]

_FULL_TEXT = ScreeningStage.FULL_TEXT


def _full_text_page(request: Request, *, error: str | None = None,
                    status: int = 200) -> Response:
    with transaction(hub_of(request).engine) as session:
        seat = seat_in(session, request)
        stage_of(_FULL_TEXT.value, seat.state.review)
        state = seat.state
        reached = [r for r in state.records if state.reaches(r, _FULL_TEXT)]
        records = records_by_id(session, reached)
    rows: list[dict[str, Any]] = []
    for record_id in reached:
        standing = state.standing(record_id, _FULL_TEXT)
        mark = state.full_texts.get(record_id)
        own = standing.votes.get(seat.reviewer)
        rows.append({
            "record_id": record_id, "record": records.get(record_id), "mark": mark,
            "link": safe_link(mark.link) if mark else None, "own": own,
            "standing": None if standing.standing is Standing.AWAITING else standing,
        })  # fmt: skip
    return page(request, "fulltext.html", f"Full texts · {state.review.title}", status=status,
                seat=seat, review=state.review, rows=rows, error=error,
                statuses=[s.value for s in RetrievalStatus])


@reviewer_page
async def full_text_list(request: Request) -> Response:
    """The reports at the full-text stage."""
    return await run_in_threadpool(_full_text_page, request)


@reviewer_page
async def mark_full_text(request: Request) -> Response:
    """Record where a report's full text stands (the service's ``record_full_text``)."""
    form = await request.form()
    value = form_text(form, "status") or ""
    try:
        status = RetrievalStatus(value)
    except ValueError:
        words = ", ".join(s.value for s in RetrievalStatus)
        raise Refused(400, f"Unknown full-text status {value!r}: one of {words}.") from None
    link, note = form_text(form, "link"), form_text(form, "note")
    ref = request.path_params["record_id"]

    def work() -> Response:
        from evidencehub.web.guard import actor_of

        hub = hub_of(request)
        try:
            with transaction(hub.engine, immediate=True) as session:
                seat = seat_in(session, request)
                stage_of(_FULL_TEXT.value, seat.state.review)
                record_id = record_of(session, seat, ref)
                record_full_text(session, seat.state, record_id, status, actor_of(request).name,
                                 link=link, note=note)
        except InputError as error:
            return _full_text_page(request, error=str(error), status=400)
        hub.view.invalidate()
        return RedirectResponse(f"/reviews/{seat.slug}/full-text", status_code=303)

    return await run_in_threadpool(work)


ROUTES = (
    WebRoute("/reviews/{slug}/full-text", full_text_list, ("GET",), role=AccountRole.REVIEWER),
    WebRoute("/reviews/{slug}/full-text/{record_id}", mark_full_text, ("POST",),
             role=AccountRole.REVIEWER),
)
