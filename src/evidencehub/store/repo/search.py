"""Full-text search of the hub's pages, studies, trials and records, per dialect.

What a reader types is taken as plain words (:func:`query_words`: runs of letters and digits,
at most :data:`MAX_QUERY_CHARS` characters and :data:`MAX_WORDS` words), so no query is
parsed as search syntax: quotes, ``NEAR``, ``*``, ``-``, ``OR`` and parentheses are searched
for as the words they contain, if any. Every word must match (stems: ``islets`` finds
``islet``).

* **SQLite** — FTS5 tables ``pages_fts``, ``studies_fts``, ``trials_fts`` (migration 0007, kept
  by triggers) and ``records_fts`` (0001, kept by the record repository). Each word is passed
  as a quoted FTS5 string; ranked by ``bm25()`` with column weights 4 / 2 / 1 for the columns
  of weight A / B / C (:data:`KINDS`); the snippet is FTS5's ``snippet()`` of the best column.
* **PostgreSQL** — the weighted ``tsvector`` of each table (the expression the migrations'
  GIN indexes are built on, so the planner uses them), matched with
  ``plainto_tsquery('english', words)`` (every word must match; ``or``, ``-`` and quotes are
  not operators, as on SQLite), ranked by ``ts_rank``; the snippet is
  ``ts_headline`` of the kind's text columns.

Snippets come back as :class:`Fragment` values (text, and whether it is a hit), never as
markup: the page that shows them escapes the text and marks the hits itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.model import PageStatus
from evidencehub.store import tables as t

__all__ = [
    "KINDS",
    "MAX_QUERY_CHARS",
    "MAX_WORDS",
    "Fragment",
    "KindResults",
    "SearchHit",
    "SearchKind",
    "SearchQuery",
    "query_words",
    "search",
]

#: Longest query searched; the rest is cut off (and the reader told).
MAX_QUERY_CHARS = 200
#: Most words searched (every word must match, so more only narrow further).
MAX_WORDS = 16
_WORD = re.compile(r"\w+", re.UNICODE)
# Private-use characters around the hits of a snippet; split into fragments in Python.
_START, _STOP = "\ue000", "\ue001"
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")
_WEIGHTS = {"A": 4.0, "B": 2.0, "C": 1.0}


class SearchKind(StrEnum):
    """What a hit is: a page of the hub, a study, a registered trial or a publication."""

    PAGE = "page"
    STUDY = "study"
    TRIAL = "trial"
    RECORD = "record"


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    weight: str  # "A", "B" or "C"
    is_list: bool = False  # a JSON list of strings


@dataclass(frozen=True, slots=True)
class _KindSpec:
    table: type[t.Base]
    key: str  # the column naming the hit (slug, key, registry id)
    title: str  # the column shown as its title
    columns: tuple[_Column, ...]
    snippet: tuple[str, ...]  # text columns ts_headline cuts the snippet from (PostgreSQL)


#: The indexed columns of each kind, as migration 0007 (and 0001 for records) indexes them.
KINDS: dict[SearchKind, _KindSpec] = {
    SearchKind.PAGE: _KindSpec(
        t.Page, "slug", "title",
        (_Column("slug", "A"), _Column("title", "A"), _Column("dek", "B"),
         _Column("category", "B"), _Column("takeaways", "B", is_list=True), _Column("body", "C")),
        ("dek", "body")),
    SearchKind.STUDY: _KindSpec(
        t.Study, "key", "label",
        (_Column("key", "A"), _Column("label", "A"), _Column("design", "B"),
         _Column("species", "B"), _Column("model", "B"), _Column("population", "B"),
         _Column("phase", "B"), _Column("cell_source", "B"), _Column("encapsulation", "C"),
         _Column("immunosuppression", "C"), _Column("follow_up", "C"), _Column("findings", "C")),
        ("label", "model", "population", "findings")),
    SearchKind.TRIAL: _KindSpec(
        t.Trial, "registry_id", "title",
        (_Column("registry_id", "A"), _Column("secondary_ids", "A", is_list=True),
         _Column("title", "A"), _Column("conditions", "B", is_list=True),
         _Column("interventions", "B", is_list=True), _Column("sponsor", "B"),
         _Column("phase", "B"), _Column("status", "C"), _Column("summary", "C"),
         _Column("arms", "C", is_list=True), _Column("locations", "C", is_list=True)),
        ("title", "sponsor", "summary")),
    SearchKind.RECORD: _KindSpec(
        t.Record, "key", "title", (_Column("title", "A"), _Column("abstract", "B")),
        ("title", "abstract")),
}
_FTS_TABLE = {SearchKind.PAGE: "pages_fts", SearchKind.STUDY: "studies_fts",
              SearchKind.TRIAL: "trials_fts", SearchKind.RECORD: "records_fts"}


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A reader's query as searched: its words, and whether it was cut to the limits."""

    text: str
    words: tuple[str, ...]
    truncated: bool


@dataclass(frozen=True, slots=True)
class Fragment:
    """A piece of a snippet: its text, and whether it is a word the query matched."""

    text: str
    hit: bool


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One match: its kind, key (page slug, study key, primary registry id or record key),
    title and snippet; for a record, its DOI and PMID and the study that reports it, if any."""

    kind: SearchKind
    key: str
    title: str
    snippet: tuple[Fragment, ...]
    study_key: str | None = None
    doi: str | None = None
    pmid: str | None = None


@dataclass(frozen=True, slots=True)
class KindResults:
    """The matches of one kind: how many there are, and the ``hits`` from ``offset`` on."""

    kind: SearchKind
    total: int
    offset: int
    hits: tuple[SearchHit, ...]


def query_words(text: str) -> SearchQuery:
    """The words of ``text`` searched (see the module docstring for the limits)."""
    # Control characters (a NUL byte, a tab) become spaces: shown back, they mean nothing.
    cut = "".join(c if c.isprintable() else " " for c in text[:MAX_QUERY_CHARS])
    words = _WORD.findall(cut)
    truncated = len(text) > MAX_QUERY_CHARS or len(words) > MAX_WORDS
    return SearchQuery(text=cut, words=tuple(words[:MAX_WORDS]), truncated=truncated)


def _fragments(marked: str | None) -> tuple[Fragment, ...]:
    """Split a snippet with ``_START``/``_STOP`` marks around its hits into fragments."""
    if not marked:
        return ()
    fragments: list[Fragment] = []
    for i, part in enumerate(marked.split(_START)):
        hit, _, rest = part.partition(_STOP) if i else ("", "", part)
        if hit:
            fragments.append(Fragment(hit, True))
        if rest:
            fragments.append(Fragment(rest, False))
    return tuple(fragments)


# --------------------------------------------------------------------------- SQLite


def _sqlite_matches(kind: SearchKind, words: Sequence[str]) -> Select[Any]:
    spec, name = KINDS[kind], _FTS_TABLE[kind]
    fts = table(name, column("rowid"), column(name))
    match = " ".join('"' + word + '"' for word in words)
    weights: list[ColumnElement[Any]] = [literal_column(repr(_WEIGHTS[c.weight])) for c in spec.columns]
    rank = func.bm25(literal_column(name), *weights)
    snippet = func.snippet(literal_column(name), literal_column("-1"), literal(_START),
                           literal(_STOP), literal("…"), literal_column("24"))
    return select(fts.c.rowid.label("id"), (-rank).label("rank"), snippet.label("snippet")).where(
        fts.c[name].op("MATCH")(match))


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_document(kind: SearchKind) -> ColumnElement[Any]:
    """The weighted tsvector of a kind: the expression of its GIN index, term for term."""
    spec = KINDS[kind]
    table_columns = spec.table.__table__.c
    document: ColumnElement[Any] | None = None
    for item in spec.columns:
        empty: ColumnElement[Any] = literal_column("'[]'::json" if item.is_list else "''::text")
        vector = func.setweight(
            func.to_tsvector(_ENGLISH, func.coalesce(table_columns[item.name], empty)),
            literal_column(f"'{item.weight}'"),
        )
        document = vector if document is None else document.op("||")(vector)
    assert document is not None
    return document


def _postgres_matches(kind: SearchKind, words: Sequence[str]) -> Select[Any]:
    spec = KINDS[kind]
    table_columns = spec.table.__table__.c
    query = func.plainto_tsquery(_ENGLISH, " ".join(words))
    text: ColumnElement[Any] = func.concat_ws(
        literal(" … "), *(table_columns[name] for name in spec.snippet))
    options = (f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, "
               f'MaxFragments=2, FragmentDelimiter=" … "')
    snippet = func.ts_headline(_ENGLISH, text, query, literal(options))
    return select(table_columns.id.label("id"), func.ts_rank(_postgres_document(kind), query)
                  .label("rank"), snippet.label("snippet")).where(
        _postgres_document(kind).op("@@")(query))


# --------------------------------------------------------------------------- search


def _matches(session: Session, kind: SearchKind, words: Sequence[str]) -> Select[Any]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_matches(kind, words)
    if dialect == "postgresql":
        return _postgres_matches(kind, words)
    raise StoreError(f"full-text search needs SQLite or PostgreSQL; this database is {dialect}")


def search(
    session: Session,
    query: SearchQuery,
    kind: SearchKind,
    *,
    limit: int,
    offset: int = 0,
) -> KindResults:
    """The matches of ``kind`` for ``query``, best first: ``limit`` of them from ``offset``.

    A query without words matches nothing; pages match only when published, as readers see
    them (:func:`evidencehub.publish.page_status.is_public`).
    """
    if not query.words:
        return KindResults(kind, 0, offset, ())
    spec = KINDS[kind]
    row = spec.table.__table__.c
    matches = _matches(session, kind, query.words).subquery("matches")
    condition = row.id == matches.c.id
    if kind is SearchKind.PAGE:  # readers see published pages only (publish.page_status)
        condition = condition & (row.status == PageStatus.PUBLISHED.value)
    total = session.scalar(select(func.count()).select_from(matches).join(
        spec.table.__table__, condition)) or 0
    columns: list[ColumnElement[Any]] = [row[spec.key], row[spec.title], matches.c.snippet]
    if kind is SearchKind.RECORD:
        study = (select(t.Study.key).join(t.StudyRecord, t.StudyRecord.study_id == t.Study.id)
                 .where(t.StudyRecord.record_id == row.id).order_by(t.Study.key).limit(1)
                 .scalar_subquery())
        columns += [study, row.doi, row.pmid]
    statement = (select(*columns).select_from(matches).join(spec.table.__table__, condition)
                 .order_by(matches.c.rank.desc(), row[spec.key]).limit(limit).offset(offset))
    hits = []
    for found in session.execute(statement):
        extra = {"study_key": found[3], "doi": found[4], "pmid": found[5]} if len(found) > 3 else {}
        hits.append(SearchHit(kind, found[0], found[1], _fragments(found[2]), **extra))
    return KindResults(kind, total, offset, tuple(hits))
