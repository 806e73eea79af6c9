"""A logged-out visitor in Chromium cannot reach any write route (issue 11): every GET route of
the write area (a route that needs a role, enumerated from :data:`evidencehub.web.app.ROUTES`)
lands on ``/login``, and a form posted without a session is refused."""

from __future__ import annotations

from typing import Any

import pytest

from evidencehub.web.app import ROUTES
from tests.browser.conftest import skip_without_chromium
from tests.web.test_routes import concrete

pytestmark = [pytest.mark.browser, skip_without_chromium]

GUARDED_GETS = [r for r in ROUTES if r.role is not None and "GET" in r.methods]
#: Every route that changes something, with its first such method.
WRITES = [(r, next(m for m in r.methods if m not in ("GET", "HEAD"))) for r in ROUTES
          if any(m not in ("GET", "HEAD") for m in r.methods)]


@pytest.mark.parametrize("path", [concrete(r) for r in GUARDED_GETS] or ["/login"])
def test_a_write_area_page_lands_on_sign_in(hub_server: str, page: tuple[Any, list[str]],
                                            path: str) -> None:
    tab, problems = page
    tab.goto(hub_server + path)
    assert tab.url.startswith(hub_server + "/login")
    assert tab.locator("#username").is_visible() and tab.locator("#password").is_visible()
    assert problems == []


@pytest.mark.parametrize(("path", "method"), [(concrete(r), m) for r, m in WRITES],
                         ids=[f"{m} {r.path}" for r, m in WRITES])
def test_a_form_posted_without_a_session_is_refused(
    hub_server: str, page: tuple[Any, list[str]], path: str, method: str
) -> None:
    tab, _ = page
    tab.goto(hub_server + "/")
    # A form as another site (or a stale tab) would send it: no session, no valid token.
    status = tab.evaluate(
        """async ([path, method]) => {
            const body = new URLSearchParams({csrf_token: "forged", title: "x", body: "x"});
            const r = await fetch(path, {method, body, redirect: "manual"});
            return r.type === "opaqueredirect" ? 303 : r.status;
        }""",
        [path, method],
    )
    assert status in (303, 401, 403)
    if status == 303:  # redirects only to the sign-in page
        response = tab.request.fetch(hub_server + path, method=method, max_redirects=0,
                                     form={"csrf_token": "forged"})
        assert response.headers["location"].startswith("/login")
    tab.goto(hub_server + "/")
    assert tab.locator(".account a[href='/login']").is_visible()  # still signed out


def test_a_real_form_submitted_without_a_session_is_refused(
    hub_server: str, page: tuple[Any, list[str]]
) -> None:
    tab, _ = page
    tab.goto(hub_server + "/")
    # The sign-out form, rebuilt on a page without a session: the server refuses it.
    with tab.expect_navigation():
        tab.evaluate("""() => {
            const form = document.createElement("form");
            form.method = "post"; form.action = "/logout";
            form.innerHTML = '<input type="hidden" name="csrf_token" value="forged">';
            document.body.append(form); form.submit();
        }""")
    assert tab.url == hub_server + "/logout"
    assert "did not come from this site" in tab.locator("body").inner_text()
