"""The PRISMA flow on a public analysis page in Chromium on a phone (390 px): a reader without
an account sees the diagram scaled to the screen — no horizontal page scroll — and the same
counts in words beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE_WIDTH, skip_without_chromium
from tests.publish.conftest import prisma_store  # noqa: F401 - fixture
from tests.publish.prisma_hub import ANALYSIS, PAGE
from tests.serving import serving

pytestmark = [pytest.mark.browser, skip_without_chromium]

WIDTH = PHONE_WIDTH


@pytest.fixture(scope="module")
def prisma_server(prisma_store: str) -> Iterator[str]:  # noqa: F811
    """Base URL of ``evidencehub serve`` on the hub whose analysis names a review."""
    with serving(Path(prisma_store.removeprefix("sqlite:///"))) as base:
        yield base


def test_a_phone_shows_the_diagram_without_horizontal_scroll(
    phone: tuple[Any, list[str]], prisma_server: str
) -> None:
    tab, problems = phone
    tab.goto(f"{prisma_server}/{PAGE}")
    section = tab.locator(f"#analysis-{ANALYSIS}-prisma")
    diagram = section.locator("figure.prisma img")
    diagram.scroll_into_view_if_needed()
    diagram.evaluate("img => img.decode()")  # loaded and decodable
    assert diagram.evaluate("img => img.naturalWidth") > 0
    box = diagram.bounding_box()
    assert box is not None and 0 < box["x"] and box["x"] + box["width"] <= WIDTH
    assert box["height"] > 100  # scaled, not squashed
    assert section.locator(".prisma-words li").first.is_visible()
    assert "records screened 8, excluded 3" in section.inner_text()
    assert tab.evaluate("() => document.scrollingElement.scrollWidth") <= WIDTH
    assert problems == []
