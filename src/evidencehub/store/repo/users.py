"""Accounts of the web application and their server-side sessions.

An account (``users``) is a person with a role who signs in with a password; its writes are
signed with an actor of the same name (:func:`add_user` records it), so the store's rule that
every write names its actor holds for the browser as for the command line. The password is
stored only as its hash (made by :mod:`evidencehub.web.passwords`).

A session (``web_sessions``) is kept in the store rather than in a signed cookie, so that
signing out ends it everywhere at once and an admin can see who is signed in. The cookie holds
a random token; the store keeps only its SHA-256, so a copy of the database cannot be used to
sign in. Each session carries the CSRF token its forms must send back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Actor, ActorKind
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush, utc_now
from evidencehub.store.repo.actors import actor_id
from evidencehub.vocab import AccountRole

__all__ = [
    "StoredUser",
    "add_user",
    "end_session",
    "get_user",
    "list_users",
    "session_user",
    "start_session",
]


@dataclass(frozen=True, slots=True)
class StoredUser:
    """An account as the web application sees it (the hash only to verify a password)."""

    id: int
    name: str
    role: AccountRole
    actor: Actor
    password_hash: str
    created_at: dt.datetime

    def to_dict(self) -> dict[str, object]:
        """The account without its password hash (for ``user list --json``)."""
        return {"name": self.name, "role": self.role.value,
                "created_at": self.created_at.isoformat()}


def _stored(row: t.User, actor: t.Actor) -> StoredUser:
    return StoredUser(
        id=row.id, name=row.name, role=AccountRole(row.role),
        actor=Actor(name=actor.name, kind=ActorKind(actor.kind), email=actor.email),
        password_hash=row.password_hash, created_at=row.created_at,
    )


def add_user(session: Session, name: str, role: AccountRole, password_hash: str) -> StoredUser:
    """Create the account ``name``; :class:`InputError` if it exists already.

    Its actor is the person of the same name (recorded if it never wrote); an actor that is a
    tool cannot become an account.
    """
    if session.scalars(select(t.User.id).where(t.User.name == name)).first() is not None:
        raise InputError(f"an account {name!r} exists already")
    writer = actor_id(session, Actor(name=name, kind=ActorKind.PERSON))
    row = t.User(name=name, role=role.value, password_hash=password_hash, actor_id=writer,
                 created_at=utc_now())
    session.add(row)
    flush(session, f"account {name!r}")
    actor = session.get(t.Actor, writer)
    assert actor is not None
    return _stored(row, actor)


def get_user(session: Session, name: str) -> StoredUser:
    """The account ``name``; :class:`NotFoundError` if there is none."""
    found = session.execute(
        select(t.User, t.Actor).join(t.Actor, t.Actor.id == t.User.actor_id)
        .where(t.User.name == name)
    ).first()
    if found is None:
        raise NotFoundError(f"no account {name!r}")
    return _stored(*found)


def list_users(session: Session) -> list[StoredUser]:
    """Every account, by name."""
    rows = session.execute(
        select(t.User, t.Actor).join(t.Actor, t.Actor.id == t.User.actor_id).order_by(t.User.name)
    )
    return [_stored(user, actor) for user, actor in rows]


def start_session(
    session: Session, user: StoredUser, token_hash: str, csrf_token: str, expires_at: dt.datetime
) -> None:
    """Record a signed-in browser of ``user``; sessions that have expired are removed."""
    now = utc_now()
    session.execute(delete(t.WebSession).where(t.WebSession.expires_at <= now))
    session.add(t.WebSession(token_hash=token_hash, user_id=user.id, csrf_token=csrf_token,
                             created_at=now, expires_at=expires_at))
    flush(session, f"session of {user.name!r}")


def session_user(session: Session, token_hash: str) -> tuple[StoredUser, str] | None:
    """The account signed in with the token of SHA-256 ``token_hash`` and its CSRF token, or
    None when there is no such session or it has expired."""
    found = session.execute(
        select(t.User, t.Actor, t.WebSession.csrf_token)
        .join(t.WebSession, t.WebSession.user_id == t.User.id)
        .join(t.Actor, t.Actor.id == t.User.actor_id)
        .where(t.WebSession.token_hash == token_hash, t.WebSession.expires_at > utc_now())
    ).first()
    if found is None:
        return None
    user, actor, csrf = found
    return _stored(user, actor), csrf


def end_session(session: Session, token_hash: str) -> None:
    """Sign out: remove the session (nothing happens if it is gone already)."""
    session.execute(delete(t.WebSession).where(t.WebSession.token_hash == token_hash))
