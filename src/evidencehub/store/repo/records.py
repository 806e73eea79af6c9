"""Bibliographic records: upsert with history and per-field provenance, lookups, full-text search.

Identity
    A record is the same work as a stored one when their DOIs match; failing that, their PMIDs;
    failing that, their PMCIDs; a record with none of the three is matched on its title key
    (:attr:`evidencehub.model.Record.key`). Two works whose identifiers disagree (the same PMID
    with two different DOIs) are refused with a :class:`StoreError` rather than silently merged:
    deciding that is deduplication's job (``evidencehub.ingest``), not the store's.

Merging, history and provenance
    Upserting a matched record merges it: every field the incoming record gives replaces the
    stored value, fields it leaves empty keep theirs (:func:`~._common.merge_present`). When
    that changes anything, the previous version is kept in ``record_versions`` (its full data,
    the source that wrote it and when) and ``record_field_sources`` notes, for each changed
    field, the source that gave the new value. When nothing changes nothing is written, not
    even a timestamp, so re-importing a file is a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, StoreError
from evidencehub.model import Record
from evidencehub.store import tables as t
from evidencehub.store.repo._common import (
    UpsertOutcome,
    flush,
    given_fields,
    merge_present,
    utc_now,
)
from evidencehub.store.repo._fulltext import matching_record_ids
from evidencehub.store.repo._lookup import RECORD_ID_FIELDS, canonical_record_id, record_row

__all__ = [
    "RecordVersion",
    "UpsertOutcome",
    "count_records",
    "find_record_ids",
    "get_record",
    "list_records",
    "record_history",
    "record_provenance",
    "records_by_year",
    "upsert_record",
]

_FIELDS: tuple[str, ...] = tuple(Record.model_fields)
_IDS = RECORD_ID_FIELDS
_ID_LABELS = {"doi": "DOI", "pmid": "PMID", "pmcid": "PMCID"}


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """One version of a record: its data, the source that wrote it and when.

    ``superseded_at`` and ``superseded_by`` say when and by which source it was replaced;
    both are ``None`` for the current version.
    """

    version: int
    record: Record
    source: str
    recorded_at: dt.datetime
    superseded_at: dt.datetime | None
    superseded_by: str | None


# --------------------------------------------------------------------------- conversions


def _columns(record: Record) -> dict[str, object]:
    """The column values of ``record``: JSON-ready lists, plain strings for enums, real dates."""
    values: dict[str, object] = record.model_dump(mode="json")
    values["published"] = record.published
    return values


def _to_record(row: t.Record) -> Record:
    return Record.model_validate({name: getattr(row, name) for name in _FIELDS})


# --------------------------------------------------------------------------- upsert


def _identity_row(session: Session, record: Record) -> t.Record | None:
    """The stored row that is the same work as ``record`` (see the module docstring)."""
    given = {kind: getattr(record, kind) for kind in _IDS if getattr(record, kind)}
    if not given:
        return session.scalars(select(t.Record).where(t.Record.key == record.key)).first()
    conditions = [getattr(t.Record, kind) == value for kind, value in given.items()]
    rows = list(session.scalars(select(t.Record).where(or_(*conditions))))
    for kind, value in given.items():
        for row in rows:
            if getattr(row, kind) == value:
                return row
    return None


def _check_identifiers(session: Session, row: t.Record, merged: Record) -> None:
    """Refuse identifier conflicts with a message that names both works."""
    for kind in _IDS:
        value = getattr(merged, kind)
        if value is None:
            continue
        if getattr(row, kind) not in (None, value):
            raise StoreError(
                f"record {row.key!r} has {_ID_LABELS[kind]} {getattr(row, kind)}, but the "
                f"incoming version of it says {value}; resolve the conflict before importing"
            )
        owner = session.scalars(select(t.Record).where(getattr(t.Record, kind) == value)).first()
        if owner is not None and owner is not row:
            raise StoreError(
                f"record {row.key!r} would get {_ID_LABELS[kind]} {value}, which already belongs "
                f"to record {owner.key!r}; they look like one work: merge them before importing"
            )


def _note_sources(
    session: Session, row_id: int, fields: Iterable[str], source: str, *, new: bool
) -> None:
    """Record ``source`` as the origin of ``fields`` (insert for a new record, else upsert)."""
    now = utc_now()
    for field in fields:
        provenance = t.RecordFieldSource(
            record_id=row_id, field=field, source=source, recorded_at=now
        )
        if new:
            session.add(provenance)
        else:
            session.merge(provenance)


def _link_registry_ids(session: Session, row_id: int, registry_ids: Iterable[str]) -> None:
    linked = set(
        session.scalars(
            select(t.RecordTrialLink.registry_id).where(t.RecordTrialLink.record_id == row_id)
        )
    )
    for registry_id in registry_ids:
        if registry_id not in linked:
            session.add(t.RecordTrialLink(record_id=row_id, registry_id=registry_id))
            linked.add(registry_id)


def upsert_record(session: Session, record: Record, *, source: str) -> UpsertOutcome:
    """Insert ``record`` or merge it into the stored version of the same work.

    ``source`` names where the data came from (a file name, ``pubmed``, ``crossref``…); it is
    kept with each changed field and with the version it replaces. Registry ids in the record
    are linked to their trials (see :func:`~evidencehub.store.repo.trials.link_record_trial`).
    Returns :attr:`UpsertOutcome.CREATED`, ``UPDATED`` or ``UNCHANGED``.
    """
    if not source.strip():
        raise InputError("upsert_record needs a non-empty source name")
    row = _identity_row(session, record)
    if row is None:
        now = utc_now()
        row = t.Record(
            key=record.key, source=source, created_at=now, updated_at=now, **_columns(record)
        )
        session.add(row)
        flush(session, f"record {record.key!r}")
        _note_sources(session, row.id, given_fields(record), source, new=True)
        _link_registry_ids(session, row.id, record.registry_ids)
        flush(session, f"record {record.key!r}")
        return UpsertOutcome.CREATED

    stored = _to_record(row)
    merged = merge_present(stored, record)
    if merged == stored:
        return UpsertOutcome.UNCHANGED
    _check_identifiers(session, row, merged)
    now = utc_now()
    version = 1 + (
        session.scalar(select(func.count()).where(t.RecordVersion.record_id == row.id)) or 0
    )
    session.add(
        t.RecordVersion(
            record_id=row.id,
            version=version,
            data=stored.model_dump(mode="json"),
            source=row.source,
            recorded_at=row.updated_at,
            superseded_at=now,
            superseded_by=source,
        )
    )
    changed = [f for f in _FIELDS if getattr(merged, f) != getattr(stored, f)]
    new_values = _columns(merged)
    for field in changed:
        setattr(row, field, new_values[field])
    row.key = merged.key
    row.source = source
    row.updated_at = now
    _note_sources(session, row.id, changed, source, new=False)
    _link_registry_ids(session, row.id, merged.registry_ids)
    flush(session, f"record {merged.key!r}")
    return UpsertOutcome.UPDATED


# --------------------------------------------------------------------------- reading


def get_record(session: Session, key: str) -> Record:
    """Return the record known by ``key`` (``doi:…``, ``pmid:…``, ``pmcid:…`` or ``title:…``).

    Any of a record's identifiers finds it, not only the one in its current key.
    Raises :class:`NotFoundError` when there is none.
    """
    return _to_record(record_row(session, key))


def find_record_ids(
    session: Session, *, doi: str | None = None, pmid: str | None = None, pmcid: str | None = None
) -> list[str]:
    """Return the keys of stored records that have any of the given identifiers.

    Matches on DOI come first, then PMID, then PMCID; each record appears once. More than one
    key means the identifiers point at different stored works.
    """
    given = {
        kind: canonical_record_id(kind, value)
        for kind, value in (("doi", doi), ("pmid", pmid), ("pmcid", pmcid))
        if value
    }
    if not given:
        return []
    conditions = [getattr(t.Record, kind) == value for kind, value in given.items()]
    rows = list(session.scalars(select(t.Record).where(or_(*conditions)).order_by(t.Record.id)))
    keys: list[str] = []
    for kind, value in given.items():
        keys.extend(r.key for r in rows if getattr(r, kind) == value and r.key not in keys)
    return keys


def records_by_year(session: Session, years: Iterable[int]) -> list[Record]:
    """Return the records published in any of ``years`` (candidates for fuzzy deduplication)."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    rows = session.scalars(
        select(t.Record).where(t.Record.year.in_(wanted)).order_by(t.Record.year, t.Record.id)
    )
    return [_to_record(row) for row in rows]


def list_records(
    session: Session, *, query: str | None = None, limit: int | None = None
) -> list[Record]:
    """Return stored records, optionally only those matching ``query`` in title or abstract.

    Without a query records come in the order they were first stored; with one, best match
    first (see :mod:`~evidencehub.store.repo._fulltext`). ``limit`` caps the number returned.
    """
    if limit is not None and limit < 0:
        raise InputError(f"limit must be zero or more, got {limit}")
    if query is None:
        statement = select(t.Record).order_by(t.Record.id)
        if limit is not None:
            statement = statement.limit(limit)
        return [_to_record(row) for row in session.scalars(statement)]
    ids = matching_record_ids(session, query, limit)
    if not ids:
        return []
    rows = {row.id: row for row in session.scalars(select(t.Record).where(t.Record.id.in_(ids)))}
    return [_to_record(rows[i]) for i in ids]


def count_records(session: Session) -> int:
    """Return how many records are stored."""
    return session.scalar(select(func.count()).select_from(t.Record)) or 0


def record_history(session: Session, key: str) -> list[RecordVersion]:
    """Return every version of a record, oldest first; the last one is the current version."""
    row = record_row(session, key)
    earlier = session.scalars(
        select(t.RecordVersion)
        .where(t.RecordVersion.record_id == row.id)
        .order_by(t.RecordVersion.version)
    )
    history = [
        RecordVersion(
            version=v.version,
            record=Record.model_validate(v.data),
            source=v.source,
            recorded_at=v.recorded_at,
            superseded_at=v.superseded_at,
            superseded_by=v.superseded_by,
        )
        for v in earlier
    ]
    history.append(
        RecordVersion(
            version=len(history) + 1,
            record=_to_record(row),
            source=row.source,
            recorded_at=row.updated_at,
            superseded_at=None,
            superseded_by=None,
        )
    )
    return history


def record_provenance(session: Session, key: str) -> dict[str, str]:
    """Return, for each field of the record that has a value, the source that gave it."""
    row = record_row(session, key)
    rows = session.scalars(
        select(t.RecordFieldSource)
        .where(t.RecordFieldSource.record_id == row.id)
        .order_by(t.RecordFieldSource.field)
    )
    return {r.field: r.source for r in rows}
