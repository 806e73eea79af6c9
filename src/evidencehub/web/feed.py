"""``/feed.atom``: the Atom feed of new and changed pages (:mod:`evidencehub.publish.feed`),
from the published snapshot and the page times the store keeps."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from evidencehub.errors import StoreError
from evidencehub.publish.feed import atom_feed
from evidencehub.store.repo.page_changes import page_changes
from evidencehub.store.session import transaction
from evidencehub.web.errors import error_response
from evidencehub.web.routing import WebRoute
from evidencehub.web.state import hub_of

__all__ = ["MEDIA_TYPE", "ROUTES", "feed"]

MEDIA_TYPE = "application/atom+xml; charset=utf-8"


def feed(request: Request) -> Response:
    """The feed, with links under the address it was asked at."""
    hub = hub_of(request)
    try:
        snap = hub.view.published().snap
        with transaction(hub.engine) as session:
            changes = page_changes(session)
    except StoreError:
        return error_response(request, 503, "The hub is unavailable", as_json=False)
    return Response(atom_feed(snap, changes, str(request.base_url)), media_type=MEDIA_TYPE)


ROUTES = (WebRoute("/feed.atom", feed),)
