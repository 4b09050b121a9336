"""passenger information: targeting rules with maker-checker, masked statements and alert texts, unmasking, retention runs

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None



def _labels() -> list[sa.Column]:
    return [
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("releasable_to", sa.Text(), nullable=False),
        sa.Column("compartment", sa.String(length=128)),
        sa.Column("orcon", sa.Boolean(), nullable=False),
        sa.Column("warrant", sa.String(length=128)),
    ]


def upgrade() -> None:
    op.create_table(
        "targeting_rules",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=128)),
        sa.Column("decided_at", sa.String(length=32)),
        sa.Column("reason", sa.Text()),
        sa.PrimaryKeyConstraint("name", "version"),
    )
    op.create_table(
        "masked_statements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("canonical_id", sa.String(length=255), nullable=False),
        sa.Column("schema", sa.String(length=64), nullable=False),
        sa.Column("prop", sa.String(length=64), nullable=False),
        sa.Column("prop_type", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("original_value", sa.Text()),
        sa.Column("lang", sa.String(length=8)),
        sa.Column("source", sa.String(length=128), nullable=False),
        *_labels(),
        sa.Column("legal_basis", sa.Text()),
        sa.Column("first_seen", sa.String(length=32), nullable=False),
        sa.Column("last_seen", sa.String(length=32), nullable=False),
        sa.Column("retention_until", sa.String(length=32)),
        sa.Column("retired_at", sa.String(length=32)),
        sa.Column("masked_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("entity_id", "id"),
    )
    op.create_index("ix_masked_statements_source", "masked_statements", ["source"])
    op.create_table(
        "masked_alerts",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("masked_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    op.create_table(
        "unmask_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=128)),
        sa.Column("decided_at", sa.String(length=32)),
        sa.Column("decision_reason", sa.Text()),
        sa.Column("expires_at", sa.String(length=32)),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unmask_requests_entity", "unmask_requests", ["entity_id"])
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("jurisdiction", sa.String(length=32), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for table in ("retention_runs", "unmask_requests", "masked_alerts", "masked_statements", "targeting_rules"):
        op.drop_table(table)
