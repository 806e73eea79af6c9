"""Alembic environment of the store, configured in code by :func:`~evidencehub.store.init_db`.

The engine comes from ``config.attributes["engine"]`` (so the SQLite pragmas of
:func:`~evidencehub.store.session.make_engine` apply to migrations too); a ``sqlalchemy.url``
main option works as well, for running ``alembic`` by hand during development. SQLite runs in
batch mode so that later revisions can alter tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

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
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run init_db() on a database")
run_migrations_online()
