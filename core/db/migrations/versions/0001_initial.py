"""Initial schema: datasets, workflows, events, approvals, uploads, actuals, forecast and plan revisions.

Revision ID: 0001_initial
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('raw_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_gz', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_files'))
    )
    with op.batch_alter_table('raw_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_files_sha256'), ['sha256'], unique=False)

    op.create_table('datasets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('n_stores', sa.Integer(), nullable=False),
    sa.Column('n_weeks', sa.Integer(), nullable=False),
    sa.Column('history_start', sa.Date(), nullable=True),
    sa.Column('history_end', sa.Date(), nullable=True),
    sa.Column('frequency', sa.String(length=20), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('history_file_id', sa.Integer(), nullable=True),
    sa.Column('stores_file_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['history_file_id'], ['raw_files.id'], name=op.f('fk_datasets_history_file_id_raw_files')),
    sa.ForeignKeyConstraint(['stores_file_id'], ['raw_files.id'], name=op.f('fk_datasets_stores_file_id_raw_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_datasets')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_datasets_content_hash'))
    )
    op.create_table('dataset_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('store_id', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('revenue', sa.Float(), nullable=True),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_history_dataset_id_datasets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_history'))
    )
    with op.batch_alter_table('dataset_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_history_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('dataset_stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=100), nullable=False),
    sa.Column('avg_weekly_sales_12mo', sa.Float(), nullable=False),
    sa.Column('store_size_sqft', sa.Float(), nullable=False),
    sa.Column('median_income', sa.Float(), nullable=False),
    sa.Column('location_tier', sa.String(length=10), nullable=False),
    sa.Column('fashion_tier', sa.String(length=20), nullable=False),
    sa.Column('store_format', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_stores_dataset_id_datasets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_stores')),
    sa.UniqueConstraint('dataset_id', 'store_id', name='uq_dataset_stores_dataset_store')
    )
    with op.batch_alter_table('dataset_stores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_stores_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('workflows',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_workflows_dataset_id_datasets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflows'))
    )
    op.create_table('approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('week', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed', sa.Float(), nullable=False),
    sa.Column('decided', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_approvals_workflow_id_workflows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_events_workflow_id_workflows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_workflow_id_id', ['workflow_id', 'id'], unique=False)

    op.create_table('forecasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('after_week', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_forecasts_workflow_id_workflows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecasts'))
    )
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecasts_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('after_week', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_plans_workflow_id_workflows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('raw_file_id', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('missing_stores', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('confirmed_missing', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['raw_file_id'], ['raw_files.id'], name=op.f('fk_uploads_raw_file_id_raw_files')),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_uploads_workflow_id_workflows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
    sa.UniqueConstraint('workflow_id', 'week', 'version', name='uq_uploads_wf_week_version')
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uploads_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('actuals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_actuals_upload_id_uploads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actuals'))
    )
    with op.batch_alter_table('actuals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actuals_upload_id'), ['upload_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actuals_workflow_id'), ['workflow_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('actuals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actuals_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_actuals_upload_id'))

    op.drop_table('actuals')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_workflow_id'))

    op.drop_table('uploads')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_workflow_id'))

    op.drop_table('plans')
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecasts_workflow_id'))

    op.drop_table('forecasts')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_workflow_id_id')

    op.drop_table('events')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_workflow_id'))

    op.drop_table('approvals')
    op.drop_table('workflows')
    with op.batch_alter_table('dataset_stores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_stores_dataset_id'))

    op.drop_table('dataset_stores')
    with op.batch_alter_table('dataset_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_history_dataset_id'))

    op.drop_table('dataset_history')
    op.drop_table('datasets')
    with op.batch_alter_table('raw_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raw_files_sha256'))

    op.drop_table('raw_files')
