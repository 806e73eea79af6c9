"""A review to appraise on a copy of the demo hub: accounts ``ana`` and ``ben`` (reviewers who
screen and extract), ``cy`` (an editor who resolves) — members of review ``islets`` — and the
demo's ``reviewer`` account, which is not a member. The review includes two demo studies.

Set up as tests/cli/test_extract.py and tests/review/test_extraction_service.py set up theirs:
the review and its included studies through the store's review functions, the accounts through
:func:`evidencehub.store.repo.users.add_user`, as ``evidencehub user add`` does.
"""

from __future__ import annotations

from evidencehub.model import Actor, Review, ReviewMember
from evidencehub.store.repo import users as users_repo
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.reviews import add_review_study, create_review
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import AccountRole, ReviewerRole
from evidencehub.web.passwords import hash_password
from tests.web.conftest import PASSWORD

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
