"""When each page was first saved and last changed, and by whom: what a feed of changes needs.

A page's last change is the later of ``pages.updated_at`` (set by every write that changes the
page) and its newest saved version (``page_versions.recorded_at``); its first appearance is
its first saved version, else that same time. The author of the last change is the actor of
the newest version when that is the last change, else the page's own ``actor_id``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidencehub.store import tables as t

__all__ = ["PageChange", "page_changes"]


@dataclass(frozen=True, slots=True)
class PageChange:
    """A page's slug, when it first appeared and last changed, who changed it (or None) and
    how many versions of it are saved."""

    slug: str
    published: dt.datetime
    updated: dt.datetime
    author: str | None
    versions: int


def page_changes(session: Session) -> list[PageChange]:
    """Every page with a known time, the most recently changed first (then by slug)."""
    versions = (
        select(t.PageVersion.page_id, func.min(t.PageVersion.recorded_at).label("first"),
               func.max(t.PageVersion.recorded_at).label("last"),
               func.count().label("n"), func.max(t.PageVersion.version).label("newest"))
        .group_by(t.PageVersion.page_id).subquery("versions")
    )
    newest = t.PageVersion.__table__.alias("newest")
    version_actor = t.Actor.__table__.alias("version_actor")
    page_actor = t.Actor.__table__.alias("page_actor")
    statement = (
        select(t.Page.slug, t.Page.updated_at, versions.c.first, versions.c.last,
               versions.c.n, version_actor.c.name, page_actor.c.name)
        .outerjoin(versions, versions.c.page_id == t.Page.id)
        .outerjoin(newest, (newest.c.page_id == t.Page.id)
                   & (newest.c.version == versions.c.newest))
        .outerjoin(version_actor, version_actor.c.id == newest.c.actor_id)
        .outerjoin(page_actor, page_actor.c.id == t.Page.actor_id)
    )
    changes = []  # min() and max() keep their column's type: timezone-aware UTC
    for slug, page_time, first, last, count, version_by, page_by in session.execute(statement):
        times = [time for time in (page_time, last) if time is not None]
        if not times:
            continue
        updated = max(times)
        author = version_by if last is not None and last >= updated else page_by
        changes.append(PageChange(slug, first or updated, updated, author, count or 0))
    return sorted(changes, key=lambda c: (-c.updated.timestamp(), c.slug))

