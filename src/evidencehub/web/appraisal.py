"""What the reviewers' appraisal pages (:mod:`~evidencehub.web.extraction`,
:mod:`~evidencehub.web.rob`) share: one unit of work on the store per request (the editor's
too), a posted field as text (the screening pages' too), the signed-in reviewer, the review's
membership, and the pages that say no.

Every page of a review needs its reader to be a member of it (``review member``): reviews are
not public, and the services sign every write with the member's name, which is the account's
(:func:`evidencehub.web.guard.actor_of`). An unknown review, study or item is a 404 page; a
non-member a 403 page; input the services refuse comes back as the form with the service's
one-line message (400) — never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from evidencehub.review import extraction_service
from evidencehub.review.extraction_service import ExtractionState
from evidencehub.store.session import transaction
from evidencehub.web.guard import actor_of
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["MAX_FORM_ITEMS", "NotMember", "form_text", "in_store", "member_state", "problem",
           "refused", "reviewer"]

T = TypeVar("T")

#: The most repeated blocks (arms, items) a posted form may carry.
MAX_FORM_ITEMS = 500


class NotMember(Exception):
    """The signed-in account is not a member of the review it asks for."""

    def __init__(self, name: str, slug: str) -> None:
        super().__init__(f"{name} is not a member of review {slug!r}; a lead adds members "
                         f"with 'evidencehub review member {slug} {name} --role screener'.")


def reviewer(request: Request) -> str:
    """The name the services record the signed-in account's writes under."""
    return actor_of(request).name


def in_store(request: Request, work: Callable[[Session], T], *, immediate: bool = False) -> T:
    """Run ``work`` in one transaction on the app's store (rolled back if it raises);
    ``immediate`` for a save, which reads what is stored before it writes
    (:func:`evidencehub.store.session.transaction`)."""
    with transaction(hub_of(request).engine, immediate=immediate) as session:
        return work(session)


def member_state(session: Session, slug: str, who: str) -> ExtractionState:
    """The extraction state of review ``slug``, read by ``who``, who must be a member
    (:class:`NotMember` otherwise)."""
    state = extraction_service.load(session, slug)
    if state.role(who) is None:
        raise NotMember(who, slug)
    return state


def refused(request: Request, err: Exception) -> Response:
    """The page for a reader who is not a member (403) or asks for what is not there (404)."""
    if isinstance(err, NotMember):
        return problem(request, 403, "Not a member of this review", str(err))
    return problem(request, 404, "Not found", str(err))


def form_text(form: FormData, name: str) -> str | None:
    """A posted field as stripped text; None when absent or empty."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def problem(request: Request, status: int, title: str, message: str) -> Response:
    """A page saying why the request cannot be done (404, 403, 409…), in one line."""
    return page(request, "review_problem.html", title, status=status, message=message)
