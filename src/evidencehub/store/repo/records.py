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

Batches
    :func:`upsert_records` writes many records with a few statements: it looks the batch up
    with one ``IN`` query per identifier kind (DOI, PMID, PMCID, title key), decides "unchanged"
    by comparing the incoming record's JSON-ready values with the stored columns (no model is
    built for a record that does not change), inserts the new records with one ``executemany``
    ``INSERT`` and writes history and provenance only for the records that change. Its result
    is exactly that of calling :func:`upsert_record` for each record in order: records of one
    batch that are the same work (they share an identifier or a title key, or meet the same
    stored row) are written in consecutive sub-batches. :func:`upsert_record` is that same
    path with one record. :func:`find_record_keys` and :func:`records_with_provenance` are the
    batched forms of :func:`find_record_ids`, :func:`get_record` and :func:`record_provenance`.

    A record without identifiers is known by its title key; when deduplication finds that a
    new version with a DOI, PMID or PMCID is the same work, ``into=`` names the stored row's
    key so that the row is updated in place (it gains the identifiers and a new key) instead of
    a second record being created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    RowMapping,
    bindparam,
    exc,
    func,
    select,
)
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import Record
from evidencehub.store.repo._common import (
    UpsertOutcome,
    given_fields,
    merge_present,
)
from evidencehub.store.repo._fulltext import ranked_matches
from evidencehub.store.repo._lookup import RECORD_ID_FIELDS, canonical_record_id, record_row
from evidencehub.store.repo._record_rows import (
    CHUNK,
    FIELDS,
    RECORDS,
    SOURCES,
    VERSIONS,
    chunked,
    columns,
    insert_rows,
    to_record,
    update_rows,
)

__all__ = [
    "RecordVersion",
    "UpsertOutcome",
    "count_records",
    "find_record_ids",
    "find_record_keys",
    "get_record",
    "list_records",
    "record_history",
    "record_ids",
    "record_provenance",
    "records_by_id",
    "records_by_year",
    "records_with_provenance",
    "upsert_record",
    "upsert_records",
]

_IDS = RECORD_ID_FIELDS
# Prepared once (values as parameters; expanding IN lists), so SQLAlchemy compiles and caches
# each a single time.
_ROWS_BY = {
    column: select(RECORDS).where(RECORDS.c[column].in_(bindparam("values", expanding=True)))
    for column in (*_IDS, "key")
}
_IDS_BY_KEY = select(RECORDS.c.key, RECORDS.c.id).where(
    RECORDS.c.key.in_(bindparam("values", expanding=True))
)
_KEYS_BY = {
    kind: select(RECORDS.c.key, RECORDS.c[kind]).where(
        RECORDS.c[kind].in_(bindparam("values", expanding=True))
    )
    for kind in _IDS
}


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


# --------------------------------------------------------------------------- upsert
#
# Statements on the tables (Core), never ORM objects; the writes are in ._record_rows.


def _chunks(values: Iterable[str | None]) -> Iterable[list[str]]:
    """The distinct non-empty ``values`` in lists of at most :data:`CHUNK`."""
    wanted = list(dict.fromkeys(v for v in values if v))
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start : start + CHUNK]


def _rows_by(session: Session, column: str, values: Iterable[str | None]) -> dict[str, RowMapping]:
    """Stored rows whose ``column`` (an identifier kind or ``key``) is one of ``values``."""
    found: dict[str, RowMapping] = {}
    for chunk in _chunks(values):
        for row in session.execute(_ROWS_BY[column], {"values": chunk}).mappings():
            found[row[column]] = row
    return found


def _has_ids(record: Record) -> bool:
    return bool(record.doi or record.pmid or record.pmcid)


def _identity_rows(
    session: Session, records: Sequence[Record], into: Sequence[str | None]
) -> list[RowMapping | None]:
    """The stored row that is the same work as each record (see the module docstring).

    One query per identifier kind for the whole batch (each asking only for the records that
    the kinds before it did not find); ``into`` names, per record, the key of the row to merge
    it into regardless of its identifiers (None: decide by identity).
    """
    rows: list[RowMapping | None] = [None] * len(records)
    for kind in _IDS:
        asking = [
            (position, value)
            for position, (record, target) in enumerate(zip(records, into, strict=True))
            if target is None and rows[position] is None and (value := getattr(record, kind))
        ]
        found = _rows_by(session, kind, (value for _, value in asking))
        for position, value in asking:
            rows[position] = found.get(value)
    by_key = _rows_by(
        session,
        "key",
        (
            target or (None if _has_ids(r) else r.key)
            for r, target in zip(records, into, strict=True)
        ),
    )
    for position, (record, target) in enumerate(zip(records, into, strict=True)):
        if target is not None:
            rows[position] = by_key.get(target)
            if rows[position] is None:
                raise NotFoundError(
                    f"no record {target!r} in the store to merge {record.key!r} into"
                )
        elif not _has_ids(record):
            rows[position] = by_key.get(record.key)
    return rows


def _identity_tokens(record: Record, target: str | None) -> set[tuple[str, str]]:
    """What makes two records of one batch possibly the same work: identifiers and keys."""
    tokens = {(kind, value) for kind in _IDS if (value := getattr(record, kind))}
    tokens.add(("key", record.key))
    if target is not None:
        tokens.add(("key", target))
    return tokens


def _segment_end(records: Sequence[Record], into: Sequence[str | None], start: int) -> int:
    """The end of the longest run from ``start`` in which no two records share a token."""
    seen: set[tuple[str, str]] = set()
    for position in range(start, min(len(records), start + CHUNK)):
        tokens = _identity_tokens(records[position], into[position])
        if position > start and not seen.isdisjoint(tokens):
            return position
        seen |= tokens
    return min(len(records), start + CHUNK)


def _compare_with_stored(
    row: RowMapping, record: Record, values: dict[str, Any]
) -> tuple[bool, bool]:
    """``(unchanged, complete)`` for merging ``record`` (whose columns are ``values``) into ``row``.

    *unchanged*: every field ``record`` gives already has that value in the row, so merging
    changes nothing. *complete*: every field ``record`` leaves empty is empty in the row too, so
    the merged version is ``record`` itself. Both compare JSON-ready values with the stored
    columns (which hold exactly those), so neither needs a model of the stored version.
    """
    given = set(given_fields(record))
    unchanged = complete = True
    for name in FIELDS:
        if values[name] != row[name]:
            if name in given:
                unchanged = False
            else:
                complete = False
    return unchanged, complete


def _write_segment(
    session: Session, records: Sequence[Record], rows: Sequence[RowMapping | None], source: str
) -> list[UpsertOutcome]:
    """Upsert records that are distinct works and meet distinct stored rows."""
    outcomes: list[UpsertOutcome] = []
    new: list[Record] = []
    new_values: list[dict[str, Any]] = []
    updates: list[tuple[RowMapping, Record, dict[str, Any]]] = []
    for record, row in zip(records, rows, strict=True):
        values = columns(record)
        if row is None:
            new.append(record)
            new_values.append(values)
            outcomes.append(UpsertOutcome.CREATED)
            continue
        unchanged, complete = _compare_with_stored(row, record, values)
        if unchanged:
            outcomes.append(UpsertOutcome.UNCHANGED)
            continue
        if complete:
            updates.append((row, record, values))
        else:
            merged = merge_present(to_record(row), record)
            updates.append((row, merged, columns(merged)))
        outcomes.append(UpsertOutcome.UPDATED)
    update_rows(session, updates, source)
    insert_rows(session, new, new_values, source)
    return outcomes


def upsert_records(
    session: Session,
    records: Sequence[Record],
    *,
    source: str,
    into: Sequence[str | None] | None = None,
) -> list[UpsertOutcome]:
    """Insert or merge each record, as :func:`upsert_record` would one after the other.

    ``into`` optionally gives, per record, the key of a stored row to merge it into (a record
    without identifiers, ``title:…``, that deduplication found to be the same work); the row
    then takes the record's identifiers and key. Returns one outcome per record, in order.
    """
    if not source.strip():
        raise InputError("upsert_record needs a non-empty source name")
    targets: Sequence[str | None] = [None] * len(records) if into is None else into
    if len(targets) != len(records):
        raise InputError(f"into= names {len(targets)} targets for {len(records)} records")
    outcomes: list[UpsertOutcome] = []
    start = 0
    try:
        while start < len(records):
            end = _segment_end(records, targets, start)
            rows = _identity_rows(session, records[start:end], targets[start:end])
            seen: set[int] = set()
            for offset, row in enumerate(rows):
                if row is not None and row["id"] in seen:
                    # A later record meets a row an earlier one changes: write it after that.
                    end, rows = start + offset, rows[:offset]
                    break
                if row is not None:
                    seen.add(row["id"])
            outcomes.extend(_write_segment(session, records[start:end], rows, source))
            start = end
    except exc.IntegrityError as err:
        left = records[start:]
        what = ", ".join(repr(r.key) for r in left[:3]) + (" …" if len(left) > 3 else "")
        what = f"record {what}" if len(left) == 1 else f"one of records {what}"
        raise StoreError(f"{what}: the store refused the change: {err.orig}") from err
    return outcomes


def upsert_record(
    session: Session, record: Record, *, source: str, into: str | None = None
) -> UpsertOutcome:
    """Insert ``record`` or merge it into the stored version of the same work.

    ``source`` names where the data came from (a file name, ``pubmed``, ``crossref``…); it is
    kept with each changed field and with the version it replaces. Registry ids in the record
    are linked to their trials (see :func:`~evidencehub.store.repo.trials.link_record_trial`).
    ``into`` names the stored row to merge into (see :func:`upsert_records`).
    Returns :attr:`UpsertOutcome.CREATED`, ``UPDATED`` or ``UNCHANGED`` (nothing written).
    """
    (outcome,) = upsert_records(session, [record], source=source, into=[into])
    return outcome


# --------------------------------------------------------------------------- reading


def get_record(session: Session, key: str) -> Record:
    """Return the record known by ``key`` (``doi:…``, ``pmid:…``, ``pmcid:…`` or ``title:…``).

    Any of a record's identifiers finds it, not only the one in its current key.
    Raises :class:`NotFoundError` when there is none.
    """
    return to_record(record_row(session, key))


def _keys_by_identifier(session: Session, wanted: Sequence[dict[str, str]]) -> list[list[str]]:
    """For each ``{kind: canonical value}``, the keys of the stored records having any of them
    (DOI matches first, then PMID, then PMCID; each key once). One query per identifier kind."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in _IDS}
    for kind in _IDS:
        for chunk in _chunks(given.get(kind) for given in wanted):
            for key, value in session.execute(_KEYS_BY[kind], {"values": chunk}):
                found[kind][value] = key
    result: list[list[str]] = []
    for given in wanted:
        keys = (found[kind].get(value) for kind, value in given.items())
        result.append(list(dict.fromkeys(k for k in keys if k is not None)))
    return result


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
    return _keys_by_identifier(session, [given])[0] if given else []


def find_record_keys(session: Session, records: Sequence[Record]) -> list[list[str]]:
    """:func:`find_record_ids` for each of ``records`` (their DOI, PMID and PMCID), batched."""
    wanted = [{kind: value for kind in _IDS if (value := getattr(r, kind))} for r in records]
    return _keys_by_identifier(session, wanted)


def records_with_provenance(
    session: Session, keys: Iterable[str]
) -> dict[str, tuple[Record, dict[str, str]]]:
    """:func:`get_record` and :func:`record_provenance` for many keys in a few queries.

    Keys are ``doi:…``, ``pmid:…``, ``pmcid:…`` or ``title:…`` as for :func:`get_record`; a key
    no stored record answers to is left out of the result.
    """
    by_kind: dict[str, dict[str, str]] = {}
    for key in dict.fromkeys(keys):
        kind, _, value = key.partition(":")
        if kind == "title":
            by_kind.setdefault("key", {})[key] = key
        else:
            by_kind.setdefault(kind, {})[canonical_record_id(kind, value)] = key
    rows: dict[str, RowMapping] = {}
    for column, asked in by_kind.items():
        for value, row in _rows_by(session, column, asked).items():
            rows[asked[value]] = row
    record_ids = [row["id"] for row in rows.values()]
    creators: dict[int, str] = {}
    changed: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        creators.update(
            (record_id, source)
            for record_id, source in session.execute(
                select(VERSIONS.c.record_id, VERSIONS.c.source).where(
                    VERSIONS.c.version == 1, VERSIONS.c.record_id.in_(chunk)
                )
            )
        )
        for record_id, name, source in session.execute(
            select(SOURCES.c.record_id, SOURCES.c.field, SOURCES.c.source).where(
                SOURCES.c.record_id.in_(chunk)
            )
        ):
            changed.setdefault(record_id, []).append((name, source))
    result: dict[str, tuple[Record, dict[str, str]]] = {}
    for key, row in rows.items():
        record = to_record(row)
        creator = creators.get(row["id"], row["source"])
        result[key] = (record, _provenance(record, creator, changed.get(row["id"], [])))
    return result


def records_by_year(session: Session, years: Iterable[int]) -> list[Record]:
    """Return the records published in any of ``years`` (candidates for fuzzy deduplication)."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    statement = (
        select(RECORDS).where(RECORDS.c.year.in_(wanted)).order_by(RECORDS.c.year, RECORDS.c.id)
    )
    return [to_record(row) for row in session.execute(statement).mappings()]


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
    statement = select(RECORDS)
    if query is None:
        statement = statement.order_by(RECORDS.c.id)
    else:
        matches = ranked_matches(session, query)
        if matches is None:
            return []
        statement = statement.join(matches, matches.c.id == RECORDS.c.id).order_by(
            matches.c.rank, RECORDS.c.id
        )
    statement = statement.limit(limit).offset(offset)
    return [to_record(row) for row in session.execute(statement).mappings()]


def records_by_id(session: Session, ids: Iterable[int]) -> dict[int, Record]:
    """The stored records with these row ids (an id no record has is left out)."""
    found: dict[int, Record] = {}
    for chunk in chunked(list(ids)):
        rows = session.execute(select(RECORDS).where(RECORDS.c.id.in_(chunk))).mappings()
        found.update((row["id"], to_record(row)) for row in rows)
    return found


def record_ids(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """The row ids of the stored records whose current key is one of ``keys`` (a key no record
    has is left out): for tables that refer to records, such as an import's records."""
    ids: dict[str, int] = {}
    for chunk in _chunks(keys):
        ids.update((key, rid) for key, rid in session.execute(_IDS_BY_KEY, {"values": chunk}))
    return ids


def count_records(session: Session) -> int:
    """Return how many records are stored."""
    return session.scalar(select(func.count()).select_from(RECORDS)) or 0


def record_history(session: Session, key: str) -> list[RecordVersion]:
    """Return every version of a record, oldest first; the last one is the current version."""
    row = record_row(session, key)
    earlier = session.execute(
        select(VERSIONS).where(VERSIONS.c.record_id == row["id"]).order_by(VERSIONS.c.version)
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
            record=to_record(row),
            source=row["source"],
            recorded_at=row["updated_at"],
            superseded_at=None,
            superseded_by=None,
        )
    )
    return history


def _provenance(record: Record, creator: str, changed: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each given field from ``creator`` unless a ``(field, source)`` row says otherwise."""
    provenance = dict.fromkeys(given_fields(record), creator)
    provenance.update(changed)
    return dict(sorted(provenance.items()))


def record_provenance(session: Session, key: str) -> dict[str, str]:
    """Return, for each field of the record that has a value, the source that gave it."""
    row = record_row(session, key)
    creator = session.scalar(
        select(VERSIONS.c.source)
        .where(VERSIONS.c.record_id == row["id"])
        .order_by(VERSIONS.c.version)
        .limit(1)
    )
    later = select(SOURCES.c.field, SOURCES.c.source).where(SOURCES.c.record_id == row["id"])
    changed = [(field, source) for field, source in session.execute(later)]
    return _provenance(to_record(row), creator or row["source"], changed)
