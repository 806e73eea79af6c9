"""Full-text search over record titles and abstracts, per dialect: its upkeep and ranked queries.

* SQLite: the FTS5 table ``records_fts`` (created by the migrations), ranked
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

Upkeep (SQLite only; PostgreSQL's expression index keeps itself): the repository indexes the
rows it writes, a batch at a time, with :func:`index_rows` after inserting them and
:func:`unindex_rows` / :func:`index_rows` around changing a title or abstract (migration 0002
says why this replaced per-row triggers). An external-content FTS5 table must be told the old
text to remove a row's terms, so :func:`unindex_rows` reads it from ``records`` before the
update.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.store import tables as t

__all__ = ["index_rows", "ranked_matches", "unindex_rows"]

_WORD = re.compile(r"\w+", re.UNICODE)
_FTS = table("records_fts", column("rowid"), column("records_fts"))
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")
_INDEX = text(
    "INSERT INTO records_fts(rowid, title, abstract) "
    "SELECT id, title, abstract FROM records WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_UNINDEX = text(
    "INSERT INTO records_fts(records_fts, rowid, title, abstract) "
    "SELECT 'delete', id, title, abstract FROM records WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def _maintained(session: Session) -> bool:
    """True when the index is the repository's to keep (SQLite's external-content FTS5 table)."""
    return session.get_bind().dialect.name == "sqlite"


def index_rows(session: Session, ids: Sequence[int]) -> None:
    """Add the current title and abstract of the records ``ids`` to the index (one statement)."""
    if ids and _maintained(session):
        session.execute(_INDEX, {"ids": list(ids)})


def unindex_rows(session: Session, ids: Sequence[int]) -> None:
    """Remove the current title and abstract of the records ``ids`` from the index."""
    if ids and _maintained(session):
        session.execute(_UNINDEX, {"ids": list(ids)})


def _sqlite_matches(words: list[str]) -> Select[Any]:
    match = " ".join('"' + word + '"' for word in words)
    # bm25() is lower for better matches; the title column weighs twice the abstract.
    rank = func.bm25(literal_column("records_fts"), 2.0, 1.0)
    return select(_FTS.c.rowid.label("id"), rank.label("rank")).where(
        _FTS.c.records_fts.op("MATCH")(match)
    )


def _postgres_document() -> ColumnElement[Any]:
    title = func.to_tsvector(_ENGLISH, func.coalesce(t.Record.title, literal_column("''")))
    abstract = func.to_tsvector(_ENGLISH, func.coalesce(t.Record.abstract, literal_column("''")))
    return func.setweight(title, literal_column("'A'")).op("||")(
        func.setweight(abstract, literal_column("'B'"))
    )


def _postgres_matches(text: str) -> Select[Any]:
    document = _postgres_document()
    query = func.plainto_tsquery(_ENGLISH, text)
    # Negated so that, as with bm25(), lower is better.
    rank = -func.ts_rank(document, query)
    return select(t.Record.id.label("id"), rank.label("rank")).where(document.op("@@")(query))


def ranked_matches(session: Session, text: str) -> Subquery | None:
    """The records matching every word of ``text``, as a subquery of ``id`` and ``rank``.

    Order by ``rank`` ascending for the best match first. ``None`` when ``text`` has no words.
    """
    words = _WORD.findall(text)
    if not words:
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_matches(words).subquery("matches")
    if dialect == "postgresql":
        return _postgres_matches(" ".join(words)).subquery("matches")
    raise StoreError(f"full-text search needs SQLite or PostgreSQL; this database is {dialect}")
