"""What the reader's side shows: the store's published snapshot, kept while the store is
unchanged, and the pages rendered from it.

Pages are rendered from the store per request through the very context functions and
templates the static build uses (:func:`evidencehub.publish.context.context_for_path`,
:func:`evidencehub.publish.render.render_html`), so the server and ``evidencehub build``
write the same page bodies. Loading the snapshot reads the whole published hub, so
:class:`StoreView` keeps it until the store changes, and keeps each page's rendering for a
reader (signed-in accounts get theirs rendered afresh, with their own header):

* **change probe** — on SQLite, ``PRAGMA data_version`` on a connection of the view's own,
  which changes whenever any other connection commits (SQLite's documented way to notice
  another writer); on PostgreSQL, the cluster's next transaction id
  (``pg_snapshot_xmax(pg_current_snapshot())``), which moves whenever any transaction writes.
  An in-memory SQLite store has no other connection to notice, so it is never cached. The
  probe runs at most every ``probe_interval`` seconds;
* **invalidation** — a write through the web app calls :meth:`StoreView.invalidate`, so an
  editor sees a change at once;
* plots are drawn once per snapshot, never per request, and a new snapshot redraws only what
  changed: forest and funnel plots of analyses whose run, settings or outcome changed, the
  PRISMA 2020 diagram of a review whose flow changed
  (:func:`evidencehub.publish.site.forest_svgs`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from evidencehub.errors import StoreError
from evidencehub.publish.context import context_for_path
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.site import forest_svgs
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot
from evidencehub.store._location import sqlite_file, store_location

__all__ = ["Published", "RenderedPage", "StoreView"]


@dataclass(frozen=True, slots=True)
class Published:
    """One state of the published hub: the snapshot and its forest plots."""

    snap: HubSnapshot
    plots: dict[str, str]
    generation: int


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page of the site as a reader gets it: its context, HTML and JSON twin."""

    context: dict[str, Any]
    html: bytes
    json: bytes


class StoreView:
    """The published hub of ``engine``, reloaded when the store has changed."""

    def __init__(self, engine: Engine, *, probe_interval: float = 0.5,
                 cached_pages: int = 4096) -> None:
        self.engine = engine
        self.probe_interval = probe_interval
        self.cached_pages = cached_pages
        self._lock = threading.Lock()
        self._published: Published | None = None
        self._seen: object = None
        self._probed_at = 0.0
        self._drawn: dict[str, str | None] = {}
        self._pages: OrderedDict[tuple[int, str], RenderedPage] = OrderedDict()
        self._probe_connection: sqlite3.Connection | None = None
        self._cacheable = not isinstance(engine.pool, StaticPool) and (
            engine.dialect.name != "sqlite" or sqlite_file(engine.url) is not None
        )

    # ----------------------------------------------------------------- change detection

    def _probe(self) -> object:
        try:
            return self._read_probe()
        except (sqlite3.Error, SQLAlchemyError) as err:
            raise StoreError(f"{store_location(self.engine)}: the store cannot be read: {err}") \
                from err

    def _read_probe(self) -> object:
        if self.engine.dialect.name == "sqlite":
            if self._probe_connection is None:
                path = sqlite_file(self.engine.url)
                assert path is not None  # an in-memory store is never cacheable
                self._probe_connection = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                )
            return self._probe_connection.execute("PRAGMA data_version").fetchone()[0]
        with self.engine.connect() as connection:
            return connection.execute(
                text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")
            ).scalar_one()

    def invalidate(self) -> None:
        """Forget the snapshot: the next request reads the store again."""
        with self._lock:
            self._published = None
            self._pages.clear()

    def published(self) -> Published:
        """The published hub as the store holds it now (reloaded if the store changed)."""
        with self._lock:
            now = time.monotonic()
            if self._published is not None and self._cacheable and (
                now - self._probed_at < self.probe_interval
            ):
                return self._published
            seen = self._probe() if self._cacheable else object()
            self._probed_at = now
            if self._published is None or seen != self._seen:
                snap = load_snapshot(self.engine)
                plots = forest_svgs(snap, self._drawn)
                generation = self._published.generation + 1 if self._published else 1
                self._published = Published(snap, plots, generation)
                self._seen = seen
                self._pages.clear()
            return self._published

    # ----------------------------------------------------------------- rendering

    def render(self, path: str, *, header: dict[str, Any] | None = None) -> RenderedPage:
        """The page at site path ``path`` (``KeyError`` if the site has none).

        ``header`` is what the served page's header shows (the search box, the signed-in
        account); pages for readers without an account are kept until the store changes.
        """
        published = self.published()
        key = (published.generation, path)
        reader = header is None or header.get("user") is None
        if reader:
            with self._lock:
                cached = self._pages.get(key)
                if cached is not None:
                    self._pages.move_to_end(key)
                    return cached
        context = context_for_path(published.snap, path)
        html = render_html({**context, "live": header or {}}, plots=published.plots)
        page = RenderedPage(context, html.encode("utf-8"), render_json(context).encode("utf-8"))
        if reader:
            with self._lock:
                self._pages[key] = page
                while len(self._pages) > self.cached_pages:
                    self._pages.popitem(last=False)
        return page

    def close(self) -> None:
        """Close the probe's own connection."""
        if self._probe_connection is not None:
            self._probe_connection.close()
            self._probe_connection = None
