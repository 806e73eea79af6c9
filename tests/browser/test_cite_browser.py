"""The citation autocomplete of the editor's body in Chromium (static/cite_complete.js): "[@"
opens the library's studies under the caret; keys, Enter, a click and Escape; "; @" adds a
second study to the bracket; the live preview follows; a title made to look like HTML stays
text. The hub is a copy of the demo store with one such study added."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evidencehub.model import Author, Record, Study, StudyDesign
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.session import make_engine, transaction
from tests.browser.conftest import login, skip_without_chromium, store_copy
from tests.serving import serving

pytestmark = [pytest.mark.browser, skip_without_chromium]

XSS_TITLE = "Islets <img src=x onerror=alert(1)> and <script>alert(2)</script> in mice"


@pytest.fixture(scope="module")
def cite_server(web_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo hub with accounts, plus study ``xssprobe2026`` whose record's title is HTML."""
    db = store_copy(web_store, tmp_path_factory, "cite-server")
    engine = make_engine(f"sqlite:///{db}")
    try:
        with transaction(engine) as session:
            record = Record(doi="10.5555/xss.probe.2026", title=XSS_TITLE, year=2026,
                            journal="Journal of <b>Bold</b> Claims",
                            authors=(Author(family="Probe", given="X"),))
            records_repo.upsert_record(session, record, source="test")
            studies_repo.upsert_study(session, Study(
                key="xssprobe2026", label="Probe 2026", design=StudyDesign.RANDOMISED_CONTROLLED,
                record_keys=(record.key,)))
    finally:
        engine.dispose()
    with serving(db) as base:
        yield base


def _options(tab: Any) -> list[str]:
    return [str(key) for key in tab.locator("#cite-list [role=option]").evaluate_all(
        "options => options.map(o => o.dataset.key)")]


def test_type_choose_with_keys_add_a_second_and_close(cite_server: str,
                                                      page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    login(tab, cite_server, "editor")
    tab.goto(cite_server + "/editor/new")
    tab.fill("#f-title", "Reprogramming in practice")
    body = tab.locator("#f-body")
    popup = tab.locator("#cite-popup")
    body.click()
    assert body.get_attribute("role") == "combobox"
    assert body.get_attribute("aria-expanded") == "false"
    tab.keyboard.type("Adult cells can be reprogrammed [@")
    popup.wait_for(state="visible")                       # "[@" alone: a hint, no options
    assert "Type a title word" in tab.locator("#cite-note").inner_text()
    tab.keyboard.type("yamanaka")                         # an author who is not first
    tab.locator("#cite-list [role=option]").nth(1).wait_for()
    assert _options(tab) == ["takahashi2006", "takahashi2007"]
    assert body.get_attribute("aria-expanded") == "true"
    assert body.get_attribute("aria-controls") == "cite-list"
    assert body.get_attribute("aria-activedescendant") == "cite-option-0"
    second = tab.locator("#cite-option-1")
    assert "Takahashi K et al. · 2007 · Cell · doi:10.1016/j.cell.2007.11.019" in (
        second.locator(".cite-meta").inner_text())
    tab.keyboard.press("ArrowDown")
    assert body.get_attribute("aria-activedescendant") == "cite-option-1"
    assert second.get_attribute("aria-selected") == "true"
    assert tab.locator("#cite-option-0").get_attribute("aria-selected") == "false"
    tab.keyboard.press("Enter")
    assert tab.input_value("#f-body") == "Adult cells can be reprogrammed [@takahashi2007]"
    assert popup.is_hidden() and body.get_attribute("aria-expanded") == "false"
    preview = tab.locator("#preview")
    preview.locator(".footnotes li#fn-1", has_text="Takahashi").wait_for()

    # a second study in the same bracket: "; @" before its "]"
    tab.keyboard.press("ArrowLeft")
    tab.keyboard.type("; @40240592")                       # Tabar et al. 2025 by its PMID
    tab.locator("#cite-list [role=option][data-key=tabar2025]").wait_for()
    tab.keyboard.press("Tab")
    assert tab.input_value("#f-body") == (
        "Adult cells can be reprogrammed [@takahashi2007; @tabar2025]")
    assert body.evaluate("b => b.selectionStart") == len(tab.input_value("#f-body"))
    preview.locator(".footnotes li#fn-2", has_text="Tabar").wait_for()

    # Escape closes, and the list stays closed while this citation is typed on
    tab.keyboard.type(". Dopamine neurons [@sawa")
    tab.locator("#cite-list [role=option][data-key=sawamoto2025]").wait_for()
    tab.keyboard.press("Escape")
    assert popup.is_hidden() and body.get_attribute("aria-expanded") == "false"
    tab.keyboard.type("m")
    tab.wait_for_timeout(400)                             # longer than the list's debounce
    assert popup.is_hidden()
    assert tab.input_value("#f-body").endswith("Dopamine neurons [@sawam")
    assert problems == []


def test_a_title_written_as_html_is_shown_as_text_and_a_click_cites(
        cite_server: str, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    tab.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                     dialog.dismiss()))
    login(tab, cite_server, "editor")
    tab.goto(cite_server + "/editor/new")
    tab.fill("#f-title", "Probe")
    tab.locator("#f-body").click()
    tab.keyboard.type("Mice [@onerror")
    option = tab.locator("#cite-list [role=option][data-key=xssprobe2026]")
    option.wait_for()
    assert option.locator(".cite-title").inner_text() == XSS_TITLE
    assert "Journal of <b>Bold</b> Claims" in option.locator(".cite-meta").inner_text()
    assert tab.locator("#cite-popup img, #cite-popup script, #cite-popup b").count() == 0
    option.click()
    assert tab.input_value("#f-body") == "Mice [@xssprobe2026]"
    assert tab.evaluate("document.activeElement.id") == "f-body"
    tab.locator("#preview .footnotes li#fn-1").wait_for()
    assert tab.locator("#preview img[src=x], #preview script").count() == 0

    # editing a key inside its brackets replaces the whole key
    for key in ["ArrowLeft"] * 5 + ["Backspace"] * len("xssprobe"):
        tab.keyboard.press(key)
    tab.keyboard.type("tabar")
    tab.locator("#cite-list [role=option][data-key=tabar2025]").wait_for()
    tab.keyboard.press("Enter")
    assert tab.input_value("#f-body") == "Mice [@tabar2025]"
    assert problems == []
