"""Conflicts in the browser: the records whose screeners disagree, and their resolution.

* ``GET /reviews/{slug}/conflicts`` — the records the service lists as in conflict
  (:func:`evidencehub.review.service.conflicts`: all their votes are in and they disagree,
  and no resolution settled them), at every stage, with the votes (blinding no longer hides
  them: a record is in conflict only once every vote is in) and their reasons and notes;
* ``POST /reviews/{slug}/conflicts/{record_id}`` (``stage``, ``label``, ``reason``, ``note``,
  ``consensus``) — a resolution through :func:`evidencehub.review.service.resolve` under the
  signed-in account's name, at the time it is made. Who may resolve is the service's rule:
  resolvers and leads resolve; any member may record the screeners' consensus (the form's
  ``consensus`` box). What the service refuses is shown on the page as its message.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from evidencehub.counts import is_count
from evidencehub.errors import InputError
from evidencehub.review.service import conflicts
from evidencehub.store.repo.records import records_by_id
from evidencehub.store.session import transaction
from evidencehub.vocab import AccountRole, ScreeningLabel
from evidencehub.web.appraisal import form_text
from evidencehub.web.review_seat import (
    label_of,
    record_of,
    reviewer_page,
    seat_in,
    stage_of,
)
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["ROUTES"]

#: What a resolution may say (the service refuses anything else with its own message).
RESOLUTIONS = (ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE)


def _conflicts_page(request: Request, *, error: str | None = None, status: int = 200,
                    failed: int | None = None) -> Response:
    with transaction(hub_of(request).engine) as session:
        seat = seat_in(session, request)
        found = conflicts(seat.state)
        records = records_by_id(session, [c.record_id for c in found])
    state = seat.state
    rows: list[dict[str, Any]] = [{
        "record_id": c.record_id, "record": records.get(c.record_id), "stage": c.stage.value,
        "votes": list(c.visible_to(seat.reviewer, blinded=state.review.blinded).values()),
    } for c in found]  # fmt: skip
    return page(request, "conflicts.html", f"Conflicts · {state.review.title}", status=status,
                seat=seat, review=state.review, rows=rows, error=error, failed=failed,
                resolutions=[r.value for r in RESOLUTIONS])


@reviewer_page
async def conflict_list(request: Request) -> Response:
    """The review's unresolved conflicts, each with its resolution form."""
    return await run_in_threadpool(_conflicts_page, request)


@reviewer_page
async def resolve_conflict(request: Request) -> Response:
    """Settle a conflict through the service (its rules say who may)."""
    form = await request.form()
    label = label_of(form_text(form, "label"))
    reason, note = form_text(form, "reason"), form_text(form, "note")
    stage_value = form_text(form, "stage")
    consensus = form_text(form, "consensus") is not None
    ref = request.path_params["record_id"]

    def work() -> Response:
        from evidencehub.review.service import resolve

        hub = hub_of(request)
        try:
            with transaction(hub.engine, immediate=True) as session:
                seat = seat_in(session, request)
                stage = stage_of(stage_value, seat.state.review)
                record_id = record_of(session, seat, ref)
                resolve(session, seat.state, record_id, label, seat.reviewer, stage=stage,
                        reason=reason, note=note, consensus=consensus)
        except InputError as error:
            failed = int(ref) if is_count(ref) else None
            return _conflicts_page(request, error=str(error), status=400, failed=failed)
        hub.view.invalidate()
        return RedirectResponse(f"/reviews/{seat.slug}/conflicts", status_code=303)

    return await run_in_threadpool(work)


ROUTES = (
    WebRoute("/reviews/{slug}/conflicts", conflict_list, ("GET",), role=AccountRole.REVIEWER),
    WebRoute("/reviews/{slug}/conflicts/{record_id}", resolve_conflict, ("POST",),
             role=AccountRole.REVIEWER),
)
