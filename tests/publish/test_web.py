"""The web app: the built site, JSON twins, record search, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette

from evidencehub.errors import ConfigError, StoreError
from evidencehub.publish.site import build_site
from evidencehub.publish.snapshot import HubSnapshot
from evidencehub.publish.web import create_app
from evidencehub.store import init_db, open_existing, transaction
from evidencehub.store.repo import records as records_repo


class AppClient:
    """Requests to the ASGI app in process, through httpx's ASGI transport (no server)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                return await http.get(url, params=params)

        return asyncio.run(fetch())


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: HubSnapshot) -> Path:
    site = tmp_path_factory.mktemp("web") / "site"
    build_site(demo_snapshot, site)
    return site


@pytest.fixture
def client(
    engine: Engine, built_site: Path, demo_snapshot: HubSnapshot
) -> Iterator[tuple[AppClient, Path]]:
    with transaction(engine) as session:
        for record in demo_snapshot.records:
            records_repo.upsert_record(session, record, source="test")
    yield AppClient(create_app(engine, built_site)), built_site


def test_serves_the_built_files(client: tuple[AppClient, Path]) -> None:
    http, site = client
    home = http.get("/")
    assert home.status_code == 200
    assert home.content == (site / "index.html").read_bytes()
    page = http.get("/pages/ipsc-derived-cell-therapy.json")
    assert page.status_code == 200
    assert page.json()["footnotes"][0]["study"]["key"] == "takahashi2006"
    css = http.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")


def test_search_records(client: tuple[AppClient, Path]) -> None:
    http, _ = client
    found = http.get("/search.json", params={"q": "dopaminergic"}).json()
    assert found["query"] == "dopaminergic"
    assert sorted(r["doi"] for r in found["records"]) == [
        "10.1038/s41586-025-08700-0",
        "10.1038/s41586-025-08845-y",
    ]
    page = http.get("/search", params={"q": "dopaminergic"})
    assert page.status_code == 200
    assert "2 publications found for “dopaminergic”." in page.text
    assert http.get("/search.json").json()["records"] == []


def test_missing_page_is_a_404_page(client: tuple[AppClient, Path]) -> None:
    http, _ = client
    response = http.get("/pages/no-such-page.html")
    assert response.status_code == 404
    assert "There is no page at this address." in response.text
    assert 'href="/static/style.css"' in response.text


def test_refuses_a_directory_without_a_site(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"no site built in .*empty; run `evidencehub build --site"
    ):
        create_app("sqlite://", tmp_path / "empty")


def test_refuses_a_store_that_does_not_exist(tmp_path: Path, built_site: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError) as raised:
        create_app(str(missing), built_site)
    assert str(raised.value) == (
        f"no store at {missing}; run `evidencehub import` or `evidencehub demo` first"
    )
    assert not missing.exists()


def test_a_store_gone_while_serving_answers_503_never_500(tmp_path: Path, built_site: Path) -> None:
    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    engine = open_existing(str(path))
    try:
        http = AppClient(create_app(engine, built_site))
        assert http.get("/search.json", params={"q": "islets"}).status_code == 200
        engine.dispose()  # no pooled connection keeps the removed file open
        path.unlink()
        page = http.get("/search", params={"q": "islets"})
        assert page.status_code == 503
        assert "<h1>Search unavailable</h1>" in page.text
        data = http.get("/search.json", params={"q": "islets"})
        assert data.status_code == 503
        assert data.json()["status"] == 503
        assert http.get("/").status_code == 200  # the static site is still served
        assert not path.exists()
    finally:
        engine.dispose()
