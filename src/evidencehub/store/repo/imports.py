"""Import events: each ``import``, ``fetch`` or ``data import`` run as data, and its records.

An import event (:class:`~evidencehub.model.ImportEvent`) says what was read (a file with its
SHA-256, or an online query), by whom, when, and what happened to the items read (counts). Its
``import_records`` rows name every stored record the import returned, unchanged ones included,
with what the import did to each (:class:`~evidencehub.model.ImportOutcome`). Events are never
changed once written: running the same import again adds a new event.

* :func:`record_event` — store an event and its records (the importer calls it once per file
  or query, inside the import's transaction); an import that must name its event in what it
  writes (``data import``: every outcome-data version names it) records it first and sets its
  end and counts with :func:`complete_event` before its transaction commits, or takes it back
  with :func:`drop_event` when it wrote nothing;
* :func:`list_events`, :func:`get_event`, :func:`event_records` — read them back;
* :func:`events_of_record` — the events that returned a record (what ``trace`` follows from a
  record back to the files and queries it came from).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import RowMapping, Select, delete, insert, select, update
from sqlalchemy.orm import Session

from evidencehub.errors import NotFoundError
from evidencehub.model import Actor, ImportEvent, ImportKind, ImportOutcome
from evidencehub.store import tables as t
from evidencehub.store.repo._common import table_of
from evidencehub.store.repo._lookup import record_row
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.records import record_ids

__all__ = [
    "EventRecord",
    "complete_event",
    "drop_event",
    "event_record_ids",
    "event_records",
    "events_of_record",
    "get_event",
    "list_events",
    "record_event",
]

_EVENTS = table_of(t.ImportEvent)
_RECORDS = table_of(t.ImportRecord)
_ACTORS = table_of(t.Actor)
_KEYS = table_of(t.Record)
_COUNTS = ("n_read", "n_created", "n_updated", "n_unchanged", "n_merged", "n_rejected")


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A record an import returned: its current key and what the import did to it."""

    key: str
    outcome: ImportOutcome


def record_event(
    session: Session, event: ImportEvent, actor: Actor, records: Mapping[str, ImportOutcome]
) -> int:
    """Store ``event``, run by ``actor``, and the records it returned; return its id.

    ``records`` maps the key of each stored record the import returned to what it did to it
    (every key must name a stored record). The records are written with one multi-row INSERT.
    ``event.actor`` must be ``actor.name`` (the actor is recorded on its first write).
    """
    if event.actor != actor.name:
        raise ValueError(f"the event names actor {event.actor!r}, not {actor.name!r}")
    ids = record_ids(session, records)
    missing = sorted(set(records) - set(ids))
    if missing:
        raise NotFoundError(f"no record {missing[0]!r} in the store for import {event.label!r}")
    values = event.model_dump(exclude={"id", "actor"})
    values["kind"] = event.kind.value
    import_id: int = session.execute(
        insert(_EVENTS).values(**values, actor_id=actor_id(session, actor)).returning(_EVENTS.c.id)
    ).scalar_one()
    rows = [
        {"import_id": import_id, "record_id": ids[key], "outcome": outcome.value}
        for key, outcome in records.items()
    ]
    if rows:
        session.execute(insert(_RECORDS), rows)
    return import_id


def complete_event(session: Session, import_id: int, *, finished_at: dt.datetime,
                   counts: Mapping[str, int]) -> None:
    """Set the end time and counts (``n_created``…) of an event recorded earlier in the same
    unit of work (see the module docstring)."""
    unknown = set(counts) - set(_COUNTS)
    if unknown:
        raise ValueError(f"not an import count: {sorted(unknown)[0]!r}")
    session.execute(update(_EVENTS).where(_EVENTS.c.id == import_id)
                    .values(finished_at=finished_at, **counts))


def drop_event(session: Session, import_id: int) -> None:
    """Take back an event recorded earlier in the same unit of work that wrote nothing."""
    session.execute(delete(_EVENTS).where(_EVENTS.c.id == import_id))


def _events() -> Select[tuple[t.ImportEvent, str]]:
    return select(_EVENTS, _ACTORS.c.name.label("actor")).join(
        _ACTORS, _ACTORS.c.id == _EVENTS.c.actor_id
    )


def _to_event(row: RowMapping) -> ImportEvent:
    return ImportEvent(
        id=row["id"],
        kind=ImportKind(row["kind"]),
        reader=row["reader"],
        label=row["label"],
        sha256=row["sha256"],
        query=row["query"],
        actor=row["actor"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        **{name: row[name] for name in _COUNTS},
    )


def list_events(session: Session, *, limit: int | None = None) -> list[ImportEvent]:
    """The stored import events, newest first (at most ``limit``)."""
    statement = _events().order_by(_EVENTS.c.started_at.desc(), _EVENTS.c.id.desc()).limit(limit)
    return [_to_event(row) for row in session.execute(statement).mappings()]


def get_event(session: Session, import_id: int) -> ImportEvent:
    """The import event ``import_id``; :class:`NotFoundError` when there is none."""
    row = session.execute(_events().where(_EVENTS.c.id == import_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no import {import_id} in the store (see 'evidencehub imports')")
    return _to_event(row)


def event_records(session: Session, import_id: int) -> list[EventRecord]:
    """The records import ``import_id`` returned, by key, with what it did to each."""
    get_event(session, import_id)
    statement = (
        select(_KEYS.c.key, _RECORDS.c.outcome)
        .join(_KEYS, _KEYS.c.id == _RECORDS.c.record_id)
        .where(_RECORDS.c.import_id == import_id)
        .order_by(_KEYS.c.key)
    )
    return [EventRecord(key, ImportOutcome(outcome)) for key, outcome in session.execute(statement)]


def event_record_ids(session: Session, import_ids: Sequence[int]) -> list[int]:
    """The row ids of the records the imports ``import_ids`` returned, each once, in id order."""
    statement = (
        select(_RECORDS.c.record_id)
        .where(_RECORDS.c.import_id.in_(list(import_ids)))
        .distinct()
        .order_by(_RECORDS.c.record_id)
    )
    return list(session.scalars(statement))


def events_of_record(session: Session, record: str | int) -> list[ImportEvent]:
    """The import events that returned ``record`` (a key such as ``doi:…``, or a record id),
    oldest first: the files and queries the record came from.

    A record merged with another by a ``same`` decision has the events of both.
    """
    if isinstance(record, str):
        record_id = record_row(session, record)["id"]
    elif session.scalar(select(_KEYS.c.id).where(_KEYS.c.id == record)) is None:
        raise NotFoundError(f"no record with id {record} in the store")
    else:
        record_id = record
    statement = (
        _events()
        .join(_RECORDS, _RECORDS.c.import_id == _EVENTS.c.id)
        .where(_RECORDS.c.record_id == record_id)
        .order_by(_EVENTS.c.started_at, _EVENTS.c.id)
    )
    return [_to_event(row) for row in session.execute(statement).mappings()]
