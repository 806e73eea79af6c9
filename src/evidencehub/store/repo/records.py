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

    Every field a new record gives comes from the source that created it, so creating a record
    writes no provenance rows: a field without a row in ``record_field_sources`` came from the
    creating source (the source of the oldest version). This keeps an import to one INSERT per
    new record; :func:`record_provenance` puts the two together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    RowMapping,
    bindparam,
    delete,
    exc,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, StoreError
from evidencehub.model import Record
from evidencehub.store import tables as t
from evidencehub.store.repo._common import (
    UpsertOutcome,
    given_fields,
    merge_present,
    table_of,
    utc_now,
)
from evidencehub.store.repo._fulltext import ranked_matches
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
_RECORDS = table_of(t.Record)
_VERSIONS = table_of(t.RecordVersion)
_SOURCES = table_of(t.RecordFieldSource)
_LINKS = table_of(t.RecordTrialLink)
# Prepared once (values as parameters), so SQLAlchemy compiles and caches each a single time.
_BY_KEY = select(_RECORDS).where(_RECORDS.c.key == bindparam("key"))
_BY_ANY_ID = select(_RECORDS).where(or_(*(_RECORDS.c[kind] == bindparam(kind) for kind in _IDS)))


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


def _columns(record: Record) -> dict[str, Any]:
    """The column values of ``record``: JSON-ready lists, plain strings for enums, real dates."""
    values: dict[str, Any] = record.model_dump(mode="json")
    values["published"] = record.published
    return values


def _to_record(row: RowMapping) -> Record:
    return Record.model_validate({name: row[name] for name in _FIELDS})


# --------------------------------------------------------------------------- upsert
#
# Writes go through Core statements on the tables (one SELECT and one INSERT per new record),
# not through ORM objects: an import writes tens of thousands of records in one transaction,
# and the unit-of-work bookkeeping would dominate its time.


def _identity_row(session: Session, record: Record) -> RowMapping | None:
    """The stored row that is the same work as ``record`` (see the module docstring)."""
    given = {kind: getattr(record, kind) for kind in _IDS if getattr(record, kind)}
    if not given:
        return session.execute(_BY_KEY, {"key": record.key}).mappings().first()
    ids = {kind: getattr(record, kind) for kind in _IDS}
    rows = list(session.execute(_BY_ANY_ID, ids).mappings())
    for kind, value in given.items():
        for row in rows:
            if row[kind] == value:
                return row
    return None


def _check_identifiers(session: Session, row: RowMapping, merged: Record) -> None:
    """Refuse identifier conflicts with a message that names both works."""
    for kind in _IDS:
        value = getattr(merged, kind)
        if value is None or row[kind] == value:
            continue
        if row[kind] is not None:
            raise StoreError(
                f"record {row['key']!r} has {_ID_LABELS[kind]} {row[kind]}, but the "
                f"incoming version of it says {value}; resolve the conflict before importing"
            )
        owner = session.scalar(select(_RECORDS.c.key).where(_RECORDS.c[kind] == value))
        if owner is not None:
            raise StoreError(
                f"record {row['key']!r} would get {_ID_LABELS[kind]} {value}, which already "
                f"belongs to record {owner!r}; they look like one work: merge them before importing"
            )


def _note_sources(session: Session, record_id: int, fields: list[str], source: str) -> None:
    """Make ``source`` the provenance of ``fields`` of a stored record."""
    if not fields:
        return
    session.execute(
        delete(_SOURCES).where(_SOURCES.c.record_id == record_id, _SOURCES.c.field.in_(fields))
    )
    now = utc_now()
    session.execute(
        insert(_SOURCES),
        [
            {"record_id": record_id, "field": f, "source": source, "recorded_at": now}
            for f in fields
        ],
    )


def _link_registry_ids(
    session: Session, record_id: int, registry_ids: tuple[str, ...], *, new: bool
) -> None:
    if not registry_ids:
        return
    linked = (
        set()
        if new
        else set(
            session.scalars(select(_LINKS.c.registry_id).where(_LINKS.c.record_id == record_id))
        )
    )
    missing = [r for r in registry_ids if r not in linked]
    if missing:
        session.execute(
            insert(_LINKS), [{"record_id": record_id, "registry_id": r} for r in missing]
        )


def _insert(session: Session, record: Record, source: str) -> None:
    now = utc_now()
    values = {**_columns(record), "key": record.key, "source": source}
    values.update(created_at=now, updated_at=now)
    # Values as parameters, not .values(): the statement is then compiled once and cached.
    result = cast(CursorResult[Any], session.execute(insert(_RECORDS), values))
    (record_id,) = cast(tuple[int], result.inserted_primary_key)
    _link_registry_ids(session, record_id, record.registry_ids, new=True)


def _update(session: Session, row: RowMapping, stored: Record, merged: Record, source: str) -> None:
    _check_identifiers(session, row, merged)
    now = utc_now()
    earlier = session.scalar(
        select(func.count()).select_from(_VERSIONS).where(_VERSIONS.c.record_id == row["id"])
    )
    session.execute(
        insert(_VERSIONS),
        {
            "record_id": row["id"],
            "version": (earlier or 0) + 1,
            "data": stored.model_dump(mode="json"),
            "source": row["source"],
            "recorded_at": row["updated_at"],
            "superseded_at": now,
            "superseded_by": source,
        },
    )
    changed = [f for f in _FIELDS if getattr(merged, f) != getattr(stored, f)]
    new_values = _columns(merged)
    session.execute(
        update(_RECORDS).where(_RECORDS.c.id == bindparam("record_id")),
        {
            "record_id": row["id"],
            "key": merged.key,
            "source": source,
            "updated_at": now,
            **{field: new_values[field] for field in changed},
        },
    )
    _note_sources(session, row["id"], changed, source)
    if "registry_ids" in changed:
        _link_registry_ids(session, row["id"], merged.registry_ids, new=False)


def upsert_record(session: Session, record: Record, *, source: str) -> UpsertOutcome:
    """Insert ``record`` or merge it into the stored version of the same work.

    ``source`` names where the data came from (a file name, ``pubmed``, ``crossref``…); it is
    kept with each changed field and with the version it replaces. Registry ids in the record
    are linked to their trials (see :func:`~evidencehub.store.repo.trials.link_record_trial`).
    Returns :attr:`UpsertOutcome.CREATED`, ``UPDATED`` or ``UNCHANGED`` (nothing written).
    """
    if not source.strip():
        raise InputError("upsert_record needs a non-empty source name")
    try:
        row = _identity_row(session, record)
        if row is None:
            _insert(session, record, source)
            return UpsertOutcome.CREATED
        stored = _to_record(row)
        merged = merge_present(stored, record)
        if merged == stored:
            return UpsertOutcome.UNCHANGED
        _update(session, row, stored, merged, source)
        return UpsertOutcome.UPDATED
    except exc.IntegrityError as err:
        raise StoreError(
            f"record {record.key!r}: the store refused the change: {err.orig}"
        ) from err


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
    conditions = [_RECORDS.c[kind] == value for kind, value in given.items()]
    statement = select(_RECORDS).where(or_(*conditions)).order_by(_RECORDS.c.id)
    rows = list(session.execute(statement).mappings())
    keys: list[str] = []
    for kind, value in given.items():
        keys.extend(r["key"] for r in rows if r[kind] == value and r["key"] not in keys)
    return keys


def records_by_year(session: Session, years: Iterable[int]) -> list[Record]:
    """Return the records published in any of ``years`` (candidates for fuzzy deduplication)."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    statement = (
        select(_RECORDS).where(_RECORDS.c.year.in_(wanted)).order_by(_RECORDS.c.year, _RECORDS.c.id)
    )
    return [_to_record(row) for row in session.execute(statement).mappings()]


def list_records(
    session: Session, *, query: str | None = None, limit: int | None = None, offset: int = 0
) -> list[Record]:
    """Return stored records, optionally only those matching ``query`` in title or abstract.

    Without a query records come in the order they were first stored; with one, best match
    first (see :mod:`~evidencehub.store.repo._fulltext`); a query without any word matches
    nothing. ``limit`` and ``offset`` page through the list.
    """
    if limit is not None and limit < 0:
        raise InputError(f"limit must be zero or more, got {limit}")
    if offset < 0:
        raise InputError(f"offset must be zero or more, got {offset}")
    statement = select(_RECORDS)
    if query is None:
        statement = statement.order_by(_RECORDS.c.id)
    else:
        matches = ranked_matches(session, query)
        if matches is None:
            return []
        statement = statement.join(matches, matches.c.id == _RECORDS.c.id).order_by(
            matches.c.rank, _RECORDS.c.id
        )
    statement = statement.limit(limit).offset(offset)
    return [_to_record(row) for row in session.execute(statement).mappings()]


def count_records(session: Session) -> int:
    """Return how many records are stored."""
    return session.scalar(select(func.count()).select_from(_RECORDS)) or 0


def record_history(session: Session, key: str) -> list[RecordVersion]:
    """Return every version of a record, oldest first; the last one is the current version."""
    row = record_row(session, key)
    earlier = session.execute(
        select(_VERSIONS).where(_VERSIONS.c.record_id == row["id"]).order_by(_VERSIONS.c.version)
    ).mappings()
    history = [
        RecordVersion(
            version=v["version"],
            record=Record.model_validate(v["data"]),
            source=v["source"],
            recorded_at=v["recorded_at"],
            superseded_at=v["superseded_at"],
            superseded_by=v["superseded_by"],
        )
        for v in earlier
    ]
    history.append(
        RecordVersion(
            version=len(history) + 1,
            record=_to_record(row),
            source=row["source"],
            recorded_at=row["updated_at"],
            superseded_at=None,
            superseded_by=None,
        )
    )
    return history


def record_provenance(session: Session, key: str) -> dict[str, str]:
    """Return, for each field of the record that has a value, the source that gave it."""
    row = record_row(session, key)
    creator = session.scalar(
        select(_VERSIONS.c.source)
        .where(_VERSIONS.c.record_id == row["id"])
        .order_by(_VERSIONS.c.version)
        .limit(1)
    )
    provenance = dict.fromkeys(given_fields(_to_record(row)), creator or row["source"])
    later = select(_SOURCES.c.field, _SOURCES.c.source).where(_SOURCES.c.record_id == row["id"])
    provenance.update({field: source for field, source in session.execute(later)})
    return dict(sorted(provenance.items()))
