"""``/search?q=…`` and ``/search.json?q=…``: full-text search of the store, rendered from one
context dict like every other page (:func:`evidencehub.publish.context.search_context`)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from evidencehub.errors import StoreError
from evidencehub.publish.context import search_context
from evidencehub.publish.render import render_html, render_json
from evidencehub.store.repo import records as records_repo
from evidencehub.store.session import transaction
from evidencehub.web.errors import error_response
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import header

__all__ = ["ROUTES", "SEARCH_LIMIT"]

#: Most records a search returns.
SEARCH_LIMIT = 50

_log = logging.getLogger(__name__)


def _search(request: Request, as_json: bool) -> Response:
    query = request.query_params.get("q", "").strip()
    records = []
    if query:
        try:
            with transaction(hub_of(request).engine) as session:
                records = records_repo.list_records(session, query=query, limit=SEARCH_LIMIT)
        except StoreError as err:
            _log.error("search %r: %s", query, err)
            return error_response(request, 503, "Search unavailable", as_json)
    context = search_context(query, records)
    if as_json:
        return Response(render_json(context), media_type="application/json")
    return HTMLResponse(render_html({**context, "live": header(request)}, root="/"))


def search_html(request: Request) -> Response:
    """The search page."""
    return _search(request, as_json=False)


def search_json(request: Request) -> Response:
    """The search results as JSON."""
    return _search(request, as_json=True)


ROUTES = (WebRoute("/search", search_html), WebRoute("/search.json", search_json))
