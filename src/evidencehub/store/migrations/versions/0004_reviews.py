"""Systematic reviews: review projects, their searches, screening decisions and full texts.

New tables: ``reviews`` (question as PICO, stages, screeners per record, blinding) with
``review_criteria`` and ``review_members``; ``review_searches`` with ``review_search_imports``
and ``review_search_records``; ``screening_decisions`` (append-only); ``full_texts``
(append-only retrieval status); ``review_rankings`` (the prioritisation cache) and
``review_studies``. No stored row changes; downgrading drops these tables.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the review tables."""
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("question", sa.JSON(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("screeners", sa.Integer(), nullable=False),
        sa.Column("blinded", sa.Boolean(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_reviews_actor_id_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("slug", name=op.f("uq_reviews_slug")),
    )
    op.create_table(
        "full_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_full_texts_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_full_texts_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_full_texts_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_full_texts")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_full_texts_record_id"), "full_texts", ["record_id"], unique=False)
    op.create_index(op.f("ix_full_texts_review_id"), "full_texts", ["review_id"], unique=False)
    op.create_table(
        "review_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_criteria_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_criteria")),
        sa.UniqueConstraint("review_id", "code", name=op.f("uq_review_criteria_review_id")),
    )
    op.create_table(
        "review_members",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_review_members_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_members_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "actor_id", name=op.f("pk_review_members")),
    )
    op.create_table(
        "review_rankings",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("trained", sa.Boolean(), nullable=False),
        sa.Column("n_labelled", sa.Integer(), nullable=False),
        sa.Column("trained_on", sa.String(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("ranked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_review_rankings_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_rankings_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "actor_id", "stage", name=op.f("pk_review_rankings")),
    )
    op.create_table(
        "review_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("run_on", sa.Date(), nullable=True),
        sa.Column("n_returned", sa.Integer(), nullable=False),
        sa.Column("n_rejected", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_review_searches_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_searches_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_searches")),
    )
    op.create_index(
        op.f("ix_review_searches_review_id"), "review_searches", ["review_id"], unique=False
    )
    op.create_table(
        "review_studies",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_review_studies_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_studies_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_review_studies_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "study_id", name=op.f("pk_review_studies")),
    )
    op.create_table(
        "screening_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("basis", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("undoes_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_screening_decisions_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_screening_decisions_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_screening_decisions_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undoes_id"],
            ["screening_decisions.id"],
            name=op.f("fk_screening_decisions_undoes_id_screening_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_decisions")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_screening_decisions_record_id"), "screening_decisions", ["record_id"], unique=False
    )
    op.create_index(
        op.f("ix_screening_decisions_review_id"), "screening_decisions", ["review_id"], unique=False
    )
    op.create_table(
        "review_search_imports",
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_events.id"],
            name=op.f("fk_review_search_imports_import_id_import_events"),
        ),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["review_searches.id"],
            name=op.f("fk_review_search_imports_search_id_review_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("search_id", "import_id", name=op.f("pk_review_search_imports")),
    )
    op.create_table(
        "review_search_records",
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_review_search_records_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["review_searches.id"],
            name=op.f("fk_review_search_records_search_id_review_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("search_id", "record_id", name=op.f("pk_review_search_records")),
    )
    op.create_index(
        op.f("ix_review_search_records_record_id"),
        "review_search_records",
        ["record_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the review tables (their rows are lost: a 0.3 store without reviews)."""
    for table in [
        "review_rankings",
        "review_studies",
        "full_texts",
        "screening_decisions",
        "review_search_records",
        "review_search_imports",
        "review_searches",
        "review_members",
        "review_criteria",
        "reviews",
    ]:
        op.drop_table(table)
