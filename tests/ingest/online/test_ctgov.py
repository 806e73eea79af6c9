"""ClinicalTrials.gov v2 client on recorded answers: one study, pageToken paging."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.online import ClinicalTrialsClient

from .recorded_http import RECORDED, FakeTime, Recorder, recorded

PAGE1 = json.loads((RECORDED / "ctgov/studies_search_page1.json").read_bytes())


def client(recorder: Recorder, fake_time: FakeTime, **kw: object) -> ClinicalTrialsClient:
    return ClinicalTrialsClient(recorder.client(), sleep=fake_time.sleep, clock=fake_time.clock, **kw)  # type: ignore[arg-type]


def test_study_by_nct_id(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("ctgov/study_NCT00184067.json"))
    body = client(recorder, fake_time).study("nct 00184067")
    assert json.loads(body)["protocolSection"]["identificationModule"]["nctId"] == "NCT00184067"
    assert str(recorder.requests[0].url) == "https://clinicaltrials.gov/api/v2/studies/NCT00184067?format=json"


def test_search_follows_page_tokens(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("ctgov/studies_search_page1.json"), recorded("ctgov/studies_search_page2.json"))
    pages = list(client(recorder, fake_time, page_size=5).studies(condition="Phelan-McDermid", term="autism"))
    assert len(pages) == 2
    first, second = (dict(r.url.params) for r in recorder.requests)
    assert first == {"format": "json", "pageSize": "5", "query.term": "autism",
                     "query.cond": "Phelan-McDermid", "countTotal": "true"}  # fmt: skip
    assert second["pageToken"] == PAGE1["nextPageToken"] and "countTotal" not in second
    assert fake_time.sleeps == [pytest.approx(1.2)]  # about 50 requests per minute


def test_search_stops_at_max_records(serve: Callable[..., Recorder], fake_time: FakeTime) -> None:
    recorder = serve(recorded("ctgov/studies_search_page1.json"))
    assert len(list(client(recorder, fake_time, page_size=100).studies(term="autism", max_records=5))) == 1
    assert recorder.requests[0].url.params["pageSize"] == "5"


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match=r"ClinicalTrials.gov serves NCT ids only, got UMIN000012345"):
        ClinicalTrialsClient().study("UMIN000012345")
    with pytest.raises(InputError, match="not a trial registry id"):
        ClinicalTrialsClient().study("NCT123")
    with pytest.raises(InputError, match="give a search term"):
        list(ClinicalTrialsClient().studies())
    with pytest.raises(InputError, match="page_size must be between 1 and 1000"):
        ClinicalTrialsClient(page_size=0)
