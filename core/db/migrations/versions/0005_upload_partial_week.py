"""Partial weeks: the days an upload lacked (confirmed by the planner) and the share of the week's
plan its days carry (weekday profile), so its variance is computed pro rata. NULL = a full week.

Revision ID: 0005_upload_partial_week
Revises: 0004_comparisons
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_upload_partial_week"
down_revision = "0004_comparisons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missing_dates", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("plan_share", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_column("plan_share")
        batch_op.drop_column("missing_dates")
