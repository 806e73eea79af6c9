"""``/trials`` (also ``/trials.html``) and ``/trials.json``: the trial tracker, filtered by the
reader's GET parameters (``condition``, ``intervention``, ``phase``, ``status``, ``sort``: see
:class:`evidencehub.publish.tracker.TrialFilters`).

Without parameters the page is the static build's ``trials.html``, rendered through the
view's cache like every page of the site; with them it is rendered from the same published
snapshot by the same context function.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from evidencehub.errors import StoreError
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.tracker import TRACKER_PATH, TrialFilters, tracker_context
from evidencehub.web.errors import error_response
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import header

__all__ = ["ROUTES", "tracker"]


def tracker(request: Request) -> Response:
    """The trial tracker as HTML, or as JSON at ``/trials.json``."""
    as_json = request.url.path.endswith(".json")
    filters = TrialFilters.from_params(request.query_params)
    view = hub_of(request).view
    try:
        if filters == TrialFilters():
            page = view.render(TRACKER_PATH, header=header(request))
            body, media = (page.json, "application/json") if as_json else (
                page.html, "text/html; charset=utf-8")
            return Response(body, media_type=media)
        context = tracker_context(view.published().snap, filters)
    except StoreError:
        return error_response(request, 503, "The hub is unavailable", as_json)
    if as_json:
        return Response(render_json(context), media_type="application/json")
    return HTMLResponse(render_html({**context, "live": header(request)}, root="/"))


ROUTES = tuple(WebRoute(path, tracker) for path in ("/trials", "/trials.html", "/trials.json"))
