"""Searching in Chromium: a query typed in the header's search box, its results, and a result
followed to the hub's own page; a hostile query renders as text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]


def test_search_from_the_header_and_follow_a_result(
    hub_server: str, page: tuple[Any, list[str]]
) -> None:
    tab, problems = page
    tab.goto(hub_server + "/")
    tab.fill("#site-search-q", "NCT04802733")
    tab.press("#site-search-q", "Enter")
    tab.wait_for_url("**/search?q=NCT04802733")
    trial = tab.locator("#results-trial .search-hit a").first
    assert trial.inner_text().startswith("[Phase 1 trial of bemdaneprocel")
    assert tab.locator("#results-trial mark").first.inner_text() == "NCT04802733"
    trial.click()
    tab.wait_for_url(hub_server + "/trials/NCT04802733.html")
    assert tab.locator("h1").inner_text() == "NCT04802733"
    tab.fill("#site-search-q", "insulin")
    tab.click(".site-search button[type=submit]")
    tab.wait_for_url("**/search?q=insulin")
    tab.locator("#results-page .search-hit a").first.click()
    tab.wait_for_url(hub_server + "/pages/**")
    assert problems == []


def test_a_hostile_query_is_text(hub_server: str, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    ran: list[str] = []
    tab.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))
    tab.goto(hub_server + "/")
    payload = '"><img src=x onerror=alert(1)><script>alert(2)</script> NEAR( insulin*'
    tab.fill("#site-search-q", payload)
    tab.press("#site-search-q", "Enter")
    tab.wait_for_load_state()
    assert tab.locator("#q").input_value() == payload
    assert tab.locator(".search-summary").inner_text().startswith("0 results")
    assert ran == [] and tab.locator("main img").count() == 0
    assert problems == []  # nothing blocked by the CSP either: nothing tried to run
