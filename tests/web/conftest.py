"""The web app on the demo hub, in process (httpx over the ASGI transport, on HTTPS so that
the ``Secure`` session cookie is kept), with one account per role.

``web_store`` is built once per test session; tests that write get their own copy
(``hub_copy``), so they never change what another test reads.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from evidencehub.store.repo import users as users_repo
from evidencehub.store.session import make_engine, transaction
from evidencehub.vocab import AccountRole
from evidencehub.web.app import create_app
from evidencehub.web.passwords import hash_password
from tests.publish.conftest import demo_snapshot, demo_store  # noqa: F401 - fixtures

#: Password of every test account (named after its role: admin, editor, reviewer).
PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    """A browser without JavaScript: keeps cookies, reads CSRF tokens from forms.

    Requests run on an event loop of the client's own, through one ``httpx.AsyncClient``
    (Starlette's TestClient warns that its httpx support is deprecated).
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                       base_url="https://testserver")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request (redirects are not followed unless ``follow_redirects=True``)."""
        return self._loop.run_until_complete(self._http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._http.aclose())
        self._loop.close()

    def csrf_from(self, url: str) -> str:
        """The CSRF token of the first form on the page at ``url``."""
        found = _CSRF.search(self.get(url).text)
        assert found is not None, f"no form with a CSRF token at {url}"
        return found.group(1)

    def login(self, name: str, password: str = PASSWORD) -> None:
        """Sign in as ``name`` (fails the test if the app refuses)."""
        response = self.post("/login", data={"username": name, "password": password,
                                             "csrf_token": self.csrf_from("/login")},
                             )
        assert response.status_code == 303, response.text


@pytest.fixture(scope="session")
def web_store(demo_store: str) -> str:  # noqa: F811 - the imported fixture
    """The demo hub with the accounts admin, editor and reviewer (the demo store's URL)."""
    engine = make_engine(demo_store)
    try:
        with transaction(engine) as session:
            if not users_repo.list_users(session):
                for role in AccountRole:
                    users_repo.add_user(session, role.value, role, hash_password(PASSWORD))
    finally:
        engine.dispose()
    return demo_store


@pytest.fixture
def hub_copy(web_store: str, tmp_path: Path) -> str:
    """A copy of ``web_store`` of this test's own, for tests that write."""
    target = tmp_path / "hub.db"
    shutil.copyfile(web_store.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


def _client(url: str) -> Iterator[WebClient]:
    engine = make_engine(url)
    try:
        client = WebClient(create_app(engine, probe_interval=0.0))
        try:
            yield client
        finally:
            client.close()
    finally:
        engine.dispose()


@pytest.fixture
def web(web_store: str) -> Iterator[WebClient]:
    """A client of the app on the shared demo hub (read-only tests)."""
    yield from _client(web_store)


@pytest.fixture
def web_writable(hub_copy: str) -> Iterator[WebClient]:
    """A client of the app on a copy of the demo hub of this test's own."""
    yield from _client(hub_copy)
