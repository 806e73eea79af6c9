"""Rows by their public identifiers, shared by the repository modules (never returned outward)."""

from __future__ import annotations

from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Record, parse_registry_id, validate
from evidencehub.store import tables as t
from evidencehub.store.repo._common import table_of

__all__ = [
    "RECORD_ID_FIELDS",
    "canonical_record_id",
    "canonical_registry_id",
    "record_row",
    "study_row",
]

#: The identifier fields of a record, in the order identity is decided.
RECORD_ID_FIELDS = ("doi", "pmid", "pmcid")


def canonical_record_id(kind: str, value: str) -> str:
    """Normalise a DOI, PMID or PMCID exactly as :class:`Record` does; bad ones raise InputError."""
    canonical = getattr(validate(Record, {"title": "-", kind: value}), kind)
    if canonical is None:
        raise InputError(f"empty {kind}")
    return str(canonical)


def canonical_registry_id(value: str) -> str:
    """Return the canonical form of a trial registry id; bad ones raise InputError."""
    try:
        return parse_registry_id(value)[1]
    except ValueError as err:
        raise InputError(str(err)) from None


def record_row(session: Session, key: str) -> RowMapping:
    """The stored record known by ``key``: ``doi:…``, ``pmid:…``, ``pmcid:…`` or ``title:…``.

    Any identifier of a record finds it, not only the one in its current key. Records are
    written with Core statements (see :mod:`.records`), so they are read as fresh rows too,
    never as ORM objects that an identity map could hold stale.
    """
    kind, sep, value = key.partition(":")
    if not sep or not value or kind not in (*RECORD_ID_FIELDS, "title"):
        raise InputError(f"a record key looks like doi:…, pmid:…, pmcid:… or title:…; got {key!r}")
    records = table_of(t.Record)
    if kind == "title":
        condition = records.c.key == key
    else:
        condition = records.c[kind] == canonical_record_id(kind, value)
    row = session.execute(select(records).where(condition)).mappings().first()
    if row is None:
        raise NotFoundError(f"no record {key!r} in the store")
    return row


def study_row(session: Session, key: str) -> t.Study:
    """The stored study with citation key ``key``."""
    row = session.scalars(select(t.Study).where(t.Study.key == key)).first()
    if row is None:
        raise NotFoundError(f"no study {key!r} in the store")
    return row
