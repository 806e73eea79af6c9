"""Helpers shared by the repository modules: the upsert outcome, clocks, merging, flushing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Table, exc
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.store.tables import Base

__all__ = [
    "UpsertOutcome",
    "flush",
    "given_fields",
    "merge_present",
    "put_row",
    "table_of",
    "utc_now",
]

_M = TypeVar("_M", bound=BaseModel)
_B = TypeVar("_B", bound=Base)


class UpsertOutcome(StrEnum):
    """What an upsert did: inserted a new row, changed a stored one, or found it identical."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC, truncated to the microsecond both databases keep."""
    return dt.datetime.now(dt.UTC)


def given_fields(model: BaseModel) -> list[str]:
    """The fields ``model`` actually gives: those not left at their declared default, nor ``""``.

    Defaults in the domain mean "unknown" (``None``, an empty tuple, ``retracted=False``), so a
    field at its default carries no information from the source; nor does an empty string.
    """
    fields = type(model).model_fields
    return [
        name
        for name, info in fields.items()
        if getattr(model, name) != info.default and getattr(model, name) != ""
    ]


def merge_present(stored: _M, incoming: _M) -> _M:
    """Return ``stored`` updated with every field ``incoming`` gives (see :func:`given_fields`).

    A source that does not know a field (no abstract in a CSV export) leaves the stored value
    alone; a source that gives it replaces it.
    """
    changes = {name: getattr(incoming, name) for name in given_fields(incoming)}
    return stored.model_copy(update=changes)


def put_row(
    session: Session,
    entity: type[_B],
    row: _B | None,
    columns: Mapping[str, Any],
    what: str,
    same: Callable[[_B], bool],
) -> tuple[_B, UpsertOutcome]:
    """Insert a row of ``columns`` when ``row`` (the stored one) is None, else update it.

    A new row is added and flushed (so it has its id); a stored row for which ``same(row)``
    holds is left alone (``UNCHANGED``), any other gets ``columns`` set (``UPDATED``, not yet
    flushed: the caller rewrites its child rows, then flushes).
    """
    if row is None:
        row = entity(**columns)
        session.add(row)
        flush(session, what)
        return row, UpsertOutcome.CREATED
    if same(row):
        return row, UpsertOutcome.UNCHANGED
    for name, value in columns.items():
        setattr(row, name, value)
    return row, UpsertOutcome.UPDATED


def flush(session: Session, what: str) -> None:
    """Flush pending changes; a constraint violation becomes a StoreError naming ``what``."""
    try:
        session.flush()
    except exc.IntegrityError as err:
        raise StoreError(f"{what}: the store refused the change: {err.orig}") from err


def table_of(entity: type[Base]) -> Table:
    """The Core :class:`Table` of a mapped class, for statements that bypass the ORM."""
    return cast(Table, entity.__table__)
