"""A columnar copy of each category's weekly history (one blob per dataset and category), written at
import next to the rows: a season reads its category back in one read instead of row by row.

Revision ID: 0010_history_columns
Revises: 0009_raw_file_parts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_history_columns"
down_revision = "0009_raw_file_parts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_history_columns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset_id", "category", name="uq_dataset_history_columns"),
    )


def downgrade() -> None:
    op.drop_table("dataset_history_columns")
