"""Error pages of the app: the site's own page for 404, 405, 503 (and, for a bug, 500),
as HTML or, for a ``.json`` path or a JSON request, as JSON; never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from evidencehub.publish.context import DISCLAIMER, SITE_TITLE
from evidencehub.publish.render import render_html
from evidencehub.web.security import HEADERS
from evidencehub.web.templating import header

__all__ = ["error_response", "exception_handlers"]

_log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def error_response(request: Request, status: int, title: str,
                   as_json: bool | None = None) -> Response:
    """The error page ``status`` with ``title``, as JSON when asked for."""
    if as_json if as_json is not None else _wants_json(request):
        return JSONResponse({"error": title, "status": status}, status_code=status)
    context: dict[str, Any] = {"kind": "error", "site": SITE_TITLE, "title": title,
                               "status": status, "path": "error.html", "json_path": "",
                               "disclaimer": DISCLAIMER}
    return HTMLResponse(render_html({**context, "live": header(request)}, root="/"),
                        status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    titles = {404: "Not found", 405: "Method not allowed"}
    return error_response(request, status, titles.get(status, "Error"))


async def _bug(request: Request, exc: Exception) -> Response:
    # Starlette answers an exception that escaped every middleware from its outermost layer,
    # outside SecurityHeaders: the headers are added here (tests/web/test_routes.py).
    _log.exception("%s %s", request.method, request.url.path, exc_info=exc)
    response = error_response(request, 500, "Error")
    for name, value in HEADERS:
        response.headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return response


def exception_handlers() -> dict[Any, Any]:
    """Starlette's ``exception_handlers`` for the app."""
    return {HTTPException: _http_error, Exception: _bug}
