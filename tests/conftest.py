"""Shared database fixtures: every test that takes ``db_url`` runs on SQLite and on PostgreSQL.

* ``db_url`` — a fresh, empty database per test: a SQLite file in ``tmp_path``, and, when
  ``EVIDENCEHUB_TEST_POSTGRES_URL`` is set (``.ci/postgres`` sets it), a PostgreSQL schema of
  its own (created for the test, found through ``search_path``, dropped afterwards). The
  PostgreSQL variant is marked ``postgres``: ``pytest -m "not postgres"`` skips it.
* ``engine`` — :func:`evidencehub.store.init_db` on ``db_url`` (all migrations applied).
* ``session`` — a session on ``engine`` inside a transaction that is rolled back at the end;
  tests that need to see commits use :func:`evidencehub.store.transaction` themselves.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateSchema, DropSchema

from evidencehub.store import init_db

POSTGRES_ENV = "EVIDENCEHUB_TEST_POSTGRES_URL"


def _database_params() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_ENV):
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


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
        yield from _postgres_schema_url(os.environ[POSTGRES_ENV])


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url`` with every migration applied; disposed after the test."""
    migrated = init_db(db_url)
    yield migrated
    migrated.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session in an open transaction on ``engine``; rolled back after the test."""
    with Session(engine, expire_on_commit=False) as opened:
        yield opened
        opened.rollback()
