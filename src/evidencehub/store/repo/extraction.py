"""Data extraction in the store: a review's form and its append-only extracted values.

Forms
    :func:`add_fields` adds fields to a review's form (a key is taken once per review);
    :func:`form_fields` reads the form in its order.

Values
    :func:`add_values` appends values: each reviewer's entries (``extraction``, ``imported``)
    and the consensus, each with its actor, time, locator, derivation and, for a consensus, the
    outcome-data row it wrote. Nothing here updates or deletes a value: a correction is a newer
    value, and ``None`` clears. :func:`list_values` reads them back oldest first, so the newest
    per reviewer and item is the last one read (:func:`evidencehub.review.extraction.latest_entries`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import Actor, Derivation, ExtractedValue, ExtractionField
from evidencehub.store import tables as t
from evidencehub.store.repo._common import flush, utc_now
from evidencehub.store.repo._lookup import study_row
from evidencehub.store.repo.actors import actor_id, actor_names
from evidencehub.vocab import ExtractionBasis, ExtractionLevel, FieldKind

__all__ = ["add_fields", "add_values", "form_fields", "list_values"]


def _to_field(row: t.ExtractionField) -> ExtractionField:
    return ExtractionField(
        key=row.key, label=row.label, level=ExtractionLevel(row.level), kind=FieldKind(row.kind),
        choices=tuple(row.choices or ()), unit=row.unit, position=row.position,
    )  # fmt: skip


def form_fields(session: Session, review_id: int) -> list[ExtractionField]:
    """The review's stored form, in order (empty when it has stored none)."""
    rows = session.scalars(
        select(t.ExtractionField)
        .where(t.ExtractionField.review_id == review_id)
        .order_by(t.ExtractionField.position, t.ExtractionField.id)
    )
    return [_to_field(row) for row in rows]


def add_fields(session: Session, review_id: int, fields: Sequence[ExtractionField],
               actor: Actor) -> None:
    """Add ``fields`` to the review's form; a key the form already has is an :class:`InputError`."""
    taken = set(session.scalars(
        select(t.ExtractionField.key).where(t.ExtractionField.review_id == review_id)))
    writer, now = actor_id(session, actor), utc_now()
    for item in fields:
        if item.key in taken:
            raise InputError(f"the extraction form already has a field {item.key!r}")
        taken.add(item.key)
        session.add(t.ExtractionField(
            review_id=review_id, key=item.key, label=item.label, level=item.level.value,
            kind=item.kind.value, choices=list(item.choices) or None, unit=item.unit,
            position=item.position, actor_id=writer, created_at=now,
        ))  # fmt: skip
    flush(session, f"extraction form of review {review_id}")


def add_values(session: Session, review_id: int,
               values: Sequence[ExtractedValue]) -> list[ExtractedValue]:
    """Append ``values`` (their studies must be stored); return them with their ids."""
    studies: dict[str, int] = {}
    writers: dict[str, int] = {}
    rows = []
    for value in values:
        if value.study_key not in studies:
            studies[value.study_key] = study_row(session, value.study_key).id
        if value.actor not in writers:
            writers[value.actor] = actor_id(session, Actor(name=value.actor))
        row = t.ExtractionValue(
            review_id=review_id, study_id=studies[value.study_key], basis=value.basis.value,
            outcome=value.outcome, arm=value.arm, timepoint=value.timepoint, field=value.field,
            value=value.value, locator=value.locator,
            derivation=None if value.derivation is None else value.derivation.model_dump(
                mode="json"),
            outcome_data_id=value.outcome_data_id, actor_id=writers[value.actor],
            recorded_at=value.recorded_at,
        )  # fmt: skip
        session.add(row)
        rows.append(row)
    flush(session, f"extracted values of review {review_id}")
    return [v.model_copy(update={"id": row.id}) for v, row in zip(values, rows, strict=True)]


def list_values(
    session: Session,
    review_id: int,
    *,
    study_keys: Iterable[str] | None = None,
    basis: ExtractionBasis | None = None,
) -> list[ExtractedValue]:
    """The review's extracted values, oldest first; only those of ``study_keys`` or one
    ``basis`` when given."""
    statement = (
        select(t.ExtractionValue, t.Study.key)
        .join(t.Study, t.Study.id == t.ExtractionValue.study_id)
        .where(t.ExtractionValue.review_id == review_id)
        .order_by(t.ExtractionValue.id)
    )
    if study_keys is not None:
        statement = statement.where(t.Study.key.in_(list(study_keys)))
    if basis is not None:
        statement = statement.where(t.ExtractionValue.basis == basis.value)
    found = session.execute(statement).all()
    names = actor_names(session, {row.actor_id for row, _ in found})
    return [
        ExtractedValue(
            id=row.id, study_key=key, basis=ExtractionBasis(row.basis), outcome=row.outcome,
            arm=row.arm, timepoint=row.timepoint, field=row.field, value=row.value,
            locator=row.locator,
            derivation=None if row.derivation is None else Derivation.model_validate(
                row.derivation),
            outcome_data_id=row.outcome_data_id, actor=names[row.actor_id],
            recorded_at=row.recorded_at,
        )
        for row, key in found
    ]
