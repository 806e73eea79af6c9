"""What the reviewers' appraisal pages (:mod:`~evidencehub.web.extraction`,
:mod:`~evidencehub.web.rob`) share: one unit of work on the store per request, the signed-in
reviewer, the review's membership, and the pages that say no.

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

from evidencehub.store.session import transaction
from evidencehub.web.guard import actor_of
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = ["MAX_FORM_ITEMS", "NotMember", "form_text", "in_store", "problem", "reviewer"]

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


def in_store(request: Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction on the app's store (rolled back if it raises)."""
    with transaction(hub_of(request).engine) as session:
        return work(session)


def form_text(form: FormData, name: str) -> str | None:
    """A posted field as stripped text; None when absent or empty."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def problem(request: Request, status: int, title: str, message: str) -> Response:
    """A page saying why the request cannot be done (404, 403, 409…), in one line."""
    return page(request, "review_problem.html", title, status=status, message=message)
