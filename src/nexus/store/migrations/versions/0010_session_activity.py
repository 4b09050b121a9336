"""web sign-in: when a login session was last used (for the idle timeout) and the purpose its user gave

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("last_used_at", sa.String(length=32)))
        batch.add_column(sa.Column("purpose", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("purpose")
        batch.drop_column("last_used_at")
