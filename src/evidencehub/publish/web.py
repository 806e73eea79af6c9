"""The web app: the built site, its ``.json`` twins, and a search over the store's records.

``create_app(engine_or_url, site_dir)`` returns a Starlette ASGI app (served by uvicorn in
``evidencehub serve``):

* every file of the static site under ``/`` (``/`` itself is ``index.html``), so the server and
  the static build show the very same bytes;
* ``/search?q=…`` and ``/search.json?q=…``: full-text search of the stored records (title and
  abstract), rendered from one context dict like every other page;
* ``/favicon.ico``, redirected to the site's SVG icon.

The store must exist when the app is created (:func:`~evidencehub.store.open_existing`); if it
becomes unreadable later (its file removed, its server down), a search answers 503 with the
site's error page, never 500. The handlers are thin: parse the query, call the store, render.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from evidencehub.errors import ConfigError, StoreError
from evidencehub.publish.context import search_context
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.site import MARKER
from evidencehub.store.repo import records as records_repo
from evidencehub.store.session import open_existing, transaction

__all__ = ["SEARCH_LIMIT", "create_app"]

#: Most records a search returns.
SEARCH_LIMIT = 50

_log = logging.getLogger(__name__)


def _error_page(status: int, title: str, as_json: bool = False) -> Response:
    context: dict[str, Any] = search_context("", [])
    context.update(
        {
            "kind": "error",
            "title": title,
            "status": status,
            "path": "error.html",
            "json_path": "index.json",
        }
    )
    if as_json:
        return Response(render_json(context), status_code=status, media_type="application/json")
    return HTMLResponse(render_html(context, root="/"), status_code=status)


def create_app(engine_or_url: Engine | str, site_dir: Path) -> Starlette:
    """The ASGI app serving ``site_dir`` (built by ``evidencehub build``) and searching the store.

    Raises :class:`ConfigError` when ``site_dir`` holds no built site, and :class:`StoreError`
    when the store at the URL does not exist or cannot be opened.
    """
    site_dir = Path(site_dir)
    if not (site_dir / MARKER).exists():
        raise ConfigError(
            f"no site built in {site_dir}; run `evidencehub build --site {site_dir}` first"
        )
    engine = open_existing(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url

    def search(request: Request, as_json: bool) -> Response:
        query = request.query_params.get("q", "").strip()
        records = []
        if query:
            try:
                with transaction(engine) as session:
                    records = records_repo.list_records(session, query=query, limit=SEARCH_LIMIT)
            except StoreError as err:
                _log.error("search %r: %s", query, err)
                return _error_page(503, "Search unavailable", as_json)
        context = search_context(query, records)
        if as_json:
            return Response(render_json(context), media_type="application/json")
        return HTMLResponse(render_html(context, root="/"))

    async def search_html(request: Request) -> Response:
        return search(request, as_json=False)

    async def search_json(request: Request) -> Response:
        return search(request, as_json=True)

    async def favicon(request: Request) -> Response:
        # Browsers ask for /favicon.ico on documents that declare no icon (the JSON twins).
        return RedirectResponse("/static/favicon.svg", status_code=301)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return _error_page(status, "Not found" if status == 404 else "Error")

    return Starlette(
        routes=[
            Route("/search", search_html),
            Route("/search.json", search_json),
            Route("/favicon.ico", favicon),
            Mount("/", app=StaticFiles(directory=site_dir, html=True), name="site"),
        ],
        exception_handlers={404: not_found},
    )
