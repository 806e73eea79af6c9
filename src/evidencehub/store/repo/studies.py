"""Studies (the unit of evidence); their arms and outcome data are in :mod:`.outcomes`.

A study is curated, not imported from several sources, so :func:`upsert_study` replaces the
stored study with the one given. Its records are referred to by record key and must be stored
first (any identifier of a record finds it; reading the study back gives each record's current
key). Its trials are referred to by registry id and need not be stored (see
:mod:`.trials`).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import Study, StudyDesign
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, put_row
from evidencehub.store.repo._lookup import canonical_registry_id, record_row, study_row

__all__ = [
    "UpsertOutcome",
    "get_study",
    "list_studies",
    "study_labels",
    "upsert_study",
]

_STUDY_COLUMNS = tuple(
    name for name in Study.model_fields if name not in ("record_keys", "trial_ids")
)


def _to_study(session: Session, row: t.Study) -> Study:
    record_keys = session.scalars(
        select(t.Record.key)
        .join(t.StudyRecord, t.StudyRecord.record_id == t.Record.id)
        .where(t.StudyRecord.study_id == row.id)
        .order_by(t.StudyRecord.position)
    )
    trial_ids = session.scalars(
        select(t.StudyTrial.registry_id)
        .where(t.StudyTrial.study_id == row.id)
        .order_by(t.StudyTrial.position)
    )
    data = {name: getattr(row, name) for name in _STUDY_COLUMNS}
    return Study.model_validate(
        {**data, "record_keys": tuple(record_keys), "trial_ids": tuple(trial_ids)}
    )


def _record_ids(session: Session, study: Study) -> list[int]:
    ids: list[int] = []
    for key in study.record_keys:
        try:
            record_id = record_row(session, key)["id"]
        except NotFoundError:
            raise StoreError(
                f"study {study.key!r} cites record {key!r}, which is not in the store; "
                "import the record first"
            ) from None
        if record_id in ids:
            raise InputError(f"study {study.key!r} lists record {key!r} twice (under two ids)")
        ids.append(record_id)
    return ids


def upsert_study(session: Session, study: Study) -> UpsertOutcome:
    """Insert ``study`` or replace the stored study with the same key.

    Raises :class:`StoreError` when a cited record is not stored. Returns
    :attr:`UpsertOutcome.CREATED`, ``UPDATED`` or ``UNCHANGED`` (nothing written).
    """
    record_ids = _record_ids(session, study)
    columns = study.model_dump(mode="json", include=set(_STUDY_COLUMNS))
    stored_row = session.scalars(select(t.Study).where(t.Study.key == study.key)).first()

    def same(row: t.Study) -> bool:
        stored_ids = list(
            session.scalars(
                select(t.StudyRecord.record_id)
                .where(t.StudyRecord.study_id == row.id)
                .order_by(t.StudyRecord.position)
            )
        )
        stored = _to_study(session, row)
        same_columns = all(getattr(stored, n) == getattr(study, n) for n in _STUDY_COLUMNS)
        return same_columns and stored_ids == record_ids and stored.trial_ids == study.trial_ids

    row, outcome = put_row(session, t.Study, stored_row, columns, f"study {study.key!r}", same)
    if outcome is UpsertOutcome.UNCHANGED:
        return outcome
    if outcome is UpsertOutcome.UPDATED:
        session.execute(delete(t.StudyRecord).where(t.StudyRecord.study_id == row.id))
        session.execute(delete(t.StudyTrial).where(t.StudyTrial.study_id == row.id))
    for position, record_id in enumerate(record_ids):
        session.add(t.StudyRecord(study_id=row.id, record_id=record_id, position=position))
    for position, registry_id in enumerate(study.trial_ids):
        session.add(t.StudyTrial(study_id=row.id, registry_id=registry_id, position=position))
    flush(session, f"study {study.key!r}")
    return outcome


def get_study(session: Session, key: str) -> Study:
    """Return the study with citation key ``key``; :class:`NotFoundError` if there is none."""
    return _to_study(session, study_row(session, key))


def list_studies(
    session: Session,
    *,
    design: StudyDesign | None = None,
    record_key: str | None = None,
    trial_id: str | None = None,
) -> list[Study]:
    """Return studies ordered by key, optionally only one design, or those citing a record or
    belonging to a trial (by the registry id the study lists)."""
    statement = select(t.Study).order_by(t.Study.key)
    if design is not None:
        statement = statement.where(t.Study.design == StudyDesign(design).value)
    if record_key is not None:
        record_id = record_row(session, record_key)["id"]
        cited = select(t.StudyRecord.study_id).where(t.StudyRecord.record_id == record_id)
        statement = statement.where(t.Study.id.in_(cited))
    if trial_id is not None:
        canonical = canonical_registry_id(trial_id)
        in_trial = select(t.StudyTrial.study_id).where(t.StudyTrial.registry_id == canonical)
        statement = statement.where(t.Study.id.in_(in_trial))
    return [_to_study(session, row) for row in session.scalars(statement)]


def study_labels(session: Session) -> dict[str, str]:
    """Every study's label by key, in one query (what pages and runs name studies by)."""
    return dict(session.execute(select(t.Study.key, t.Study.label)).all())
