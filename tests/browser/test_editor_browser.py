"""The editor's workflow in Chromium: write a page with a citation picked from the library as
it is typed (test_cite_browser.py tests that list), watch the live preview, publish it, and
read it on the public side with its footnotes and label."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login, skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]

PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def test_edit_preview_publish_and_read(hub_server: str, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    tab.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                     dialog.dismiss()))
    login(tab, hub_server, "editor")
    tab.goto(hub_server + "/editor")
    tab.click("#new-page")
    tab.fill("#f-slug", "sc-islets-in-practice")
    tab.fill("#f-title", "Stem-cell islets in practice " + PAYLOAD)
    tab.fill("#f-category", "Cures and advances")
    tab.fill("#f-body", "The first transplant of an iPSC-derived tissue engrafted ")
    tab.locator("#f-body").press("End")
    tab.keyboard.type("[@mandai")
    tab.locator("#cite-list [role=option][data-key=mandai2017]").wait_for()
    tab.keyboard.press("Enter")
    assert tab.input_value("#f-body").endswith("engrafted [@mandai2017]")
    tab.locator("#f-body").press("End")
    tab.keyboard.type(". {needs-replication} " + PAYLOAD)
    preview = tab.locator("#preview")
    preview.locator(".body", has_text="alert(2)").wait_for()
    preview.locator(".footnotes li#fn-1").wait_for()
    assert "Mandai" in preview.locator(".footnotes").inner_text()
    assert preview.locator(".evidence-label").is_visible()
    assert preview.locator(".body .tag-needs-replication").count() == 1
    assert "<script>alert(2)</script>" in preview.locator(".body").inner_text()
    tab.click("#save-page")
    tab.wait_for_url(hub_server + "/editor/pages/sc-islets-in-practice?saved=1")
    assert tab.locator("#page-status").text_content() == "draft"
    tab.click("#status-verified")
    tab.wait_for_url("**/editor/pages/sc-islets-in-practice?saved=2")
    tab.click("#status-published")
    tab.wait_for_url("**/editor/pages/sc-islets-in-practice?saved=3")
    assert tab.locator("#page-status").text_content() == "published"
    tab.click("#public-link")
    tab.wait_for_url(hub_server + "/pages/sc-islets-in-practice.html")
    assert tab.locator("h1").inner_text() == "Stem-cell islets in practice " + PAYLOAD
    footnote = tab.locator(".footnotes li#fn-1").inner_text()
    assert "doi:10.1056/nejmoa1608368" in footnote.lower() and "Mandai" in footnote
    label = tab.locator(".evidence-label").inner_text()
    assert "Kind of evidence" in label and "Source" in label
    assert "as of" in tab.locator(".page-header .eyebrow").text_content()
    assert problems == []
