"""Dataset calendar: the week-start day its weeks run on (0 = Monday, the old behaviour) and the
weekday profile of its daily sales (share per weekday and category, for partial-week variance).

Revision ID: 0003_dataset_week_start
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_dataset_week_start"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("week_start", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("detected_week_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("weekday_shares", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("weekday_shares")
        batch_op.drop_column("detected_week_start")
        batch_op.drop_column("week_start")
