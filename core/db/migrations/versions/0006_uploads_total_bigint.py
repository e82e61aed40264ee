"""uploads.total as a 64-bit integer: a week of many stores sums past 2**31 (PostgreSQL refused it).

Revision ID: 0006_uploads_total_bigint
Revises: 0005_upload_partial_week
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_uploads_total_bigint'
down_revision = '0005_upload_partial_week'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's INTEGER is already 64 bits: only a server with typed columns needs the change.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('uploads', 'total', existing_type=sa.Integer(), type_=sa.BigInteger(),
                        existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('uploads', 'total', existing_type=sa.BigInteger(), type_=sa.Integer(),
                        existing_nullable=False)
