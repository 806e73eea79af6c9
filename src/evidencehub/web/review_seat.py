"""Who is reviewing what: the signed-in account's seat in a review, and the refusals the
reviewers' pages answer with.

A review's pages are open to its members (an account whose name is a member's name, as the
review service names reviewers: :func:`evidencehub.web.guard.actor_of`) and to editors and
admins, who oversee every review. What a seat may do inside the review is the service's
business (:mod:`evidencehub.review.service`: screeners and leads vote, resolvers and leads
resolve, any member records a consensus); these pages only offer the forms that fit the
member's role and pass every request to the service, whose refusals are shown as one line.

:func:`reviewer_page` wraps the endpoints: a review or record that is not there is a 404
page, a visitor who is not a member a 403 page, a request the service refuses a 400 page
with the service's message; never a traceback.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from evidencehub.counts import is_count
from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Review
from evidencehub.review.queue import ScreeningQueue
from evidencehub.review.service import ReviewState, load, record_id_of
from evidencehub.store.repo.reviews import list_reviews
from evidencehub.vocab import AccountRole, ReviewerRole, ScreeningLabel, ScreeningStage
from evidencehub.web.guard import account, actor_of
from evidencehub.web.state import hub_of
from evidencehub.web.templating import page

__all__ = [
    "Refused",
    "ReviewSeat",
    "label_of",
    "queue_of",
    "record_of",
    "reviewer_page",
    "reviews_of",
    "safe_link",
    "seat_in",
    "stage_of",
]

_QUEUE_LOCK = threading.Lock()


class Refused(Exception):
    """A request these pages answer with an error page: ``status`` and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ReviewSeat:
    """The signed-in account in one review: the review as stored now, the name it reviews
    under, and its role there (None for an editor or admin who is not a member)."""

    state: ReviewState
    reviewer: str
    role: ReviewerRole | None

    @property
    def slug(self) -> str:
        return self.state.review.slug

    @property
    def screens(self) -> bool:
        """Offer the screening forms: screeners and leads vote; an overseer who is not a member
        yet joins as a screener with a first vote (the service's rule)."""
        return self.role is None or self.role.screens

    @property
    def resolves(self) -> bool:
        """Offer the resolver's form (else the screeners' consensus form)."""
        return self.role is not None and self.role.resolves


def _oversees(request: Request) -> bool:
    user = account(request)
    return user is not None and user.role.allows(AccountRole.EDITOR)


def seat_in(session: Session, request: Request,
            load_state: Callable[[Session, str], ReviewState] = load) -> ReviewSeat:
    """The signed-in account's seat in the review named by the path's ``slug``, its state read
    by ``load_state`` (the screening queue's :meth:`~ScreeningQueue.state` where it serves the
    page, so that the review is loaded once)."""
    slug = request.path_params["slug"]
    try:
        state = load_state(session, slug)
    except NotFoundError:
        raise Refused(404, f"There is no review {slug!r}.") from None
    reviewer = actor_of(request).name
    role = state.role(reviewer)
    if role is None and not _oversees(request):
        raise Refused(403, f"You are not a member of the review {slug!r}; its lead can add you.")
    return ReviewSeat(state=state, reviewer=reviewer, role=role)


def reviews_of(session: Session, request: Request) -> tuple[list[Review], list[Review]]:
    """The reviews the account is a member of, and (for editors and admins) the others."""
    name = actor_of(request).name
    found = list_reviews(session)
    mine = [r for r in found if any(m.name == name for m in r.members)]
    others = [r for r in found if r not in mine] if _oversees(request) else []
    return mine, others


def record_of(session: Session, seat: ReviewSeat, ref: str) -> int:
    """The id of the review's record ``ref`` (a store id); :class:`Refused` 404 otherwise."""
    if not is_count(ref.strip()):
        raise Refused(404, f"There is no record {ref!r} in this review.")
    try:
        return record_id_of(session, seat.state, ref)
    except NotFoundError:
        raise Refused(404, f"There is no record {ref!r} in this review.") from None


def stage_of(value: str | None, review: Review | None = None) -> ScreeningStage:
    """The stage a query or form names (title-abstract when it names none)."""
    try:
        stage = ScreeningStage(value) if value else ScreeningStage.TITLE_ABSTRACT
    except ValueError:
        stages = ", ".join(s.value for s in ScreeningStage)
        raise Refused(400, f"Unknown stage {value!r}: one of {stages}.") from None
    if review is not None and stage not in review.stages:
        raise Refused(404, f"The review {review.slug!r} has no {stage.value} stage.")
    return stage


def queue_of(request: Request) -> ScreeningQueue:
    """The app's screening queue (:class:`~evidencehub.review.queue.ScreeningQueue`): the
    review's priority order at once, its model retrained in a worker process. One per app,
    made on first use; its worker process starts with the first retrain."""
    state = request.app.state
    with _QUEUE_LOCK:
        queue = getattr(state, "screening_queue", None)
        if queue is None:
            queue = state.screening_queue = ScreeningQueue(hub_of(request).engine)
    return queue


def label_of(value: str | None, allowed: tuple[ScreeningLabel, ...] = tuple(ScreeningLabel)
             ) -> ScreeningLabel:
    """The decision a form names; :class:`Refused` 400 for anything else."""
    try:
        label = ScreeningLabel(value or "")
    except ValueError:
        label = None
    if label is None or label not in allowed:
        words = ", ".join(a.value for a in allowed)
        raise Refused(400, f"Unknown decision {value!r}: one of {words}.")
    return label


def safe_link(link: str | None) -> str | None:
    """``link`` when it is a web address (http or https), else None: a stored link is shown
    as a link only then, so no ``javascript:`` address becomes clickable."""
    if link and link.lower().startswith(("https://", "http://")):
        return link
    return None


def _refusal(request: Request, status: int, message: str) -> Response:
    return page(request, "review_error.html", "Cannot do that", status=status, message=message)


def reviewer_page(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """``endpoint`` with its refusals as pages: :class:`Refused` as its status, the service's
    :class:`InputError` as 400 with the service's message."""

    @functools.wraps(endpoint)
    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Refused as refused:
            return _refusal(request, refused.status, refused.message)
        except InputError as error:
            return _refusal(request, 400, str(error))

    return answered
