"""the transaction ledger's batches: which Parquet files hold which run's transactions

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_time", sa.String(length=32), nullable=False),
        sa.Column("last_time", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ledger_batches_run", "ledger_batches", ["run_id"])
    op.create_index("ix_ledger_batches_source", "ledger_batches", ["source"])


def downgrade() -> None:
    op.drop_table("ledger_batches")
