"""initial store

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_errors',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=128), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.create_index('ix_ingest_errors_run', ['run_id'], unique=False)

    op.create_table('ingest_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.String(length=32), nullable=False),
    sa.Column('finished_at', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('records_done', sa.Integer(), nullable=False),
    sa.Column('entities', sa.Integer(), nullable=False),
    sa.Column('statements', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.create_index('ix_ingest_runs_source', ['source', 'status'], unique=False)

    op.create_table('sources',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('agency', sa.String(length=64), nullable=False),
    sa.Column('classification', sa.Integer(), nullable=False),
    sa.Column('releasable_to', sa.Text(), nullable=False),
    sa.Column('compartment', sa.String(length=128), nullable=True),
    sa.Column('orcon', sa.Boolean(), nullable=False),
    sa.Column('warrant', sa.String(length=128), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('retention_days', sa.Integer(), nullable=True),
    sa.Column('is_list', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('statements',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=255), nullable=False),
    sa.Column('canonical_id', sa.String(length=255), nullable=False),
    sa.Column('schema', sa.String(length=64), nullable=False),
    sa.Column('prop', sa.String(length=64), nullable=False),
    sa.Column('prop_type', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('original_value', sa.Text(), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('agency', sa.String(length=64), nullable=False),
    sa.Column('classification', sa.Integer(), nullable=False),
    sa.Column('releasable_to', sa.Text(), nullable=False),
    sa.Column('compartment', sa.String(length=128), nullable=True),
    sa.Column('orcon', sa.Boolean(), nullable=False),
    sa.Column('warrant', sa.String(length=128), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('first_seen', sa.String(length=32), nullable=False),
    sa.Column('last_seen', sa.String(length=32), nullable=False),
    sa.Column('retention_until', sa.String(length=32), nullable=True),
    sa.Column('retired_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('entity_id', 'id'),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index('ix_statements_canonical', ['canonical_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index('ix_statements_canonical')

    op.drop_table('statements')
    op.drop_table('sources')
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_ingest_runs_source')

    op.drop_table('ingest_runs')
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.drop_index('ix_ingest_errors_run')

    op.drop_table('ingest_errors')
