"""The demo hub as the publisher sees it: a snapshot read from a real store built by the demo
walk (once per test session), and the site rendered from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencehub.demo import run_demo
from evidencehub.publish.site import render_site
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot
from evidencehub.store.session import make_engine


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite store holding the whole demo hub (corpus, runs, labels)."""
    root: Path = tmp_path_factory.mktemp("demo-store")
    url = f"sqlite:///{root / 'hub.db'}"
    run_demo(url, root / "site")
    return url


@pytest.fixture(scope="session")
def demo_snapshot(demo_store: str) -> HubSnapshot:
    engine = make_engine(demo_store)
    try:
        return load_snapshot(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_site_files(demo_snapshot: HubSnapshot) -> dict[str, bytes]:
    return render_site(demo_snapshot)


@pytest.fixture(scope="session")
def prisma_store(demo_store: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a copy of the demo hub in which a systematic review included the studies of one
    analysis, which names it (tests/publish/prisma_hub.py); read-only for the tests."""
    import shutil

    from tests.publish.prisma_hub import add_review

    root: Path = tmp_path_factory.mktemp("prisma-store")
    shutil.copyfile(demo_store.removeprefix("sqlite:///"), root / "hub.db")
    url = f"sqlite:///{root / 'hub.db'}"
    add_review(url, root)
    return url
