"""Signing in and out, the sign-in throttle, and the guard every route passes (role, CSRF)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from evidencehub.store.session import make_engine
from evidencehub.vocab import AccountRole
from evidencehub.web.app import create_app
from evidencehub.web.auth import safe_next
from evidencehub.web.guard import SESSION_COOKIE, actor_of, guarded
from evidencehub.web.routing import WebRoute
from tests.web.conftest import PASSWORD, WebClient


def _set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


def test_signing_in_starts_a_session_in_a_protected_cookie(web_writable: WebClient) -> None:
    token = web_writable.csrf_from("/login")
    response = web_writable.post("/login", data={"username": "editor", "password": PASSWORD,
                                                 "csrf_token": token, "next": "/library.html"})
    assert response.status_code == 303 and response.headers["location"] == "/library.html"
    session = next(c for c in _set_cookies(response) if c.startswith(f"{SESSION_COOKIE}="))
    flags = {part.strip().lower() for part in session.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    home = web_writable.get("/")
    assert "editor" in home.text and "Sign out" in home.text
    # Signed in already, the form sends the account straight on.
    assert web_writable.get("/login?next=/library.html").headers["location"] == "/library.html"


@pytest.mark.parametrize("name", ["editor", "nobody"])
def test_a_wrong_name_or_password_is_refused_with_the_same_words(
    web_writable: WebClient, name: str
) -> None:
    response = web_writable.post("/login", data={
        "username": name, "password": "not the password",
        "csrf_token": web_writable.csrf_from("/login")})
    assert response.status_code == 401
    assert "Wrong name or password." in response.text
    assert not any(c.startswith(f"{SESSION_COOKIE}=") for c in _set_cookies(response))


def test_repeated_failures_answer_429_even_with_the_right_password(
    web_writable: WebClient,
) -> None:
    token = web_writable.csrf_from("/login")
    for _ in range(5):
        response = web_writable.post("/login", data={"username": "reviewer", "password": "wrong "
                                                     "password", "csrf_token": token})
        assert response.status_code == 401
    response = web_writable.post("/login", data={"username": "reviewer", "password": PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 300
    assert "Too many failed sign-ins" in response.text


def test_a_sign_in_without_the_forms_token_is_refused(web_writable: WebClient) -> None:
    response = web_writable.post("/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code == 403
    web_writable.csrf_from("/login")  # the cookie is set, but the form must carry it too
    response = web_writable.post("/login", data={"username": "editor", "password": PASSWORD,
                                                 "csrf_token": "forged"})
    assert response.status_code == 403


def test_signing_out_ends_the_session_in_the_store(web_writable: WebClient) -> None:
    web_writable.login("editor")
    cookie = web_writable._http.cookies.get(SESSION_COOKIE)
    assert cookie
    assert web_writable.post("/logout").status_code == 403  # no CSRF token: refused
    token = web_writable.csrf_from("/")  # the header's sign-out form
    response = web_writable.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/"
    # A kept copy of the cookie is worth nothing now.
    web_writable._http.cookies.set(SESSION_COOKIE, cookie, domain="testserver")
    assert "Sign out" not in web_writable.get("/").text


@pytest.mark.parametrize(
    ("target", "kept"),
    [("/pages/insulin.html", True), ("/search?q=a", True), ("//evil.example/", False),
     ("https://evil.example/", False), ("/\\evil.example", False), ("", False),
     ("pages/x.html", False)],
)
def test_after_signing_in_only_a_path_of_this_site_is_followed(target: str, kept: bool) -> None:
    assert safe_next(target) == (target if kept else "/")


# The guard, on routes of a test's own added to the app.

def _whoami(request: Request) -> Response:
    return PlainTextResponse(actor_of(request).name)


def _broken(request: Request) -> Response:
    raise RuntimeError("a bug in an endpoint")


@pytest.fixture
def guarded_client(hub_copy: str) -> Iterator[WebClient]:
    engine = make_engine(hub_copy)
    app = create_app(engine, probe_interval=0.0)
    extra = [WebRoute("/test/edit", _whoami, ("GET", "POST"), AccountRole.EDITOR),
             WebRoute("/test/broken", _broken)]
    for route in reversed(extra):
        app.router.routes.insert(0, Route(route.path, guarded(route), methods=list(route.methods)))
    client = WebClient(app)
    try:
        yield client
    finally:
        client.close()
        engine.dispose()


def test_a_visitor_is_sent_to_sign_in_or_refused(guarded_client: WebClient) -> None:
    response = guarded_client.get("/test/edit?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Ftest%2Fedit%3Fx%3D1"
    assert guarded_client.post("/test/edit", data={"csrf_token": "x"}).status_code == 401


def test_a_role_below_the_routes_is_refused(guarded_client: WebClient) -> None:
    guarded_client.login("reviewer")
    response = guarded_client.get("/test/edit")
    assert response.status_code == 403 and "editor role" in response.text


@pytest.mark.parametrize("name", ["editor", "admin"])
def test_a_write_needs_the_sessions_csrf_token(guarded_client: WebClient, name: str) -> None:
    guarded_client.login(name)
    assert guarded_client.post("/test/edit").status_code == 403
    assert guarded_client.post("/test/edit", headers={"X-CSRF-Token": "forged"}).status_code == 403
    token = guarded_client.csrf_from("/")
    response = guarded_client.post("/test/edit", headers={"X-CSRF-Token": token})
    assert response.status_code == 200 and response.text == name
    response = guarded_client.post("/test/edit", data={"csrf_token": token})
    assert response.status_code == 200 and response.text == name


def test_a_bug_in_an_endpoint_is_an_error_page_without_a_traceback(
    guarded_client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = guarded_client.get("/test/broken")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "a bug in an endpoint" not in response.text
    assert "a bug in an endpoint" in caplog.text  # logged for the operator
