"""OpenAlex client on recorded pages: filters, cursor paging, batches of identifiers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from evidencehub.errors import InputError
from evidencehub.ingest.importer import import_bodies
from evidencehub.ingest.online import OpenAlexClient

from .recorded_http import RECORDED, FakeTime, Recorder, recorded

PAGE1 = json.loads((RECORDED / "openalex/works_page1.json").read_bytes())


def client(recorder: Recorder, fake_time: FakeTime, **kw: object) -> OpenAlexClient:
    return OpenAlexClient(recorder.client(), sleep=fake_time.sleep, clock=fake_time.clock, **kw)  # type: ignore[arg-type]


def test_filter_and_cursor_paging(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("openalex/works_page1.json"), recorded("openalex/works_page2.json"))
    openalex = client(recorder, fake_time, per_page=25, mailto="hub@example.org")
    pages = list(openalex.works(filter={"publication_year": "2017", "type": "article"}, search="hemophilia"))
    assert len(pages) == 2  # the second page has no next_cursor: done
    first, second = (dict(r.url.params) for r in recorder.requests)
    assert first == {"filter": "publication_year:2017,type:article", "search": "hemophilia", "cursor": "*",
                     "mailto": "hub@example.org", "per-page": "25"}  # fmt: skip
    assert second["cursor"] == PAGE1["meta"]["next_cursor"]
    assert all(str(r.url).startswith("https://api.openalex.org/works?") for r in recorder.requests)
    assert fake_time.sleeps == [pytest.approx(0.1)]


def test_works_by_doi_batches_and_ors_the_ids(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(*(recorded("openalex/works_page2.json") for _ in range(3)))
    dois = [f"10.1000/test.{i}" for i in range(120)] + ["https://doi.org/10.1000/TEST.0"]
    pages = list(client(recorder, fake_time).works_by_doi(dois))
    assert len(pages) == 3
    filters = [r.url.params["filter"] for r in recorder.requests]
    assert [f.count("|") + 1 for f in filters] == [50, 50, 20]
    assert filters[0].startswith("doi:10.1000/test.0|10.1000/test.1|")
    assert [r.url.params["per-page"] for r in recorder.requests] == ["50", "50", "20"]


def test_works_by_pmid(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("openalex/works_page2.json"))
    list(client(recorder, fake_time).works_by_pmid(["PMID: 29171814", "12345"]))
    assert recorder.requests[0].url.params["filter"] == "pmid:29171814|12345"


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="per_page must be between 1 and 200"):
        OpenAlexClient(per_page=500)
    with pytest.raises(InputError, match="not a DOI: 'nejmoa1703068'"):
        list(OpenAlexClient().works_by_doi(["nejmoa1703068"]))


def test_pages_import_through_the_openalex_reader(
    engine: Engine, serve: Callable[..., Recorder], fake_time: FakeTime
) -> None:
    recorder = serve(recorded("openalex/works_page1.json"), recorded("openalex/works_page2.json"))
    pages = client(recorder, fake_time, per_page=25).works(filter="publication_year:2017")
    report = import_bodies(engine, pages, "openalex", label="filter year 2017")
    assert (report.read, report.created, report.rejected, report.candidates) == (50, 50, [], [])
