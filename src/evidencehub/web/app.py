"""The web application: one ASGI app (Starlette, served by uvicorn in ``evidencehub serve``).

:data:`ROUTES` is every route of the app, assembled from the feature modules (each lists its
own as :class:`~evidencehub.web.routing.WebRoute` values); ``evidencehub routes --json``
prints them, and a test checks that every route that writes requires a role.
:func:`create_app` opens the store (which must exist) and wraps the routes in their guards
(:func:`evidencehub.web.guard.guarded`) and the middleware: security headers on every
response, then the signed-in account.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Route

from evidencehub.errors import ConfigError
from evidencehub.publish.site import MARKER
from evidencehub.store.session import open_existing
from evidencehub.web import (
    auth,
    editor,
    extraction,
    feed,
    reader,
    rob,
    screening,
    search,
    trials,
)
from evidencehub.web.errors import exception_handlers
from evidencehub.web.guard import AccountMiddleware, guarded
from evidencehub.web.routing import WebRoute
from evidencehub.web.security import SecurityHeaders
from evidencehub.web.state import WebHub
from evidencehub.web.view import StoreView

__all__ = ["ROUTES", "create_app"]

#: Every route of the app, in the order they are matched (the reader's catch-all last).
ROUTES: tuple[WebRoute, ...] = (
    *auth.ROUTES,
    *search.ROUTES,
    *trials.ROUTES,
    *feed.ROUTES,
    *editor.ROUTES,
    *screening.ROUTES,
    *extraction.ROUTES,
    *rob.ROUTES,
    *reader.ROUTES,
    WebRoute("/{path:path}", reader.site_page),
)


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """Nothing to start; on shutdown, the screening queue (made on first use by
    :func:`evidencehub.web.review_seat.queue_of`) finishes its retrains and stops its worker."""
    yield
    queue = getattr(app.state, "screening_queue", None)
    if queue is not None:
        await run_in_threadpool(queue.close)


def create_app(
    engine_or_url: Engine | str, site_dir: Path | None = None, *, probe_interval: float = 0.5
) -> Starlette:
    """The app serving the store at ``engine_or_url``.

    ``site_dir``, if given, is a site built by ``evidencehub build`` whose other files are
    served as a fallback; :class:`ConfigError` if it holds no built site. A store that does
    not exist is a :class:`~evidencehub.errors.StoreError`. ``probe_interval`` is how often,
    at most, the app looks whether the store changed (:class:`~evidencehub.web.view.StoreView`).
    """
    if site_dir is not None and not (Path(site_dir) / MARKER).exists():
        raise ConfigError(
            f"no site built in {site_dir}; run `evidencehub build --site {site_dir}` first"
        )
    engine = open_existing(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    app = Starlette(
        routes=[Route(r.path, guarded(r), methods=list(r.methods)) for r in ROUTES],
        middleware=[Middleware(SecurityHeaders), Middleware(AccountMiddleware, engine=engine)],
        exception_handlers=exception_handlers(),
        lifespan=_lifespan,
    )
    app.state.hub = WebHub(
        engine=engine, view=StoreView(engine, probe_interval=probe_interval),
        site_dir=Path(site_dir) if site_dir is not None else None,
    )
    return app
