"""Registered trials: upsert, lookups by any registry id, and links from records to trials.

A trial is stored once per primary registry id. Every id it is known by — the primary one and
each secondary id (a UMIN or EudraCT number listed on a ClinicalTrials.gov record) — is kept in
``trial_ids``, so :func:`get_trial` finds it by any of them. Registries sometimes list one
secondary id on several records, so a secondary id is not required to be unique; a lookup that
finds several trials by a secondary id alone refuses to guess.

Upserting merges like records do: fields the incoming trial gives replace the stored ones,
empty ones keep theirs. Links from records to trials are stored by canonical registry id and
need no imported trial: they resolve as soon as a trial with that id (primary or secondary)
is stored.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import Trial
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, merge_present, table_of, utc_now
from evidencehub.store.repo._lookup import canonical_registry_id, record_row

__all__ = [
    "UpsertOutcome",
    "count_trials",
    "find_trials",
    "get_trial",
    "link_record_trial",
    "list_trials",
    "record_keys_for_trial",
    "trial_ids_for_record",
    "upsert_trial",
]

_FIELDS: tuple[str, ...] = tuple(Trial.model_fields)
_DATES = ("start_date", "completion_date", "last_updated")


def _columns(trial: Trial) -> dict[str, object]:
    values: dict[str, object] = trial.model_dump(mode="json")
    for name in _DATES:
        values[name] = getattr(trial, name)
    values["registry_name"] = values.pop("registry")
    return values


def _to_trial(row: t.Trial) -> Trial:
    data = {name: getattr(row, name) for name in _FIELDS if name != "registry"}
    data["registry"] = row.registry_name
    return Trial.model_validate(data)


def _sync_ids(session: Session, row: t.Trial, trial: Trial) -> None:
    wanted = {trial.registry_id: True, **dict.fromkeys(trial.secondary_ids, False)}
    stored = {
        r.registry_id: r
        for r in session.scalars(select(t.TrialId).where(t.TrialId.trial_id == row.id))
    }
    for registry_id, id_row in stored.items():
        if registry_id not in wanted:
            session.delete(id_row)
        elif id_row.is_primary != wanted[registry_id]:
            id_row.is_primary = wanted[registry_id]
    for registry_id, is_primary in wanted.items():
        if registry_id not in stored:
            session.add(t.TrialId(trial_id=row.id, registry_id=registry_id, is_primary=is_primary))


def upsert_trial(session: Session, trial: Trial, *, source: str | None = None) -> UpsertOutcome:
    """Insert ``trial`` or merge it into the stored trial with the same primary registry id.

    ``source`` optionally names where the data came from (``ctgov``, a file name).
    Returns :attr:`UpsertOutcome.CREATED`, ``UPDATED`` or ``UNCHANGED`` (nothing written).
    """
    what = f"trial {trial.registry_id}"
    row = session.scalars(select(t.Trial).where(t.Trial.registry_id == trial.registry_id)).first()
    now = utc_now()
    if row is None:
        row = t.Trial(source=source, created_at=now, updated_at=now, **_columns(trial))
        session.add(row)
        flush(session, what)
        _sync_ids(session, row, trial)
        flush(session, what)
        return UpsertOutcome.CREATED
    stored = _to_trial(row)
    merged = merge_present(stored, trial)
    if merged == stored:
        return UpsertOutcome.UNCHANGED
    for name, value in _columns(merged).items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    row.source = source
    row.updated_at = now
    _sync_ids(session, row, merged)
    flush(session, what)
    return UpsertOutcome.UPDATED


def find_trials(session: Session, registry_id: str) -> list[Trial]:
    """Return every trial known by ``registry_id``: the one whose primary id it is first, then
    those listing it as a secondary id (ordered by primary id)."""
    canonical = canonical_registry_id(registry_id)
    rows = session.scalars(
        select(t.Trial)
        .join(t.TrialId, t.TrialId.trial_id == t.Trial.id)
        .where(t.TrialId.registry_id == canonical)
        .order_by(t.TrialId.is_primary.desc(), t.Trial.registry_id)
    )
    return [_to_trial(row) for row in rows]


def get_trial(session: Session, registry_id: str) -> Trial:
    """Return the trial known by ``registry_id`` (primary or secondary, any spelling).

    Raises :class:`NotFoundError` when none is, and :class:`StoreError` when the id is only a
    secondary id of several trials.
    """
    trials = find_trials(session, registry_id)
    if not trials:
        raise NotFoundError(f"no trial {registry_id!r} in the store")
    first = trials[0]
    if len(trials) > 1 and first.registry_id != canonical_registry_id(registry_id):
        listed = ", ".join(trial.registry_id for trial in trials)
        raise StoreError(
            f"{registry_id!r} is a secondary id of several trials ({listed}); ask for one of them"
        )
    return first


def list_trials(session: Session, *, limit: int | None = None) -> list[Trial]:
    """Return stored trials ordered by primary registry id, at most ``limit`` of them."""
    if limit is not None and limit < 0:
        raise InputError(f"limit must be zero or more, got {limit}")
    statement = select(t.Trial).order_by(t.Trial.registry_id)
    if limit is not None:
        statement = statement.limit(limit)
    return [_to_trial(row) for row in session.scalars(statement)]


def count_trials(session: Session) -> int:
    """Return how many trials are stored."""
    return session.scalar(select(func.count()).select_from(t.Trial)) or 0


def link_record_trial(session: Session, record_key: str, registry_id: str) -> bool:
    """Link a stored record to a trial by registry id; True if the link is new.

    The trial need not be stored yet. Raises :class:`NotFoundError` for an unknown record and
    :class:`InputError` for something that is not a registry id.
    """
    record_id = record_row(session, record_key)["id"]
    canonical = canonical_registry_id(registry_id)
    links = table_of(t.RecordTrialLink)
    exists = session.scalar(
        select(links.c.record_id).where(
            links.c.record_id == record_id, links.c.registry_id == canonical
        )
    )
    if exists is not None:
        return False
    session.execute(insert(links).values(record_id=record_id, registry_id=canonical))
    return True


def trial_ids_for_record(session: Session, record_key: str) -> list[str]:
    """Return the registry ids a record is linked to, sorted."""
    record_id = record_row(session, record_key)["id"]
    return list(
        session.scalars(
            select(t.RecordTrialLink.registry_id)
            .where(t.RecordTrialLink.record_id == record_id)
            .order_by(t.RecordTrialLink.registry_id)
        )
    )


def record_keys_for_trial(session: Session, registry_id: str) -> list[str]:
    """Return the keys of records linked to a trial by any of its ids (or by ``registry_id``
    itself when no such trial is stored), sorted."""
    canonical = canonical_registry_id(registry_id)
    trial_ids = select(t.TrialId.trial_id).where(t.TrialId.registry_id == canonical)
    known_as = select(t.TrialId.registry_id).where(t.TrialId.trial_id.in_(trial_ids))
    ids = set(session.scalars(known_as)) | {canonical}
    return list(
        session.scalars(
            select(t.Record.key)
            .join(t.RecordTrialLink, t.RecordTrialLink.record_id == t.Record.id)
            .where(t.RecordTrialLink.registry_id.in_(ids))
            .distinct()
            .order_by(t.Record.key)
        )
    )
