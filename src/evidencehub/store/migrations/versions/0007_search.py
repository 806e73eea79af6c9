"""Full-text search over pages, studies and trials (records have had theirs since 0001).

* SQLite: one FTS5 external-content table per kind (``pages_fts``, ``studies_fts``,
  ``trials_fts``; Porter stemming over unicode61 tokens, diacritics folded, as ``records_fts``).
  Their content is a view of the table (``pages_search``…) in which each JSON list (a page's
  takeaways, a trial's conditions…) is flattened to its items joined by "; ", so the index and
  the snippets FTS5 cuts from it hold words, not JSON punctuation. Triggers on the table keep
  the index exact on every insert, delete and update of an indexed column: unlike records,
  these rows are written one at a time (an editor's save, a trial import), so per-row triggers
  cost nothing noticeable, and they keep every writer in step without its knowing. The
  upgrade indexes every row already stored (read from the view).
* PostgreSQL: a GIN index on each table's weighted ``tsvector`` (``ix_pages_fts``…), the very
  expression :mod:`evidencehub.store.repo.search` queries, so the planner uses it; the index
  covers existing rows as it is built and keeps itself.

Columns and weights (A most, C least) are those of :data:`evidencehub.store.repo.search.KINDS`
at this revision (frozen here: migrations never import the live code).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table -> [(column, weight, is a JSON list)]
_KINDS: dict[str, list[tuple[str, str, bool]]] = {
    "pages": [("slug", "A", False), ("title", "A", False), ("dek", "B", False),
              ("category", "B", False), ("takeaways", "B", True), ("body", "C", False)],
    "studies": [("key", "A", False), ("label", "A", False), ("design", "B", False),
                ("species", "B", False), ("model", "B", False), ("population", "B", False),
                ("phase", "B", False), ("cell_source", "B", False),
                ("encapsulation", "C", False), ("immunosuppression", "C", False),
                ("follow_up", "C", False), ("findings", "C", False)],
    "trials": [("registry_id", "A", False), ("secondary_ids", "A", True), ("title", "A", False),
               ("conditions", "B", True), ("interventions", "B", True), ("sponsor", "B", False),
               ("phase", "B", False), ("status", "C", False), ("summary", "C", False),
               ("arms", "C", True), ("locations", "C", True)],
}
_TOKENIZE = "porter unicode61 remove_diacritics 2"


def _sqlite_value(row: str, column: str, is_list: bool) -> str:
    if is_list:
        return f"(SELECT group_concat(value, '; ') FROM json_each({row}.{column}))"
    return f"{row}.{column}"


def _sqlite_statements(table: str, columns: list[tuple[str, str, bool]]) -> list[str]:
    names = ", ".join(c for c, _, _ in columns)
    view = ", ".join(f"{_sqlite_value(table, c, is_list)} AS {c}" for c, _, is_list in columns)

    def values(row: str) -> str:
        return ", ".join(_sqlite_value(row, c, is_list) for c, _, is_list in columns)

    fts = f"{table}_fts"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {values('new')});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {values('old')});"
    return [
        f"CREATE VIEW {table}_search AS SELECT id, {view} FROM {table}",
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}_search', "
        f"content_rowid='id', tokenize='{_TOKENIZE}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
        f"{delete} {insert} END",
        # Not FTS5's 'rebuild': it reads the view from inside FTS5, where json_each() fails.
        f"INSERT INTO {fts}(rowid, {names}) SELECT id, {names} FROM {table}_search",
    ]


def _postgres_document(columns: list[tuple[str, str, bool]]) -> str:
    parts = []
    for column, weight, is_list in columns:
        empty = "'[]'::json" if is_list else "''::text"
        parts.append(
            f"setweight(to_tsvector('english'::regconfig, coalesce({column}, {empty})), '{weight}')"
        )
    return " || ".join(parts)


def upgrade() -> None:
    """Create the index of each kind and index every stored row."""
    dialect = op.get_bind().dialect.name
    for table, columns in _KINDS.items():
        if dialect == "sqlite":
            for statement in _sqlite_statements(table, columns):
                op.execute(statement)
        elif dialect == "postgresql":
            op.execute(f"CREATE INDEX ix_{table}_fts ON {table} USING gin "
                       f"(({_postgres_document(columns)}))")


def downgrade() -> None:
    """Drop the indexes (and, on SQLite, their triggers and views)."""
    dialect = op.get_bind().dialect.name
    for table in _KINDS:
        if dialect == "sqlite":
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
            op.execute(f"DROP VIEW IF EXISTS {table}_search")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_fts")
