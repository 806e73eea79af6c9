"""``GET /editor/cite``: the citation autocomplete's source (web/editor.py ``cite``): who may
ask, what matches, the limit, and queries that must never break it."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest

from evidencehub.web.editor import CITE_LIMIT_MAX, CITE_QUERY_CHARS
from tests.web.conftest import WebClient


def _cite(client: WebClient, **params: Any) -> Any:
    answer = client.get("/editor/cite", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    return answer.json()


def test_only_editors_may_search_the_library(web: WebClient) -> None:
    anonymous = web.get("/editor/cite", params={"q": "mandai"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=%2Feditor%2Fcite%3Fq%3Dmandai"
    web.login("reviewer")
    refused = web.get("/editor/cite", params={"q": "mandai"})
    assert refused.status_code == 403 and "needs the editor role" in refused.text
    assert "mandai2017" not in refused.text
    web.post("/logout", data={"csrf_token": web.csrf_from("/")})
    web.login("admin")
    assert [m["key"] for m in _cite(web, q="mandai")] == ["mandai2017"]


@pytest.mark.parametrize(("query", "key"), [
    ("Reprogramming of mouse", "takahashi2006"),        # title words
    ("dopaminergic", "tabar2025"),                      # one title word
    ("Yamanaka", "takahashi2006"),                      # an author who is not first
    ("sawamoto", "sawamoto2025"),                       # first author
    ("10.1056/NEJMoa1608368", "mandai2017"),            # a DOI, case as printed
    ("40240592", "tabar2025"),                          # a PMID
    ("takahashi2007", "takahashi2007"),                 # the key itself
    ("reichman 2025", "reichman2025"),                  # author and year
])
def test_a_study_is_found_by_title_author_doi_pmid_or_key(web: WebClient, query: str,
                                                          key: str) -> None:
    web.login("editor")
    found = _cite(web, q=query)
    assert key in [m["key"] for m in found]


def test_a_match_carries_what_the_popup_shows(web: WebClient) -> None:
    web.login("editor")
    (match,) = _cite(web, q="40240592")
    assert match == {
        "key": "tabar2025", "label": "Tabar et al. 2025", "design": match["design"],
        "year": 2025, "title": match["title"], "authors": match["authors"],
        "journal": "Nature", "doi": "10.1038/s41586-025-08845-y", "pmid": "40240592",
        "markup": "[@tabar2025]",
    }
    assert match["authors"][0] == "Tabar V"
    assert "dopaminergic" in match["title"]


def test_the_limit_holds_and_bad_limits_are_refused(web: WebClient) -> None:
    web.login("editor")
    assert len(_cite(web, q="e")) == 10
    assert len(_cite(web, q="e", limit=3)) == 3
    assert len(_cite(web, q="e", limit=CITE_LIMIT_MAX)) > 10
    for bad in ("0", str(CITE_LIMIT_MAX + 1), "-1", "ten", "²", "9" * 5000, ""):
        refused = web.get("/editor/cite", params={"q": "e", "limit": bad})
        assert refused.status_code == 400, bad
        assert refused.json()["error"].startswith("limit must be a whole number from 1 to 50")


@pytest.mark.parametrize("query", [
    "", "   ", "[@", "@", ";", "zzzzqqq",
    '"stem cell"', "stem* OR islet", "title:mandai", "NEAR(a b)", "a AND NOT b", "-mandai",
    "' OR 1=1 --", "%", "_", "\\", "mandai\x00", "<img src=x onerror=alert(1)>",
    "mandai " * 2000, "x" * 10_000, "😀 ünïcödé", "\u202e\u200b",
])
def test_weird_queries_answer_a_list_never_an_error(web: WebClient, query: str) -> None:
    web.login("editor")
    found = _cite(web, q=query)
    assert isinstance(found, list)
    if not query.strip() or query.strip() in ("[@", "@"):
        assert found == []


def test_only_the_first_characters_of_a_long_query_count(web: WebClient) -> None:
    web.login("editor")
    padded = "mandai" + " " * (CITE_QUERY_CHARS - 6) + "zzzz-not-read"
    assert [m["key"] for m in _cite(web, q=padded)] == ["mandai2017"]


def test_the_editor_page_carries_the_list_and_its_script(web: WebClient) -> None:
    web.login("editor")
    html = web.get("/editor/pages/ipsc-derived-cell-therapy").text
    tree = lxml.html.fromstring(html)
    body = tree.get_element_by_id("f-body")
    assert body.get("aria-describedby") == "f-body-hint"
    assert "[@" in tree.get_element_by_id("f-body-hint").text_content()
    popup = tree.get_element_by_id("cite-popup")
    assert popup.get("hidden") is not None
    assert tree.get_element_by_id("cite-list").get("role") == "listbox"
    assert tree.get_element_by_id("page-form").get("data-cite-url") == "/editor/cite"
    assert '<script src="/static/cite_complete.js" defer></script>' in html
    assert 'id="cite-q"' not in html                       # the old search box is gone
    script = web.get("/static/cite_complete.js")
    assert script.status_code == 200
    assert script.headers["content-type"].endswith("/javascript")
    assert "innerHTML" not in script.text                   # server text goes in as text
