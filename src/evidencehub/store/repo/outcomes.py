"""Outcomes, arms, and outcome data with stable ids and append-only versions.

An outcome-data row is identified by its study arm, outcome, time point and kind of value; its
numbers are versions. :func:`put_outcome_data` stores a result: a new identity starts at
version 1, a changed result becomes the next version, and an equal one writes nothing — so a
re-import is harmless and a run can name exactly the (id, version) pairs it pooled. Nothing is
ever updated in place or deleted and re-inserted.

Each version keeps its source record (by id: a record later known by another identifier is
still found), a locator, how each number that was not reported was obtained, its actor, the
``data import`` that brought it, and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    OUTCOME_NUMBERS,
    Arm,
    Outcome,
    OutcomeData,
    StoredOutcomeData,
    ValueKind,
)
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, utc_now
from evidencehub.store.repo._lookup import record_row, study_row
from evidencehub.store.repo.actors import actor_names

__all__ = [
    "arm_id",
    "get_outcome",
    "get_outcome_data",
    "list_arms",
    "list_outcome_data",
    "list_outcomes",
    "outcome_data_history",
    "outcome_data_versions",
    "outcome_id",
    "put_outcome_data",
]

_VERSION_NUMBERS = (*OUTCOME_NUMBERS, "timepoint_months")


# --------------------------------------------------------------------------- outcomes


def _to_outcome(row: t.Outcome) -> Outcome:
    return Outcome.model_validate({
        "name": row.name, "data_kind": row.data_kind, "unit": row.unit,
        "direction": row.direction, "description": row.description,
    })


def outcome_id(session: Session, outcome: Outcome, *, actor_id: int) -> int:
    """The id of ``outcome`` by name, recorded on first use.

    A stored outcome keeps its data kind (a continuous outcome cannot receive events); a unit,
    direction or description it lacks is filled in from ``outcome``.
    """
    row = session.scalars(select(t.Outcome).where(t.Outcome.name == outcome.name)).first()
    if row is None:
        row = t.Outcome(
            name=outcome.name, data_kind=outcome.data_kind.value, unit=outcome.unit,
            direction=outcome.direction.value if outcome.direction else None,
            description=outcome.description, actor_id=actor_id, created_at=utc_now(),
        )
        session.add(row)
        flush(session, f"outcome {outcome.name!r}")
        return row.id
    if row.data_kind != outcome.data_kind.value:
        raise InputError(
            f"outcome {outcome.name!r} is {row.data_kind} in the store; "
            f"these numbers are {outcome.data_kind.value}"
        )
    for name in ("unit", "description"):
        if getattr(row, name) is None and getattr(outcome, name) is not None:
            setattr(row, name, getattr(outcome, name))
    if row.direction is None and outcome.direction is not None:
        row.direction = outcome.direction.value
    return row.id


def get_outcome(session: Session, name: str) -> Outcome:
    """The outcome called ``name``; :class:`NotFoundError` naming the known ones if none."""
    row = session.scalars(select(t.Outcome).where(t.Outcome.name == name)).first()
    if row is None:
        known = ", ".join(repr(o.name) for o in list_outcomes(session)) or "none yet"
        raise NotFoundError(f"no outcome {name!r} in the store (known: {known})")
    return _to_outcome(row)


def list_outcomes(session: Session) -> list[Outcome]:
    """Every outcome, by name."""
    return [_to_outcome(r) for r in session.scalars(select(t.Outcome).order_by(t.Outcome.name))]


# --------------------------------------------------------------------------- arms


def arm_id(session: Session, arm: Arm, *, actor_id: int) -> int:
    """The id of a study's arm by label, recorded on first use (size and details filled in
    when the stored arm lacks them)."""
    study = study_row(session, arm.study_key)
    row = session.scalars(
        select(t.Arm).where(t.Arm.study_id == study.id, t.Arm.label == arm.label)
    ).first()
    if row is None:
        row = t.Arm(study_id=study.id, label=arm.label, n=arm.n, intervention=arm.intervention,
                    actor_id=actor_id, created_at=utc_now())
        session.add(row)
        flush(session, f"arm {arm.label!r} of study {arm.study_key!r}")
        return row.id
    if row.n is None and arm.n is not None:
        row.n = arm.n
    if row.intervention is None and arm.intervention is not None:
        row.intervention = arm.intervention
    return row.id


def list_arms(session: Session, study_key: str) -> list[Arm]:
    """The arms of a study, in the order they were recorded."""
    study = study_row(session, study_key)
    rows = session.scalars(select(t.Arm).where(t.Arm.study_id == study.id).order_by(t.Arm.id))
    return [Arm(study_key=study_key, label=r.label, n=r.n, intervention=r.intervention)
            for r in rows]


# --------------------------------------------------------------------------- outcome data


def _version_values(data: OutcomeData, record_id: int | None) -> dict[str, Any]:
    return {
        **{name: getattr(data, name) for name in _VERSION_NUMBERS},
        "derivations": [d.model_dump(mode="json") for d in data.derivations],
        "attributes": dict(data.attributes),
        "record_id": record_id,
        "locator": data.locator,
    }


def _source(session: Session, data: OutcomeData, where: str) -> tuple[int | None, str | None]:
    """The source record's id and current key (the key the version is compared and read by)."""
    if data.source is None:
        return None, None
    try:
        row = record_row(session, data.source)
    except NotFoundError:
        raise InputError(
            f"source {data.source!r} is not in the store; import the record first "
            "(evidencehub import or fetch)", where=where,
        ) from None
    return int(row["id"]), str(row["key"])


def put_outcome_data(
    session: Session,
    data: OutcomeData,
    *,
    actor_id: int,
    import_id: int | None = None,
    arm_n: int | None = None,
) -> tuple[int, int, UpsertOutcome]:
    """Store one result; return ``(id, version, outcome)``.

    Its study must be stored; its outcome must be (:func:`outcome_id`); its arm is recorded on
    first use (``arm_n``: the arm's size, when known). An equal result writes nothing
    (``UNCHANGED``), a new identity is version 1 (``CREATED``), a changed one the next version
    (``UPDATED``).
    """
    where = f"study {data.study_key!r}, arm {data.arm!r}, outcome {data.outcome!r}"
    outcome = session.scalars(select(t.Outcome).where(t.Outcome.name == data.outcome)).first()
    if outcome is None:
        raise NotFoundError(f"no outcome {data.outcome!r} in the store")
    record_id, record_key = _source(session, data, where)
    if record_key is not None:
        data = data.model_copy(update={"source": record_key})
    arm = arm_id(session, Arm(study_key=data.study_key, label=data.arm, n=arm_n),
                 actor_id=actor_id)
    timepoint = data.timepoint or ""
    row = session.scalars(select(t.OutcomeData).where(
        t.OutcomeData.arm_id == arm, t.OutcomeData.outcome_id == outcome.id,
        t.OutcomeData.timepoint == timepoint, t.OutcomeData.value_kind == data.value_kind.value,
    )).first()
    if row is None:
        row = t.OutcomeData(
            study_id=study_row(session, data.study_key).id, arm_id=arm, outcome_id=outcome.id,
            timepoint=timepoint, value_kind=data.value_kind.value, current_version=1,
        )
        session.add(row)
        flush(session, where)
        result = UpsertOutcome.CREATED
    else:
        current = _stored(session, [(row.id, row.current_version)])[0]
        if current.data == data:
            return row.id, row.current_version, UpsertOutcome.UNCHANGED
        row.current_version += 1
        result = UpsertOutcome.UPDATED
    session.add(t.OutcomeDataVersion(
        outcome_data_id=row.id, version=row.current_version, **_version_values(data, record_id),
        import_id=import_id, actor_id=actor_id, recorded_at=utc_now(),
    ))
    flush(session, where)
    return row.id, row.current_version, result


_COLUMNS = (
    t.OutcomeData.id, t.Study.key, t.Arm.label, t.Outcome.name, t.OutcomeData.timepoint,
    t.OutcomeData.value_kind, t.OutcomeDataVersion, t.Record.key,
)


def _query(*, current: bool) -> Any:
    """Outcome-data rows with their versions: the current one only, or every version."""
    version = t.OutcomeDataVersion.outcome_data_id == t.OutcomeData.id
    if current:
        version = and_(version, t.OutcomeDataVersion.version == t.OutcomeData.current_version)
    return (
        select(*_COLUMNS)
        .select_from(t.OutcomeData)
        .join(t.OutcomeDataVersion, version)
        .join(t.Study, t.Study.id == t.OutcomeData.study_id)
        .join(t.Arm, t.Arm.id == t.OutcomeData.arm_id)
        .join(t.Outcome, t.Outcome.id == t.OutcomeData.outcome_id)
        .outerjoin(t.Record, t.Record.id == t.OutcomeDataVersion.record_id)
    )


def _to_stored(rows: Sequence[Any], actors: dict[int, str]) -> list[StoredOutcomeData]:
    out = []
    for data_id, study_key, arm, outcome, timepoint, value_kind, version, record_key in rows:
        data = OutcomeData.model_validate({
            "study_key": study_key, "arm": arm, "outcome": outcome,
            "timepoint": timepoint or None, "value_kind": value_kind,
            **{name: getattr(version, name) for name in _VERSION_NUMBERS},
            "derivations": version.derivations, "attributes": version.attributes,
            "source": record_key, "locator": version.locator,
        })
        out.append(StoredOutcomeData(
            id=data_id, version=version.version, data=data, actor=actors[version.actor_id],
            recorded_at=version.recorded_at, import_id=version.import_id,
        ))
    return out


def _with_actors(session: Session, rows: Sequence[Any]) -> list[StoredOutcomeData]:
    return _to_stored(rows, actor_names(session, {row[6].actor_id for row in rows}))


def _stored(session: Session, pairs: Iterable[tuple[int, int]]) -> list[StoredOutcomeData]:
    wanted = list(pairs)
    if not wanted:
        return []
    found: dict[tuple[int, int], StoredOutcomeData] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]
        ids = {data_id for data_id, _ in part}
        rows = session.execute(
            _query(current=False).where(t.OutcomeData.id.in_(ids))
        ).all()
        for item in _with_actors(session, rows):
            found[(item.id, item.version)] = item
    missing = [pair for pair in wanted if pair not in found]
    if missing:
        raise NotFoundError(f"no outcome data {missing[0][0]} version {missing[0][1]} in the store")
    return [found[pair] for pair in wanted]


def outcome_data_versions(session: Session, pairs: Iterable[tuple[int, int]]
                          ) -> list[StoredOutcomeData]:
    """The outcome-data versions named by ``(id, version)`` pairs, in order, in a few queries
    (what a run's inputs name); :class:`NotFoundError` for a pair the store does not hold."""
    return _stored(session, pairs)


def get_outcome_data(session: Session, data_id: int, version: int | None = None) -> StoredOutcomeData:
    """One outcome-data row: its current version, or ``version``."""
    row = session.get(t.OutcomeData, data_id)
    if row is None:
        raise NotFoundError(f"no outcome data {data_id} in the store")
    return _stored(session, [(data_id, version or row.current_version)])[0]


def outcome_data_history(session: Session, data_id: int) -> list[StoredOutcomeData]:
    """Every version of an outcome-data row, oldest first."""
    row = session.get(t.OutcomeData, data_id)
    if row is None:
        raise NotFoundError(f"no outcome data {data_id} in the store")
    return _stored(session, [(data_id, v) for v in range(1, row.current_version + 1)])


def list_outcome_data(
    session: Session,
    outcome: str | None = None,
    *,
    study_key: str | None = None,
    timepoint: str | None = None,
    value_kind: ValueKind | None = None,
) -> list[StoredOutcomeData]:
    """Current versions, by study key, arm and row id; filtered by any of: outcome name, study,
    time point label, kind of value."""
    statement = _query(current=True).order_by(t.Study.key, t.OutcomeData.id)
    if outcome is not None:
        statement = statement.where(t.Outcome.name == outcome)
    if study_key is not None:
        statement = statement.where(t.OutcomeData.study_id == study_row(session, study_key).id)
    if timepoint is not None:
        statement = statement.where(t.OutcomeData.timepoint == timepoint)
    if value_kind is not None:
        statement = statement.where(t.OutcomeData.value_kind == ValueKind(value_kind).value)
    return _with_actors(session, session.execute(statement).all())
