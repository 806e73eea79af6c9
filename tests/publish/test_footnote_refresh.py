"""Filling footnote fields from OpenAlex, then Crossref, on recorded responses (no network)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from evidencehub.data.pages import PageSource
from evidencehub.model import Actor, ActorKind, Page, PageKind, Record, Study, StudyDesign
from evidencehub.publish.footnote_refresh import cited_records, refresh_footnotes
from evidencehub.publish.page_edits import save_page
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.session import make_engine, transaction
from tests.ingest.online.recorded_http import Recorder, recorded
from tests.publish.conftest import demo_store  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("no_network")

EDITOR = Actor(name="editor", kind=ActorKind.PERSON)


@pytest.fixture
def engine(demo_store: str, tmp_path: Path) -> Iterator[Engine]:  # noqa: F811 - fixture
    target = tmp_path / "hub.db"
    shutil.copyfile(demo_store.removeprefix("sqlite:///"), target)
    made = make_engine(f"sqlite:///{target}")
    yield made
    made.dispose()


def _page_citing(engine: Engine, doi: str, key: str) -> None:
    """A study whose record has only a DOI and a title, and a page citing it."""
    with transaction(engine) as session:
        record = Record(doi=doi, title="A supplied title")
        records_repo.upsert_record(session, record, source="test")
        studies_repo.upsert_study(session, Study(key=key, label=key, design=StudyDesign.COHORT,
                                                 record_keys=(record.key,)))
        save_page(session, PageSource(Page(slug="p", kind=PageKind.ARTICLE, title="P",
                                           body=f"A claim [@{key}]."), None), actor=EDITOR)


def _record(engine: Engine, key: str) -> Record:
    with transaction(engine) as session:
        return next(r for r in cited_records(session, "p") if r.key == key)


def test_openalex_fills_citation_count_access_and_authors(engine: Engine) -> None:
    _page_citing(engine, "10.1056/nejmoa1703068", "oldenburg2017")
    server = Recorder([recorded("openalex/works_doi_10.1056_nejmoa1703068.json")])
    report = refresh_footnotes(engine, "p", actor=EDITOR, client=server.client())
    assert report.asked == ("10.1056/nejmoa1703068",)
    assert report.updated == ("doi:10.1056/nejmoa1703068",)
    assert server.requests[0].url.host == "api.openalex.org"
    record = _record(engine, "doi:10.1056/nejmoa1703068")
    assert (record.citation_count, record.open_access, record.year) == (623, "closed", 2017)
    assert record.authors[0].family == "Oldenburg"
    assert report.problems == ()


def test_crossref_fills_what_openalex_did_not_return(engine: Engine) -> None:
    _page_citing(engine, "10.1038/srep16696", "tosatto2015")
    empty = httpx.Response(200, content=json.dumps(
        {"meta": {"count": 0, "per_page": 1, "next_cursor": None}, "results": []}).encode())
    server = Recorder([empty, recorded("crossref/work_10.1038_srep16696.json")])
    report = refresh_footnotes(engine, "p", actor=EDITOR, client=server.client())
    assert [r.url.host for r in server.requests] == ["api.openalex.org", "api.crossref.org"]
    record = _record(engine, "doi:10.1038/srep16696")
    assert record.citation_count == 110 and record.journal == "Scientific Reports"
    assert report.updated == ("doi:10.1038/srep16696",)
    assert report.still_missing == ("doi:10.1038/srep16696",)  # Crossref has no percentile


def test_complete_records_are_not_asked_for_unless_all_are_refreshed(engine: Engine) -> None:
    with transaction(engine) as session:
        save_page(session, PageSource(Page(slug="p", kind=PageKind.ARTICLE, title="P",
                                           body="A claim [@takahashi2006]."), None),
                  actor=EDITOR)
    server = Recorder([])
    report = refresh_footnotes(engine, "p", actor=EDITOR, client=server.client())
    assert report.asked == () and server.requests == []
    empty = httpx.Response(200, content=json.dumps(
        {"meta": {"count": 0, "per_page": 1, "next_cursor": None}, "results": []}).encode())
    again = Recorder([empty])
    report = refresh_footnotes(engine, "p", actor=EDITOR, only_missing=False,
                               client=again.client())
    assert report.asked == ("10.1016/j.cell.2006.07.024",) and report.updated == ()
    assert len(again.requests) == 1  # complete for Crossref's fields: Crossref is not asked


def test_a_source_failure_is_reported_not_raised(engine: Engine) -> None:
    _page_citing(engine, "10.1056/nejmoa1703068", "oldenburg2017")
    server = Recorder([httpx.Response(400, text="bad filter"),
                       httpx.Response(404, text="Resource not found.")])
    report = refresh_footnotes(engine, "p", actor=EDITOR, client=server.client())
    assert [p.split(":")[0] for p in report.problems] == ["openalex", "crossref"]
    assert report.updated == ()
