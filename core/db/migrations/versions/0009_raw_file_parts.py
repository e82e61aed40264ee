"""A large upload kept as it was received in gzip parts (a file read in blocks is never held whole).

Revision ID: 0009_raw_file_parts
Revises: 0008_own_data_columns
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_raw_file_parts"
down_revision = "0008_own_data_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_file_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raw_file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content_gz", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["raw_file_id"], ["raw_files.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("raw_file_id", "seq", name="uq_raw_file_parts_seq"),
    )


def downgrade() -> None:
    op.drop_table("raw_file_parts")
