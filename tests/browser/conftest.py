"""Real headless Chromium (Debian's, driven by Playwright) against ``evidencehub serve``.

* ``browser`` — one Chromium per test module (not per session: Playwright's sync API keeps an
  event loop running while it is open, and the web tests' clients run loops of their own);
* ``page`` — a fresh tab (1280 × 900) and the list of problems it met: console errors and
  warnings, uncaught page errors, failed requests (a navigation's own aborts excepted). A test
  ends with ``assert problems == []``;
* ``hub_server`` — the demo hub with one account per role (names ``admin``, ``editor``,
  ``reviewer``; password :data:`tests.web.conftest.PASSWORD`), served without ``--site``
  from a store of the module's own (a copy of :func:`tests.web.conftest.web_store`, made by
  :func:`store_copy`, which other modules use for hubs of their own);
  ``login(tab, base, name)`` signs a tab in;
* ``phone`` — a fresh tab on a phone (390 × 844, touch) and the console errors and page errors
  it met.

Skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.publish.conftest import demo_store  # noqa: F401 - fixture
from tests.serving import serving
from tests.web.conftest import PASSWORD, web_store  # noqa: F401 - fixture

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

skip_without_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium"
)


#: The width of the ``phone`` fixture's viewport, in CSS pixels.
PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type in ("error", "warning") else None
        ),
    )
    opened.on("pageerror", lambda error: problems.append(str(error)))
    # A navigation cancels the sub-resource loads still in flight (e.g. the favicon) with
    # net::ERR_ABORTED; that is the test moving on, not a failure of the server.
    opened.on(
        "requestfailed",
        lambda request: (
            problems.append(f"failed: {request.url} ({request.failure})")
            if request.failure != "net::ERR_ABORTED"
            else None
        ),
    )
    yield opened, problems
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844},
                                  device_scale_factor=3, is_mobile=True, has_touch=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab, problems
    context.close()


def store_copy(hub: str, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A copy of the store at URL ``hub`` (``web_store``: the demo hub with accounts) in a
    new folder ``name``."""
    db = tmp_path_factory.mktemp(name) / "hub.db"
    shutil.copyfile(hub.removeprefix("sqlite:///"), db)
    return db


@pytest.fixture(scope="module")
def hub_server(web_store: str,  # noqa: F811 - the imported fixture
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the demo hub with the accounts admin, editor and reviewer."""
    with serving(store_copy(web_store, tmp_path_factory, "hub-server")) as base:
        yield base


def login(tab: Any, base: str, name: str, password: str = PASSWORD) -> None:
    """Sign ``tab`` in as ``name`` through the sign-in form."""
    tab.goto(base + "/login")
    tab.fill("#username", name)
    tab.fill("#password", password)
    tab.click("#sign-in")
    tab.wait_for_url(base + "/")
