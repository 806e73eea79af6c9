"""PubMed E-utilities client on recorded ESearch/EFetch answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine

from evidencehub.errors import InputError
from evidencehub.ingest.importer import import_bodies
from evidencehub.ingest.online import PubMedClient, PubMedSearch, SourceError
from evidencehub.store import transaction
from evidencehub.store.repo.records import count_records, get_record, record_provenance

from .recorded_http import FakeTime, Recorder, recorded

ESEARCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi"
EFETCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi"


def client(recorder: Recorder, fake_time: FakeTime, **kw: object) -> PubMedClient:
    return PubMedClient(recorder.client(), sleep=fake_time.sleep, clock=fake_time.clock, **kw)  # type: ignore[arg-type]


def test_search_uses_the_history_server(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("pubmed/esearch_usehistory_cancer.xml"))
    search = client(recorder, fake_time, email="hub@example.org").search("cancer")
    assert search == PubMedSearch("cancer", 42249, "MCID_6927d6e7fee3e90f880ec190", "1")
    request = recorder.requests[0]
    assert str(request.url).split("?")[0] == ESEARCH
    assert dict(request.url.params) == {
        "db": "pubmed", "tool": "evidencehub", "email": "hub@example.org",
        "term": "cancer", "usehistory": "y", "retmax": "0",
    }  # fmt: skip


def test_fetch_in_batches_through_webenv(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("pubmed/efetch_retstart0_retmax2.xml"), recorded("pubmed/efetch_retstart2_retmax1.xml"))
    pubmed = client(recorder, fake_time, batch_size=2)
    search = PubMedSearch("cancer", 42249, "MCID_6927d6e7fee3e90f880ec190", "1")
    bodies = list(pubmed.fetch(search, max_records=3))
    assert [b"<PubmedArticleSet" in body for body in bodies] == [True, True]
    params = [dict(r.url.params) for r in recorder.requests]
    assert [(p["retstart"], p["retmax"]) for p in params] == [("0", "2"), ("2", "1")]
    assert all(p["WebEnv"] == "MCID_6927d6e7fee3e90f880ec190" and p["query_key"] == "1" for p in params)
    assert all(p["retmode"] == "xml" and p["db"] == "pubmed" and "api_key" not in p for p in params)
    assert all(str(r.url).split("?")[0] == EFETCH for r in recorder.requests)
    assert fake_time.sleeps == [pytest.approx(1 / 3)]  # 3 requests per second without a key


def test_api_key_is_sent_and_raises_the_rate(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("pubmed/efetch_retstart0_retmax2.xml"), recorded("pubmed/efetch_retstart2_retmax1.xml"))
    pubmed = client(recorder, fake_time, api_key="k3y", batch_size=2)
    assert len(list(pubmed.fetch_pmids(["11748933", "PMID: 11700088", "22663011", "11748933"]))) == 2
    params = [dict(r.url.params) for r in recorder.requests]
    assert [p["id"] for p in params] == ["11748933,11700088", "22663011"]
    assert all(p["api_key"] == "k3y" for p in params)
    assert fake_time.sleeps == [pytest.approx(0.1)]  # 10 requests per second with a key


def test_search_and_fetch_retries_a_rate_limited_request(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(
        recorded("pubmed/esearch_usehistory_cancer.xml"),
        httpx.Response(429, headers={"Retry-After": "2"}),
        recorded("pubmed/efetch_retstart0_retmax2.xml"),
    )
    bodies = list(client(recorder, fake_time, batch_size=2).search_and_fetch("cancer", max_records=2))
    assert len(bodies) == 1 and len(recorder.requests) == 3
    assert recorder.requests[1].url.params == recorder.requests[2].url.params
    assert fake_time.sleeps == [pytest.approx(1 / 3), 2.0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<eSearchResult><ERROR>Invalid query</ERROR></eSearchResult>", "ESearch refused 'x': Invalid query"),
        (b"<eSearchResult><Count>3</Count></eSearchResult>", "no Count/WebEnv/QueryKey"),
        (b"<html>", "unreadable XML"),
    ],
)
def test_esearch_problems(serve: Callable[..., Recorder], fake_time: FakeTime, body: bytes, message: str) -> None:
    recorder = serve(httpx.Response(200, content=body))
    with pytest.raises(SourceError, match=message):
        client(recorder, fake_time).search("x")


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="batch_size must be between 1 and 10000"):
        PubMedClient(batch_size=0)
    with pytest.raises(InputError, match="an empty PubMed query"):
        PubMedClient().search("  ")


def test_online_import_goes_through_the_reader_and_the_store(
    engine: Engine, serve: Callable[..., Recorder], fake_time: FakeTime
) -> None:
    recorder = serve(
        recorded("pubmed/esearch_usehistory_cancer.xml"),
        recorded("pubmed/efetch_retstart0_retmax2.xml"),
        recorded("pubmed/efetch_retstart2_retmax1.xml"),
    )
    pubmed = client(recorder, fake_time, batch_size=2)
    report = import_bodies(engine, pubmed.search_and_fetch("cancer", max_records=3), "pubmed-xml", label="esearch cancer")
    assert (report.read, report.created) == (3, 3)
    with transaction(engine) as session:
        assert get_record(session, "pmid:22663011").doi == "10.1056/nejmoa1203421"
        assert record_provenance(session, "pmid:22663011")["title"] == "pubmed-xml:esearch cancer"


def test_a_failure_part_way_rolls_the_online_import_back(
    engine: Engine, serve: Callable[..., Recorder], fake_time: FakeTime
) -> None:
    recorder = serve(recorded("pubmed/efetch_retstart0_retmax2.xml"), httpx.Response(400, text="bad"))
    pubmed = client(recorder, fake_time, batch_size=2)
    with pytest.raises(SourceError, match="HTTP 400"):
        import_bodies(engine, pubmed.fetch_pmids(["1", "2", "3"]), "pubmed-xml", label="ids")
    with transaction(engine) as session:
        assert count_records(session) == 0


def test_a_search_beyond_what_pubmed_serves_is_refused(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("pubmed/esearch_usehistory_cancer.xml"))  # Count 42249
    pubmed = client(recorder, fake_time)
    search = pubmed.search("cancer")
    with pytest.raises(InputError, match=r"PubMed found 42249 records for 'cancer', but E-utilities serve only the first 10000"):
        next(pubmed.fetch(search))
    with pytest.raises(InputError, match="ask for at most 10000 records"):
        next(pubmed.fetch(search, max_records=20_000))
