"""Initial schema: every table of :mod:`evidencehub.store.tables`, and full-text search.

Full-text search over ``records.title`` and ``records.abstract`` is dialect-specific:

* SQLite: an FTS5 external-content table ``records_fts`` (Porter stemming over unicode61
  tokens, diacritics folded), kept in sync with ``records`` by three triggers;
* PostgreSQL: a GIN index on the title (weight A) and abstract (weight B) ``tsvector``, the
  very expression :mod:`evidencehub.store.repo._fulltext` queries, so the planner can use it.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types of this revision (migrations never import the live models).
_JSON = sa.JSON()

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE records_fts USING fts5(title, abstract, content='records', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN "
    "INSERT INTO records_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); END",
    "CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN "
    "INSERT INTO records_fts(records_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); END",
    "CREATE TRIGGER records_fts_update AFTER UPDATE OF title, abstract ON records BEGIN "
    "INSERT INTO records_fts(records_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); "
    "INSERT INTO records_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); END",
)
_POSTGRES_FTS = (
    "CREATE INDEX ix_records_fts ON records USING gin ("
    "(setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')))",
)


def _create_full_text_search() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_FTS, "postgresql": _POSTGRES_FTS}.get(dialect, ())
    for statement in statements:
        op.execute(statement)


def _drop_full_text_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS records_fts_insert")
        op.execute("DROP TRIGGER IF EXISTS records_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS records_fts_update")
        op.execute("DROP TABLE IF EXISTS records_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_records_fts")


def upgrade() -> None:
    """Create every table, then the dialect's full-text search over title and abstract."""
    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("measure", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("test", sa.String(), nullable=False),
        sa.Column("comparison", sa.String(), nullable=True),
        sa.Column("subgroup", sa.String(), nullable=True),
        sa.Column("timepoint", sa.String(), nullable=True),
        sa.Column("value_kind", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
        sa.UniqueConstraint("slug", name=op.f("uq_analyses_slug")),
    )
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("dek", sa.Text(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("takeaways", _JSON, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_pages_slug")),
    )
    op.create_index(op.f("ix_pages_kind"), "pages", ["kind"])

    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("doi", sa.String(), nullable=True),
        sa.Column("pmid", sa.String(), nullable=True),
        sa.Column("pmcid", sa.String(), nullable=True),
        sa.Column("pii", sa.String(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.Column("abstract_sections", _JSON, nullable=False),
        sa.Column("authors", _JSON, nullable=False),
        sa.Column("journal", sa.String(), nullable=True),
        sa.Column("journal_abbrev", sa.String(), nullable=True),
        sa.Column("issn", sa.String(), nullable=True),
        sa.Column("publisher", sa.String(), nullable=True),
        sa.Column("record_type", sa.String(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("volume", sa.String(), nullable=True),
        sa.Column("issue", sa.String(), nullable=True),
        sa.Column("pages", sa.String(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("publication_types", _JSON, nullable=False),
        sa.Column("grants", _JSON, nullable=False),
        sa.Column("links", _JSON, nullable=False),
        sa.Column("keywords", _JSON, nullable=False),
        sa.Column("mesh_terms", _JSON, nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("open_access", sa.String(), nullable=True),
        sa.Column("citation_count", sa.Integer(), nullable=True),
        sa.Column("citation_percentile", sa.Float(), nullable=True),
        sa.Column("registry_ids", _JSON, nullable=False),
        sa.Column("retracted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("doi", name=op.f("uq_records_doi")),
        sa.UniqueConstraint("key", name=op.f("uq_records_key")),
        sa.UniqueConstraint("pmcid", name=op.f("uq_records_pmcid")),
        sa.UniqueConstraint("pmid", name=op.f("uq_records_pmid")),
    )
    op.create_index(op.f("ix_records_year"), "records", ["year"])

    op.create_table(
        "studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("design", sa.String(), nullable=False),
        sa.Column("species", sa.String(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("population", sa.Text(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("follow_up", sa.String(), nullable=True),
        sa.Column("phase", sa.String(), nullable=True),
        sa.Column("cell_source", sa.Text(), nullable=True),
        sa.Column("encapsulation", sa.Text(), nullable=True),
        sa.Column("immunosuppression", sa.Text(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studies")),
        sa.UniqueConstraint("key", name=op.f("uq_studies_key")),
    )
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.String(), nullable=False),
        sa.Column("registry", sa.String(), nullable=False),
        sa.Column("secondary_ids", _JSON, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("phase", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("enrollment", sa.Integer(), nullable=True),
        sa.Column("conditions", _JSON, nullable=False),
        sa.Column("interventions", _JSON, nullable=False),
        sa.Column("sponsor", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("completion_date", sa.Date(), nullable=True),
        sa.Column("has_results", sa.Boolean(), nullable=True),
        sa.Column("study_type", sa.String(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("arms", _JSON, nullable=False),
        sa.Column("locations", _JSON, nullable=False),
        sa.Column("last_updated", sa.Date(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trials")),
        sa.UniqueConstraint("registry_id", name=op.f("uq_trials_registry_id")),
    )
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("fitted_at", sa.DateTime(), nullable=False),
        sa.Column("software", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_analysis_results_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
    )
    op.create_index(op.f("ix_analysis_results_analysis_id"), "analysis_results", ["analysis_id"])

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_claims_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("page_id", "position", name=op.f("uq_claims_page_id")),
    )
    op.create_index(op.f("ix_claims_page_id"), "claims", ["page_id"])

    op.create_table(
        "cross_refs",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_slug", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_cross_refs_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("page_id", "position", name=op.f("pk_cross_refs")),
    )
    op.create_index(op.f("ix_cross_refs_target_slug"), "cross_refs", ["target_slug"])

    op.create_table(
        "evidence_labels",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("kinds", _JSON, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("certainty", sa.String(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_evidence_labels_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("page_id", name=op.f("pk_evidence_labels")),
    )
    op.create_table(
        "outcome_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("arm", sa.String(), nullable=False),
        sa.Column("timepoint", sa.String(), nullable=True),
        sa.Column("timepoint_months", sa.Float(), nullable=True),
        sa.Column("value_kind", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("sd", sa.Float(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("median", sa.Float(), nullable=True),
        sa.Column("q1", sa.Float(), nullable=True),
        sa.Column("q3", sa.Float(), nullable=True),
        sa.Column("minimum", sa.Float(), nullable=True),
        sa.Column("maximum", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("derivation", sa.String(), nullable=False),
        sa.Column("derivation_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_outcome_data_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_data")),
    )
    op.create_index(op.f("ix_outcome_data_outcome"), "outcome_data", ["outcome"])
    op.create_index(op.f("ix_outcome_data_study_id"), "outcome_data", ["study_id"])

    op.create_table(
        "page_analyses",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("analysis_slug", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_page_analyses_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("page_id", "position", name=op.f("pk_page_analyses")),
    )
    op.create_index(op.f("ix_page_analyses_analysis_slug"), "page_analyses", ["analysis_slug"])

    op.create_table(
        "record_field_sources",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_field_sources_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "field", name=op.f("pk_record_field_sources")),
    )
    op.create_table(
        "record_trial_links",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_trial_links_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "registry_id", name=op.f("pk_record_trial_links")),
    )
    op.create_index(
        op.f("ix_record_trial_links_registry_id"), "record_trial_links", ["registry_id"]
    )

    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_versions_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint("record_id", "version", name=op.f("uq_record_versions_record_id")),
    )
    op.create_index(op.f("ix_record_versions_record_id"), "record_versions", ["record_id"])

    op.create_table(
        "study_records",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_study_records_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_study_records_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("study_id", "record_id", name=op.f("pk_study_records")),
    )
    op.create_index(op.f("ix_study_records_record_id"), "study_records", ["record_id"])

    op.create_table(
        "study_trials",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_study_trials_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("study_id", "registry_id", name=op.f("pk_study_trials")),
    )
    op.create_index(op.f("ix_study_trials_registry_id"), "study_trials", ["registry_id"])

    op.create_table(
        "trial_ids",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.String(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
            name=op.f("fk_trial_ids_trial_id_trials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trial_id", "registry_id", name=op.f("pk_trial_ids")),
    )
    op.create_index(op.f("ix_trial_ids_registry_id"), "trial_ids", ["registry_id"])

    op.create_table(
        "claim_studies",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_studies_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_claim_studies_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("claim_id", "study_id", name=op.f("pk_claim_studies")),
    )
    op.create_index(op.f("ix_claim_studies_study_id"), "claim_studies", ["study_id"])
    _create_full_text_search()


def downgrade() -> None:
    """Drop everything :func:`upgrade` created, dependants first."""
    _drop_full_text_search()
    op.drop_table("claim_studies")
    op.drop_table("trial_ids")
    op.drop_table("study_trials")
    op.drop_table("study_records")
    op.drop_table("record_versions")
    op.drop_table("record_trial_links")
    op.drop_table("record_field_sources")
    op.drop_table("page_analyses")
    op.drop_table("outcome_data")
    op.drop_table("evidence_labels")
    op.drop_table("cross_refs")
    op.drop_table("claims")
    op.drop_table("analysis_results")
    op.drop_table("trials")
    op.drop_table("studies")
    op.drop_table("records")
    op.drop_table("pages")
    op.drop_table("analyses")
