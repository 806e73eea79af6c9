"""The editorial workflow: which moves an editor may make, and what readers see."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.model import PageStatus as S
from evidencehub.publish.page_status import check_transition, is_public, next_statuses


@pytest.mark.parametrize(("status", "moves"), [
    (S.STUB, (S.DRAFT,)),
    (S.DRAFT, (S.VERIFIED,)),
    (S.VERIFIED, (S.PUBLISHED, S.DRAFT)),
    (S.PUBLISHED, (S.DRAFT,)),
    (S.VERIFIED_PARTIAL, (S.PUBLISHED, S.DRAFT)),
    (S.IMPLICIT_STUB, (S.DRAFT,)),
])
def test_one_step_on_or_back_to_draft(status: S, moves: tuple[S, ...]) -> None:
    assert next_statuses(status) == moves


def test_only_published_pages_are_public() -> None:
    assert [s for s in S if is_public(s)] == [S.PUBLISHED]


def test_a_skipped_step_is_refused_with_the_allowed_moves() -> None:
    with pytest.raises(InputError) as raised:
        check_transition("x", S.STUB, S.PUBLISHED)
    assert str(raised.value) == "page 'x' is stub; it can move to draft, not to published"
    check_transition("x", S.VERIFIED, S.PUBLISHED)
