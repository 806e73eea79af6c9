"""Every route of the app, enumerated from :data:`evidencehub.web.app.ROUTES` (so a route a
feature module adds later is checked too): who may reach it, the headers every answer carries,
and no 500 for odd paths, methods and query strings.

Issue 11's contract: a route that writes, reached without a session, answers 401, 403 or a
redirect to ``/login``, never 2xx; ``evidencehub routes --json`` lists every route as
``{"path", "methods", "role"}`` with ``{param}`` placeholders.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from evidencehub.cli import main
from evidencehub.vocab import AccountRole
from evidencehub.web import app as app_module
from evidencehub.web.app import ROUTES, create_app
from evidencehub.web.routing import SAFE_METHODS, WebRoute
from evidencehub.web.security import HEADERS
from tests.web.conftest import PASSWORD, WebClient

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_SAMPLE = {"int": "1", "float": "1.0", "uuid": "00000000-0000-0000-0000-000000000000"}


def concrete(route: WebRoute, value: str = "x") -> str:
    """``route``'s path with every ``{param}`` filled (``value``, or a number for ``int``)."""
    return _PARAM.sub(lambda m: _SAMPLE.get(m.group(2) or "", value), route.path)


def _id(route: WebRoute, method: str) -> str:
    return f"{method} {route.path}"


#: (route, method) for every method of every route that changes something.
WRITES = [(r, m) for r in ROUTES for m in r.methods if m not in SAFE_METHODS]
#: Every GET route that needs a role.
GUARDED_GETS = [r for r in ROUTES if r.role is not None and "GET" in r.methods]
#: Every GET route a reader reaches without an account.
PUBLIC_GETS = [r for r in ROUTES if r.role is None and "GET" in r.methods]
#: (route, method, role) for every role-restricted route and every role below the one it needs.
LOWER_ROLES = [(r, m, role) for r in ROUTES if r.role is not None for m in r.methods
               for role in AccountRole if not role.allows(r.role)]


def refused_without_session(response: httpx.Response) -> bool:
    """401, 403 or a redirect to the sign-in page: never 2xx."""
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.status_code in (302, 303, 307) and (
        location == "/login" or location.startswith("/login?")
    )


# ------------------------------------------------------------------------------ roles


@pytest.mark.parametrize(("route", "method"), WRITES, ids=[_id(*w) for w in WRITES])
def test_a_write_without_a_session_is_refused(web: WebClient, route: WebRoute,
                                              method: str) -> None:
    form = {"csrf_token": "forged", "title": "x", "body": "x", "username": "x", "password": "x"}
    response = web.request(method, concrete(route), data=form)
    assert refused_without_session(response), (response.status_code, response.text[:200])
    assert not 200 <= response.status_code < 300


@pytest.mark.parametrize(("route", "method"), [w for w in WRITES if w[0].role is not None],
                         ids=[_id(*w) for w in WRITES if w[0].role is not None])
def test_a_visitors_own_csrf_token_does_not_open_a_write_route(
    web: WebClient, route: WebRoute, method: str
) -> None:
    # A visitor who loaded the sign-in form holds a valid double-submit token: it must not
    # stand in for a session.
    token = "visitor-token-0123456789abcdef"
    response = web.request(method, concrete(route), data={"csrf_token": token},
                           headers={"X-CSRF-Token": token,
                                    "Cookie": f"evidencehub_csrf={token}"})
    assert response.status_code == 401, response.text[:200]


@pytest.mark.parametrize("route", GUARDED_GETS, ids=[r.path for r in GUARDED_GETS])
def test_a_guarded_page_sends_a_visitor_to_sign_in(web: WebClient, route: WebRoute) -> None:
    path = concrete(route)
    response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={quote(path, safe='')}"


@pytest.mark.parametrize(("route", "method", "role"), LOWER_ROLES,
                         ids=[f"{_id(r, m)} as {role}" for r, m, role in LOWER_ROLES])
def test_a_lower_role_is_forbidden(web: WebClient, route: WebRoute, method: str,
                                   role: AccountRole) -> None:
    web.login(role.value)
    token = web.csrf_from("/")
    response = web.request(method, concrete(route), data={"csrf_token": token},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 403, response.text[:200]


def test_the_checks_above_see_guarded_routes(web_store: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard as the parametrised tests exercise it, on routes of every kind (the app may
    not have all of them yet)."""

    def done(request: object) -> httpx.Response:
        raise AssertionError("the endpoint must not run")

    probes = (WebRoute("/probe/{id:int}", done, ("GET",), AccountRole.EDITOR),
              WebRoute("/probe/{name}", done, ("POST", "DELETE"), AccountRole.ADMIN))
    monkeypatch.setattr(app_module, "ROUTES", (*probes, *ROUTES))
    web = WebClient(create_app(web_store, probe_interval=0.0))
    try:
        assert web.get("/probe/1").headers["location"] == "/login?next=%2Fprobe%2F1"
        for method in ("POST", "DELETE"):
            assert refused_without_session(web.request(method, "/probe/x"))
        web.login("reviewer")
        token = web.csrf_from("/")
        assert web.get("/probe/1").status_code == 403
        assert web.post("/probe/x", data={"csrf_token": token}).status_code == 403
    finally:
        web.close()


def test_routes_json_lists_every_route(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [r.to_dict() for r in ROUTES]
    roles = {role.value for role in AccountRole} | {None}
    for row in listed:
        assert set(row) == {"path", "methods", "role"}
        assert row["path"].startswith("/") and ":" not in row["path"], row
        assert all(re.fullmatch(r"\w+", p) for p in re.findall(r"\{([^}]*)\}", row["path"]))
        assert row["methods"] and all(m in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
                                      for m in row["methods"]), row
        assert row["role"] in roles
    assert {"/", "/search", "/login", "/logout"} <= {row["path"] for row in listed}


def test_every_route_of_the_app_is_a_guarded_web_route(web: WebClient) -> None:
    served = [(r.path, sorted(r.methods or ())) for r in web.app.routes if isinstance(r, Route)]
    assert len(served) == len(web.app.routes) == len(ROUTES)
    for (path, methods), route in zip(served, ROUTES, strict=True):
        assert path == route.path
        assert set(route.methods) <= set(methods)


# ------------------------------------------------------------------------------ headers


def assert_secure_headers(response: httpx.Response) -> None:
    for name, value in HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (
            response.request.url, response.status_code, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-eval" not in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer",
                                                    "strict-origin-when-cross-origin")


def _plot_name(web: WebClient) -> str:
    found = re.search(r'/plots/([\w-]+\.svg)', web.get("/pages/hba1c-glucose-lowering-drugs").text)
    if found is None:
        found = re.search(r'src="[./]*plots/([\w-]+\.svg)"',
                          web.get("/pages/hba1c-glucose-lowering-drugs").text)
    assert found is not None
    return found.group(1)


def test_security_headers_on_every_kind_of_answer(web: WebClient) -> None:
    kinds: dict[str, httpx.Response] = {
        "html": web.get("/"),
        "json twin": web.get("/index.json"),
        "search json": web.get("/search.json", params={"q": "insulin"}),
        "404 html": web.get("/no/such/page"),
        "404 json": web.get("/no/such/page.json"),
        "405": web.request("DELETE", "/"),
        "403 (no CSRF token)": web.post("/logout"),
        "redirect": web.get("/favicon.ico"),
        "static css": web.get("/static/style.css"),
        "svg plot": web.get(f"/plots/{_plot_name(web)}"),
        "login form": web.get("/login"),
    }
    token = web.csrf_from("/login")
    for _ in range(5):
        kinds["401"] = web.post("/login", data={"username": "admin", "password": "wrong",
                                                "csrf_token": token})
    kinds["429"] = web.post("/login", data={"username": "admin", "password": "wrong",
                                            "csrf_token": token})
    expected = {"html": 200, "json twin": 200, "search json": 200, "404 html": 404,
                "404 json": 404, "405": 405, "403 (no CSRF token)": 403, "redirect": 301,
                "static css": 200, "svg plot": 200, "login form": 200, "401": 401, "429": 429}
    assert {kind: r.status_code for kind, r in kinds.items()} == expected
    for response in kinds.values():
        assert_secure_headers(response)


def test_security_headers_on_a_redirect_to_sign_in_and_after_signing_in(
    web: WebClient, web_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = web.csrf_from("/login")
    signed_in = web.post("/login", data={"username": "editor", "password": PASSWORD,
                                         "csrf_token": token})
    assert signed_in.status_code == 303
    assert_secure_headers(signed_in)
    assert_secure_headers(web.get("/"))  # a page rendered for an account, not from the cache
    probe = WebRoute("/probe", lambda request: None, ("GET",), AccountRole.ADMIN)  # type: ignore[arg-type, return-value]
    monkeypatch.setattr(app_module, "ROUTES", (probe, *ROUTES))
    other = WebClient(create_app(web_store, probe_interval=0.0))
    try:
        to_login = other.get("/probe")
        assert to_login.status_code == 303
        assert_secure_headers(to_login)
    finally:
        other.close()


def test_security_headers_on_a_500_page(web: WebClient, monkeypatch: pytest.MonkeyPatch) -> None:
    view = web.app.state.hub.view

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(view, "render", broken)
    for path, kind in (("/", "text/html"), ("/index.json", "application/json")):
        response = web.get(path)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith(kind)
        assert "RuntimeError" not in response.text and "Traceback" not in response.text
        assert_secure_headers(response)


def test_security_headers_on_a_500_outside_any_route(web_store: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in a middleware (outside every route's guard) still gets the site's error page
    with the headers."""
    from evidencehub.web.guard import AccountMiddleware

    def broken(self: object, token: str) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(AccountMiddleware, "_lookup", broken)
    app = create_app(web_store, probe_interval=0.0)
    client = WebClient(app)
    client._http = httpx.AsyncClient(  # the app re-raises after answering, as uvicorn expects
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="https://testserver")
    try:
        response = client.get("/", headers={"Cookie": "evidencehub_session=abc"})
        assert response.status_code == 500
        assert "Traceback" not in response.text and "a bug" not in response.text
        assert_secure_headers(response)
    finally:
        client.close()


# ------------------------------------------------------------------------------ fuzzing

ODD_PATHS = (
    "/..%2f..%2fetc%2fpasswd", "/static/..%2f..%2fpyproject.toml", "/pages/..%2f..%2findex",
    "/%2e%2e/%2e%2e/etc/passwd", "/static/%2e%2e%2fstyle.css", "/plots/..%2fx.svg",
    "/pages/%00", "/%00.json", "/search%00", "/pages/x%00.html", "/%c0%ae%c0%ae/",
    "/" + "a" * 8000, "/pages/" + "%41" * 4000, "/" + "/".join(["x"] * 500),
    "/%", "/%zz", "/pages/%ff%fe.json", "/static/", "/plots/", "/trace/run-99999999",
    "/studies/%0d%0aSet-Cookie:%20x=1", "/index.html/", "/.evidencehub-site", "/.git/config",
    "/pages/<script>alert(1)</script>", "/\\..\\..\\windows", "/login/..;/", "//example.com",
)
ODD_METHODS = ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO", "CONNECT")


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_paths_never_answer_500(web: WebClient, path: str) -> None:
    for method in ("GET", "HEAD"):
        response = web.request(method, path)
        assert response.status_code < 500, (method, path, response.status_code)
        assert "Traceback" not in response.text
        assert_secure_headers(response)
    assert "<script>alert(1)" not in web.get(ODD_PATHS[-4]).text


@pytest.mark.parametrize("method", ODD_METHODS)
def test_odd_methods_never_answer_500(web: WebClient, method: str) -> None:
    for path in ("/", "/search", "/login", "/nothing", *(concrete(r) for r in PUBLIC_GETS)):
        response = web.request(method, path)
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
        assert_secure_headers(response)


#: Full-text syntax of SQLite FTS5 and PostgreSQL's tsquery, and other awkward input.
FTS_QUERIES = (
    '"', '""', '"unclosed', "*", "insulin*", "NEAR(", "NEAR(a b, -1)", "a AND", "OR OR",
    "NOT", "-", "--", "^", "a:b", "title:", "{a b}", "(", ")", "((((a", "a & b | !c", "!",
    "<->", "a <-> b", ":*", "'", "\\", "%", "_", "\x00", "\ud7ff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ﷺ" * 50,
    "a" * 10_000, " ".join(["insulin"] * 500), "x" + "\u0301" * 1000, "NCT04802733",
    "SELECT * FROM records; --", "<script>alert(1)</script>",
)


def _public_query_urls(value: str) -> Iterator[str]:
    for route in PUBLIC_GETS:
        yield concrete(route) + "?" + urlencode({"q": value, "next": value, "page": value})


@pytest.mark.parametrize("value", FTS_QUERIES, ids=range(len(FTS_QUERIES)))
def test_query_strings_never_answer_500(web: WebClient, value: str) -> None:
    for url in _public_query_urls(value):
        response = web.get(url)
        assert response.status_code < 500, (url[:120], response.status_code)


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=st.lists(st.tuples(_TEXT, _TEXT), max_size=4),
       raw=st.text(alphabet=string.printable, max_size=60))
@example(query=[("q", '"a" NEAR(b')], raw="q=%zz&&=&q")
def test_fuzzed_query_strings_never_answer_500(
    web: WebClient, query: list[tuple[str, str]], raw: str
) -> None:
    for route in PUBLIC_GETS:
        path = concrete(route)
        for url in (path + "?" + urlencode(query), path + "?" + quote(raw, safe="=&%+")):
            response = web.get(url)
            assert response.status_code < 500, (url[:120], response.status_code)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(segment=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                       min_size=1, max_size=120))
@example(segment="../../etc/passwd")
@example(segment="\x00")
def test_fuzzed_path_parameters_never_answer_500(web: WebClient, segment: str) -> None:
    for route in PUBLIC_GETS:
        if _PARAM.search(route.path):
            url = concrete(route, quote(segment, safe=""))
            response = web.get(url)
            assert response.status_code < 500, (url[:120], response.status_code)
