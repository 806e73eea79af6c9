"""Helpers shared by the repository modules: the upsert outcome, clocks, merging, flushing."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Table, exc
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.store.tables import Base

__all__ = ["UpsertOutcome", "flush", "given_fields", "merge_present", "table_of", "utc_now"]

_M = TypeVar("_M", bound=BaseModel)


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


def flush(session: Session, what: str) -> None:
    """Flush pending changes; a constraint violation becomes a StoreError naming ``what``."""
    try:
        session.flush()
    except exc.IntegrityError as err:
        raise StoreError(f"{what}: the store refused the change: {err.orig}") from err


def table_of(entity: type[Base]) -> Table:
    """The Core :class:`Table` of a mapped class, for statements that bypass the ORM."""
    return cast(Table, entity.__table__)
