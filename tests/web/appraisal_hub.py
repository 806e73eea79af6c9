"""A review to appraise on a copy of the demo hub: accounts ``ana`` and ``ben`` (reviewers who
screen and extract), ``cy`` (an editor who resolves) — members of review ``islets`` — and the
demo's ``reviewer`` account, which is not a member. The review includes two demo studies.

Set up as tests/cli/test_extract.py and tests/review/test_extraction_service.py set up theirs:
the review and its included studies through the store's review functions, the accounts through
:func:`evidencehub.store.repo.users.add_user`, as ``evidencehub user add`` does.

The fixtures ``hub`` (a test's own copy of the demo hub with the review) and ``signed_in``
(signed-in clients of one app over it) are imported by the modules that use them
(``review_hub``, ``signed_in_clients``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from evidencehub.model import Actor, Review, ReviewMember
from evidencehub.store.repo import users as users_repo
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.reviews import add_review_study, create_review
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import AccountRole, ReviewerRole
from evidencehub.web.app import create_app
from evidencehub.web.passwords import hash_password
from tests.web.conftest import PASSWORD, WebClient

SLUG = "islets"
STUDIES = ("alex1998", "baksi2004")
MEMBERS = {"ana": (AccountRole.REVIEWER, ReviewerRole.SCREENER),
           "ben": (AccountRole.REVIEWER, ReviewerRole.SCREENER),
           "cy": (AccountRole.EDITOR, ReviewerRole.RESOLVER)}


def add_review(url: str, *, blinded: bool = True) -> None:
    """Add the accounts and the review ``islets`` to the store at ``url``."""
    engine = make_engine(url)
    lead = Actor(name="lea")
    try:
        with transaction(engine) as session:
            password = hash_password(PASSWORD)
            for name, (role, _member) in MEMBERS.items():
                users_repo.add_user(session, name, role, password)
            members = tuple(ReviewMember(name=n, role=r) for n, (_a, r) in MEMBERS.items())
            review_id = create_review(session, Review(slug=SLUG, title="Islet transplantation",
                                                      members=members, blinded=blinded), lead)
            for key in STUDIES:
                add_review_study(session, review_id, study_row(session, key).id, lead)
    finally:
        engine.dispose()


@pytest.fixture(name="hub")
def review_hub(hub_copy: str) -> str:
    """URL of this test's own copy of the demo hub, with the review :data:`SLUG`."""
    add_review(hub_copy)
    return hub_copy


@pytest.fixture(name="signed_in")
def signed_in_clients(hub: str) -> Iterator[Callable[[str | None], WebClient]]:
    """Clients of one app over the review's hub, each signed in as the named account."""
    engine = make_engine(hub)
    app = create_app(engine, probe_interval=0.0)
    clients: list[WebClient] = []

    def client(name: str | None) -> WebClient:
        made = WebClient(app)
        clients.append(made)
        if name is not None:
            made.login(name)
        return made

    yield client
    for made in clients:
        made.close()
    engine.dispose()
