"""Actors: the people and tools that write to the store.

Every write names its actor by id. :func:`actor_id` finds an actor by name or records it the
first time it writes (an e-mail given later is added; a name is never re-used for another
kind); :func:`get_actor` and :func:`list_actors` read them back.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Actor, ActorKind
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush, utc_now

__all__ = ["actor_id", "actor_names", "get_actor", "list_actors"]


def _to_actor(row: t.Actor) -> Actor:
    return Actor(name=row.name, kind=ActorKind(row.kind), email=row.email)


def actor_id(session: Session, actor: Actor) -> int:
    """The id of ``actor``, recording it on its first write.

    An actor is known by its name. A stored actor of another kind is an :class:`InputError`
    (a tool cannot sign as a person of the same name); an e-mail the stored actor lacks is
    added.
    """
    row = session.scalars(select(t.Actor).where(t.Actor.name == actor.name)).first()
    if row is None:
        row = t.Actor(name=actor.name, kind=actor.kind.value, email=actor.email,
                      created_at=utc_now())
        session.add(row)
        flush(session, f"actor {actor.name!r}")
        return row.id
    if row.kind != actor.kind.value:
        raise InputError(
            f"actor {actor.name!r} is stored as a {row.kind}, not a {actor.kind.value}; "
            "choose another name"
        )
    if actor.email and row.email != actor.email:
        row.email = actor.email
        flush(session, f"actor {actor.name!r}")
    return row.id


def get_actor(session: Session, name: str) -> Actor:
    """The actor called ``name``; :class:`NotFoundError` if it never wrote."""
    row = session.scalars(select(t.Actor).where(t.Actor.name == name)).first()
    if row is None:
        raise NotFoundError(f"no actor {name!r} in the store")
    return _to_actor(row)


def list_actors(session: Session) -> list[Actor]:
    """Every actor, by name."""
    return [_to_actor(row) for row in session.scalars(select(t.Actor).order_by(t.Actor.name))]


def actor_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The names of the actors with ``ids`` (for readers that join by id)."""
    if not ids:
        return {}
    rows = session.execute(select(t.Actor.id, t.Actor.name).where(t.Actor.id.in_(ids)))
    return {int(row_id): str(name) for row_id, name in rows}
