"""The app's reader side: pages rendered from the store, the same as the static build."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from evidencehub.errors import ConfigError, StoreError
from evidencehub.publish.site import build_site
from evidencehub.publish.snapshot import HubSnapshot
from evidencehub.store import init_db, open_existing
from evidencehub.store.session import make_engine
from evidencehub.web.app import create_app
from tests.web.conftest import WebClient

_MAIN = re.compile(r"<main.*</main>", re.S)


def test_pages_are_rendered_from_the_store(web: WebClient) -> None:
    home = web.get("/")
    assert home.status_code == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert 'action="/search"' in home.text and 'href="/login"' in home.text
    page = web.get("/pages/ipsc-derived-cell-therapy.json")
    assert page.json()["footnotes"][0]["study"]["key"] == "takahashi2006"
    assert web.get("/pages/ipsc-derived-cell-therapy").text == web.get(
        "/pages/ipsc-derived-cell-therapy.html").text
    assert web.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_server_and_static_build_render_the_same_page_bodies(
    web: WebClient, demo_snapshot: HubSnapshot, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    build_site(demo_snapshot, site)
    html_files = sorted(site.rglob("*.html"))
    assert len(html_files) > 20
    for file in html_files:
        path = file.relative_to(site).as_posix()
        served = web.get("/" + path)
        assert served.status_code == 200, path
        built = file.read_text(encoding="utf-8")
        assert _MAIN.search(served.text).group(0) == _MAIN.search(built).group(0), path
        assert web.get("/" + path.removesuffix(".html") + ".json").content == (
            site / (path.removesuffix(".html") + ".json")
        ).read_bytes(), path


def test_a_forest_plot_is_served(web: WebClient, demo_snapshot: HubSnapshot) -> None:
    slug = next(iter(demo_snapshot.runs))
    plot = web.get(f"/plots/{slug}.svg")
    assert plot.status_code == 200 and plot.text.startswith("<svg")
    assert web.get("/plots/none.svg").status_code == 404


def test_missing_pages_and_odd_paths_are_404_pages(web: WebClient) -> None:
    for path in ("/pages/no-such-page.html", "/x/../../etc/passwd", "/static/..%2fstyle.css",
                 "/" + "a" * 5000, "/pages/%00", "/.evidencehub-site", "/trace/run-%C2%B2.html"):
        response = web.get(path)
        assert response.status_code == 404, path
    assert "There is no page at this address." in web.get("/nothing").text
    assert web.get("/nothing.json").json() == {"error": "Not found", "status": 404}


def test_refuses_a_directory_without_a_site(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no site built in .*empty; run `evidencehub build"):
        create_app("sqlite://", tmp_path / "empty")


def test_refuses_a_store_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError) as raised:
        create_app(str(missing))
    assert str(raised.value) == (
        f"no store at {missing}; run `evidencehub import` or `evidencehub demo` first"
    )
    assert not missing.exists()


def test_a_store_gone_while_serving_answers_503_never_500(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    engine = open_existing(str(path))
    web = WebClient(create_app(engine, probe_interval=0.0))
    try:
        assert web.get("/search.json", params={"q": "islets"}).status_code == 200
        engine.dispose()  # no pooled connection keeps the removed file open
        path.unlink()
        page = web.get("/search", params={"q": "islets"})
        assert page.status_code == 503
        assert "<h1>Search unavailable</h1>" in page.text
        assert web.get("/search.json", params={"q": "islets"}).json()["status"] == 503
        assert web.get("/").status_code == 503
        assert not path.exists()
    finally:
        web.close()
        engine.dispose()


def test_a_change_in_the_store_shows_without_a_restart(web_writable: WebClient) -> None:
    from evidencehub.store.repo import pages as pages_repo
    from evidencehub.store.session import transaction

    view = web_writable.app.state.hub.view
    before = web_writable.get("/pages/ipsc-derived-cell-therapy.json").json()
    with transaction(view.engine) as session:
        page = pages_repo.get_page(session, "ipsc-derived-cell-therapy")
        pages_repo.upsert_page(session, page.model_copy(update={"title": "Renamed"}))
    after = web_writable.get("/pages/ipsc-derived-cell-therapy.json").json()
    assert before["title"] != "Renamed" and after["title"] == "Renamed"


def test_shutting_down_stops_the_screening_queue(web_store: str) -> None:
    class Queue:
        closed = False

        def close(self) -> None:
            Queue.closed = True

    engine = make_engine(web_store)
    try:
        app = create_app(engine)

        async def start_and_stop() -> None:
            async with app.router.lifespan_context(app):
                app.state.screening_queue = Queue()

        asyncio.run(start_and_stop())
    finally:
        engine.dispose()
    assert Queue.closed
