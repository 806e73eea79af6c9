"""The version history of pages (``page_versions``): append-only, one row per saved state.

A saved state is the page as its source file holds it (front matter and body, the
:class:`~evidencehub.data.pages.PageSource`; the evidence label is derived from it, so it is not
part of a version), with the actor who saved it and when. Version numbers count from 1 per
page; :func:`current_version` is the number an edit must be based on (0 for a page saved
before the history began, such as one a demo load wrote), which is how a stale edit is noticed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidencehub.data.pages import PageSource
from evidencehub.errors import NotFoundError
from evidencehub.model import Page
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush

__all__ = ["PageSummary", "PageVersion", "add_version", "current_version", "get_version",
           "list_versions", "page_stamp", "page_summaries"]


@dataclass(frozen=True, slots=True)
class PageVersion:
    """One saved state of a page: its number, source, who saved it, when, and why."""

    slug: str
    version: int
    source: PageSource
    actor: str
    recorded_at: dt.datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class PageSummary:
    """A page as the editor's list shows it: what it is, its status, version and last change."""

    slug: str
    title: str
    kind: str
    status: str
    version: int
    changed_by: str | None
    changed_at: dt.datetime | None


def _page_id(session: Session, slug: str) -> int:
    found = session.scalars(select(t.Page.id).where(t.Page.slug == slug)).first()
    if found is None:
        raise NotFoundError(f"no page {slug!r} in the store")
    return found


def _content(source: PageSource) -> dict[str, object]:
    return {"page": source.page.model_dump(mode="json", exclude={"label"}),
            "label_source": source.label_source}


def _version(slug: str, row: t.PageVersion, actor: str) -> PageVersion:
    content = row.content
    page = Page.model_validate(content["page"])
    recorded = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=dt.UTC)
    return PageVersion(slug=slug, version=row.version,
                       source=PageSource(page=page, label_source=content.get("label_source")),
                       actor=actor, recorded_at=recorded, note=row.note)


def current_version(session: Session, slug: str) -> int:
    """The newest version number of page ``slug`` (0: no version recorded yet)."""
    page_id = _page_id(session, slug)
    newest = session.scalar(
        select(func.max(t.PageVersion.version)).where(t.PageVersion.page_id == page_id)
    )
    return int(newest or 0)


def add_version(session: Session, source: PageSource, *, actor_id: int,
                recorded_at: dt.datetime, note: str | None = None) -> int:
    """Append the saved state ``source`` of its (stored) page; returns its version number."""
    slug = source.page.slug
    number = current_version(session, slug) + 1
    session.add(t.PageVersion(page_id=_page_id(session, slug), version=number,
                              content=_content(source), note=note, actor_id=actor_id,
                              recorded_at=recorded_at))
    flush(session, f"version {number} of page {slug!r}")
    return number


def list_versions(session: Session, slug: str) -> list[PageVersion]:
    """Every saved state of page ``slug``, newest first."""
    page_id = _page_id(session, slug)
    rows = session.execute(
        select(t.PageVersion, t.Actor.name)
        .join(t.Actor, t.Actor.id == t.PageVersion.actor_id)
        .where(t.PageVersion.page_id == page_id)
        .order_by(t.PageVersion.version.desc())
    )
    return [_version(slug, row, name) for row, name in rows]


def get_version(session: Session, slug: str, version: int) -> PageVersion:
    """Version ``version`` of page ``slug``; :class:`NotFoundError` if there is none."""
    page_id = _page_id(session, slug)
    found = session.execute(
        select(t.PageVersion, t.Actor.name)
        .join(t.Actor, t.Actor.id == t.PageVersion.actor_id)
        .where(t.PageVersion.page_id == page_id, t.PageVersion.version == version)
    ).first()
    if found is None:
        raise NotFoundError(f"page {slug!r} has no version {version}")
    return _version(slug, found[0], found[1])


def page_stamp(session: Session, slug: str) -> tuple[int | None, dt.datetime | None]:
    """Who last wrote page ``slug`` (actor id) and when, as its row records it."""
    found = session.execute(
        select(t.Page.actor_id, t.Page.updated_at).where(t.Page.slug == slug)
    ).first()
    if found is None:
        raise NotFoundError(f"no page {slug!r} in the store")
    return found[0], found[1]


def page_summaries(session: Session) -> list[PageSummary]:
    """Every stored page (whatever its status) with its newest version number, by title."""
    newest = (select(t.PageVersion.page_id, func.max(t.PageVersion.version).label("version"))
              .group_by(t.PageVersion.page_id).subquery())
    rows = session.execute(
        select(t.Page.slug, t.Page.title, t.Page.kind, t.Page.status, newest.c.version,
               t.Actor.name, t.Page.updated_at)
        .outerjoin(newest, newest.c.page_id == t.Page.id)
        .outerjoin(t.Actor, t.Actor.id == t.Page.actor_id)
        .order_by(t.Page.title, t.Page.slug)
    )
    return [PageSummary(slug, title, kind, status, int(version or 0), actor, at)
            for slug, title, kind, status, version, actor, at in rows]
