"""Step leases: the claim on a workflow's running step (owner, host, pid, process start, expiry).

Revision ID: 0007_step_leases
Revises: 0006_uploads_total_bigint
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_step_leases"
down_revision = "0006_uploads_total_bigint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_leases",
        sa.Column("workflow_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_start", sa.String(length=40), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workflow_id"], ["workflows.id"], name=op.f("fk_step_leases_workflow_id_workflows"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workflow_id", name=op.f("pk_step_leases")),
    )


def downgrade() -> None:
    op.drop_table("step_leases")
