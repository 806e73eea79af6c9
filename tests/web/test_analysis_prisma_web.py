"""The PRISMA flow on a reader's analysis page, served by the app: no account needed, the same
page body and the same diagram bytes as the static build, and the diagram drawn once per store
snapshot — never per request (web/view.py, web/reader.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from evidencehub.publish import prisma_plot
from evidencehub.publish.site import render_site
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot
from evidencehub.store.session import make_engine
from evidencehub.web.app import create_app
from evidencehub.web.state import WebHub
from tests.publish.conftest import prisma_store  # noqa: F401 - fixture
from tests.publish.prisma_hub import ANALYSIS, PAGE
from tests.web.conftest import WebClient

PLOT = f"/plots/{ANALYSIS}.prisma.svg"
_MAIN = re.compile(r"<main.*</main>", re.S)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every drawing of a PRISMA diagram from now on."""
    calls: list[object] = []
    draw = prisma_plot.prisma_plot

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return draw(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(prisma_plot, "prisma_plot", counting)
    return calls


@pytest.fixture
def reader(prisma_store: str) -> Iterator[tuple[WebClient, HubSnapshot]]:  # noqa: F811
    """A client without an account on the hub with the review, and that hub's snapshot."""
    engine = make_engine(prisma_store)
    client = WebClient(create_app(engine, probe_interval=0.0))
    try:
        yield client, load_snapshot(engine)
    finally:
        client.close()
        engine.dispose()


def test_the_page_and_the_diagram_are_served_as_built(
        reader: tuple[WebClient, HubSnapshot]) -> None:
    client, snap = reader
    built = render_site(snap)
    page = client.get("/" + PAGE)
    assert page.status_code == 200  # no account needed
    assert _MAIN.search(page.text).group(0) == _MAIN.search(  # type: ignore[union-attr]
        built[PAGE].decode()).group(0)  # type: ignore[union-attr]
    assert client.get("/" + PAGE.replace(".html", ".json")).content == built[
        PAGE.replace(".html", ".json")]
    diagram = client.get(PLOT)
    assert diagram.status_code == 200 and diagram.headers["content-type"] == "image/svg+xml"
    assert diagram.content == built[PLOT.removeprefix("/")]
    assert client.get("/plots/hba1c-dpp4-inhibitors-vs-placebo.prisma.svg").status_code == 404


def test_the_diagram_is_drawn_once_per_snapshot_not_per_request(
        prisma_store: str, counted: list[object]) -> None:  # noqa: F811
    engine = make_engine(prisma_store)
    app = create_app(engine, probe_interval=0.0)
    client = WebClient(app)
    try:
        first = client.get(PLOT).content
        client.get("/" + PAGE)
        assert len(counted) == 1
        for _ in range(3):
            assert client.get(PLOT).content == first
            assert client.get("/" + PAGE).status_code == 200
        assert len(counted) == 1
        hub: WebHub = app.state.hub
        before = hub.view.published()
        hub.view.invalidate()  # as after a write: a new snapshot, the same flow
        assert client.get(PLOT).content == first
        assert hub.view.published() is not before
        assert len(counted) == 1
    finally:
        client.close()
        engine.dispose()
