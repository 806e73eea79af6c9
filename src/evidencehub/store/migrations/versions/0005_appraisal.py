"""Appraisal: extraction forms and values, risk-of-bias assessments, GRADE flags and ratings,
and tag decisions.

New tables: ``extraction_fields`` (a review's form) and ``extraction_values`` (append-only
entries per reviewer and the consensus); ``rob_assessments`` (RoB 2 / ROBINS-I, append-only);
``grade_flags`` and ``grade_ratings`` (append-only, a rating names the run it judged);
``tag_decisions`` (rule proposals beside the editor's choice). No stored row changes;
downgrading drops these tables.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the appraisal tables."""
    op.create_table(
        "extraction_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_extraction_fields_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_extraction_fields_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extraction_fields")),
        sa.UniqueConstraint("review_id", "key", name=op.f("uq_extraction_fields_review_id")),
    )
    op.create_index(
        op.f("ix_extraction_fields_review_id"), "extraction_fields", ["review_id"], unique=False
    )

    op.create_table(
        "rob_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("tool", sa.String(), nullable=False),
        sa.Column("basis", sa.String(), nullable=False),
        sa.Column("overall", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_rob_assessments_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_rob_assessments_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_rob_assessments_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rob_assessments")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_rob_assessments_review_id"), "rob_assessments", ["review_id"], unique=False
    )
    op.create_index(
        op.f("ix_rob_assessments_study_id"), "rob_assessments", ["study_id"], unique=False
    )

    op.create_table(
        "extraction_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("arm", sa.String(), nullable=True),
        sa.Column("timepoint", sa.String(), nullable=True),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("derivation", sa.JSON(), nullable=True),
        sa.Column("outcome_data_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_extraction_values_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_data_id"],
            ["outcome_data.id"],
            name=op.f("fk_extraction_values_outcome_data_id_outcome_data"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_extraction_values_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_extraction_values_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extraction_values")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_extraction_values_review_id"), "extraction_values", ["review_id"], unique=False
    )
    op.create_index(
        op.f("ix_extraction_values_study_id"), "extraction_values", ["study_id"], unique=False
    )

    op.create_table(
        "grade_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=True),
        sa.Column("flag", sa.String(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_grade_flags_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_grade_flags_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_grade_flags_study_id_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_flags")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_grade_flags_analysis_id"), "grade_flags", ["analysis_id"], unique=False
    )

    op.create_table(
        "tag_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.Column("proposed", sa.Boolean(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_tag_decisions_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_tag_decisions_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_decisions")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_tag_decisions_claim_id"), "tag_decisions", ["claim_id"], unique=False)

    op.create_table(
        "grade_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("certainty", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_grade_ratings_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_grade_ratings_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["analysis_runs.id"], name=op.f("fk_grade_ratings_run_id_analysis_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_ratings")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_grade_ratings_analysis_id"), "grade_ratings", ["analysis_id"], unique=False
    )


def downgrade() -> None:
    """Drop the appraisal tables (indexes go with them)."""
    op.drop_table("grade_ratings")
    op.drop_table("tag_decisions")
    op.drop_table("grade_flags")
    op.drop_table("extraction_values")
    op.drop_table("rob_assessments")
    op.drop_table("extraction_fields")
