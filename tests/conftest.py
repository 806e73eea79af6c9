"""Shared database fixtures: every test that takes them runs on SQLite and on PostgreSQL.

* ``db_url`` — the URL of a fresh, *empty* database per test (no tables): a SQLite file in
  ``tmp_path``, or a PostgreSQL schema of its own (created for the test, reached through
  ``search_path``, dropped afterwards). For tests of migrations and of ``init_db``.
* ``engine`` — an engine on a fresh, *migrated* database per test, with no rows. SQLite: a
  copy of a database migrated once per session. PostgreSQL: a schema migrated once per
  session whose rows are all deleted before each test — the same contents as a new database
  (only internal row ids keep counting), without paying for the migration every time.
* ``session`` — a session on ``engine`` inside a transaction that is rolled back at the end;
  tests that need to see commits use :func:`evidencehub.store.transaction` on ``engine``.

The PostgreSQL variants exist when ``EVIDENCEHUB_TEST_POSTGRES_URL`` is set (``.ci/postgres``
sets it) and are marked ``postgres`` (``pytest -m "not postgres"`` leaves them out). A test for
PostgreSQL alone says ``@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)``
(or ``"db_url"``) with ``@pytest.mark.postgres``; without a server it is skipped, saying why.

``no_network`` (not autouse; tests/ingest/online uses it for every test) makes real HTTP
transports and socket connections fail the test that tries them.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateSchema, DropSchema

from evidencehub.store import init_db
from evidencehub.store.tables import metadata

POSTGRES_ENV = "EVIDENCEHUB_TEST_POSTGRES_URL"


def _database_params() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_ENV):
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


def _postgres_server() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (.ci/postgres starts one)")
    return url


def _postgres_schema_url(server_url: str) -> Iterator[str]:
    """Create a uniquely named schema, yield a URL whose connections use it, then drop it."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(CreateSchema(schema))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text("SET lock_timeout = '20s'"))
            connection.execute(DropSchema(schema, cascade=True))
    finally:
        admin.dispose()


@pytest.fixture(params=_database_params())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty database (SQLite file, or a PostgreSQL schema of its own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _postgres_schema_url(_postgres_server())


@pytest.fixture(scope="session")
def _sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "store.db"
    init_db(str(path)).dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[str]:
    for url in _postgres_schema_url(_postgres_server()):
        init_db(url).dispose()
        yield url


def _delete_all_rows(url: str) -> None:
    # DELETE, dependants first: on a handful of rows far cheaper than TRUNCATE's new files.
    cleaner = create_engine(url)
    try:
        with cleaner.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
    finally:
        cleaner.dispose()


@pytest.fixture(params=_database_params())
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh database with every migration applied and no rows."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_migrated"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("_postgres_migrated")
        _delete_all_rows(url)
    migrated = init_db(url)  # already at head: only checks the revision
    yield migrated
    migrated.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session in an open transaction on ``engine``; rolled back after the test."""
    with Session(engine, expire_on_commit=False) as opened:
        yield opened
        opened.rollback()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """argon2id at its lowest cost for the tests' accounts (1 pass over 1 MiB, one lane).

    The production hasher takes about 50 ms of a core per hash by design; tests sign in
    hundreds of times. Verification reads the cost from the stored hash, so a hash made here
    is also cheap to check in a served app of another process.
    """
    from argon2 import PasswordHasher

    from evidencehub.web import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: cheap)
        yield


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make real HTTP transports and sockets unusable for the duration of the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
