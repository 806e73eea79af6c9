"""The served demo hub in real headless Chromium (Playwright): navigation, footnotes, plots.

Runs ``evidencehub serve`` in a subprocess on a free port against a demo hub built once for the
module. Skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evidencehub.demo import run_demo
from tests.browser.conftest import skip_without_chromium
from tests.serving import serving

pytestmark = [pytest.mark.browser, skip_without_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    run_demo(str(root / "hub.db"), root / "site")
    with serving(root / "hub.db", root / "site") as base:
        yield base


def test_index_to_intervention_to_footnote(server: str, page: tuple[object, list[str]]) -> None:
    tab, problems = page
    tab.goto(server + "/")  # type: ignore[attr-defined]
    assert tab.title() == "evidencehub"  # type: ignore[attr-defined]
    tab.get_by_role("link", name="iPSC-derived cell therapy").first.click()  # type: ignore[attr-defined]
    tab.wait_for_url("**/pages/ipsc-derived-cell-therapy.html")  # type: ignore[attr-defined]
    assert tab.locator("h1").inner_text() == "iPSC-derived cell therapy"  # type: ignore[attr-defined]
    assert "Early human trials" in tab.locator(".evidence-label").inner_text()  # type: ignore[attr-defined]
    tab.locator("#cite-5-1").click()  # type: ignore[attr-defined]
    tab.wait_for_url("**#fn-5")  # type: ignore[attr-defined]
    footnote = tab.locator("#fn-5")  # type: ignore[attr-defined]
    assert "doi:10.1056/nejmoa1608368" in footnote.inner_text()
    assert footnote.evaluate("el => el.matches(':target')")
    box = footnote.bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # scrolled into view
    footnote.locator("a[href='#cite-5-2']").click()
    tab.wait_for_url("**#cite-5-2")  # type: ignore[attr-defined]
    assert problems == []


def test_tags_explain_themselves(server: str, page: tuple[object, list[str]]) -> None:
    tab, problems = page
    tab.goto(server + "/pages/ipsc-derived-cell-therapy.html")  # type: ignore[attr-defined]
    tag = tab.locator(".body .tag-long-term-unknown").first  # type: ignore[attr-defined]
    assert (
        tag.get_attribute("title")
        == "Follow-up is too short to know the long-term benefit or harm."
    )
    missing = tab.locator(".cross-refs li", has_text="type-1-diabetes")  # type: ignore[attr-defined]
    assert "implicit stub" in missing.inner_text().lower()  # shown in small capitals
    assert missing.locator("a").count() == 0
    assert problems == []


def test_forest_plots_render(server: str, page: tuple[object, list[str]]) -> None:
    tab, problems = page
    tab.goto(server + "/pages/hba1c-glucose-lowering-drugs.html")  # type: ignore[attr-defined]
    plots = tab.locator("figure.forest svg")  # type: ignore[attr-defined]
    assert plots.count() == 4
    first = plots.first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    assert "De Fronzo (1995)" in first.text_content()  # text stays text in the SVG
    summary = tab.locator("#analysis-hba1c-biguanides-vs-placebo table.summary").inner_text()  # type: ignore[attr-defined]
    assert "−1.13" in summary and "−1.77 to −0.49" in summary
    assert problems == []


def test_a_quoted_number_leads_to_where_it_comes_from(
    server: str, page: tuple[object, list[str]]
) -> None:
    tab, problems = page
    tab.goto(server + "/pages/hba1c-glucose-lowering-drugs.html")  # type: ignore[attr-defined]
    number = tab.locator("#main-results ~ ul a.result").first  # type: ignore[attr-defined]
    assert number.inner_text() == "−1.13"  # the biguanides estimate, filled in from the run
    number.click()
    tab.wait_for_url("**/trace/run-*.html")  # type: ignore[attr-defined]
    assert tab.locator("h1").inner_text() == "Biguanides versus placebo: change in HbA1c"  # type: ignore[attr-defined]
    row = tab.locator("#study-defronzo1995")  # type: ignore[attr-defined]
    text = row.inner_text()
    assert "n 213, mean -1.7, sd 1.459" in text and "dat.senn2013, row 1" in text
    assert "doi:10.1177/0962280211432220" in text and "Brought in by import" in text
    tab.go_back()  # type: ignore[attr-defined]
    tab.locator("#analysis-hba1c-biguanides-vs-placebo a.trace").first.click()  # type: ignore[attr-defined]
    tab.wait_for_url("**/trace/run-*.html")  # type: ignore[attr-defined]
    assert problems == []


def test_readable_on_a_phone(server: str, browser: object) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.goto(server + "/pages/stem-cell-derived-insulin.html")
    overflow = tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0  # no sideways scrolling
    assert tab.locator(".evidence-label").is_visible()
    context.close()


def test_search_and_json_twin(server: str, page: tuple[object, list[str]]) -> None:
    tab, problems = page
    tab.goto(server + "/library.html")  # type: ignore[attr-defined]
    tab.fill("#q", "pluripotent")  # type: ignore[attr-defined]
    tab.press("#q", "Enter")  # type: ignore[attr-defined]
    tab.wait_for_url("**/search?q=pluripotent")  # type: ignore[attr-defined]
    assert "results for “pluripotent”" in tab.locator("main").inner_text()  # type: ignore[attr-defined]
    response = tab.goto(server + "/pages/ipsc-derived-cell-therapy.json")  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["page"]["slug"] == "ipsc-derived-cell-therapy"
    assert problems == []
