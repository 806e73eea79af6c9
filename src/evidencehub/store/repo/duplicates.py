"""Possible duplicates in the store, people's decisions on them, and merging two records.

Candidates
    A pair of stored records that may be one work, which an import kept apart for a person
    (``duplicate_candidates``: record ids ``a < b``, why, the title score, the import that
    found it). :func:`add_candidates` stores new pairs; a pair already stored or already decided
    is not proposed again.

Decisions
    A person's verdict on a pair, ``same`` or ``different`` (``duplicate_decisions``,
    append-only: the newest decision on a pair wins), with the actor, the time, a note and the
    two records' keys as they were. A pair is *pending* while it has no decision.

Merging
    A ``same`` decision makes the two records one (:func:`merge_records`, called by
    :func:`evidencehub.ingest.duplicates.decide`, which decides which record is kept and what
    the merged version holds). In the same transaction:

    * the other record's history moves to the kept record, followed by the other's current
      version (with its source and dates), then the kept record's own version before the merge;
      the kept row takes the merged version, and each field the other record gave names the
      source it came from (``record_field_sources``);
    * every row that refers to the other record refers to the kept one instead: the studies it
      reports, the imports that returned it (an import that returned both keeps its strongest
      outcome), its trial links, outcome data citing it, and candidate pairs and decisions
      (a pair that would be listed twice is listed once);
    * the other record is deleted. The ``same`` decision itself then names the kept record
      twice; its keys say which two records were merged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import (
    PrimaryKeyConstraint,
    RowMapping,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Actor, DuplicateVerdict, ImportOutcome, Record
from evidencehub.store import tables as t
from evidencehub.store.repo._common import table_of, utc_now
from evidencehub.store.repo._lookup import record_row
from evidencehub.store.repo._record_rows import (
    RECORDS,
    SOURCES,
    VERSIONS,
    columns,
    stored_data,
    to_record,
    update_rows,
)
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.records import record_ids

__all__ = [
    "Decision",
    "DuplicatePair",
    "PairStatus",
    "add_candidates",
    "add_decision",
    "list_pairs",
    "merge_records",
    "merged_keys",
]

_CANDIDATES = table_of(t.DuplicateCandidate)
_DECISIONS = table_of(t.DuplicateDecision)
_IMPORTS = table_of(t.ImportRecord)
_ACTORS = table_of(t.Actor)
#: Tables that :func:`merge_records` updates itself; every other reference to a record is moved
#: by :func:`_move_references`.
_OWN = frozenset({"records", "record_versions", "record_field_sources", "import_records",
                  "duplicate_candidates", "duplicate_decisions"})  # fmt: skip


class PairStatus(StrEnum):
    """Where a pair stands: no decision yet, or the verdict of its newest decision."""

    PENDING = "pending"
    SAME = "same"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class Decision:
    """A person's decision on a pair: the verdict, who, when, and why."""

    verdict: DuplicateVerdict
    actor: str
    decided_at: dt.datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two records that may be one work, and what was decided about them.

    ``keys`` are the records' current keys (for a merged pair, the keys they had when decided);
    ``records`` the stored records (for a merged pair, the one record they became). ``reason``,
    ``score``, ``import_id`` and ``found_at`` come from the candidate row (None for a pair that
    was decided without being proposed, and for a merged pair); ``status`` is ``pending``,
    ``same`` or ``different``; ``decision`` the newest decision, if any.
    """

    keys: tuple[str, str]
    records: tuple[Record, ...]
    status: PairStatus
    reason: str | None
    score: float | None
    import_id: int | None
    found_at: dt.datetime | None
    decision: Decision | None


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


# --------------------------------------------------------------------------- candidates


def add_candidates(
    session: Session,
    pairs: Iterable[tuple[str, str, str, float | None]],
    *,
    import_id: int | None,
) -> int:
    """Store ``(key, other key, reason, score)`` pairs found by import ``import_id`` (or by a
    rescan of the store: None); return how many were new.

    Pairs already stored, pairs with a decision, and a record paired with itself are skipped.
    Every key must name a stored record.
    """
    pairs = list(pairs)
    ids = record_ids(session, (key for pair in pairs for key in pair[:2]))
    missing = sorted({key for pair in pairs for key in pair[:2]} - set(ids))
    if missing:
        raise InputError(f"no record {missing[0]!r} in the store for a candidate pair")
    found: dict[tuple[int, int], tuple[str, float | None]] = {}
    for a_key, b_key, reason, score in pairs:
        if ids[a_key] != ids[b_key]:
            found.setdefault(_ordered(ids[a_key], ids[b_key]), (reason, score))
    if not found:
        return 0
    known = _known_pairs(session, found)
    now = utc_now()
    rows = [
        {"record_a_id": a, "record_b_id": b, "reason": reason, "score": score,
         "import_id": import_id, "found_at": now}
        for (a, b), (reason, score) in found.items()
        if (a, b) not in known
    ]  # fmt: skip
    if rows:
        session.execute(insert(_CANDIDATES), rows)
    return len(rows)


def _known_pairs(session: Session, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of ``pairs`` (ordered record ids) that are stored or decided."""
    wanted = set(pairs)
    firsts = sorted({a for a, _ in wanted})
    known: set[tuple[int, int]] = set()
    for table in (_CANDIDATES, _DECISIONS):
        for start in range(0, len(firsts), 500):
            rows = session.execute(
                select(table.c.record_a_id, table.c.record_b_id).where(
                    table.c.record_a_id.in_(firsts[start : start + 500])
                )
            )
            known.update(pair for a, b in rows if (pair := (a, b)) in wanted)
    return known


# --------------------------------------------------------------------------- decisions


def add_decision(
    session: Session,
    a: str,
    b: str,
    verdict: DuplicateVerdict,
    actor: Actor,
    *,
    note: str | None = None,
) -> None:
    """Record ``actor``'s ``verdict`` on the records ``a`` and ``b`` (keys such as ``doi:…``).

    This only records it: for ``same``, :func:`merge_records` then makes the two one record.
    Two keys of one record are refused (:class:`InputError`), an unknown key is a
    :class:`~evidencehub.errors.NotFoundError`.
    """
    row_a, row_b = record_row(session, a), record_row(session, b)
    if row_a["id"] == row_b["id"]:
        raise InputError(f"{a} and {b} are one stored record ({row_a['key']}); give two records")
    if row_a["id"] > row_b["id"]:
        row_a, row_b = row_b, row_a
    session.execute(
        insert(_DECISIONS).values(
            record_a_id=row_a["id"], record_b_id=row_b["id"], record_a_key=row_a["key"],
            record_b_key=row_b["key"], verdict=DuplicateVerdict(verdict).value, note=note,
            actor_id=actor_id(session, actor), decided_at=utc_now(),
        )
    )  # fmt: skip


def _decisions(
    session: Session,
) -> tuple[dict[tuple[int, int], tuple[Decision, RowMapping]], list[tuple[Decision, RowMapping]]]:
    """The newest decision on each pair of distinct records, and every merge (a ``same``
    decision whose records became one), each with its row."""
    rows = session.execute(
        select(_DECISIONS, _ACTORS.c.name.label("actor"))
        .join(_ACTORS, _ACTORS.c.id == _DECISIONS.c.actor_id)
        .order_by(_DECISIONS.c.decided_at, _DECISIONS.c.id)
    ).mappings()
    newest: dict[tuple[int, int], tuple[Decision, RowMapping]] = {}
    merges: list[tuple[Decision, RowMapping]] = []
    for row in rows:
        decision = Decision(
            DuplicateVerdict(row["verdict"]), row["actor"], row["decided_at"], row["note"]
        )
        if row["record_a_id"] != row["record_b_id"]:
            newest[(row["record_a_id"], row["record_b_id"])] = (decision, row)
        elif decision.verdict is DuplicateVerdict.SAME:
            merges.append((decision, row))
        # else: a decision that the merge of its two records overruled
    return newest, merges


def list_pairs(session: Session, *, decided: bool = False) -> list[DuplicatePair]:
    """The pending pairs (candidates without a decision), in the order they were found; with
    ``decided`` also the decided pairs with their newest decision, then the merges."""
    newest, merges = _decisions(session)
    candidates = {
        (row["record_a_id"], row["record_b_id"]): row
        for row in session.execute(select(_CANDIDATES).order_by(_CANDIDATES.c.id)).mappings()
    }
    shown = [pair for pair in candidates if pair not in newest]
    if decided:
        shown += list(newest)
    else:
        merges = []
    rows = _rows_by_id(
        session,
        {rid for pair in shown for rid in pair} | {row["record_a_id"] for _, row in merges},
    )
    pairs: list[DuplicatePair] = []
    for pair in shown:
        candidate = candidates.get(pair)
        decision = newest[pair][0] if pair in newest else None
        pairs.append(
            DuplicatePair(
                keys=(rows[pair[0]]["key"], rows[pair[1]]["key"]),
                records=(to_record(rows[pair[0]]), to_record(rows[pair[1]])),
                status=PairStatus.PENDING if decision is None else PairStatus(decision.verdict),
                reason=None if candidate is None else candidate["reason"],
                score=None if candidate is None else candidate["score"],
                import_id=None if candidate is None else candidate["import_id"],
                found_at=None if candidate is None else candidate["found_at"],
                decision=decision,
            )
        )
    pairs.extend(
        DuplicatePair(
            keys=(row["record_a_key"], row["record_b_key"]),
            records=(to_record(rows[row["record_a_id"]]),),
            status=PairStatus.SAME,
            reason=None,
            score=None,
            import_id=None,
            found_at=None,
            decision=decision,
        )
        for decision, row in merges
    )
    return pairs


def merged_keys(session: Session) -> dict[str, str]:
    """The keys of records merged into another by a ``same`` decision, each with the current
    key of the record it became (for an import that meets one of them again)."""
    rows = session.execute(
        select(_DECISIONS.c.record_a_key, _DECISIONS.c.record_b_key, RECORDS.c.key)
        .join(RECORDS, RECORDS.c.id == _DECISIONS.c.record_a_id)
        .where(
            _DECISIONS.c.record_a_id == _DECISIONS.c.record_b_id,
            _DECISIONS.c.verdict == DuplicateVerdict.SAME.value,
        )
        .order_by(_DECISIONS.c.decided_at, _DECISIONS.c.id)
    )
    merged: dict[str, str] = {}
    for a_key, b_key, current in rows:
        merged.update((key, current) for key in (a_key, b_key) if key != current)
    return merged


def _rows_by_id(session: Session, ids: set[int]) -> dict[int, RowMapping]:
    wanted = sorted(ids)
    rows: dict[int, RowMapping] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in session.execute(select(RECORDS).where(RECORDS.c.id.in_(chunk))).mappings():
            rows[row["id"]] = row
    return rows


# --------------------------------------------------------------------------- merging


def merge_records(
    session: Session,
    kept: str,
    other: str,
    merged: Record,
    field_sources: Mapping[str, str],
) -> None:
    """Make the stored records ``kept`` and ``other`` one record, ``merged`` (module docstring).

    ``merged`` is the kept record's new version; ``field_sources`` names, for each field whose
    value changes, the source that gave the new value (a field it leaves out is credited to
    ``merge:<other's key>``). ``merged`` must keep the kept record's DOI, PMID and PMCID.
    """
    kept_row, other_row = record_row(session, kept), record_row(session, other)
    kept_id, other_id = kept_row["id"], other_row["id"]
    if kept_id == other_id:
        raise InputError(f"{kept} and {other} are one stored record; nothing to merge")
    source = f"merge:{other_row['key']}"
    now = utc_now()
    _move_history(session, kept_id, other_row, source, now)
    _move_import_records(session, kept_id, other_id)
    _move_pairs(session, kept_id, other_id)
    _move_references(session, kept_id, other_id)
    # (the SQLite full-text index forgets a deleted record by itself: migration 0002's trigger)
    session.execute(delete(RECORDS).where(RECORDS.c.id == other_id))
    values = columns(merged)
    if any(values[name] != kept_row[name] for name in values):
        update_rows(session, [(kept_row, merged, values)], source)
        for name, value in field_sources.items():
            session.execute(
                update(SOURCES)
                .where(SOURCES.c.record_id == kept_id, SOURCES.c.field == name)
                .values(source=value)
            )


def _move_history(
    session: Session, kept_id: int, other_row: RowMapping, source: str, now: dt.datetime
) -> None:
    """Append the other record's versions, then its current version, to the kept one's."""
    count = select(func.count()).select_from(VERSIONS)
    kept_versions = session.scalar(count.where(VERSIONS.c.record_id == kept_id)) or 0
    other_versions = session.scalar(count.where(VERSIONS.c.record_id == other_row["id"])) or 0
    session.execute(
        update(VERSIONS)
        .where(VERSIONS.c.record_id == other_row["id"])
        .values(record_id=kept_id, version=VERSIONS.c.version + kept_versions)
    )
    session.execute(
        insert(VERSIONS).values(
            record_id=kept_id, version=kept_versions + other_versions + 1,
            data=stored_data(other_row), source=other_row["source"],
            recorded_at=other_row["updated_at"], superseded_at=now, superseded_by=source,
        )
    )  # fmt: skip


def _move_import_records(session: Session, kept_id: int, other_id: int) -> None:
    """The imports that returned the other record returned the kept one (strongest outcome)."""
    rows = session.execute(
        select(_IMPORTS.c.import_id, _IMPORTS.c.record_id, _IMPORTS.c.outcome).where(
            _IMPORTS.c.record_id.in_([kept_id, other_id])
        )
    ).all()
    kept = {import_id: ImportOutcome(outcome) for import_id, rid, outcome in rows if rid == kept_id}
    for import_id, rid, outcome in rows:
        if rid != other_id:
            continue
        ours = ImportOutcome(outcome)
        if import_id not in kept:
            session.execute(
                update(_IMPORTS)
                .where(_IMPORTS.c.import_id == import_id, _IMPORTS.c.record_id == other_id)
                .values(record_id=kept_id)
            )
            continue
        if ours.stronger(kept[import_id]) is not kept[import_id]:
            session.execute(
                update(_IMPORTS)
                .where(_IMPORTS.c.import_id == import_id, _IMPORTS.c.record_id == kept_id)
                .values(outcome=ours.value)
            )
        session.execute(
            delete(_IMPORTS).where(
                _IMPORTS.c.import_id == import_id, _IMPORTS.c.record_id == other_id
            )
        )


def _move_pairs(session: Session, kept_id: int, other_id: int) -> None:
    """Candidate pairs and decisions that name the other record name the kept one instead."""
    involving = or_(_CANDIDATES.c.record_a_id == other_id, _CANDIDATES.c.record_b_id == other_id)
    existing = {
        (a, b)
        for a, b in session.execute(select(_CANDIDATES.c.record_a_id, _CANDIDATES.c.record_b_id))
    }
    for row_id, a, b in session.execute(
        select(_CANDIDATES.c.id, _CANDIDATES.c.record_a_id, _CANDIDATES.c.record_b_id).where(
            involving
        )
    ).all():
        partner = b if a == other_id else a
        pair = _ordered(kept_id, partner)
        if partner == kept_id or pair in existing:
            session.execute(delete(_CANDIDATES).where(_CANDIDATES.c.id == row_id))
            continue
        session.execute(
            update(_CANDIDATES)
            .where(_CANDIDATES.c.id == row_id)
            .values(record_a_id=pair[0], record_b_id=pair[1])
        )
        existing.add(pair)
    for row_id, a, b in session.execute(
        select(_DECISIONS.c.id, _DECISIONS.c.record_a_id, _DECISIONS.c.record_b_id).where(
            or_(_DECISIONS.c.record_a_id == other_id, _DECISIONS.c.record_b_id == other_id)
        )
    ).all():
        partner = b if a == other_id else a
        pair = (kept_id, kept_id) if partner == other_id else _ordered(kept_id, partner)
        session.execute(
            update(_DECISIONS)
            .where(_DECISIONS.c.id == row_id)
            .values(record_a_id=pair[0], record_b_id=pair[1])
        )


def _record_columns(table: Table) -> list[str]:
    """The columns of ``table`` that refer to a record."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is RECORDS]


def _move_references(session: Session, kept_id: int, other_id: int) -> None:
    """Every other table's rows that refer to the other record refer to the kept one.

    A row that would then repeat one of the kept record's under a unique key (a study that
    cites both records, a trial link both have) is deleted instead.
    """
    for table in t.Base.metadata.sorted_tables:
        if table.name in _OWN:
            continue
        for name in _record_columns(table):
            column = table.c[name]
            uniques = [
                [c for c in constraint.columns if c is not column]
                for constraint in table.constraints
                if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint)
                and name in constraint.columns
            ]
            for others in uniques:
                if not others:
                    continue
                twin = table.alias("twin")
                session.execute(
                    delete(table).where(
                        column == other_id,
                        exists().where(
                            twin.c[name] == kept_id,
                            and_(*(twin.c[c.name] == c for c in others)),
                        ),
                    )
                )
            session.execute(update(table).where(column == other_id).values({name: kept_id}))
