"""Settings read in one place: the database URL, who is writing, and the site/server defaults.

Precedence for the database: the ``--db`` option, then ``EVIDENCEHUB_DATABASE_URL``, then
``./evidencehub.db`` in the working directory. A bare path (``hub.db``, ``/data/hub.sqlite``)
means a SQLite file; anything with ``://`` is an SQLAlchemy URL
(``postgresql+psycopg://user@localhost/hub``).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from evidencehub.errors import ConfigError

__all__ = [
    "ACTOR_ENV",
    "DATABASE_ENV",
    "DEFAULT_DB_FILE",
    "DEFAULT_PORT",
    "DEFAULT_SITE_DIR",
    "actor_name",
    "database_url",
]

DATABASE_ENV = "EVIDENCEHUB_DATABASE_URL"
DEFAULT_DB_FILE = "evidencehub.db"
DEFAULT_SITE_DIR = "site"
DEFAULT_PORT = 8000


def database_url(db: str | None = None) -> str:
    """Return the SQLAlchemy URL for ``db`` (option value), the environment, or the default."""
    value = db or os.environ.get(DATABASE_ENV) or DEFAULT_DB_FILE
    value = value.strip()
    if not value:
        raise ConfigError("the database location is empty; give --db PATH or --db URL")
    if "://" in value:
        if value.startswith("postgres://"):
            # Heroku-style URLs; SQLAlchemy wants a dialect name it knows.
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value
    if value == ":memory:":
        return "sqlite://"
    return f"sqlite:///{Path(value).expanduser().resolve()}"


ACTOR_ENV = "EVIDENCEHUB_ACTOR"


def actor_name(name: str | None = None) -> str:
    """Who is writing: the ``--actor`` option, then ``EVIDENCEHUB_ACTOR``, then the login name.

    Every write to the store names its actor; on a shared store each person sets
    ``EVIDENCEHUB_ACTOR`` (or passes ``--actor``) once.
    """
    value = (name or os.environ.get(ACTOR_ENV) or _login_name()).strip()
    if not value:
        raise ConfigError(f"who is writing? give --actor NAME or set {ACTOR_ENV}")
    return value


def _login_name() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no login name in the environment or the password database
        return ""
