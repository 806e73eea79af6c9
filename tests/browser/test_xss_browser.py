"""OWASP XSS filter-evasion payloads stored through the store's normal write paths (a page's
title and body, a study's fields, a record's title, abstract and author) and sent as a search
query render as text in Chromium: no dialog opens, no script runs, no console error.

Each payload, if it ran, would set ``window.__xss`` (or open a dialog); the payloads follow the
OWASP XSS Filter Evasion Cheat Sheet: script tags in several spellings, event handlers,
``javascript:`` and ``data:`` URLs, SVG, entity and UTF-7 encodings, attribute breakouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from evidencehub.model import Author
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.session import make_engine, transaction
from tests.browser.conftest import skip_without_chromium, store_copy
from tests.serving import serving

pytestmark = [pytest.mark.browser, skip_without_chromium]

PAYLOADS = (
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=data:text/javascript,window.__xss=1></SCRIPT>",
    "<ScRiPt>window.__xss=1</sCrIpT>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<IMG SRC=\"javascript:window.__xss=1;\">",
    "<svg/onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<body onload=window.__xss=1>",
    "<iframe src=\"javascript:parent.__xss=1\"></iframe>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:window.__xss=1)",
    "![x](x\" onerror=\"window.__xss=1)",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=window.__xss=1>",
    "\" autofocus onfocus=\"window.__xss=1",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "&#60;script&#62;window.__xss=1&#60;/script&#62;",
    "+ADw-script+AD4-window.__xss=1+ADw-/script+AD4-",
    "<details open ontoggle=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<object data=\"data:text/html,<script>parent.__xss=1</script>\"></object>",
    "</textarea><script>window.__xss=1</script>",
    "{{7*7}}<style>@import 'javascript:window.__xss=1';</style>",
)
#: What every page shows of the payloads, as text.
TITLE = "XSS " + PAYLOADS[0]
STUDY = "takahashi2006"
PAGE = "ipsc-derived-cell-therapy"


@pytest.fixture(scope="module")
def xss_server(web_store: str, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[str, str]]:
    """The demo hub with the payloads stored in a page, a study and a record; (base URL, the
    record's title)."""
    db = store_copy(web_store, tmp_path_factory, "xss")
    engine = make_engine(f"sqlite:///{db}")
    try:
        with transaction(engine) as session:
            page = pages_repo.get_page(session, PAGE)
            body = page.body + "\n\n" + "\n\n".join(PAYLOADS) + "\n"
            pages_repo.upsert_page(session, page.model_copy(update={
                "title": TITLE, "dek": PAYLOADS[3], "body": body}))
            study = studies_repo.get_study(session, STUDY)
            studies_repo.upsert_study(session, study.model_copy(update={
                "label": "Takahashi " + PAYLOADS[5], "findings": " ".join(PAYLOADS),
                "population": PAYLOADS[13], "model": PAYLOADS[15]}))
            record = records_repo.get_record(session, study.record_keys[0])
            title = "Record " + PAYLOADS[3]
            records_repo.upsert_record(session, record.model_copy(update={
                "title": title, "abstract": " ".join(PAYLOADS),
                "authors": (Author(family=PAYLOADS[14], given=PAYLOADS[0]),
                            *record.authors)}), source="xss-test")
    finally:
        engine.dispose()
    with serving(db) as base:
        yield base, title


def _visit(tab: Any, url: str) -> None:
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(url)
    tab.wait_for_load_state("load")
    for element in ("input", "a", "button", "details", "summary"):  # fire focus handlers
        if tab.locator(element).count():
            tab.locator(element).first.focus()
    assert dialogs == []
    assert tab.evaluate("() => window.__xss === undefined && !document.querySelector("
                        "'script:not([src]), [onerror], [onload], [onfocus], [ontoggle], "
                        "iframe, object, embed, a[href^=\"javascript\" i]')")


def test_payloads_in_a_page_render_as_text(xss_server: tuple[str, str],
                                           page: tuple[Any, list[str]]) -> None:
    base, _ = xss_server
    tab, problems = page
    _visit(tab, f"{base}/pages/{PAGE}")
    assert tab.locator("h1").inner_text() == TITLE
    text = tab.locator("main").inner_text()
    for payload in (PAYLOADS[0], PAYLOADS[3], PAYLOADS[5], "+ADw-script+AD4-"):
        assert payload in text, payload
    assert problems == []


def test_payloads_in_a_study_and_a_record_render_as_text(xss_server: tuple[str, str],
                                                         page: tuple[Any, list[str]]) -> None:
    base, _ = xss_server
    tab, problems = page
    _visit(tab, f"{base}/studies/{STUDY}")
    text = tab.locator("main").inner_text()
    assert "Takahashi " + PAYLOADS[5] in text
    assert PAYLOADS[13] in text
    _visit(tab, f"{base}/pages/{PAGE}")  # the footnotes show the study and its record
    assert "Takahashi " + PAYLOADS[5] in tab.locator("main").inner_text()
    assert problems == []


@pytest.mark.parametrize("payload", PAYLOADS[:12])
def test_payloads_as_a_search_query_render_as_text(xss_server: tuple[str, str],
                                                   page: tuple[Any, list[str]],
                                                   payload: str) -> None:
    base, _ = xss_server
    tab, problems = page
    _visit(tab, f"{base}/search?q={quote(payload)}")
    assert tab.locator("#site-search-q").input_value() == payload
    assert problems == []


def test_a_record_with_payloads_is_found_and_shown_as_text(xss_server: tuple[str, str],
                                                           page: tuple[Any, list[str]]) -> None:
    base, title = xss_server
    tab, problems = page
    _visit(tab, f"{base}/search?q=Record")
    assert title in tab.locator("main").inner_text()
    assert problems == []
