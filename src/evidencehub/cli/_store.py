"""What the commands that use the store share: opening it, running one transaction, the actor
who writes, and a choice from a closed vocabulary given on the command line.

Imports nothing heavy at module level (the rule in :mod:`evidencehub.cli`): the store, the
model and SQLAlchemy load inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from evidencehub.config import actor_name, database_url
from evidencehub.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from evidencehub.model import Actor

__all__ = ["actor_of", "choice", "in_store", "store_engine"]

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)


def store_engine(db: str | None, *, create: bool = False) -> Engine:
    """The store ``db``: created if missing when ``create`` (commands that write new data),
    else it must exist (one line saying so otherwise)."""
    from evidencehub.store import init_db, open_existing

    url = database_url(db)
    return init_db(url) if create else open_existing(url)


def in_store(
    db: str | None, work: Callable[[Session], _T], *, create: bool = False, writes: bool = False
) -> _T:
    """``work(session)`` in one transaction on the store ``db`` (see :func:`store_engine`);
    ``writes`` when the work reads, decides and writes (:func:`~evidencehub.store.transaction`'s
    ``immediate``)."""
    from evidencehub.store import transaction

    engine = store_engine(db, create=create)
    try:
        with transaction(engine, immediate=writes) as session:
            return work(session)
    finally:
        engine.dispose()


def actor_of(name: str | None) -> Actor:
    """The person writing: ``--actor``, else ``EVIDENCEHUB_ACTOR``, else the login name."""
    from evidencehub.model import Actor, ActorKind

    return Actor(name=actor_name(name), kind=ActorKind.PERSON)


def choice(value: str, kind: type[_E], option: str) -> _E:
    """``kind(value)``, or one line naming the choices."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise InputError(f"{option}: unknown value {value!r}; choose one of: {known}") from None
