"""Extract and reconcile in Chromium: two reviewers extract a study on their own with one value
different, the discrepancy view shows it side by side, the resolver picks the agreed value, and
the consensus is in the store (with the outcome-data row it wrote)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evidencehub.review import extraction_service as service
from evidencehub.store.session import make_engine, transaction
from tests.browser.conftest import login, skip_without_chromium, store_copy
from tests.serving import serving
from tests.web.appraisal_hub import SLUG, STUDIES, add_review

pytestmark = [pytest.mark.browser, skip_without_chromium]

STUDY = STUDIES[0]


@pytest.fixture(scope="module")
def review_server(web_store: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[str, str]]:
    """(base URL, store URL) of the demo hub with review ``islets`` (tests/web/appraisal_hub.py)."""
    db = store_copy(web_store, tmp_path_factory, "review-server")
    url = f"sqlite:///{db}"
    add_review(url)
    with serving(db) as base:
        yield base, url


def _extract(tab: Any, base: str, who: str, placebo_mean: str) -> None:
    login(tab, base, who)
    tab.goto(f"{base}/reviews/{SLUG}/extraction")
    tab.click(f"#study-{STUDY} a")
    tab.select_option("select[name='study:design']", "randomised-controlled-trial")
    tab.fill("input[name='study:country']", "Canada")
    tab.fill("input[name='arm0:_outcome']", "HbA1c")
    tab.fill("input[name='arm0:_arm']", "placebo")
    tab.fill("input[name='arm0:_timepoint']", "24 weeks")
    tab.fill("input[name='arm0:mean']", placebo_mean)
    tab.fill("input[name='arm0:sd']", "1.2")
    tab.fill("input[name='arm0:n']", "40")
    tab.fill("input[name='arm0:_locator']", "Table 2")
    tab.click("#save-extraction")
    tab.wait_for_selector(".form-ok")
    assert "Saved: 5 value(s) written" in tab.locator(".form-ok").inner_text()
    tab.click(".account button[type=submit]")
    tab.wait_for_url(base + "/")


def test_two_reviewers_extract_and_the_resolver_reconciles(
        review_server: tuple[str, str], page: tuple[Any, list[str]]) -> None:
    base, url = review_server
    tab, problems = page
    _extract(tab, base, "ana", "7.9")
    _extract(tab, base, "ben", "8.0")

    login(tab, base, "cy")
    tab.goto(f"{base}/reviews/{SLUG}/extraction/{STUDY}/compare")
    row = tab.locator("tr.item-differ")
    assert row.count() == 1
    cells = row.locator("td.entry").all_inner_texts()
    assert [c.splitlines()[0] for c in cells] == ["7.9", "8.0"]
    assert row.get_attribute("data-field") == "mean"
    row.locator("input[type=radio][value='8.0']").check()
    tab.click("#record-consensus")
    tab.wait_for_selector(".consensus-result")
    assert "Consensus recorded" in tab.locator(".consensus-result").inner_text()
    assert tab.locator("tr.item-differ td.consensus-value").inner_text() == "8.0"
    assert problems == []

    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            agreed = service.latest_consensus(session, service.load(session, SLUG), STUDY)
    finally:
        engine.dispose()
    mean = agreed[(STUDY, "HbA1c", "placebo", "24 weeks", "mean")]
    assert (mean.value, mean.actor, mean.locator) == ("8.0", "cy", "Table 2")
    assert mean.outcome_data_id is not None
