"""Real headless Chromium (Debian's, driven by Playwright) against ``evidencehub serve``.

* ``browser`` — one Chromium per test module;
* ``page`` — a fresh tab (1280 × 900) and the list of problems it met: console errors and
  warnings, uncaught page errors, failed requests (a navigation's own aborts excepted). A test
  ends with ``assert problems == []``;
* ``hub_server`` — the demo hub with one account per role (names ``admin``, ``editor``,
  ``reviewer``; password :data:`tests.web.conftest.PASSWORD`), served without ``--site``
  from a store of the module's own; ``login(tab, base, name)`` signs a tab in.

Skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidencehub.demo import run_demo
from evidencehub.store.repo import users as users_repo
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import AccountRole
from evidencehub.web.passwords import hash_password
from tests.serving import serving
from tests.web.conftest import PASSWORD

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


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the demo hub with the accounts admin, editor and reviewer."""
    root = tmp_path_factory.mktemp("hub-server")
    url = f"sqlite:///{root / 'hub.db'}"
    run_demo(url, root / "site")
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            for role in AccountRole:
                users_repo.add_user(session, role.value, role, hash_password(PASSWORD))
    finally:
        engine.dispose()
    with serving(root / "hub.db") as base:
        yield base


def login(tab: Any, base: str, name: str, password: str = PASSWORD) -> None:
    """Sign ``tab`` in as ``name`` through the sign-in form."""
    tab.goto(base + "/login")
    tab.fill("#username", name)
    tab.fill("#password", password)
    tab.click("#sign-in")
    tab.wait_for_url(base + "/")
