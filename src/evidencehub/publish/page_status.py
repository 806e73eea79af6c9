"""The editorial workflow of a page: stub → draft → verified → published, and which pages
readers see.

An editor moves a page one step forward, or back to draft (to rework it, or to withdraw a
published page); a stub is a page with a title and little else. The statuses that describe
pages elsewhere (``implicit-stub``, ``exists``, ``verified-partial``: what a cross-reference
says of a page the hub may not hold) behave, on a stored page, like their nearest workflow
status. Readers, on the site and on the server alike, see only published pages
(:func:`is_public`); a link to any other page shows its status instead
(:func:`evidencehub.publish.snapshot.load_snapshot` keeps the statuses).
"""

from __future__ import annotations

from evidencehub.errors import InputError
from evidencehub.model import PageStatus

__all__ = ["WORKFLOW", "is_public", "next_statuses", "check_transition"]

#: The workflow statuses, in order.
WORKFLOW: tuple[PageStatus, ...] = (
    PageStatus.STUB, PageStatus.DRAFT, PageStatus.VERIFIED, PageStatus.PUBLISHED,
)

_NEAREST = {
    PageStatus.IMPLICIT_STUB: PageStatus.STUB,
    PageStatus.EXISTS: PageStatus.DRAFT,
    PageStatus.VERIFIED_PARTIAL: PageStatus.VERIFIED,
}


def is_public(status: PageStatus) -> bool:
    """Whether readers see a page with ``status``."""
    return status is PageStatus.PUBLISHED


def next_statuses(status: PageStatus) -> tuple[PageStatus, ...]:
    """The statuses an editor may give a page that has ``status``: the next step of the
    workflow, and draft from any later step."""
    at = WORKFLOW.index(_NEAREST.get(status, status))
    moves = list(WORKFLOW[at + 1 : at + 2])
    if at > WORKFLOW.index(PageStatus.DRAFT) or status in _NEAREST:
        moves.append(PageStatus.DRAFT)
    return tuple(dict.fromkeys(m for m in moves if m is not status))


def check_transition(slug: str, current: PageStatus, wanted: PageStatus) -> None:
    """:class:`InputError` unless an editor may move page ``slug`` from ``current`` to ``wanted``."""
    allowed = next_statuses(current)
    if wanted not in allowed:
        options = ", ".join(s.value for s in allowed) or "none"
        raise InputError(f"page {slug!r} is {current.value}; it can move to {options}, "
                         f"not to {wanted.value}")
