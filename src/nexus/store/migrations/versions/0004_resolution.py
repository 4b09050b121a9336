"""resolution: scored pairs of each resolver run, and analysts' same / not-same judgements

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolution_edges",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("left_id", sa.String(length=255), nullable=False),
        sa.Column("right_id", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "left_id", "right_id"),
    )
    op.create_index("ix_resolution_edges_created", "resolution_edges", ["created_at"])
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("left_id", sa.String(length=255), nullable=False),
        sa.Column("right_id", sa.String(length=255), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_judgements_pair", "judgements", ["left_id", "right_id"])


def downgrade() -> None:
    op.drop_index("ix_judgements_pair", table_name="judgements")
    op.drop_table("judgements")
    op.drop_index("ix_resolution_edges_created", table_name="resolution_edges")
    op.drop_table("resolution_edges")
