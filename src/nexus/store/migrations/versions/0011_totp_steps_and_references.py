"""the time step of each user's last one-time code (a code is good once); an index on the statements that
refer to another entity, by the entity they refer to (who was on a trip, who paid whom)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.Integer()))
    op.create_index("ix_statements_reference", "statements", ["value"], postgresql_where=sa.text("prop_type = 'entity'"),
                    sqlite_where=sa.text("prop_type = 'entity'"))


def downgrade() -> None:
    op.drop_index("ix_statements_reference", table_name="statements")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
