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
from evidencehub.store import init_db, make_engine, transaction
from evidencehub.store import session as session_module
from evidencehub.store.repo.records import count_records, upsert_record
from evidencehub.store.session import SQLITE_BUSY_TIMEOUT_MS, current_revision
from evidencehub.store.tables import metadata

RECORD = Record(doi="10.1000/one", title="Islet replacement with stem-cell-derived cells")
# Objects the migration creates on purpose outside tables.py (dialect-specific full-text search).
_FTS_TABLES = {
    "records_fts",
    "records_fts_data",
    "records_fts_idx",
    "records_fts_docsize",
    "records_fts_config",
}


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
        return not (type_ == "table" and name in _FTS_TABLES) and name != "ix_records_fts"

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


def test_init_db_creates_the_sqlite_file_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "hub.db"
    engine = init_db(str(path))
    engine.dispose()
    assert path.is_file()


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
    with pytest.raises(StoreError, match="cannot open the database"):
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
        ("://hub", "not a database URL: '://hub'"),
        ("postgresql+psycopg://user@host:port/hub", "not a database URL"),
    ],
)
def test_unsupported_database_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_engine(url)


def test_an_unreachable_postgresql_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the database at postgresql"):
        init_db("postgresql+psycopg://nobody@127.0.0.1:1/nowhere?connect_timeout=2")


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
        raw = session.execute(select(cast(t.Record.authors, String), cast(t.Record.mesh_terms, String))).one()
        assert json.loads(raw[0]) == record.model_dump(mode="json")["authors"]
        assert json.loads(raw[1]) == ["*Diabetes Mellitus, Type 1/therapy"]
        assert get_record(session, record.key) == record
