"""The served hub on a phone (issue 11): at 390 px wide, home, a page with an evidence label,
an analysis page with forest plots and a study page have no horizontal page scroll (wide
tables scroll inside their own container), the plots' text stays readable, and the medical
disclaimer stands beside every evidence label, as in seed 000."""

from __future__ import annotations

from typing import Any

import pytest

from evidencehub.publish.context import DISCLAIMER
from tests.browser.conftest import PHONE_WIDTH, skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]

WIDTH = PHONE_WIDTH
PAGES = ("/", "/pages/ipsc-derived-cell-therapy", "/pages/hba1c-glucose-lowering-drugs",
         "/studies/takahashi2006", "/library")
#: The pages of :data:`PAGES` that show an evidence label.
LABELLED = ("/pages/ipsc-derived-cell-therapy", "/pages/hba1c-glucose-lowering-drugs")


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_page_scroll(hub_server: str, phone: tuple[Any, list[str]],
                                   path: str) -> None:
    tab, problems = phone
    tab.goto(hub_server + path)
    assert tab.evaluate("() => document.scrollingElement.scrollWidth") <= WIDTH
    # Anything wider than the screen is inside a container that scrolls by itself.
    too_wide = tab.evaluate("""(width) => [...document.querySelectorAll('main *')]
        .filter(el => el.getBoundingClientRect().right > width + 0.5)
        .filter(el => !el.closest('.table-scroll, .forest .plot'))
        .map(el => el.tagName + '.' + el.className)""", WIDTH)
    assert too_wide == []
    for scroller in tab.locator(".table-scroll").all():
        assert scroller.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        assert scroller.evaluate("el => el.getBoundingClientRect().width") <= WIDTH
    assert problems == []


def test_wide_tables_scroll_inside_their_container(hub_server: str,
                                                   phone: tuple[Any, list[str]]) -> None:
    tab, _ = phone
    tab.goto(hub_server + "/library")
    wide = tab.evaluate("""() => [...document.querySelectorAll('.table-scroll')]
        .filter(el => el.scrollWidth > el.clientWidth).length""")
    assert wide >= 1  # the library's table is wider than a phone: it scrolls in its box
    assert tab.evaluate("() => document.scrollingElement.scrollWidth") <= WIDTH


def test_forest_plot_text_stays_readable(hub_server: str, phone: tuple[Any, list[str]]) -> None:
    tab, problems = phone
    tab.goto(hub_server + "/pages/hba1c-glucose-lowering-drugs")
    plots = tab.locator(".forest svg")
    assert plots.count() >= 1
    for plot in plots.all():
        frame = plot.locator("xpath=..")  # the plot's box, which scrolls if the plot is wider
        box = frame.bounding_box()
        assert box is not None and box["width"] <= WIDTH
        assert frame.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        assert plot.get_attribute("viewBox")  # it scales: drawn at the box's width, not in pt
        # The smallest text of the plot as drawn on the screen, in CSS pixels.
        smallest = plot.evaluate("""svg => Math.min(...[...svg.querySelectorAll('text, g[id^="text"]')]
            .map(t => t.getBoundingClientRect().height).filter(h => h > 0))""")
        assert smallest >= 9, smallest
    assert problems == []


@pytest.mark.parametrize("path", LABELLED)
def test_the_disclaimer_stands_beside_every_evidence_label(
    hub_server: str, phone: tuple[Any, list[str]], path: str
) -> None:
    tab, _ = phone
    tab.goto(hub_server + path)
    labels = tab.locator(".evidence-label")
    assert labels.count() >= 1
    for label in labels.all():
        disclaimer = label.locator(".label-disclaimer")
        assert disclaimer.inner_text() == DISCLAIMER
        assert disclaimer.is_visible()
