"""The PRISMA flow on a public analysis page in Chromium on a phone (390 px): a reader without
an account sees the diagram scaled to the screen — no horizontal page scroll — and the same
counts in words beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import skip_without_chromium
from tests.publish.conftest import demo_store, prisma_store  # noqa: F401 - fixtures
from tests.publish.prisma_hub import ANALYSIS, PAGE
from tests.serving import serving

pytestmark = [pytest.mark.browser, skip_without_chromium]

WIDTH = 390


@pytest.fixture(scope="module")
def prisma_server(prisma_store: str) -> Iterator[str]:  # noqa: F811
    """Base URL of ``evidencehub serve`` on the hub whose analysis names a review."""
    with serving(Path(prisma_store.removeprefix("sqlite:///"))) as base:
        yield base


def test_a_phone_shows_the_diagram_without_horizontal_scroll(browser: Any,
                                                             prisma_server: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    try:
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
    finally:
        context.close()
