"""a targeting rule's name is its agency's: the key of targeting_rules becomes (agency, name, version), so two
agencies may each have a rule of the same name and neither learns of the other's

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: PostgreSQL named 0008's key targeting_rules_pkey; SQLite left it unnamed, and Alembic reads it back under this
#: name so that one drop_constraint finds it on both.
KEY_NAMED_AS_POSTGRESQL = {"pk": "%(table_name)s_pkey"}


def upgrade() -> None:
    _rekey(["agency", "name", "version"])


def downgrade() -> None:
    """Fails (the key would repeat) once two agencies have a rule version of the same name and number."""
    _rekey(["name", "version"])


def _rekey(key: list[str]) -> None:
    """PostgreSQL changes the key in place; SQLite cannot, so Alembic copies the table, rows and all, into one with
    the new key."""
    with op.batch_alter_table("targeting_rules", naming_convention=KEY_NAMED_AS_POSTGRESQL) as table:
        table.drop_constraint("targeting_rules_pkey", type_="primary")
        table.create_primary_key("targeting_rules_pkey", key)
