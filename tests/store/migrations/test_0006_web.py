"""Revision 0006 (the web application's tables) upgrades a store of revision 0005 without
touching its rows, and its downgrade removes only what it added — on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from evidencehub.store import init_db, transaction
from evidencehub.store.repo import users as users_repo
from evidencehub.store.repo.records import count_records, upsert_record
from evidencehub.store.session import _alembic_config, current_revision, make_engine
from evidencehub.vocab import AccountRole
from tests.store.test_session import RECORD

WEB_TABLES = {"users", "web_sessions", "page_versions"}


def test_a_0005_store_gains_the_web_tables_and_keeps_its_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.upgrade(_alembic_config(engine), "0005")
        assert not WEB_TABLES & set(sa.inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO actors (name, kind, email, created_at) "
                "VALUES ('ana', 'person', NULL, '2026-01-02 03:04:05')"))
        command.upgrade(_alembic_config(engine), "0006")
        assert current_revision(engine) == "0006"
        with transaction(engine) as session:
            upsert_record(session, RECORD, source="test")
            user = users_repo.add_user(session, "ana", AccountRole.EDITOR, "$argon2id$hash")
            assert user.actor.name == "ana"  # the account signs with the actor already stored
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM actors")).scalar_one() == 1

        command.downgrade(_alembic_config(engine), "0005")
        assert not WEB_TABLES & set(sa.inspect(engine).get_table_names())
        with transaction(engine) as session:
            assert count_records(session) == 1
        init_db(engine)
        with transaction(engine) as session:
            assert users_repo.list_users(session) == []
    finally:
        engine.dispose()
