"""Engines, migrations and units of work (evidencehub.store.session) on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from evidencehub.errors import ConfigError, StoreError
from evidencehub.model import Record
from evidencehub.store import init_db, make_engine, open_existing, transaction
from evidencehub.store import session as session_module
from evidencehub.store.repo.records import count_records, upsert_record
from evidencehub.store.session import (
    SQLITE_BUSY_TIMEOUT_MS,
    current_revision,
    schema_head,
    store_location,
)
from evidencehub.store.tables import metadata

NO_STORE = "no store at {p}; run `evidencehub import` or `evidencehub demo` first"
RECORD = Record(doi="10.1000/one", title="Islet replacement with stem-cell-derived cells")
# Objects the migration creates on purpose outside tables.py (dialect-specific full-text search).
_FTS_TABLES = {
    f"{table}_fts{part}"
    for table in ("records", "pages", "studies", "trials")
    for part in ("", "_data", "_idx", "_docsize", "_config")
}
_FTS_INDEXES = {f"ix_{table}_fts" for table in ("records", "pages", "studies", "trials")}


def _head() -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "evidencehub.store:migrations")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_init_db_migrates_an_empty_database_to_head(db_url: str) -> None:
    engine = init_db(db_url)
    try:
        assert current_revision(engine) == _head()
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
    finally:
        engine.dispose()


def test_init_db_twice_is_harmless_and_keeps_data(db_url: str) -> None:
    engine = init_db(db_url)
    try:
        with transaction(engine) as session:
            upsert_record(session, RECORD, source="test")
        assert init_db(engine) is engine
        init_db(db_url).dispose()
        with transaction(engine) as session:
            assert count_records(session) == 1
        assert current_revision(engine) == _head()
    finally:
        engine.dispose()


def test_migration_creates_exactly_the_declared_schema(engine: Engine) -> None:
    def include(obj: object, name: str | None, type_: str, *_: object) -> bool:
        return not (type_ == "table" and name in _FTS_TABLES) and name not in _FTS_INDEXES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    from alembic import command

    from evidencehub.store.session import _alembic_config

    engine = init_db(db_url)
    try:
        command.downgrade(_alembic_config(engine), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        init_db(engine)
        with transaction(engine) as session:
            upsert_record(session, RECORD, source="test")
            assert count_records(session) == 1
    finally:
        engine.dispose()


def test_init_db_creates_the_sqlite_file_but_never_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    assert path.is_file()
    missing = tmp_path / "new" / "dir" / "hub.db"
    with pytest.raises(StoreError) as raised:
        init_db(str(missing))
    assert str(raised.value) == (
        f"cannot create a store at {missing}: directory {missing.parent} does not exist"
    )
    assert not (tmp_path / "new").exists()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "hub.db"))
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert (
                connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
            )
    finally:
        engine.dispose()


def test_in_memory_sqlite_is_one_shared_database() -> None:
    engine = init_db(":memory:")
    try:
        with transaction(engine) as session:
            upsert_record(session, RECORD, source="test")
        with transaction(engine) as session:
            assert count_records(session) == 1
    finally:
        engine.dispose()


def test_transaction_commits_on_success(engine: Engine) -> None:
    with transaction(engine) as session:
        upsert_record(session, RECORD, source="test")
    with transaction(engine) as session:
        assert count_records(session) == 1


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt(), SystemExit(3)])
def test_transaction_rolls_back_everything_on_any_exception(
    engine: Engine, error: BaseException
) -> None:
    with pytest.raises(type(error)), transaction(engine) as session:
        upsert_record(session, RECORD, source="test")
        upsert_record(session, Record(pmid="42", title="Second"), source="test")
        session.flush()
        raise error
    with transaction(engine) as session:
        assert count_records(session) == 0


def test_constraint_violation_at_commit_is_a_store_error(engine: Engine) -> None:
    with pytest.raises(StoreError, match="nothing was written"), transaction(engine) as session:
        upsert_record(session, RECORD, source="test")
        # A foreign key to a record that does not exist, bypassing the repository.
        session.execute(
            text(
                "INSERT INTO record_trial_links (record_id, registry_id) "
                "VALUES (999, 'NCT00000000')"
            )
        )
    with transaction(engine) as session:
        assert count_records(session) == 0


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    engine = init_db(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        with pytest.raises(StoreError, match="newer version of evidencehub"):
            init_db(engine)
    finally:
        engine.dispose()


def test_unopenable_sqlite_file_is_a_store_error(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.db"
    directory.mkdir()
    with pytest.raises(StoreError, match="it is a directory, not a database file"):
        init_db(str(directory))


def test_a_writer_locked_out_too_long_gets_a_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = str(tmp_path / "hub.db")
    first, second = init_db(path), make_engine(path)
    try:
        with transaction(first) as holding:
            upsert_record(holding, RECORD, source="first")
            holding.flush()  # the first writer now holds SQLite's write lock
            with (
                pytest.raises(StoreError, match=r"the database is busy: .* more than 0 s; nothing"),
                transaction(second) as waiting,
            ):
                upsert_record(waiting, Record(pmid="2", title="Other"), source="second")
        with transaction(second) as session:
            assert count_records(session) == 1
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@localhost/hub", "'mysql' is not supported"),
        ("postgresql+nosuchdriver://user@localhost/hub", "install the driver"),
        ("://hub", "^not a database URL: '://hub'; give a file path or a URL such as "),
        ("postgresql+psycopg://user@host:port/hub", "not a database URL"),
    ],
)
def test_unsupported_database_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_engine(url)


def test_an_unreachable_postgresql_server_is_a_store_error() -> None:
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/nowhere?connect_timeout=2"
    for opener in (init_db, open_existing):
        with pytest.raises(StoreError) as raised:
            opener(url)
        message = str(raised.value)
        assert message.startswith(
            "cannot use the database at postgresql+psycopg://nobody:***@127.0.0.1:1/nowhere"
        )
        assert "Connection refused" in message and "\n" not in message and "secret" not in message


def test_json_columns_are_standard_json_text_and_round_trip(engine: Engine) -> None:
    """JSON columns are written by pydantic-core; what is stored must be plain JSON to any reader."""
    import json

    from sqlalchemy import String, cast, select

    from evidencehub.model import Author
    from evidencehub.store import tables as t
    from evidencehub.store.repo.records import get_record

    record = RECORD.model_copy(update={
        "authors": (Author(family="Ødegård", given="Åse", affiliations=("Universitetet i Bergen",)),
                    Author(collective="The “Islet” Group")),
        "mesh_terms": ("*Diabetes Mellitus, Type 1/therapy",),
    })  # fmt: skip
    with transaction(engine) as session:
        upsert_record(session, record, source="test")
    with transaction(engine) as session:
        raw = session.execute(
            select(cast(t.Record.authors, String), cast(t.Record.mesh_terms, String))
        ).one()
        assert json.loads(raw[0]) == record.model_dump(mode="json")["authors"]
        assert json.loads(raw[1]) == ["*Diabetes Mellitus, Type 1/therapy"]
        assert get_record(session, record.key) == record


# --------------------------------------------------------------------------- open_existing


def test_open_existing_refuses_an_empty_database_and_creates_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with pytest.raises(StoreError) as raised:
            open_existing(db_url)
        assert str(raised.value) == NO_STORE.format(p=store_location(engine))
        if engine.dialect.name == "sqlite":
            assert not Path(store_location(engine)).exists()
        assert set(inspect(engine).get_table_names()) == set()
    finally:
        engine.dispose()


def test_open_existing_opens_a_store_and_upgrades_an_old_one(db_url: str) -> None:
    from alembic import command

    from evidencehub.store.session import _alembic_config

    engine = init_db(db_url)
    try:
        with transaction(engine) as session:
            upsert_record(session, RECORD, source="test")
        command.downgrade(_alembic_config(engine), "0001")
    finally:
        engine.dispose()
    opened = open_existing(db_url)
    try:
        assert current_revision(opened) == _head()
        with transaction(opened) as session:
            assert count_records(session) == 1
    finally:
        opened.dispose()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", NO_STORE),
        ("missing directory", NO_STORE),
        ("empty file", NO_STORE),
        ("directory", "cannot open the store at {p}: it is a directory, not a database file"),
        ("text", "{p} is not an evidencehub store: the file is not a SQLite database"),
        (
            "foreign",
            "{p} is not an evidencehub store: it holds other tables (a, b, c, …) and no "
            "evidencehub schema; give another --db",
        ),
    ],
)
def test_open_existing_refuses_what_is_not_a_store_and_changes_nothing(
    tmp_path: Path, kind: str, message: str
) -> None:
    import sqlite3

    path = tmp_path / "hub.db"
    if kind == "missing directory":
        path = tmp_path / "no" / "hub.db"
    elif kind == "empty file":
        path.touch()
    elif kind == "directory":
        path.mkdir()
    elif kind == "text":
        path.write_text("not a database\n", encoding="utf-8")
    elif kind == "foreign":
        with sqlite3.connect(path) as connection:
            for name in "abcd":
                connection.execute(f"CREATE TABLE {name} (x)")
        connection.close()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(StoreError) as raised:
        open_existing(str(path))
    assert str(raised.value) == message.format(p=path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert sorted(tmp_path.rglob("*")) == sorted(before) + ([path] if kind == "directory" else [])


def test_open_existing_refuses_memory() -> None:
    with pytest.raises(StoreError) as raised:
        open_existing(":memory:")
    assert str(raised.value) == NO_STORE.format(p=":memory:")


def test_a_store_in_a_read_only_directory(tmp_path: Path) -> None:
    from tests.readonly import read_only

    folder = tmp_path / "read-only"
    folder.mkdir()
    new, existing = folder / "new.db", folder / "hub.db"
    init_db(str(existing)).dispose()
    with read_only(folder):
        with pytest.raises(StoreError) as raised:
            init_db(str(new))
        assert str(raised.value) == (
            f"cannot create a store at {new}: directory {folder} is not writable"
        )
        for opener in (init_db, open_existing):
            with pytest.raises(StoreError) as raised:
                opener(str(existing))
            assert str(raised.value) == (
                f"cannot open the store at {existing}: its directory {folder} is not writable "
                "(SQLite writes its journal beside the file)"
            )
    assert sorted(p.name for p in folder.iterdir()) == ["hub.db"]


def test_writing_a_read_only_store_is_a_store_error(tmp_path: Path) -> None:
    from tests.readonly import read_only

    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    with read_only(path):
        engine = open_existing(str(path))
        try:
            with transaction(engine) as session:
                assert count_records(session) == 0
            with pytest.raises(StoreError) as raised, transaction(engine) as session:
                upsert_record(session, RECORD, source="test")
            assert str(raised.value) == (
                f"cannot write to the store at {path}: the file is read-only"
            )
        finally:
            engine.dispose()


def test_a_store_removed_under_an_open_engine_is_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    engine = open_existing(str(path))
    try:
        engine.dispose()  # no pooled connection keeps the old file open
        path.unlink()
        with pytest.raises(StoreError) as raised, transaction(engine) as session:
            count_records(session)
        assert str(raised.value) == NO_STORE.format(p=path)
        assert not path.exists()
    finally:
        engine.dispose()


def test_open_existing_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "hub.db"
    init_db(str(path)).dispose()
    code = (
        "import sys; from evidencehub.store import open_existing; "
        f"open_existing({str(path)!r}).dispose(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_schema_head_agrees_with_alembic() -> None:
    assert schema_head() == _head()
