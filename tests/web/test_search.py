"""``/search`` and ``/search.json`` on the demo hub: the issue's examples are found and link to
the hub's own pages, results are grouped and paged, snippets are escaped text, and no query
(syntax, length, bytes) is ever answered with an error."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from evidencehub.model import Record
from evidencehub.store import tables as t
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.search import MAX_QUERY_CHARS
from evidencehub.store.session import make_engine, transaction
from tests.web.conftest import WebClient


def _found(web: WebClient, query: str) -> dict[str, list[str]]:
    response = web.get("/search.json", params={"q": query})
    assert response.status_code == 200
    return {g["kind"]: [h["path"] or h["url"] for h in g["hits"]] for g in response.json()["groups"]}


@pytest.mark.parametrize(("query", "kind", "path"), [
    ("insulin", "page", "pages/stem-cell-derived-insulin.html"),
    ("insulin", "study", "studies/reichman2025.html"),
    ("metformin", "page", "pages/hba1c-glucose-lowering-drugs.html"),
    ("Yamanaka", "study", "studies/takahashi2006.html"),
    ("NCT04802733", "trial", "trials/NCT04802733.html"),
    ("NCT04802733", "page", "pages/ipsc-derived-cell-therapy.html"),
    ("parkinson", "record", "studies/sawamoto2025.html"),
])
def test_the_issue_examples_are_found_on_the_hubs_own_pages(
    web: WebClient, query: str, kind: str, path: str
) -> None:
    assert path in _found(web, query)[kind]
    assert web.get("/" + path).status_code == 200


def test_the_trial_id_finds_its_trial_first(web: WebClient) -> None:
    assert _found(web, "NCT04802733")["trial"] == ["trials/NCT04802733.html"]


def test_html_results_link_to_hub_pages_with_marked_snippets(web: WebClient) -> None:
    page = web.get("/search", params={"q": "insulin"})
    assert page.status_code == 200
    assert '<a href="/pages/stem-cell-derived-insulin.html">' in page.text
    assert "<mark>insulin</mark>" in page.text
    assert 'id="results-page"' in page.text and 'id="results-record"' in page.text
    assert 'value="insulin"' in page.text  # the header's box and the page's box keep the query


def test_a_publication_without_a_study_page_links_outside_and_says_so(
    hub_copy: str, web_writable: WebClient
) -> None:
    engine = make_engine(hub_copy)
    try:
        with transaction(engine) as session:
            upsert_record(session, Record(doi="10.1000/xyz", title="Islet grafts in zebrafish"),
                          source="test")
            upsert_record(session, Record(pmid="424242", title="Zebrafish beta cells"),
                          source="test")
    finally:
        engine.dispose()
    data = web_writable.get("/search.json", params={"q": "zebrafish"}).json()
    hits = {h["key"]: h for g in data["groups"] for h in g["hits"]}
    assert hits["doi:10.1000/xyz"]["url"] == "https://doi.org/10.1000/xyz"
    assert hits["pmid:424242"]["url"] == "https://pubmed.ncbi.nlm.nih.gov/424242/"
    assert all(h["path"] is None and h["note"].startswith("Not in a study of the hub")
               for h in hits.values())
    page = web_writable.get("/search", params={"q": "zebrafish"}).text
    assert '<a href="https://doi.org/10.1000/xyz" rel="noopener">' in page
    assert "Not in a study of the hub" in page


def test_a_kind_is_paged(web: WebClient) -> None:
    first = web.get("/search.json", params={"q": "diabetes", "kind": "study"}).json()
    [group] = first["groups"]
    assert group["total"] > 20 and len(group["hits"]) == 20 and group["previous_path"] is None
    second = web.get("/" + group["next_path"].replace("search?", "search.json?")).json()
    [rest] = second["groups"]
    assert rest["first"] == 21 and rest["previous_path"] is not None
    keys = {h["key"] for h in group["hits"]} | {h["key"] for h in rest["hits"]}
    assert len(keys) == len(group["hits"]) + len(rest["hits"])
    all_kinds = web.get("/search.json", params={"q": "diabetes"}).json()
    studies = next(g for g in all_kinds["groups"] if g["kind"] == "study")
    assert len(studies["hits"]) == 5 and studies["more_path"] == "search?q=diabetes&kind=study"


def test_snippets_and_queries_are_text_never_markup(web: WebClient) -> None:
    payload = '<script>alert(1)</script><img src=x onerror=alert(1)> insulin'
    page = web.get("/search", params={"q": payload})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text


def test_a_long_query_is_cut_with_a_notice(web: WebClient) -> None:
    data = web.get("/search.json", params={"q": "insulin " + "x" * 10_000}).json()
    assert data["notice"].startswith("Your search was too long")
    assert len(data["query"]) == MAX_QUERY_CHARS
    assert "pages/stem-cell-derived-insulin.html" in [
        h["path"] for g in data["groups"] for h in g["hits"]] or data["total"] == 0
    empty = web.get("/search.json", params={"q": "***"}).json()
    assert empty["notice"].startswith("Your search has no words") and empty["groups"] == []
    assert web.get("/search.json").json()["notice"] is None


@pytest.mark.parametrize("raw", [
    "q=%22", "q=NEAR(insulin%2C2)", "q=insulin*", "q=((((", "q=%00", "q=insulin%00cells",
    "q=%ff%fe%fd", "q=%C3%28", "q=%ED%A0%80", "q=" + "%28" * 3000, "q=a&q=b", "q=",
    "q=insulin&kind=nothing", "q=insulin&kind=record&page=-1", "q=insulin&kind=page&page=99999",
    "q=insulin&kind=page&page=" + "9" * 5000, "q=insulin&kind=page&page=1e9", "kind=trial",
    "q=aspirin&kind=study&page=%C2%B2",
    "q=%E2%80%AE%E2%80%8B", "q=" + quote("title:insulin OR -cells ^x \"y\" NOT z"),
])
def test_odd_queries_are_answered_never_an_error(web: WebClient, raw: str) -> None:
    for path in ("/search", "/search.json"):
        response = web.get(f"{path}?{raw}")
        assert response.status_code == 200, (path, raw)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=400))
def test_fuzzed_queries_are_answered(web: WebClient, query: str) -> None:
    response = web.get("/search.json", params={"q": query})
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_page_that_is_not_published_is_not_found(web_writable: WebClient) -> None:
    assert "pages/stem-cell-derived-insulin.html" in _found(web_writable, "insulin")["page"]
    engine = make_engine(str(web_writable.app.state.hub.engine.url))
    try:
        with transaction(engine) as session:
            session.execute(update(t.Page).where(t.Page.slug == "stem-cell-derived-insulin")
                            .values(status="draft"))
    finally:
        engine.dispose()
    web_writable.app.state.hub.view.invalidate()
    pages = _found(web_writable, "insulin").get("page", [])
    assert "pages/stem-cell-derived-insulin.html" not in pages
