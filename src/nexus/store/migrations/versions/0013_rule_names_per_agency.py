"""a targeting rule's name is its agency's: the key of targeting_rules becomes (agency, name, version), so two
agencies may each have a rule of the same name and neither learns of the other's

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ("name", "version", "definition", "state", "author", "agency", "proposed_at", "decided_by", "decided_at",
           "reason")


def upgrade() -> None:
    _rekey(["agency", "name", "version"])


def downgrade() -> None:
    """Fails (the key would repeat) once two agencies have a rule version of the same name and number."""
    _rekey(["name", "version"])


def _rekey(key: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":  # the table keeps its rows; only its key changes
        op.drop_constraint("targeting_rules_pkey", "targeting_rules", type_="primary")
        op.create_primary_key("targeting_rules_pkey", "targeting_rules", key)
        return
    # SQLite cannot change a table's key: a new table, the rows copied into it, then it takes the old one's name
    op.create_table(
        "targeting_rules_rekeyed",
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
        sa.PrimaryKeyConstraint(*key, name="targeting_rules_pkey"),
    )
    columns = ", ".join(COLUMNS)
    op.execute(f"INSERT INTO targeting_rules_rekeyed ({columns}) SELECT {columns} FROM targeting_rules")
    op.drop_table("targeting_rules")
    op.rename_table("targeting_rules_rekeyed", "targeting_rules")
