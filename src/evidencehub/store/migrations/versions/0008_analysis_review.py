"""An analysis names the systematic review its studies came from.

New column ``analyses.review_id`` (nullable; a foreign key to ``reviews.id`` that becomes NULL
when the review is deleted, indexed): analysis pages show that review's PRISMA 2020 flow.
Stored analyses keep every value and name no review; downgrading drops the column.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``analyses.review_id``."""
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_analyses_review_id_reviews"), "reviews",
                                 ["review_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_analyses_review_id"), ["review_id"])


def downgrade() -> None:
    """Drop ``analyses.review_id``."""
    with op.batch_alter_table("analyses") as batch:
        batch.drop_index(op.f("ix_analyses_review_id"))
        batch.drop_constraint(op.f("fk_analyses_review_id_reviews"), type_="foreignkey")
        batch.drop_column("review_id")
