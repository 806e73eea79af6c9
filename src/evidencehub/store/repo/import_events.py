"""Import events: each ``data import`` (and later each ``import`` and ``fetch``) as a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencehub.errors import NotFoundError
from evidencehub.model import ImportEvent
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush
from evidencehub.store.repo._lookup import record_row
from evidencehub.store.repo.actors import actor_names

__all__ = [
    "add_event",
    "add_records",
    "drop_event",
    "events_of_record",
    "finish_event",
    "get_event",
]


def add_event(session: Session, event: ImportEvent, *, actor_id: int) -> int:
    """Store ``event``, written by the actor ``actor_id`` (named in ``event.actor``); its id."""
    row = t.ImportEvent(**event.model_dump(exclude={"id", "actor"}), actor_id=actor_id)
    session.add(row)
    flush(session, f"import of {event.label!r}")
    return row.id


def finish_event(session: Session, event_id: int, *, finished_at: dt.datetime,
                 counts: dict[str, int]) -> None:
    """Record when an import ended and what it counted (``n_created``, ``n_updated``…)."""
    row = session.get(t.ImportEvent, event_id)
    assert row is not None, f"import event {event_id} was added in this unit of work"
    row.finished_at = finished_at
    for name, value in counts.items():
        setattr(row, name, value)
    flush(session, f"import {event_id}")


def add_records(session: Session, event_id: int, records: Iterable[tuple[str, str]]) -> None:
    """Record the records an import returned: ``(record key, outcome)`` pairs, outcome being
    ``created``, ``updated``, ``unchanged`` or ``merged``."""
    ids: dict[int, str] = {}
    for key, outcome in records:
        ids[int(record_row(session, key)["id"])] = outcome
    session.add_all(t.ImportRecord(import_id=event_id, record_id=record_id, outcome=outcome)
                    for record_id, outcome in ids.items())
    flush(session, f"records of import {event_id}")


def _to_events(session: Session, rows: list[t.ImportEvent]) -> list[ImportEvent]:
    names = actor_names(session, {row.actor_id for row in rows})
    columns = [name for name in ImportEvent.model_fields if name != "actor"]
    return [ImportEvent.model_validate({**{c: getattr(row, c) for c in columns},
                                        "actor": names[row.actor_id]}) for row in rows]


def get_event(session: Session, event_id: int) -> ImportEvent:
    """The import event with ``event_id``; :class:`NotFoundError` if there is none."""
    row = session.get(t.ImportEvent, event_id)
    if row is None:
        raise NotFoundError(f"no import {event_id} in the store")
    return _to_events(session, [row])[0]


def events_of_record(session: Session, key: str) -> list[ImportEvent]:
    """The imports that returned the record known by ``key``, oldest first."""
    record_id = record_row(session, key)["id"]
    rows = session.scalars(
        select(t.ImportEvent).join(t.ImportRecord, t.ImportRecord.import_id == t.ImportEvent.id)
        .where(t.ImportRecord.record_id == record_id).order_by(t.ImportEvent.id)
    )
    return _to_events(session, list(rows))


def drop_event(session: Session, event_id: int) -> None:
    """Take back an event added in this unit of work that wrote nothing (no version names it)."""
    row = session.get(t.ImportEvent, event_id)
    assert row is not None, f"import event {event_id} was added in this unit of work"
    session.delete(row)
    flush(session, f"import {event_id}")
