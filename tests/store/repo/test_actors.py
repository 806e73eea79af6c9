"""Actors: who writes (store/repo/actors.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Actor, ActorKind, validate
from evidencehub.store.repo.actors import actor_id, actor_names, get_actor, list_actors


def test_an_actor_is_recorded_on_its_first_write_and_found_by_name(session: Session) -> None:
    ada = actor_id(session, Actor(name="Ada"))
    assert actor_id(session, Actor(name="Ada")) == ada
    tool = actor_id(session, Actor(name="evidencehub demo", kind=ActorKind.TOOL))
    assert tool != ada
    assert get_actor(session, "Ada") == Actor(name="Ada", kind=ActorKind.PERSON)
    assert [a.name for a in list_actors(session)] == ["Ada", "evidencehub demo"]
    assert actor_names(session, {ada, tool}) == {ada: "Ada", tool: "evidencehub demo"}
    assert actor_names(session, set()) == {}


def test_an_email_given_later_is_added_and_never_removed(session: Session) -> None:
    ada = actor_id(session, Actor(name="Ada"))
    assert actor_id(session, Actor(name="Ada", email="ada@example.org")) == ada
    actor_id(session, Actor(name="Ada"))
    assert get_actor(session, "Ada").email == "ada@example.org"


def test_a_name_is_never_reused_for_another_kind(session: Session) -> None:
    actor_id(session, Actor(name="importer", kind=ActorKind.TOOL))
    with pytest.raises(InputError) as err:
        actor_id(session, Actor(name="importer"))
    assert str(err.value) == ("actor 'importer' is stored as a tool, not a person; "
                              "choose another name")


def test_an_unknown_actor(session: Session) -> None:
    with pytest.raises(NotFoundError, match="no actor 'Nobody' in the store"):
        get_actor(session, "Nobody")


@pytest.mark.parametrize(("data", "message"), [
    ({"name": ""}, "field 'name': String should have at least 1 character"),
    ({"name": "Ada", "email": "not an address"}, "field 'email': String should match pattern"),
    ({"name": "Ada", "kind": "robot"}, "field 'kind': Input should be 'person' or 'tool'"),
])
def test_actor_validation(data: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as err:
        validate(Actor, data)
    assert str(err.value).startswith(message)
