"""Import events as data (store.repo.imports): stored, listed, read back, followed from a record."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Actor, ActorKind, ImportEvent, ImportKind, ImportOutcome, Record
from evidencehub.store.repo.actors import get_actor
from evidencehub.store.repo.imports import (
    EventRecord,
    event_records,
    events_of_record,
    get_event,
    list_events,
    record_event,
)
from evidencehub.store.repo.records import record_ids, upsert_records

ALICE = Actor(name="alice", email="alice@example.org")
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SHA = "ab" * 32


def event(label: str, minutes: int, **fields: object) -> ImportEvent:
    values: dict[str, object] = {
        "kind": ImportKind.FILE, "reader": "ris", "label": label, "sha256": SHA, "actor": "alice",
        "started_at": T0 + dt.timedelta(minutes=minutes),
        "finished_at": T0 + dt.timedelta(minutes=minutes, seconds=3),
    }  # fmt: skip
    return ImportEvent.model_validate(values | fields)


def store_records(session: Session) -> list[str]:
    records = [Record(title="Islet graft survival", doi="10.1000/a"),
               Record(title="Encapsulated beta cells", pmid="123"),
               Record(title="A record without identifiers")]  # fmt: skip
    upsert_records(session, records, source="ris:a.ris")
    return [record.key for record in records]


def test_an_event_is_stored_with_its_records_and_read_back(session: Session) -> None:
    a, b, c = store_records(session)
    first = record_event(
        session,
        event("a.ris", 0, n_read=3, n_created=3),
        ALICE,
        {a: ImportOutcome.CREATED, b: ImportOutcome.CREATED, c: ImportOutcome.CREATED},
    )
    query = ImportEvent(
        kind=ImportKind.QUERY, reader="pubmed", label="pubmed islets", query="islets",
        actor="alice", started_at=T0 + dt.timedelta(hours=1),
        finished_at=T0 + dt.timedelta(hours=1, seconds=9), n_read=1, n_unchanged=1,
    )  # fmt: skip
    second = record_event(session, query, ALICE, {b: ImportOutcome.UNCHANGED})
    assert get_actor(session, "alice") == ALICE
    assert get_event(session, first) == event("a.ris", 0, n_read=3, n_created=3, id=first)
    assert [e.id for e in list_events(session)] == [second, first]  # newest first
    assert [e.id for e in list_events(session, limit=1)] == [second]
    assert get_event(session, second).model_dump(exclude={"id"}) == query.model_dump(
        exclude={"id"}
    )
    assert event_records(session, first) == [
        EventRecord(key, ImportOutcome.CREATED) for key in sorted((a, b, c))
    ]
    assert event_records(session, second) == [EventRecord(b, ImportOutcome.UNCHANGED)]
    assert [e.id for e in events_of_record(session, b)] == [first, second]  # oldest first
    assert [e.id for e in events_of_record(session, "pmid:123")] == [first, second]
    assert [e.label for e in events_of_record(session, a)] == ["a.ris"]


def test_an_event_without_records(session: Session) -> None:
    empty = record_event(session, event("empty.ris", 0), ALICE, {})
    assert event_records(session, empty) == []


def test_refusals(session: Session) -> None:
    (a, _, _) = store_records(session)
    with pytest.raises(ValueError, match="the event names actor 'alice', not 'bob'"):
        record_event(session, event("a.ris", 0), Actor(name="bob"), {})
    with pytest.raises(NotFoundError, match=re.escape("no record 'doi:10.1000/zzz' in the store")):
        record_event(session, event("a.ris", 0), ALICE, {"doi:10.1000/zzz": ImportOutcome.CREATED})
    with pytest.raises(NotFoundError, match=r"no import 999 in the store \(see 'evidencehub imports'\)"):
        get_event(session, 999)
    with pytest.raises(NotFoundError, match="no import 999"):
        event_records(session, 999)
    with pytest.raises(NotFoundError, match=re.escape("no record 'doi:10.1000/zzz' in the store")):
        events_of_record(session, "doi:10.1000/zzz")
    with pytest.raises(NotFoundError, match="no record with id 999999 in the store"):
        events_of_record(session, 999999)
    record_event(session, event("a.ris", 0), ALICE, {a: ImportOutcome.CREATED})
    tool = Actor(name="alice", kind=ActorKind.TOOL)
    with pytest.raises(InputError, match="actor 'alice' is stored as a person, not a tool"):
        record_event(session, event("a.ris", 0), tool, {a: ImportOutcome.CREATED})


def test_record_id_finds_the_events_too(session: Session) -> None:
    (a, _, _) = store_records(session)
    import_id = record_event(session, event("a.ris", 0), ALICE, {a: ImportOutcome.CREATED})
    (record_id,) = record_ids(session, [a]).values()
    assert [e.id for e in events_of_record(session, record_id)] == [import_id]
