"""A planner's own data: column mappings remembered per file layout, the mapping a data set was read
with, and store attributes that a stores file may lack (only store_id is required).

Revision ID: 0008_own_data_columns
Revises: 0007_step_leases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_own_data_columns"
down_revision = "0007_step_leases"
branch_labels = None
depends_on = None

_OPTIONAL_STORE_COLUMNS = (
    ("avg_weekly_sales_12mo", sa.Float()),
    ("store_size_sqft", sa.Float()),
    ("median_income", sa.Float()),
    ("location_tier", sa.String(length=10)),
    ("fashion_tier", sa.String(length=20)),
    ("store_format", sa.String(length=20)),
    ("region", sa.String(length=20)),
)


def upgrade() -> None:
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layout_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("layout_key", name="uq_column_mappings_layout_key"),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("column_map", sa.JSON(), nullable=True))
    with op.batch_alter_table("dataset_stores", schema=None) as batch_op:
        for name, type_ in _OPTIONAL_STORE_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("dataset_stores", schema=None) as batch_op:
        for name, type_ in _OPTIONAL_STORE_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("column_map")
    op.drop_table("column_mappings")
