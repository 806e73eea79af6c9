"""Full-text search over record titles and abstracts, per dialect, ranked best first.

* SQLite: the FTS5 table ``records_fts`` (created and kept in sync by the migration), ranked
  by FTS5's ``bm25()`` with the title weighted twice the abstract. The user's words are passed
  as quoted FTS5 strings, so operators and punctuation in a query are searched for literally
  instead of being parsed as FTS5 syntax; all words must match (as in ``plainto_tsquery``).
  Both dialects get the query as its words only (runs of letters and digits), so punctuation
  means the same on each: ``stem-cell`` searches ``stem`` and ``cell``, whatever each parser
  does with hyphens.
* PostgreSQL: the ``tsvector`` of the title (weight A) and the abstract (weight B), searched
  with ``plainto_tsquery('english', …)`` and ranked by ``ts_rank`` (default weights, so a title
  match counts 1.0 and an abstract match 0.4); the expression is the very one the migration's
  GIN index is built on, so the planner uses the index.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.store import tables as t

__all__ = ["matching_record_ids"]

_WORD = re.compile(r"\w+", re.UNICODE)
_FTS = table("records_fts", column("rowid"), column("records_fts"))
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")


def _sqlite_query(words: list[str]) -> Select[Any]:
    match = " ".join('"' + word + '"' for word in words)
    rank = func.bm25(literal_column("records_fts"), 2.0, 1.0)
    return (
        select(_FTS.c.rowid)
        .where(_FTS.c.records_fts.op("MATCH")(match))
        .order_by(rank, _FTS.c.rowid)
    )


def _postgres_document() -> ColumnElement[Any]:
    title = func.to_tsvector(_ENGLISH, func.coalesce(t.Record.title, literal_column("''")))
    abstract = func.to_tsvector(_ENGLISH, func.coalesce(t.Record.abstract, literal_column("''")))
    return func.setweight(title, literal_column("'A'")).op("||")(
        func.setweight(abstract, literal_column("'B'"))
    )


def _postgres_query(text: str) -> Select[Any]:
    document = _postgres_document()
    query = func.plainto_tsquery(_ENGLISH, text)
    return (
        select(t.Record.id)
        .where(document.op("@@")(query))
        .order_by(func.ts_rank(document, query).desc(), t.Record.id)
    )


def matching_record_ids(session: Session, text: str, limit: int | None = None) -> list[int]:
    """Return the ids of records whose title or abstract match ``text``, best match first."""
    words = _WORD.findall(text)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement = _sqlite_query(words)
    elif dialect == "postgresql":
        statement = _postgres_query(" ".join(words))
    else:
        raise StoreError(f"full-text search needs SQLite or PostgreSQL; this database is {dialect}")
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))
