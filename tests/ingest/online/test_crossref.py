"""Crossref client on recorded answers: a work by DOI, cursor paging, the polite pool."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine

from evidencehub.errors import InputError
from evidencehub.ingest.importer import import_bodies
from evidencehub.ingest.online import CrossrefClient

from .recorded_http import RECORDED, FakeTime, Recorder, recorded

PAGE1 = json.loads((RECORDED / "crossref/works_query_widget_page1.json").read_bytes())["message"]


def client(recorder: Recorder, fake_time: FakeTime, **kw: object) -> CrossrefClient:
    return CrossrefClient(recorder.client(), sleep=fake_time.sleep, clock=fake_time.clock, **kw)  # type: ignore[arg-type]


def test_work_by_doi_in_the_polite_pool(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("crossref/work_10.1038_srep16696.json"))
    body = client(recorder, fake_time, mailto="hub@example.org").work("https://doi.org/10.1038/SREP16696")
    assert json.loads(body)["message"]["DOI"] == "10.1038/srep16696"
    request = recorder.requests[0]
    assert str(request.url) == "https://api.crossref.org/works/10.1038/srep16696?mailto=hub%40example.org"


def test_cursor_paging_follows_next_cursor(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("crossref/works_query_widget_page1.json"), recorded("crossref/works_query_widget_page2.json"))
    crossref = client(recorder, fake_time, rows=20)
    pages = list(crossref.works(query="widget", filter={"type": "journal-article"}, max_records=40))
    assert len(pages) == 2
    first, second = (dict(r.url.params) for r in recorder.requests)
    assert first == {"query": "widget", "filter": "type:journal-article", "rows": "20", "cursor": "*"}
    assert second["cursor"] == PAGE1["next-cursor"]
    assert "mailto" not in first
    assert fake_time.sleeps == [pytest.approx(0.2)]  # 5 requests per second outside the polite pool


def test_paging_asks_only_for_what_is_left(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("crossref/works_query_widget_page1.json"), recorded("crossref/works_query_widget_page2.json"))
    list(client(recorder, fake_time, rows=20, mailto="a@b.org").works(query="widget", max_records=25))
    assert [r.url.params["rows"] for r in recorder.requests] == ["20", "5"]
    assert fake_time.sleeps == [pytest.approx(0.1)]  # 10 per second in the polite pool


def test_paging_stops_on_an_empty_page(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    empty = {"status": "ok", "message-type": "work-list", "message": {"items": [], "next-cursor": "x", "total-results": 454}}
    recorder = serve(recorded("crossref/works_query_widget_page1.json"), httpx.Response(200, json=empty))
    assert len(list(client(recorder, fake_time, rows=20).works(query="widget"))) == 1


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="not a DOI: 'srep16696'"):
        CrossrefClient().work("srep16696")
    with pytest.raises(InputError, match="rows must be between 1 and 1000"):
        CrossrefClient(rows=2000)


def test_pages_import_through_the_crossref_reader(
    engine: Engine, serve: Callable[..., Recorder], fake_time: FakeTime
) -> None:
    recorder = serve(recorded("crossref/works_query_widget_page1.json"), recorded("crossref/works_query_widget_page2.json"))
    pages = client(recorder, fake_time, rows=20).works(query="widget", max_records=40)
    report = import_bodies(engine, pages, "crossref", label="query widget")
    assert (report.read, report.created, report.rejected) == (40, 40, [])
