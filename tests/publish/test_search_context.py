"""The search page's addresses: the page and its JSON twin share one builder."""

from __future__ import annotations

import pytest

from evidencehub.publish.search_context import search_path
from evidencehub.store.repo.search import SearchKind


@pytest.mark.parametrize(
    ("kind", "page", "endpoint", "expected"),
    [
        (None, 1, "search", "search?q=metformin+A1c"),
        (SearchKind.STUDY, 1, "search", "search?q=metformin+A1c&kind=study"),
        (SearchKind.STUDY, 3, "search", "search?q=metformin+A1c&kind=study&page=3"),
        (None, 1, "search.json", "search.json?q=metformin+A1c"),
        (SearchKind.TRIAL, 2, "search.json", "search.json?q=metformin+A1c&kind=trial&page=2"),
    ],
)
def test_search_path(kind: SearchKind | None, page: int, endpoint: str, expected: str) -> None:
    assert search_path("metformin A1c", kind, page, endpoint=endpoint) == expected
