"""What is wrong with a place given as the store, said in one line that names it.

Used by :mod:`evidencehub.store.session` when it opens a store: the checks made before
connecting (a directory, a missing directory, a file in the way), a read-only look at an
existing SQLite file (not a database, another application's database) that changes nothing in
it, and the translation of the driver's errors that are about the store rather than about a
statement (SQLite's "file is not a database", "unable to open database file", "attempt to
write a readonly database"…, PostgreSQL's connection failures) into
:class:`~evidencehub.errors.StoreError`. Errors of a statement (a bug) are left as they are.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

from sqlalchemy import Engine, exc
from sqlalchemy.engine import URL

from evidencehub.errors import StoreError

__all__ = [
    "VERSION_TABLE",
    "check_new_file",
    "no_store",
    "not_a_file",
    "peek_sqlite",
    "refuse_foreign",
    "sqlite_file",
    "store_errors",
    "store_location",
]

#: The table in which Alembic keeps a store's schema revision: what makes a database a store.
VERSION_TABLE = "alembic_version"


def no_store(where: str) -> StoreError:
    """The error for a store that does not exist (yet)."""
    return StoreError(f"no store at {where}; run `evidencehub import` or `evidencehub demo` first")


def not_a_file(where: str) -> StoreError:
    """The error for a store path that is a directory."""
    return StoreError(f"cannot open the store at {where}: it is a directory, not a database file")


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (plain or ``file:`` URI); ``None`` for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    if url.query.get("uri") == "true" and database.startswith("file:"):
        return Path(unquote(database.removeprefix("file:")))
    return Path(database).expanduser()


def store_location(engine: Engine) -> str:
    """Where ``engine``'s store is, for messages: the SQLite file, or the URL without password."""
    if engine.dialect.name == "sqlite":
        path = sqlite_file(engine.url)
        return ":memory:" if path is None else str(path)
    return engine.url.render_as_string(hide_password=True)


def check_new_file(path: Path) -> None:
    """Refuse a SQLite path no file can be created at, before SQLite's vaguer message.

    Directories are never created: a missing one is most often a typo.
    """
    if path.is_dir():
        raise not_a_file(str(path))
    if path.exists():
        return
    parent = path.parent
    if not parent.exists():
        ancestor = next(p for p in parent.parents if p.exists())
        if not ancestor.is_dir():
            raise StoreError(
                f"cannot create a store at {path}: {ancestor} is a file, not a directory"
            )
        raise StoreError(f"cannot create a store at {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise StoreError(f"cannot create a store at {path}: {parent} is a file, not a directory")


def refuse_foreign(tables: set[str], where: str) -> None:
    """Refuse a database that holds tables but no evidencehub schema (another application's)."""
    if tables and VERSION_TABLE not in tables:
        shown = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
        raise StoreError(
            f"{where} is not an evidencehub store: it holds other tables ({shown}) "
            "and no evidencehub schema; give another --db"
        )


def _not_sqlite(where: str) -> StoreError:
    return StoreError(f"{where} is not an evidencehub store: the file is not a SQLite database")


def peek_sqlite(path: Path, where: str) -> None:
    """Refuse an existing file that is not a SQLite database or is another application's.

    The file is opened read-only, because the engine's first connection would already switch
    it to WAL mode. A file this cannot open is left to the engine's connection to explain.
    """
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    except sqlite3.DatabaseError as err:
        if getattr(err, "sqlite_errorname", "") == "SQLITE_NOTADB":
            raise _not_sqlite(where) from None
        return
    finally:
        connection.close()
    refuse_foreign({name for (name,) in rows}, where)


def _writable(directory: Path) -> bool:
    """Whether this process can create a file in ``directory`` (tried: modes do not bind root)."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def _cannot_open(path: Path, where: str, orig: object) -> StoreError:
    """SQLITE_CANTOPEN, explained from what is on disk."""
    if not path.exists():
        if path.parent.is_dir() and not _writable(path.parent):
            return StoreError(
                f"cannot create a store at {where}: directory {path.parent} is not writable"
            )
        return no_store(where)
    if path.is_dir():
        return not_a_file(where)
    if not _writable(path.parent):
        return StoreError(
            f"cannot open the store at {where}: its directory {path.parent} is not writable "
            "(SQLite writes its journal beside the file)"
        )
    return StoreError(f"cannot open the store at {where}: {orig}")


def _sqlite_problem(
    err: exc.DBAPIError, path: Path | None, where: str, busy_timeout_ms: int
) -> StoreError | None:
    name = str(getattr(err.orig, "sqlite_errorname", ""))
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "database is locked" in str(err.orig):
        return StoreError(
            f"the database is busy: another process kept it locked for more than "
            f"{busy_timeout_ms // 1000} s; nothing was written, try again"
        )
    if name == "SQLITE_NOTADB":
        return _not_sqlite(where)
    if name.startswith("SQLITE_READONLY"):
        return StoreError(f"cannot write to the store at {where}: the file is read-only")
    if name == "SQLITE_FULL":
        return StoreError(f"cannot write to the store at {where}: the disk is full")
    if name.startswith(("SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_PERM")):
        return StoreError(f"cannot read the store at {where}: {err.orig}")
    if name == "SQLITE_CANTOPEN":
        if path is None:
            return StoreError(f"cannot open the store at {where}: {err.orig}")
        return _cannot_open(path, where, err.orig)
    return None  # a statement's error (syntax, missing table): a bug, not the store


def _problem(err: exc.DBAPIError, engine: Engine, busy_timeout_ms: int) -> StoreError | None:
    where = store_location(engine)
    if engine.dialect.name == "sqlite":
        return _sqlite_problem(err, sqlite_file(engine.url), where, busy_timeout_ms)
    if isinstance(err, exc.OperationalError):
        # Server unreachable, authentication, missing database, lock or statement timeouts.
        detail = " ".join(str(err.orig).split())
        return StoreError(f"cannot use the database at {where}: {detail}")
    return None


@contextmanager
def store_errors(engine: Engine, busy_timeout_ms: int) -> Iterator[None]:
    """Within the block, a database error about the store becomes a :class:`StoreError`.

    ``busy_timeout_ms`` is SQLite's busy timeout, quoted when the database stayed locked.
    """
    try:
        yield
    except exc.DBAPIError as err:
        problem = _problem(err, engine, busy_timeout_ms)
        if problem is None:
            raise
        raise problem from err
