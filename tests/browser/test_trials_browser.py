"""The trial tracker in Chromium: filter by phase and status with the plain form, then follow a
registry link (answered locally: tests never reach the network)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]


def test_filter_the_tracker_and_follow_a_registry_link(
    hub_server: str, page: tuple[Any, list[str]]
) -> None:
    tab, problems = page
    tab.goto(hub_server + "/")
    tab.click("nav a:text-is('Trials')")
    tab.wait_for_url("**/trials.html")
    assert tab.locator(".trial-row").count() == 4
    tab.select_option("#f-phase", "PHASE1/PHASE2")
    tab.click(".trial-filters button[type=submit]")
    tab.wait_for_url("**phase=PHASE1%2FPHASE2**")
    rows = tab.locator(".trial-row")
    assert [rows.nth(i).get_attribute("data-registry-id") for i in range(rows.count())] == [
        "NCT06482268", "UMIN000033564"]
    assert tab.locator(".trial-count").inner_text() == "2 of 4 trials match."
    tab.select_option("#f-phase", "")
    tab.select_option("#f-status", "RECRUITING")
    tab.click(".trial-filters button[type=submit]")
    tab.wait_for_url("**status=RECRUITING**")
    assert tab.locator(".trial-row").count() == 1
    tab.route("https://clinicaltrials.gov/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>registry</title>recorded"))
    tab.locator(".registry-link").first.click()
    tab.wait_for_url("https://clinicaltrials.gov/study/NCT04339764")
    assert problems == []
