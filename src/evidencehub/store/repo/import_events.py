"""Import events: each ``data import`` (and later each ``import`` and ``fetch``) as a row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from evidencehub.model import Actor, ImportEvent
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush
from evidencehub.store.repo.actors import actor_id

__all__ = ["add_event", "finish_event"]


def add_event(session: Session, event: ImportEvent) -> int:
    """Store ``event`` (its actor is recorded on first use); return its id."""
    row = t.ImportEvent(
        **event.model_dump(exclude={"id", "actor"}),
        actor_id=actor_id(session, Actor(name=event.actor)),
    )
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
