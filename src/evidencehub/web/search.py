"""``/search?q=…`` and ``/search.json?q=…``: full-text search of the hub's pages, studies,
trials and publications (:mod:`evidencehub.store.repo.search`), rendered from one context dict
(:func:`evidencehub.publish.search_context.search_context`) as HTML or JSON.

Query parameters: ``q`` (taken as plain words, cut to
:data:`~evidencehub.store.repo.search.MAX_QUERY_CHARS` characters with a notice), ``kind``
(``page``, ``study``, ``trial`` or ``record``: page through that kind alone) and ``page``. A
value that means nothing (an unknown kind, a page that is not a positive number) is ignored
rather than refused: a search never fails because of what was typed.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from evidencehub.counts import is_count
from evidencehub.errors import StoreError
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.search_context import search_context
from evidencehub.store.repo.search import KindResults, SearchKind, query_words, search
from evidencehub.store.session import transaction
from evidencehub.web.errors import error_response
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of
from evidencehub.web.templating import header

__all__ = ["GROUP_SIZE", "MAX_PAGE", "PER_PAGE", "ROUTES"]

#: Hits of each kind shown when all kinds are searched.
GROUP_SIZE = 5
#: Hits per page when one kind is paged through.
PER_PAGE = 20
#: The last page one may ask for (deeper pages are this one).
MAX_PAGE = 500

_log = logging.getLogger(__name__)


def _kind(value: str | None) -> SearchKind | None:
    return SearchKind(value) if value in set(SearchKind) else None


def _page(value: str | None) -> int:
    if value is None or not is_count(value, max_digits=6):
        return 1
    return min(max(int(value), 1), MAX_PAGE)


def _search(request: Request, as_json: bool) -> Response:
    params = request.query_params
    query = query_words(params.get("q", "").strip())
    only = _kind(params.get("kind"))
    page = _page(params.get("page")) if only is not None else 1
    hub = hub_of(request)
    results: list[KindResults] = []
    try:
        if query.words:
            with transaction(hub.engine) as session:
                for kind in (only,) if only is not None else tuple(SearchKind):
                    results.append(search(
                        session, query, kind,
                        limit=PER_PAGE if only is not None else GROUP_SIZE,
                        offset=(page - 1) * PER_PAGE if only is not None else 0,
                    ))
    except StoreError as err:
        _log.error("search %r: %s", query.text, err)
        return error_response(request, 503, "Search unavailable", as_json)
    context = search_context(query, results, only=only, page=page)
    if as_json:
        return Response(render_json(context), media_type="application/json")
    return HTMLResponse(render_html({**context, "live": header(request)}, root="/"))


def search_html(request: Request) -> Response:
    """The search page."""
    return _search(request, as_json=False)


def search_json(request: Request) -> Response:
    """The search results as JSON (the page's context)."""
    return _search(request, as_json=True)


ROUTES = (WebRoute("/search", search_html), WebRoute("/search.json", search_json))
