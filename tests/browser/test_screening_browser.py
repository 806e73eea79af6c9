"""Reviewers in Chromium: screening ten records by keyboard alone, and resolving a conflict,
on ``evidencehub serve`` over the demo hub with a review of real records; what the browser did
is then read back from the store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evidencehub.model import ScreeningDecision
from evidencehub.review import service
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import DecisionBasis, ScreeningLabel
from tests.browser.conftest import login, skip_without_chromium, store_copy
from tests.serving import serving
from tests.web.screening_review import SLUG, add_review

pytestmark = [pytest.mark.browser, skip_without_chromium]

INC, EXC = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE


class ServedReview:
    """The served hub's base URL, its store, and the record two screeners disagree on."""

    def __init__(self, base: str, url: str, conflict: int) -> None:
        self.base, self.url, self.conflict = base, url, conflict

    def decisions(self) -> list[ScreeningDecision]:
        engine = make_engine(self.url)
        try:
            with transaction(engine) as session:
                return service.load(session, SLUG).decisions
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def served(web_store: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedReview]:
    db = store_copy(web_store, tmp_path_factory, "screening-server")
    root = db.parent
    url = f"sqlite:///{db}"
    record_ids = add_review(url, root)
    conflict = record_ids[-1]
    engine = make_engine(url)
    try:  # two screeners disagree, through the service
        for reviewer, label, reason in (("ana", EXC, "P1"), ("cy", INC, None)):
            with transaction(engine, immediate=True) as session:
                service.decide(session, service.load(session, SLUG), conflict, label, reviewer,
                               reason=reason)
    finally:
        engine.dispose()
    with serving(db) as base:
        yield ServedReview(base, url, conflict)


#: The keys pressed for ten records: a reason picked with a digit before some exclusions.
KEYS = [("i",), ("e",), ("m",), ("2", "e"), ("i",), ("1", "e"), ("m",), ("i",), ("e",), ("i",)]
LABELS = {"i": INC, "e": EXC, "m": ScreeningLabel.MAYBE}
REASONS = {"1": "P1", "2": "S1"}


def test_screen_ten_records_by_keyboard(served: ServedReview, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    login(tab, served.base, "reviewer")
    tab.goto(f"{served.base}/reviews/{SLUG}/screen")
    expected = []
    for keys in KEYS:
        record = int(tab.locator("#record").get_attribute("data-record-id"))
        for key in keys[:-1]:
            tab.keyboard.press(key)
        with tab.expect_navigation():
            tab.keyboard.press(keys[-1])
        expected.append((record, LABELS[keys[-1]], REASONS.get(keys[0]) if len(keys) > 1 else None))
        assert int(tab.locator("#progress-mine").inner_text()) == len(expected)
    votes = [(d.record_id, d.label, d.reason) for d in served.decisions()
             if d.reviewer == "reviewer"]
    assert votes == expected
    assert len({record for record, _, _ in votes}) == 10
    assert served.conflict not in {record for record, _, _ in votes}  # it had its votes
    assert problems == []


def test_resolve_a_conflict(served: ServedReview, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    login(tab, served.base, "editor")
    tab.goto(f"{served.base}/reviews/{SLUG}/conflicts")
    conflict = tab.locator(f"#conflict-{served.conflict}-title-abstract")
    assert "ana: exclude (P1)" in conflict.inner_text() and "cy: include" in conflict.inner_text()
    conflict.locator("input[name=note]").fill("randomised, children with ADHD")
    with tab.expect_navigation():
        conflict.locator("button[value=include]").click()
    assert tab.locator("#no-conflicts").is_visible()
    last = served.decisions()[-1]
    assert (last.record_id, last.label, last.basis, last.reviewer, last.note) == (
        served.conflict, INC, DecisionBasis.RESOLUTION, "editor", "randomised, children with ADHD")
    assert problems == []
