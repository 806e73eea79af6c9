"""The Atom feed of the hub's pages (RFC 4287): new and changed pages, the newest first.

Each entry is a page of the published hub, with the times the store keeps for it
(:func:`evidencehub.store.repo.page_changes.page_changes`): ``updated`` is its last change and
``published`` its first appearance. Identifiers are ``tag:`` URIs (RFC 4151), stable across
hosts and edits: ``tag:evidencehub,2026:page/<slug>`` for a page, ``tag:evidencehub,2026:feed``
for the feed, so a reader's feed client shows an edited page as the same entry, updated. Links
are absolute, from the URL the feed is served at. The XML is written by lxml, so every text is
escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lxml import etree

from evidencehub.publish.context import SITE_TITLE, page_path
from evidencehub.publish.snapshot import HubSnapshot
from evidencehub.store.repo.page_changes import PageChange

__all__ = ["ATOM_NS", "FEED_ID", "MAX_ENTRIES", "atom_feed", "entry_id"]

ATOM_NS = "http://www.w3.org/2005/Atom"
#: The tagging entity of the hub's ``tag:`` URIs (RFC 4151: authority name and a date).
_TAGGING_ENTITY = "tag:evidencehub,2026:"
FEED_ID = _TAGGING_ENTITY + "feed"
#: Most entries in the feed.
MAX_ENTRIES = 50
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def entry_id(slug: str) -> str:
    """The ``tag:`` URI of the page ``slug``'s entry."""
    return f"{_TAGGING_ENTITY}page/{slug}"


def _time(value: dt.datetime) -> str:
    """An RFC 3339 date-time in UTC (``2026-12-06T18:24:10Z``)."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(snap: HubSnapshot, changes: Sequence[PageChange], base_url: str) -> bytes:
    """The feed of the pages of ``snap`` that ``changes`` dates (newest first, at most
    :data:`MAX_ENTRIES`), with links under ``base_url`` (ending in ``/``)."""
    entries = [c for c in changes if c.slug in snap.page_by_slug][:MAX_ENTRIES]
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _add(feed, "id", FEED_ID)
    _add(feed, "title", f"{SITE_TITLE}: new and changed pages")
    _add(feed, "updated", _time(max((c.updated for c in entries), default=_EPOCH)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=base_url + "feed.atom")
    _add(feed, "link", rel="alternate", type="text/html", href=base_url + "index.html")
    author = _add(feed, "author")
    _add(author, "name", f"{SITE_TITLE} editors")
    _add(feed, "generator", "evidencehub")
    for change in entries:
        page = snap.page_by_slug[change.slug]
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(page.slug))
        _add(entry, "title", page.title)
        _add(entry, "updated", _time(change.updated))
        _add(entry, "published", _time(change.published))
        if change.author:
            _add(_add(entry, "author"), "name", change.author)
        _add(entry, "link", rel="alternate", type="text/html",
             href=base_url + page_path(page.slug))
        _add(entry, "category", term=page.kind.value)
        summary = page.dek or (page.takeaways[0] if page.takeaways else None)
        status = f"Status: {page.status.value}."
        _add(entry, "summary", f"{summary} ({status})" if summary else status, type="text")
    xml: bytes = etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return xml
