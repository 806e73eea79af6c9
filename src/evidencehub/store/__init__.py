"""The store: the hub's SQL database (SQLite by default, PostgreSQL by URL).

The only package that talks SQL. :mod:`~evidencehub.store.session` makes engines, runs the
Alembic migrations, opens existing stores and units of work; :mod:`~evidencehub.store.tables`
declares the schema; :mod:`~evidencehub.store.repo` holds the repository functions, which take
a session and take and return the domain objects of :mod:`evidencehub.model`.
"""

from evidencehub.store.session import init_db, make_engine, open_existing, transaction

__all__ = ["init_db", "make_engine", "open_existing", "transaction"]
