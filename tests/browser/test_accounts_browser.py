"""Signing in and out in Chromium: the session cookie, the header, the throttle."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login, skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]


def test_sign_in_and_out(hub_server: str, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    login(tab, hub_server, "editor")
    assert "editor" in tab.locator(".account").inner_text()
    cookie = next(c for c in tab.context.cookies() if c["name"] == "evidencehub_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    tab.click(".account button[type=submit]")
    tab.wait_for_url(hub_server + "/")
    assert "Sign in" in tab.locator(".account").inner_text()
    assert problems == []


def test_a_wrong_password_says_so(hub_server: str, page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    tab.goto(hub_server + "/login")
    tab.fill("#username", "reviewer")
    tab.fill("#password", "not the password")
    tab.click("#sign-in")
    assert tab.locator(".form-error").inner_text() == "Wrong name or password."
