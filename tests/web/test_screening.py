"""Reviewers in the browser, screening side (web/screening*.py), on a copy of the demo hub
with a review of real records: who may reach what, CSRF, each decision stored by the review
service under the signed-in account with its time, blinding, conflicts and their resolution,
the full-text stage, the PRISMA flow, and bad addresses answered with 4xx pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidencehub.model import ScreeningDecision
from evidencehub.review import service
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import DecisionBasis, RetrievalStatus, ScreeningLabel, ScreeningStage
from evidencehub.web.app import create_app
from tests.web.conftest import WebClient
from tests.web.screening_review import OUTSIDER, SLUG, add_review

INC, EXC = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE
FT = ScreeningStage.FULL_TEXT
_SHOWN = re.compile(r'data-record-id="(\d+)"')


class Hub:
    """A client of the app on a store with the review, and direct access to that store."""

    def __init__(self, url: str, record_ids: list[int]) -> None:
        self.engine = make_engine(url)
        self.web = WebClient(create_app(self.engine, probe_interval=0.0))
        self.record_ids = record_ids

    def decisions(self) -> list[ScreeningDecision]:
        with transaction(self.engine) as session:
            return service.load(session, SLUG).decisions

    def vote(self, record_id: int, label: ScreeningLabel, reviewer: str,
             stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT, **options: object) -> None:
        """A vote through the service (as another reviewer's screening would write it)."""
        with transaction(self.engine, immediate=True) as session:
            state = service.load(session, SLUG)
            service.decide(session, state, record_id, label, reviewer, stage=stage,
                           **options)  # type: ignore[arg-type]

    def shown(self, stage: str = "title-abstract") -> int:
        """The record the screening page shows now."""
        found = _SHOWN.search(self.web.get(f"/reviews/{SLUG}/screen?stage={stage}").text)
        assert found is not None
        return int(found.group(1))

    def post(self, path: str, **fields: str) -> object:
        token = self.web.csrf_from(f"/reviews/{SLUG}/screen")
        return self.web.post(path, data={"csrf_token": token, **fields})

    def close(self) -> None:
        queue = getattr(self.web.app.state, "screening_queue", None)
        if queue is not None:
            queue.close()  # the background retrains finished, none failed
        self.web.close()
        self.engine.dispose()


@pytest.fixture
def hub(hub_copy: str, tmp_path: Path) -> Iterator[Hub]:
    made = Hub(hub_copy, add_review(hub_copy, tmp_path))
    try:
        yield made
    finally:
        made.close()


def test_every_page_needs_a_signed_in_account(hub: Hub) -> None:
    for path in ("/reviews", f"/reviews/{SLUG}", f"/reviews/{SLUG}/screen",
                 f"/reviews/{SLUG}/conflicts", f"/reviews/{SLUG}/full-text",
                 f"/reviews/{SLUG}/prisma", f"/reviews/{SLUG}/prisma.svg"):
        answer = hub.web.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
    for path in (f"/reviews/{SLUG}/screen", f"/reviews/{SLUG}/undo",
                 f"/reviews/{SLUG}/conflicts/{hub.record_ids[0]}",
                 f"/reviews/{SLUG}/full-text/{hub.record_ids[0]}"):
        assert hub.web.post(path, data={"label": "include"}).status_code == 401, path
    assert hub.decisions() == []


def test_a_reviewer_sees_the_reviews_they_are_a_member_of(hub: Hub) -> None:
    hub.web.login("reviewer")
    listed = hub.web.get("/reviews")
    assert listed.status_code == 200
    assert f'href="/reviews/{SLUG}"' in listed.text and "you are a screener" in listed.text
    overview = hub.web.get(f"/reviews/{SLUG}")
    assert "24 records from 1 search" in overview.text and "Not a controlled trial" in overview.text


def test_an_account_that_is_no_member_is_refused(hub: Hub) -> None:
    hub.web.login(OUTSIDER)
    assert f'href="/reviews/{SLUG}"' not in hub.web.get("/reviews").text
    for path in (f"/reviews/{SLUG}", f"/reviews/{SLUG}/screen", f"/reviews/{SLUG}/conflicts",
                 f"/reviews/{SLUG}/prisma"):
        answer = hub.web.get(path)
        assert answer.status_code == 403 and "not a member of the review" in answer.text, path
    token = hub.web.csrf_from("/reviews")  # the sign-out form of the header
    answer = hub.web.post(f"/reviews/{SLUG}/screen", data={
        "csrf_token": token, "record_id": str(hub.record_ids[0]), "label": "include"})
    assert answer.status_code == 403 and hub.decisions() == []


def test_the_screening_page_shows_one_record_with_keywords_marked(hub: Hub) -> None:
    hub.web.login("reviewer")
    page = hub.web.get(f"/reviews/{SLUG}/screen")
    assert page.status_code == 200
    shown = int(_SHOWN.search(page.text).group(1))
    assert shown in hub.record_ids
    assert re.search(r"<mark>(ADHD|attention|stimulant|children|adults|trial|controlled)", page.text, re.I)
    assert '<option value="P1">1. P1: Not people with ADHD</option>' in page.text
    assert 'id="progress-mine">0</b> of <b id="progress-total">24</b>' in page.text
    assert '<script src="/static/screening.js" defer></script>' in page.text
    assert hub.web.get("/static/screening.js").headers["content-type"].startswith(
        "application/javascript")


def test_each_decision_is_stored_by_the_service_with_its_actor_and_time(hub: Hub) -> None:
    hub.web.login("reviewer")
    before = dt.datetime.now(dt.UTC)
    first = hub.shown()
    answer = hub.post(f"/reviews/{SLUG}/screen", record_id=str(first), stage="title-abstract",
                      label="exclude", reason="S1", note="a cohort")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/reviews/{SLUG}/screen?stage=title-abstract"
    second = hub.shown()
    assert second != first
    hub.post(f"/reviews/{SLUG}/screen", record_id=str(second), stage="title-abstract",
             label="maybe")
    made = hub.decisions()
    assert [(d.record_id, d.label, d.reviewer, d.reason, d.note, d.basis) for d in made] == [
        (first, EXC, "reviewer", "S1", "a cohort", DecisionBasis.SCREENING),
        (second, ScreeningLabel.MAYBE, "reviewer", None, None, DecisionBasis.SCREENING),
    ]
    assert all(before <= d.decided_at.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC)
               for d in made)
    page = hub.web.get(f"/reviews/{SLUG}/screen").text
    assert 'id="progress-mine">2</b> of <b id="progress-total">24</b>' in page
    assert "Your last vote: <b>maybe</b>" in page


def test_undo_withdraws_the_last_vote(hub: Hub) -> None:
    hub.web.login("reviewer")
    first = hub.shown()
    hub.post(f"/reviews/{SLUG}/screen", record_id=str(first), label="include")
    assert hub.post(f"/reviews/{SLUG}/undo", record_id=str(first),
                    stage="title-abstract").status_code == 303
    last = hub.decisions()[-1]
    assert (last.basis, last.reviewer, last.undoes) == (DecisionBasis.UNDO, "reviewer",
                                                        hub.decisions()[0].id)
    again = hub.post(f"/reviews/{SLUG}/undo", record_id=str(first))
    assert again.status_code == 400 and "has no decision on record" in again.text


def test_refusals_are_pages_with_the_service_message(hub: Hub) -> None:
    hub.web.login("reviewer")
    first = hub.shown()
    unknown = hub.post(f"/reviews/{SLUG}/screen", record_id=str(first), label="exclude",
                       reason="Z9")
    assert unknown.status_code == 400
    assert "unknown reason &#39;Z9&#39; for review &#39;adhd-drugs&#39;" in unknown.text
    assert 'data-record-id="' in unknown.text  # the screening page again, with the message
    assert hub.post(f"/reviews/{SLUG}/screen", record_id=str(first),
                    label="yes").status_code == 400
    not_passed = hub.post(f"/reviews/{SLUG}/screen", record_id=str(first), label="include",
                          stage="full-text")
    assert not_passed.status_code == 400 and "has not passed title-abstract" in not_passed.text
    assert hub.decisions() == []


@pytest.mark.parametrize("path", [
    "/reviews/no-such-review", "/reviews/no-such-review/screen", "/reviews/no-such-review/prisma",
    "/reviews/no-such-review/prisma.svg", f"/reviews/{SLUG}/screen?stage=abstract-only",
    "/reviews/%00", "/reviews/" + "a" * 3000,
])
def test_bad_addresses_are_4xx_pages_never_500(hub: Hub, path: str) -> None:
    hub.web.login("reviewer")
    answer = hub.web.get(path)
    assert answer.status_code in (400, 404), (path, answer.status_code)
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("record", ["abc", "99999", "1", "-3", "", "1.5", "²"])
def test_bad_record_ids_are_404(hub: Hub, record: str) -> None:
    hub.web.login("editor")
    for path, fields in ((f"/reviews/{SLUG}/screen", {"record_id": record, "label": "include"}),
                         (f"/reviews/{SLUG}/conflicts/{record or 'x'}", {"label": "include"}),
                         (f"/reviews/{SLUG}/full-text/{record or 'x'}", {"status": "sought"})):
        answer = hub.post(path, **fields)
        assert answer.status_code == 404, (path, record, answer.status_code)
    assert hub.decisions() == []


def test_writes_need_the_csrf_token(hub: Hub) -> None:
    hub.web.login("reviewer")
    first = hub.shown()
    for token in (None, "forged"):
        data = {"record_id": str(first), "label": "include"}
        if token:
            data["csrf_token"] = token
        answer = hub.web.post(f"/reviews/{SLUG}/screen", data=data)
        assert answer.status_code == 403
    assert hub.decisions() == []


def test_blinding_no_page_shows_another_vote_until_the_conflict_stage(hub: Hub) -> None:
    record = hub.record_ids[5]
    hub.vote(record, EXC, "ana", reason="P1", note="secret-note-of-ana")
    hub.web.login("reviewer")
    pages = [f"/reviews/{SLUG}", f"/reviews/{SLUG}/conflicts", f"/reviews/{SLUG}/full-text",
             f"/reviews/{SLUG}/screen", f"/reviews/{SLUG}/prisma"]
    seen = set()
    for _ in range(len(hub.record_ids)):  # screen every record: none shows ana's vote
        for path in pages:
            text = hub.web.get(path).text
            assert "secret-note-of-ana" not in text and not re.search(r"\bana\b", text), path
        shown = hub.shown()
        seen.add(shown)
        hub.post(f"/reviews/{SLUG}/screen", record_id=str(shown), label="include")
        pages = pages[3:4]
    assert record in seen
    conflicts = hub.web.get(f"/reviews/{SLUG}/conflicts").text  # both votes are in: a conflict
    assert "secret-note-of-ana" in conflicts and f'id="conflict-{record}-title-abstract"' in conflicts


def test_a_resolver_settles_a_conflict_and_a_screener_may_not(hub: Hub) -> None:
    record = hub.record_ids[3]
    hub.vote(record, EXC, "ana", reason="S1")
    hub.vote(record, INC, "cy")
    hub.web.login("reviewer")
    listed = hub.web.get(f"/reviews/{SLUG}/conflicts").text
    assert f'id="conflict-{record}-title-abstract"' in listed and "consensus" in listed
    refused = hub.post(f"/reviews/{SLUG}/conflicts/{record}", label="include",
                       stage="title-abstract")
    assert refused.status_code == 400 and "is not a resolver of review" in refused.text
    hub.web.post("/logout", data={"csrf_token": hub.web.csrf_from("/reviews")})
    hub.web.login("editor")
    maybe = hub.post(f"/reviews/{SLUG}/conflicts/{record}", label="maybe")
    assert maybe.status_code == 400 and "a resolution is include or exclude" in maybe.text
    done = hub.post(f"/reviews/{SLUG}/conflicts/{record}", label="exclude", reason="S1",
                    note="not randomised", stage="title-abstract")
    assert done.status_code == 303
    last = hub.decisions()[-1]
    assert (last.record_id, last.label, last.basis, last.reviewer, last.reason, last.note) == (
        record, EXC, DecisionBasis.RESOLUTION, "editor", "S1", "not randomised")
    assert 'id="no-conflicts"' in hub.web.get(f"/reviews/{SLUG}/conflicts").text


def test_screeners_record_a_consensus(hub: Hub) -> None:
    record = hub.record_ids[4]
    hub.vote(record, EXC, "ana")
    hub.vote(record, INC, "reviewer")
    hub.web.login("reviewer")
    done = hub.post(f"/reviews/{SLUG}/conflicts/{record}", label="include", consensus="1")
    assert done.status_code == 303
    last = hub.decisions()[-1]
    assert (last.basis, last.reviewer, last.label) == (DecisionBasis.CONSENSUS, "reviewer", INC)


def test_the_full_text_stage(hub: Hub) -> None:
    passed, other = hub.record_ids[0], hub.record_ids[1]
    hub.vote(passed, INC, "ana")
    hub.vote(passed, INC, "cy")
    hub.vote(other, EXC, "ana")
    hub.vote(other, EXC, "cy")
    hub.vote(passed, INC, "ana", stage=FT)
    hub.web.login("reviewer")
    listed = hub.web.get(f"/reviews/{SLUG}/full-text").text
    assert f'id="report-{passed}"' in listed and f'id="report-{other}"' not in listed
    assert "Your vote: none yet." in listed and "awaiting" not in listed  # ana's vote hidden
    marked = hub.post(f"/reviews/{SLUG}/full-text/{passed}", status="retrieved",
                      link="javascript:alert(1)")
    assert marked.status_code == 303
    with transaction(hub.engine) as session:
        mark = service.load(session, SLUG).full_texts[passed]
    assert (mark.status, mark.actor, mark.link) == (RetrievalStatus.RETRIEVED, "reviewer",
                                                    "javascript:alert(1)")
    assert 'href="javascript:' not in hub.web.get(f"/reviews/{SLUG}/full-text").text
    assert hub.shown("full-text") == passed
    no_reason = hub.post(f"/reviews/{SLUG}/screen", record_id=str(passed), stage="full-text",
                         label="exclude")
    assert no_reason.status_code == 400 and "a full-text exclusion needs" in no_reason.text
    hub.post(f"/reviews/{SLUG}/screen", record_id=str(passed), stage="full-text",
             label="exclude", reason="S1")
    last = hub.decisions()[-1]
    assert (last.stage, last.label, last.reason, last.reviewer) == (FT, EXC, "S1", "reviewer")
    listed = hub.web.get(f"/reviews/{SLUG}/full-text").text
    assert "The record is <b>conflict</b>" in listed  # both votes in: now it may be seen
    assert 'id="screen-done"' in hub.web.get(f"/reviews/{SLUG}/screen?stage=full-text").text


def test_the_prisma_flow(hub: Hub) -> None:
    hub.vote(hub.record_ids[0], EXC, "ana", reason="P1")
    hub.vote(hub.record_ids[0], EXC, "cy")
    hub.web.login("reviewer")
    page = hub.web.get(f"/reviews/{SLUG}/prisma")
    assert page.status_code == 200
    assert f'<img src="/reviews/{SLUG}/prisma.svg"' in page.text
    assert "records screened 1, excluded 1" in page.text
    svg = hub.web.get(f"/reviews/{SLUG}/prisma.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b'id="records_screened"' in svg.content
    table = hub.web.get(f"/reviews/{SLUG}/prisma.csv")
    assert table.status_code == 200 and "records_screened" in table.text
