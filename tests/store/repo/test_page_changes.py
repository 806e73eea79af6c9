"""When pages first appeared and last changed, and by whom (store.repo.page_changes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from evidencehub.model import Actor, Page, PageKind
from evidencehub.store import tables as t
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.page_changes import page_changes
from evidencehub.store.repo.pages import upsert_page


def test_times_come_from_pages_and_their_versions(session: Session) -> None:
    writer = actor_id(session, Actor(name="writer"))
    editor = actor_id(session, Actor(name="editor"))
    upsert_page(session, Page(slug="a", kind=PageKind.ARTICLE, title="A"), actor_id=writer)
    upsert_page(session, Page(slug="b", kind=PageKind.ARTICLE, title="B"), actor_id=writer)
    b = session.query(t.Page).filter_by(slug="b").one()
    first = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    last = dt.datetime(2031, 2, 1, tzinfo=dt.UTC)
    for version, when in ((1, first), (2, last)):
        session.add(t.PageVersion(page_id=b.id, version=version, content={}, actor_id=editor,
                                  recorded_at=when))
    session.flush()
    changes = page_changes(session)
    assert [c.slug for c in changes] == ["b", "a"]
    assert (changes[0].published, changes[0].updated, changes[0].author,
            changes[0].versions) == (first, last, "editor", 2)
    assert changes[1].author == "writer" and changes[1].versions == 0
    assert changes[1].updated.tzinfo is not None
