"""``/feed.atom``: an RFC 4287 feed of the hub's pages, newest change first, with stable
``tag:`` ids and the times the store keeps (pages.updated_at, page_versions); announced in
every served page's head."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from evidencehub.model import Actor
from evidencehub.publish.feed import ATOM_NS, FEED_ID, entry_id
from evidencehub.store import tables as t
from evidencehub.store.repo.actors import actor_id as ensure_actor
from evidencehub.store.repo.page_changes import page_changes
from evidencehub.store.session import make_engine, transaction
from tests.web.conftest import WebClient

A = {"a": ATOM_NS}


def _feed(web: WebClient) -> etree._Element:
    response = web.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return etree.fromstring(response.content)


def test_the_feed_is_atom_with_every_page(web: WebClient) -> None:
    feed = _feed(web)
    assert feed.tag == f"{{{ATOM_NS}}}feed"
    assert feed.findtext("a:id", namespaces=A) == FEED_ID
    assert feed.findtext("a:author/a:name", namespaces=A)
    entries = feed.findall("a:entry", namespaces=A)
    slugs = {"stem-cell-derived-insulin", "ipsc-derived-cell-therapy",
             "hba1c-glucose-lowering-drugs"}
    assert {e.findtext("a:id", namespaces=A) for e in entries} == {entry_id(s) for s in slugs}
    for entry in entries:
        for child in ("id", "title", "updated", "summary"):
            assert entry.findtext(f"a:{child}", namespaces=A), child
        link = entry.find("a:link[@rel='alternate']", namespaces=A)
        assert link is not None and link.get("href", "").startswith("https://testserver/pages/")
        dt.datetime.fromisoformat(entry.findtext("a:updated", namespaces=A) or "")
    updated = [e.findtext("a:updated", namespaces=A) or "" for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext("a:updated", namespaces=A) == updated[0]


def test_served_pages_announce_the_feed(web: WebClient) -> None:
    head = web.get("/").text.split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml"' in head
    assert 'href="/feed.atom"' in head


def test_a_changed_page_moves_to_the_top_with_its_author(
    hub_copy: str, web_writable: WebClient
) -> None:
    engine = make_engine(hub_copy)
    later = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    try:
        with transaction(engine) as session:
            actor_id = ensure_actor(session, Actor(name="editor-jo", kind="person"))
            page = session.query(t.Page).filter_by(slug="ipsc-derived-cell-therapy").one()
            session.add(t.PageVersion(page_id=page.id, version=1, content={"title": page.title},
                                      actor_id=actor_id, recorded_at=later))
        with transaction(engine) as session:
            [first, *_] = page_changes(session)
            assert (first.slug, first.updated, first.author) == (
                "ipsc-derived-cell-therapy", later, "editor-jo")
    finally:
        engine.dispose()
    entry = _feed(web_writable).find("a:entry", namespaces=A)
    assert entry is not None
    assert entry.findtext("a:id", namespaces=A) == entry_id("ipsc-derived-cell-therapy")
    assert entry.findtext("a:updated", namespaces=A) == "2030-01-02T03:04:05Z"
    assert entry.findtext("a:author/a:name", namespaces=A) == "editor-jo"
