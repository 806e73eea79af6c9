"""Alembic environment of the store, configured in code by :func:`~evidencehub.store.init_db`.

The engine comes from ``config.attributes["engine"]`` (so the SQLite pragmas of
:func:`~evidencehub.store.session.make_engine` apply to migrations too); a ``sqlalchemy.url``
main option works as well, for running ``alembic`` by hand during development. SQLite runs in
batch mode so that later revisions can alter tables.

SQLite alters a table by copying it and dropping the original (batch mode). With foreign keys
on, dropping a table deletes the rows of every table that refers to it with ``ON DELETE
CASCADE`` (a page's labels, claims and links), so on SQLite the migrations run with foreign
keys off, as SQLite's documentation prescribes for schema changes ("Making Other Kinds Of Table
Schema Changes", lang_altertable.html), and ``PRAGMA foreign_key_check`` must find nothing
before the transaction commits.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from evidencehub.store.session import make_engine
from evidencehub.store.tables import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "no database: pass an engine in config.attributes['engine'] or set sqlalchemy.url"
        )
    return make_engine(url)


def run_migrations_online() -> None:
    """Run every pending revision on one connection, in one transaction."""
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, where the pragma takes effect (module docstring)
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"a migration broke foreign keys: {broken[:3]}")
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Set SQLite's ``foreign_keys`` pragma on the driver connection, outside a transaction."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    finally:
        cursor.close()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run init_db() on a database")
run_migrations_online()
