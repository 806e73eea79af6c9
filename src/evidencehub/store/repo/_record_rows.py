"""Record rows: conversions to and from :class:`~evidencehub.model.Record`, and batched writes.

Used by :mod:`evidencehub.store.repo.records`, whose docstring states the rules (identity,
merging, history, provenance). Writes are Core statements executed once per batch with a list
of parameter sets (``executemany``), never ORM objects: an import writes tens of thousands of
records in one transaction, and statement round trips and unit-of-work bookkeeping would
dominate its time.

* :func:`insert_rows` — new records (one ``executemany`` INSERT without ``RETURNING``: on SQLite
  SQLAlchemy can only return ids in parameter order one row per statement, measured 0.3 s slower
  per 5,000 records; the ids are read back by key instead), their trial links and their
  full-text index entries.
* :func:`update_rows` — changed records: the previous version goes to ``record_versions``, the
  changed columns are updated (one statement per set of changed columns), ``record_field_sources``
  names the new source of each changed field, new registry ids are linked, and a changed title
  or abstract is re-indexed (:mod:`._fulltext`, a batch at a time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import RowMapping, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.model import Record
from evidencehub.store import tables as t
from evidencehub.store.repo._common import table_of, utc_now
from evidencehub.store.repo._fulltext import index_rows, unindex_rows
from evidencehub.store.repo._lookup import RECORD_ID_FIELDS

__all__ = [
    "CHUNK",
    "FIELDS",
    "LINKS",
    "RECORDS",
    "SOURCES",
    "VERSIONS",
    "chunked",
    "columns",
    "insert_rows",
    "stored_data",
    "to_record",
    "update_rows",
]

FIELDS: tuple[str, ...] = tuple(Record.model_fields)
RECORDS = table_of(t.Record)
VERSIONS = table_of(t.RecordVersion)
SOURCES = table_of(t.RecordFieldSource)
LINKS = table_of(t.RecordTrialLink)
#: Values per ``IN`` list: well under SQLite's (32,766) and PostgreSQL's (65,535) parameter limits.
CHUNK = 500

_ID_LABELS = {"doi": "DOI", "pmid": "PMID", "pmcid": "PMCID"}
# Prepared once (values as parameters), so SQLAlchemy compiles and caches each a single time.
_INSERT = insert(RECORDS)
_IDS_BY_KEY = select(RECORDS.c.key, RECORDS.c.id).where(
    RECORDS.c.key.in_(bindparam("keys", expanding=True))
)
_UPDATE_BY_ID = update(RECORDS).where(RECORDS.c.id == bindparam("record_id"))
_DELETE_SOURCE = delete(SOURCES).where(
    SOURCES.c.record_id == bindparam("record_id"), SOURCES.c.field == bindparam("name")
)
_VERSION_COUNTS = (
    select(VERSIONS.c.record_id, func.count())
    .where(VERSIONS.c.record_id.in_(bindparam("ids", expanding=True)))
    .group_by(VERSIONS.c.record_id)
)
_LINKED = select(LINKS.c.record_id, LINKS.c.registry_id).where(
    LINKS.c.record_id.in_(bindparam("ids", expanding=True))
)


def columns(record: Record) -> dict[str, Any]:
    """The column values of ``record``: JSON-ready lists, plain strings for enums, real dates."""
    values: dict[str, Any] = record.model_dump(mode="json")
    values["published"] = record.published
    return values


def to_record(row: RowMapping) -> Record:
    return Record.model_validate({name: row[name] for name in FIELDS})


def chunked(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``values`` in slices of at most :data:`CHUNK`."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def insert_rows(
    session: Session, records: Sequence[Record], values: Sequence[dict[str, Any]], source: str
) -> None:
    """Insert new records (``values`` are their :func:`columns`) and link their registry ids."""
    if not records:
        return
    now = utc_now()
    params = [
        {**row, "key": record.key, "source": source, "created_at": now, "updated_at": now}
        for record, row in zip(records, values, strict=True)
    ]
    session.execute(_INSERT, params)
    ids: dict[str, int] = {}
    for chunk in chunked([record.key for record in records]):
        ids.update((key, rid) for key, rid in session.execute(_IDS_BY_KEY, {"keys": list(chunk)}))
    for chunk in chunked(list(ids.values())):
        index_rows(session, chunk)
    links = [
        {"record_id": ids[record.key], "registry_id": registry_id}
        for record in records
        for registry_id in record.registry_ids
    ]
    if links:
        session.execute(insert(LINKS), links)


def _check_identifiers(session: Session, row: RowMapping, merged: Record) -> None:
    """Refuse identifier conflicts with a message that names both works."""
    for kind in RECORD_ID_FIELDS:
        value = getattr(merged, kind)
        if value is None or row[kind] == value:
            continue
        if row[kind] is not None:
            raise StoreError(
                f"record {row['key']!r} has {_ID_LABELS[kind]} {row[kind]}, but the "
                f"incoming version of it says {value}; resolve the conflict before importing"
            )
        owner = session.scalar(select(RECORDS.c.key).where(RECORDS.c[kind] == value))
        if owner is not None:
            raise StoreError(
                f"record {row['key']!r} would get {_ID_LABELS[kind]} {value}, which already "
                f"belongs to record {owner!r}; they look like one work: merge them before importing"
            )


def stored_data(row: RowMapping) -> dict[str, Any]:
    """The stored version in a row as ``Record.model_dump(mode="json")`` gives it.

    The columns hold exactly that (see :func:`columns`), but for the date, which is a date.
    """
    data = {name: row[name] for name in FIELDS}
    if data["published"] is not None:
        data["published"] = data["published"].isoformat()
    return data


def update_rows(
    session: Session, updates: Sequence[tuple[RowMapping, Record, dict[str, Any]]], source: str
) -> None:
    """Replace each ``(row, merged, columns(merged))``'s version by ``merged``, keeping history.

    The rows must be distinct records. Identifier conflicts are refused before anything is
    written (:class:`StoreError`). Changed fields are found by comparing column values, so no
    model of the stored version is needed.
    """
    if not updates:
        return
    for row, merged, _ in updates:
        _check_identifiers(session, row, merged)
    now = utc_now()
    ids = [row["id"] for row, _, _ in updates]
    earlier: dict[int, int] = {}
    for chunk in chunked(ids):
        earlier.update((rid, n) for rid, n in session.execute(_VERSION_COUNTS, {"ids": chunk}))
    versions: list[dict[str, Any]] = []
    by_changed: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    sources: list[dict[str, Any]] = []
    relink: list[tuple[int, tuple[str, ...]]] = []
    reindex: list[int] = []
    for row, merged, new_values in updates:
        versions.append({
            "record_id": row["id"], "version": earlier.get(row["id"], 0) + 1,
            "data": stored_data(row), "source": row["source"],
            "recorded_at": row["updated_at"], "superseded_at": now, "superseded_by": source,
        })  # fmt: skip
        changed = tuple(name for name in FIELDS if new_values[name] != row[name])
        by_changed[changed].append({
            "record_id": row["id"], "key": merged.key, "source": source, "updated_at": now,
            **{name: new_values[name] for name in changed},
        })  # fmt: skip
        sources.extend(
            {
                "record_id": row["id"],
                "name": name,
                "field": name,
                "source": source,
                "recorded_at": now,
            }
            for name in changed
        )
        if "registry_ids" in changed:
            relink.append((row["id"], merged.registry_ids))
        if "title" in changed or "abstract" in changed:
            reindex.append(row["id"])
    session.execute(insert(VERSIONS), versions)
    for chunk in chunked(reindex):
        unindex_rows(session, chunk)
    for params in by_changed.values():
        session.execute(_UPDATE_BY_ID, params)
    for chunk in chunked(reindex):
        index_rows(session, chunk)
    if sources:
        session.execute(
            _DELETE_SOURCE, [{"record_id": s["record_id"], "name": s["name"]} for s in sources]
        )
        session.execute(
            insert(SOURCES), [{k: v for k, v in s.items() if k != "name"} for s in sources]
        )
    _link_new_registry_ids(session, relink)


def _link_new_registry_ids(session: Session, relink: Sequence[tuple[int, tuple[str, ...]]]) -> None:
    """Link each record to the registry ids of its new version it is not linked to yet."""
    if not relink:
        return
    linked: set[tuple[int, str]] = set()
    for chunk in chunked([record_id for record_id, _ in relink]):
        linked.update((rid, reg) for rid, reg in session.execute(_LINKED, {"ids": list(chunk)}))
    missing = [
        {"record_id": record_id, "registry_id": registry_id}
        for record_id, registry_ids in relink
        for registry_id in registry_ids
        if (record_id, registry_id) not in linked
    ]
    if missing:
        session.execute(insert(LINKS), missing)
