"""``/trials``: the trial tracker on the demo hub — every trial, filters by GET parameters,
sorting, registry links, publications and pages, the JSON twin; the unfiltered tracker is
the static build's ``trials.html``."""

from __future__ import annotations

import datetime as dt

import pytest

from evidencehub.model import Registry, Trial, TrialPhase
from evidencehub.publish.registries import registry_link
from evidencehub.publish.snapshot import HubSnapshot
from evidencehub.publish.tracker import NOT_STATED, TrialFilters, tracker_context
from tests.web.conftest import WebClient


def _ids(web: WebClient, **params: str) -> list[str]:
    response = web.get("/trials.json", params=params)
    assert response.status_code == 200
    return [t["registry_id"] for t in response.json()["trials"]]


def test_every_trial_is_listed_with_its_facts(web: WebClient) -> None:
    data = web.get("/trials.json").json()
    assert [t["registry_id"] for t in data["trials"]] == [
        "NCT04339764", "NCT04802733", "NCT06482268", "UMIN000033564"]
    bemdaneprocel = data["trials"][1]
    assert bemdaneprocel["registry_url"] == "https://clinicaltrials.gov/study/NCT04802733"
    assert bemdaneprocel["enrollment"] == 12 and bemdaneprocel["phase"] == "PHASE1"
    assert [p["path"] for p in bemdaneprocel["publications"]] == ["studies/tabar2025.html"]
    assert [p["path"] for p in bemdaneprocel["pages"]] == ["pages/ipsc-derived-cell-therapy.html"]
    for key in ("start_date", "completion_date", "last_updated"):
        assert key in bemdaneprocel
    assert data["trials"][3]["registry_url"].endswith("TrialID=JPRN-UMIN000033564")


@pytest.mark.parametrize(("params", "expected"), [
    ({"phase": "PHASE1"}, ["NCT04802733"]),
    ({"phase": "PHASE1/PHASE2"}, ["NCT06482268", "UMIN000033564"]),
    ({"phase": NOT_STATED}, ["NCT04339764"]),
    ({"status": "recruiting"}, ["NCT04339764"]),
    ({"status": NOT_STATED, "phase": "PHASE1"}, ["NCT04802733"]),
    ({"condition": "parkinson's disease"}, ["NCT04802733", "NCT06482268", "UMIN000033564"]),
    ({"intervention": "bemdaneprocel"}, ["NCT04802733"]),
    ({"intervention": "nothing like it"}, []),
    ({"phase": "PHASE9"}, []),
    ({"sort": "enrollment"}, ["NCT04802733", "UMIN000033564", "NCT04339764", "NCT06482268"]),
    ({"sort": "nonsense"}, ["NCT04339764", "NCT04802733", "NCT06482268", "UMIN000033564"]),
])
def test_filters_and_sorting(web: WebClient, params: dict[str, str], expected: list[str]) -> None:
    assert _ids(web, **params) == expected


def test_the_html_form_works_without_javascript(web: WebClient) -> None:
    page = web.get("/trials", params={"phase": "PHASE1"})
    assert page.status_code == 200
    assert '<option value="PHASE1" selected>' in page.text
    assert "1 of 4 trials match." in page.text
    assert 'href="https://clinicaltrials.gov/study/NCT04802733"' in page.text
    assert 'data-registry-id="NCT04339764"' not in page.text
    assert web.get("/trials.html").text == web.get("/trials").text
    assert "No trials match these filters." in web.get("/trials?phase=PHASE4").text
    odd = web.get("/trials", params={"condition": "<script>alert(1)</script>", "sort": "\x00"})
    assert odd.status_code == 200 and "<script>alert" not in odd.text


def test_filters_on_the_snapshot(demo_snapshot: HubSnapshot) -> None:
    unfiltered = tracker_context(demo_snapshot)
    assert unfiltered["path"] == "trials.html" and not unfiltered["filtered"]
    filtered = tracker_context(demo_snapshot, TrialFilters.from_params({"phase": " PHASE1 "}))
    assert filtered["filtered"] and filtered["json_path"] == "trials.json?phase=PHASE1"


def test_dates_sort_newest_first_with_missing_last() -> None:
    trials = [Trial(registry_id=f"NCT0000000{i}", title="t", start_date=start,
                    phase=TrialPhase.PHASE2) for i, start in
              enumerate([dt.date(2020, 1, 1), None, dt.date(2024, 5, 1)])]
    snap = HubSnapshot(records=(), trials=tuple(trials), studies=(), pages=(), claims={},
                       analyses=(), runs={}, outcomes={}, traces={})
    context = tracker_context(snap, TrialFilters(sort="start"))
    assert [t["start_date"] for t in context["trials"]] == ["2024-05-01", "2020-01-01", None]


@pytest.mark.parametrize(("registry", "registry_id", "url"), [
    (Registry.NCT, "NCT04802733", "https://clinicaltrials.gov/study/NCT04802733"),
    (Registry.JRCT, "jRCT2090220384", "https://jrct.niph.go.jp/en-latest-detail/jRCT2090220384"),
    (Registry.ISRCTN, "ISRCTN12345678", "https://www.isrctn.com/ISRCTN12345678"),
    (Registry.UMIN, "UMIN000033564",
     "https://trialsearch.who.int/Trial2.aspx?TrialID=JPRN-UMIN000033564"),
])
def test_registry_links(registry: Registry, registry_id: str, url: str) -> None:
    link = registry_link(registry, registry_id)
    assert link is not None and link.url == url
    assert registry_link(None, registry_id) is None
