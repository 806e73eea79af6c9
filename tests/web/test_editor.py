"""The page editor in the browser (without JavaScript): roles, CSRF, saving with versions,
conflicts, the workflow, history, preview, footnote refresh, sanitising (the citation
search: test_editor_cite.py)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import lxml.html
import pytest

from evidencehub.model import Record, Study, StudyDesign
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.session import make_engine, transaction
from evidencehub.web.editor import ROUTES
from tests.ingest.online.recorded_http import Recorder, recorded
from tests.web.conftest import WebClient

SLUG = "stem-cell-derived-insulin"
_BASE = re.compile(r'name="base_version" value="(\d+)"')


def _fields(client: WebClient, slug: str) -> dict[str, str]:
    """The editor form of ``slug`` as a browser would send it back unchanged."""
    html = client.get(f"/editor/pages/{slug}").text
    tree = lxml.html.fromstring(html)
    form = tree.get_element_by_id("page-form")
    return {name: value or "" for name, value in form.form_values()}


def _save(client: WebClient, slug: str, **changes: str) -> httpx.Response:
    return client.post(f"/editor/pages/{slug}", data={**_fields(client, slug), **changes})


def _new(client: WebClient, **fields: str) -> httpx.Response:
    data = {"csrf_token": client.csrf_from("/editor/new"), "base_version": "0",
            "kind": "article", "status": "draft", **fields}
    return client.post("/editor/new", data=data)


def _status(client: WebClient, slug: str, status: str) -> httpx.Response:
    fields = _fields(client, slug)
    return client.post(f"/editor/pages/{slug}/status", data={
        "csrf_token": fields["csrf_token"], "base_version": fields["base_version"],
        "status": status})


# --------------------------------------------------------------------------- access


def _path(route_path: str) -> str:
    return route_path.replace("{slug}", SLUG)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.methods[0]} {r.path}")
def test_a_visitor_is_sent_to_sign_in_and_a_reviewer_is_refused(web: WebClient, route: Any
                                                               ) -> None:
    method = route.methods[0]
    anonymous = web.request(method, _path(route.path))
    if method == "GET":
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login?next=")
    else:
        assert anonymous.status_code == 401
    web.login("reviewer")
    refused = web.request(method, _path(route.path),
                          data={"csrf_token": web.csrf_from("/")} if method != "GET"
                          else None)
    assert refused.status_code == 403
    assert "needs the editor role" in refused.text


def test_editors_and_admins_see_every_page_with_its_status(web: WebClient) -> None:
    web.login("editor")
    listing = web.get("/editor")
    assert listing.status_code == 200
    assert "iPSC-derived cell therapy" in listing.text and "published" in listing.text
    web.post("/logout", data={"csrf_token": web.csrf_from("/editor")})
    web.login("admin")
    assert web.get(f"/editor/pages/{SLUG}").status_code == 200
    assert web.get("/editor/pages/no-such-page").status_code == 404


def test_a_save_without_the_csrf_token_is_refused(web_writable: WebClient) -> None:
    web_writable.login("editor")
    fields = _fields(web_writable, SLUG)
    del fields["csrf_token"]
    refused = web_writable.post(f"/editor/pages/{SLUG}", data={**fields, "title": "Hijacked"})
    assert refused.status_code == 403
    assert "Hijacked" not in web_writable.get(f"/pages/{SLUG}.html").text
    assert web_writable.post("/editor/preview", data={"body": "x"}).status_code == 403


# --------------------------------------------------------------------------- saving


def test_an_edit_is_saved_as_a_new_version_with_its_editor_and_shows_at_once(
    web_writable: WebClient,
) -> None:
    web_writable.login("editor")
    fields = _fields(web_writable, SLUG)
    assert fields["base_version"] == "0"
    body = fields["body"].replace("In type 1 diabetes", "In type 1 diabetes (T1D)", 1)
    saved = _save(web_writable, SLUG, body=body, note="abbreviation")
    assert saved.status_code == 303 and saved.headers["location"] == f"/editor/pages/{SLUG}?saved=2"
    assert "In type 1 diabetes (T1D)" in web_writable.get(f"/pages/{SLUG}.html").text
    assert _fields(web_writable, SLUG)["base_version"] == "2"
    history = web_writable.get(f"/editor/pages/{SLUG}/history").text
    assert "Version 2" in history and "Version 1" in history
    assert "editor" in history and "abbreviation" in history
    assert "as stored before the history began" in history
    tree = lxml.html.fromstring(history)
    added = [e.text_content() for e in tree.find_class("diff-add")]
    removed = [e.text_content() for e in tree.find_class("diff-remove")]
    assert any("(T1D)" in line for line in added)
    assert any("In type 1 diabetes" in line and "(T1D)" not in line for line in removed)


def test_saving_the_form_unchanged_writes_no_version(web_writable: WebClient) -> None:
    web_writable.login("editor")
    saved = _save(web_writable, SLUG)
    assert saved.headers["location"] == f"/editor/pages/{SLUG}?saved=0"
    assert "No edits recorded yet" in web_writable.get(f"/editor/pages/{SLUG}/history").text


def test_an_edit_based_on_an_older_version_is_refused_and_kept(web_writable: WebClient) -> None:
    web_writable.login("editor")
    stale = _fields(web_writable, SLUG)
    first = _save(web_writable, SLUG, title="First title")
    assert first.status_code == 303
    second = web_writable.post(f"/editor/pages/{SLUG}", data={**stale, "title": "Second title"})
    assert second.status_code == 409
    assert "was changed by someone else (version 2) after you started from version 0" in (
        second.text)
    assert 'value="Second title"' in second.text  # the refused edit is still in the form
    assert "First title" in second.text  # and the diff shows what the other edit changed
    assert "First title" in web_writable.get(f"/pages/{SLUG}.html").text


def test_bad_input_answers_400_with_the_field_named(web_writable: WebClient) -> None:
    web_writable.login("editor")
    cited = _save(web_writable, SLUG, body="New text [@nosuchstudy].")
    assert cited.status_code == 400
    assert "cites study &#39;nosuchstudy&#39;, which is not in the store" in cited.text
    tag = _save(web_writable, SLUG, body="A claim {made-up-tag}.")
    assert tag.status_code == 400 and "unknown evidence tag {made-up-tag}" in tag.text
    date = _save(web_writable, SLUG, as_of="next week")
    assert date.status_code == 400 and "field &#39;as_of&#39;: expected a date" in date.text
    taken = _new(web_writable, slug=SLUG, title="Again")
    assert taken.status_code == 400 and "exists already" in taken.text


# --------------------------------------------------------------------------- workflow


def test_a_new_page_goes_from_stub_to_published_and_only_then_is_public(
    web_writable: WebClient,
) -> None:
    web_writable.login("editor")
    created = _new(web_writable, slug="islet-encapsulation", status="stub",
                   title="Islet encapsulation", category="Cures and advances",
                   body="Devices shield islets from the immune system [@reichman2025].")
    assert created.status_code == 303
    assert web_writable.get("/pages/islet-encapsulation.html").status_code == 404
    refused = _status(web_writable, "islet-encapsulation", "published")
    assert refused.status_code == 400
    assert "page &#39;islet-encapsulation&#39; is stub; it can move to draft" in refused.text
    for status in ("draft", "verified", "published"):
        moved = _status(web_writable, "islet-encapsulation", status)
        assert moved.status_code == 303, moved.text
        if status != "published":
            assert web_writable.get("/pages/islet-encapsulation.html").status_code == 404
    public = web_writable.get("/pages/islet-encapsulation.json").json()
    assert public["page"]["status"] == "published"
    assert public["page"]["as_of"] is not None  # publishing dates an undated page
    assert public["footnotes"][0]["study"]["key"] == "reichman2025"
    assert public["label"]["kinds"]
    # the article in the same category now lists it first among related reading
    related = web_writable.get(f"/pages/{SLUG}.json").json()["related"]
    assert related[0]["slug"] == "islet-encapsulation"
    back = _status(web_writable, "islet-encapsulation", "draft")
    assert back.status_code == 303
    assert web_writable.get("/pages/islet-encapsulation.html").status_code == 404
    xref = web_writable.get("/editor/pages/islet-encapsulation/history").text
    assert "status: published → draft" in xref


def test_a_cross_reference_to_an_unpublished_page_shows_its_status(
    web_writable: WebClient,
) -> None:
    web_writable.login("editor")
    _new(web_writable, slug="type-1-diabetes", status="draft", title="Type 1 diabetes")
    refs = web_writable.get(f"/pages/{SLUG}.json").json()["cross_refs"]
    target = next(r for r in refs if r["slug"] == "type-1-diabetes")
    assert target == {**target, "status": "draft", "exists": False, "path": None}


# --------------------------------------------------------------------------- preview, citations


def test_the_preview_renders_like_the_public_page(web_writable: WebClient) -> None:
    web_writable.login("editor")
    fields = _fields(web_writable, "ipsc-derived-cell-therapy")
    answer = web_writable.post("/editor/preview", data=fields,
                               headers={"X-CSRF-Token": fields["csrf_token"]})
    assert answer.status_code == 200 and answer.json()["problems"] == []
    public = web_writable.get("/pages/ipsc-derived-cell-therapy.html").text
    article = re.search(r"<article class=\"page.*?</article>", public, re.S)
    assert article is not None
    assert answer.json()["html"].strip() == article.group(0).strip()
    bad = web_writable.post("/editor/preview", data={**fields, "body": "x [@nobody] {nope}"},
                            headers={"X-CSRF-Token": fields["csrf_token"]}).json()
    assert bad["html"] == ""
    assert any("unknown evidence tag {nope}" in p for p in bad["problems"])
    assert any("[@nobody] cites a study the hub does not hold" in p for p in bad["problems"])


# --------------------------------------------------------------------------- footnotes


def _oldenburg(url: str) -> None:
    """A record with only a DOI and a title, its study, in the store at ``url``."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            record = Record(doi="10.1056/nejmoa1703068",
                            title="Emicizumab Prophylaxis in Hemophilia A with Inhibitors")
            records_repo.upsert_record(session, record, source="test")
            studies_repo.upsert_study(session, Study(
                key="oldenburg2017", label="Oldenburg 2017", design=StudyDesign.RANDOMISED_CONTROLLED,
                record_keys=(record.key,)))
    finally:
        engine.dispose()


@pytest.mark.usefixtures("no_network")
def test_missing_footnote_fields_are_filled_from_openalex(
    web_writable: WebClient, hub_copy: str,
) -> None:
    _oldenburg(hub_copy)
    web_writable.login("editor")
    _new(web_writable, slug="emicizumab", title="Emicizumab", body="It works [@oldenburg2017].")
    before = web_writable.get("/editor/pages/emicizumab").text
    assert "Fill missing footnote data" in before
    recorder = Recorder([recorded("openalex/works_doi_10.1056_nejmoa1703068.json")])
    web_writable.app.state.online_client = recorder.client()
    fields = _fields(web_writable, "emicizumab")
    filled = web_writable.post("/editor/pages/emicizumab/footnotes",
                               data={"csrf_token": fields["csrf_token"], "mode": "missing"})
    assert filled.status_code == 200
    assert "Asked OpenAlex/Crossref for 1 DOI(s); 1 record(s) updated." in filled.text
    assert len(recorder.requests) == 1
    assert "doi:10.1056/nejmoa1703068" in recorder.requests[0].url.params["filter"]
    for status in ("verified", "published"):
        _status(web_writable, "emicizumab", status)
    footnote = web_writable.get("/pages/emicizumab.json").json()["footnotes"][0]
    record = footnote["study"]["records"][0]
    assert record["citation_count"] == 623 and record["open_access"] == "closed"
    assert record["year"] == 2017 and record["authors"][0].startswith("Oldenburg")
    html = web_writable.get("/pages/emicizumab.html").text
    assert "623 citations" in html and "access: closed" in html


# --------------------------------------------------------------------------- sanitising

#: OWASP XSS filter evasion cheat sheet payloads (and Markdown's own ways to make links).
PAYLOADS = (
    "<script>alert('XSS')</script>",
    "<IMG SRC=x onerror=alert('XSS')>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert('XSS')\">x</a>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('XSS')>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<BODY ONLOAD=alert('XSS')>",
    "\"><script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<http://x.test/\"onmouseover=\"alert(1)>",
)


def _unsafe(html: str) -> list[str]:
    """Everything in ``html`` that could run a script: script elements other than the hub's
    own files, frames and plugins, event-handler attributes, script or data URLs."""
    found = []
    for element in lxml.html.fromstring(html).iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("iframe", "object", "embed") or (
            element.tag == "script" and not element.get("src", "").startswith("/static/")
        ):
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{element.tag} {name}")
            if name in ("href", "src", "action") and re.sub(r"\s", "", value).lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                found.append(f"{element.tag} {name}={value}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_in_title_and_body_render_as_text(web_writable: WebClient,
                                                        payload: str) -> None:
    web_writable.login("editor")
    created = _new(web_writable, slug="xss", title=f"Title {payload}", dek=payload,
                   body=f"Text {payload}\n\n## Heading {payload}\n\n- item {payload}")
    assert created.status_code == 303, created.text
    fields = _fields(web_writable, "xss")
    preview = web_writable.post("/editor/preview", data=fields,
                                headers={"X-CSRF-Token": fields["csrf_token"]}).json()
    assert preview["problems"] == [] and _unsafe(preview["html"]) == []
    for status in ("verified", "published"):
        assert _status(web_writable, "xss", status).status_code == 303
    for path in ("/pages/xss.html", "/editor/pages/xss", "/editor/pages/xss/history", "/editor",
                 "/"):
        html = web_writable.get(path).text
        assert _unsafe(html) == [], path
    assert "Title " in web_writable.get("/pages/xss.html").text
