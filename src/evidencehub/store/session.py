"""Engines, migrations and units of work.

* :func:`make_engine` — an engine for a URL or a SQLite path. On SQLite every connection gets
  ``foreign_keys=ON`` (SQLite ignores foreign keys otherwise), ``journal_mode=WAL`` (readers do
  not block the writer) and a busy timeout; transactions are opened with an explicit ``BEGIN``
  instead of pysqlite's implicit one, so that a whole unit of work, DDL included, commits or
  rolls back as one (SQLAlchemy's documented recipe for "serializable isolation / savepoints").
  JSON columns are encoded and decoded by pydantic-core's JSON (:func:`_json_text`,
  ``pydantic_core.from_json``), a dependency already: several times faster than the standard
  library's ``json`` on these small values (measured 2.0 → 0.15 µs to decode ``[]``, 7.8 →
  5.1 µs for nine authors), which counts when an import reads and writes eight JSON columns per
  record.
* :func:`init_db` — creates a store or brings it to the newest schema by running ``alembic
  upgrade head``, configured in code (no ``alembic.ini``); running it again is harmless. For
  commands that write (``import``, ``fetch``, ``demo``).
* :func:`open_existing` — opens a store that must exist already, and never creates one. For
  commands that only read (``records``, ``build``, ``serve``…).
* :func:`transaction` — one unit of work: a session that commits when the block ends and rolls
  back everything when it raises anything (``KeyboardInterrupt`` included).

A location that cannot hold a store — a file that is not a database, a directory, a missing or
read-only directory, a database of another application, an unreachable server — is a
:class:`~evidencehub.errors.StoreError` naming the path (or the URL, password hidden) and what
is wrong with it (worded by :mod:`evidencehub.store._location`), raised before anything is
written; a malformed URL is a :class:`~evidencehub.errors.ConfigError`.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic_core import from_json, to_json
from sqlalchemy import (
    Engine,
    Select,
    String,
    column,
    create_engine,
    event,
    exc,
    inspect,
    select,
    table,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from evidencehub.config import database_url
from evidencehub.errors import ConfigError, StoreError
from evidencehub.store._location import (
    VERSION_TABLE,
    check_new_file,
    no_store,
    not_a_file,
    peek_sqlite,
    refuse_foreign,
    sqlite_file,
    store_errors,
    store_location,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "current_revision",
    "init_db",
    "make_engine",
    "open_existing",
    "schema_head",
    "store_location",
    "transaction",
]

#: How long a SQLite writer waits for another writer before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000

_MIGRATIONS = "evidencehub.store:migrations"
_VERSION_QUERY: Select[str] = select(column("version_num", String)).select_from(
    table(VERSION_TABLE)
)
#: ``revision = "0002"`` and ``down_revision = "0001"`` lines of a migration file.
_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]+)?=\s*(.+?)\s*$", re.M)


def _json_text(value: Any) -> str:
    """A JSON column's value as JSON text (UTF-8 kept as is, no spaces)."""
    return to_json(value).decode()


_JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": from_json}


def _parse(url: str) -> URL:
    try:
        parsed = make_url(database_url(url))
    except (exc.ArgumentError, ValueError):
        raise ConfigError(
            f"not a database URL: {url!r}; give a file path or a URL such as "
            "postgresql+psycopg://user@host/database"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"evidencehub stores its data in SQLite or PostgreSQL; {backend!r} is not supported "
            "(give a file path or postgresql+psycopg://user@host/database)"
        )
    return parsed


def make_engine(url: str) -> Engine:
    """Return an engine for ``url`` (an SQLAlchemy URL, a SQLite file path, or ``:memory:``).

    Raises :class:`ConfigError` for a malformed URL, a database other than SQLite or
    PostgreSQL, or a PostgreSQL driver that is not installed, and :class:`StoreError` for a
    SQLite path that is a directory or whose directory does not exist (directories are never
    created). The SQLite file itself is created by the first connection. In-memory SQLite uses
    one shared connection so that every session sees the same database.
    """
    parsed = _parse(url)
    path = sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is not None:
        check_new_file(path)
    return _engine(parsed)


def _engine(parsed: URL) -> Engine:
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=True, **_JSON_CODEC)
        except (ImportError, exc.NoSuchModuleError) as err:
            raise ConfigError(
                f"cannot use {parsed.drivername!r}: {err}; install the driver with "
                "pip install 'evidencehub[postgres]' and use postgresql+psycopg://…"
            ) from None
    kwargs: dict[str, Any] = dict(_JSON_CODEC)
    if sqlite_file(parsed) is None:
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event below emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    config.attributes["engine"] = engine
    return config


@cache
def schema_head() -> str | None:
    """The newest revision of the shipped migrations, read from their files without Alembic.

    Importing Alembic and loading its scripts costs a command that only reads about 0.15 s;
    :func:`open_existing` skips both when the store is at this revision. ``None`` when the
    files do not name exactly one head in the plain form Alembic writes (``revision = "…"``,
    ``down_revision = "…"``); callers then let Alembic decide. A test checks that this agrees
    with Alembic's own ``get_current_head()``.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (files("evidencehub.store.migrations") / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        found = dict(_REVISION_LINE.findall(script.read_text("utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            parent = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not isinstance(parent, str | tuple | None):
            return None
        revisions.add(revision)
        parents.update((parent,) if isinstance(parent, str) else parent or ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _inspect_store(engine: Engine) -> tuple[set[str], str | None]:
    """The tables and the schema revision of the database behind ``engine``; raises
    :class:`StoreError` for a location that cannot hold a store (module docstring)."""
    where = store_location(engine)
    path = sqlite_file(engine.url) if engine.dialect.name == "sqlite" else None
    if path is not None and path.is_file() and path.stat().st_size > 0:
        peek_sqlite(path, where)
    with store_errors(engine, SQLITE_BUSY_TIMEOUT_MS), engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = connection.execute(_VERSION_QUERY).scalar() if VERSION_TABLE in tables else None
    refuse_foreign(tables, where)
    return tables, revision


def init_db(url_or_engine: str | Engine) -> Engine:
    """Create the store, or upgrade it to the newest schema (``alembic upgrade head``).

    Idempotent: an up-to-date store is left as it is. Returns the engine used, so callers
    can write ``engine = init_db(url)``. Raises :class:`StoreError` when the location cannot
    hold a store (module docstring), when the database holds another application's tables, or
    when the store was created by a newer version of evidencehub.
    """
    from alembic import command
    from alembic.util.exc import CommandError

    given = isinstance(url_or_engine, Engine)
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    try:
        _inspect_store(engine)
        with store_errors(engine, SQLITE_BUSY_TIMEOUT_MS):
            command.upgrade(_alembic_config(engine), "head")
    except CommandError as err:
        if not given:
            engine.dispose()
        raise StoreError(
            f"cannot migrate the store at {store_location(engine)}: {err} "
            "(was it created by a newer version of evidencehub?)"
        ) from err
    except BaseException:
        if not given:
            engine.dispose()
        raise
    return engine


def open_existing(url: str) -> Engine:
    """Open the store at ``url``, which must exist: never create one, nor a file or directory.

    For commands that read (``records``, ``build``, ``serve``, later ``analyses`` and
    ``trace``). A store written by an older evidencehub is upgraded, as by :func:`init_db`; one
    at the newest revision (:func:`schema_head`) is opened without loading Alembic.
    Raises :class:`StoreError` saying ``no store at PATH; run `evidencehub import` or
    `evidencehub demo` first`` when the file does not exist or the database is empty, and for
    every location :func:`init_db` refuses. On SQLite the file is opened with ``mode=rw``, so
    that even a file deleted while the engine lives is never re-created empty.
    """
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is None:
            raise no_store(":memory:")
        path = path.resolve()
        if path.is_dir():
            raise not_a_file(str(path))
        if not path.exists() or path.stat().st_size == 0:  # an empty file is a new database
            raise no_store(str(path))
        parsed = parsed.set(
            database=f"file:{quote(str(path))}", query={"mode": "rw", "uri": "true"}
        )
    engine = _engine(parsed)
    try:
        tables, revision = _inspect_store(engine)
        if not tables:
            raise no_store(store_location(engine))
        if revision is not None and revision == schema_head():
            return engine  # up to date: no need for Alembic
        return init_db(engine)
    except BaseException:
        engine.dispose()
        raise


def current_revision(engine: Engine) -> str | None:
    """Return the Alembic revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


#: Execution option that makes a SQLite transaction take the write lock when it begins.
_IMMEDIATE = "evidencehub_begin_immediate"


@contextmanager
def transaction(engine: Engine, *, immediate: bool = False) -> Iterator[Session]:
    """Yield a :class:`Session` for one unit of work; commit on success, roll back on any exception.

    ``immediate`` is for a unit of work that reads, decides and then writes (a screening
    decision checks the votes already cast): on SQLite it begins with ``BEGIN IMMEDIATE``, so
    two such units queue for the write lock (within the busy timeout) instead of the second
    failing when it upgrades its read snapshot to a write. PostgreSQL needs nothing.

    Rollback covers ``BaseException`` (``KeyboardInterrupt``, ``SystemExit``) too, so an
    interrupted import leaves the store exactly as it was. A constraint violation, a SQLite
    database that another writer keeps locked past the busy timeout, and a store that cannot
    be opened or written (its file gone, read-only or full; its server unreachable) surface as
    :class:`StoreError`.
    """
    with store_errors(engine, SQLITE_BUSY_TIMEOUT_MS):
        bind = engine.execution_options(**{_IMMEDIATE: True}) if immediate else engine
        session = Session(bind, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except exc.IntegrityError as err:
            session.rollback()
            raise StoreError(
                f"the store refused the change, nothing was written: {err.orig}"
            ) from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
