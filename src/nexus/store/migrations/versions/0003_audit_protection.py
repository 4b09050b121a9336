"""audit protection: the audit_head witness and triggers that keep the trail append-only

Revision ID: 0003
Revises: 0002

Both dialects get triggers refusing UPDATE and DELETE of ``audit_log`` (and TRUNCATE on
PostgreSQL), and letting ``audit_head`` only move forward to a record that exists.

On PostgreSQL, run Nexus as a role that does not own the tables, so it cannot drop or
disable these triggers either. The pattern (names are examples):

    -- the owner runs the migrations (`nexus init`) and owns every table and trigger
    CREATE ROLE nexus_owner LOGIN PASSWORD '…';
    CREATE SCHEMA nexus AUTHORIZATION nexus_owner;
    -- the application role: reads and writes data, appends audit records only
    CREATE ROLE nexus_app LOGIN PASSWORD '…';
    GRANT USAGE ON SCHEMA nexus TO nexus_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA nexus TO nexus_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON nexus.audit_log, nexus.audit_head FROM nexus_app;
    GRANT UPDATE (seq, hash, at) ON nexus.audit_head TO nexus_app;
    ALTER DEFAULT PRIVILEGES FOR ROLE nexus_owner IN SCHEMA nexus
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO nexus_app;

Only the owner or a superuser can then tamper (ALTER TABLE … DISABLE TRIGGER), and
``nexus audit verify`` shows it: the hash chain, the head row and the anchor file in
NEXUS_HOME are checked against each other.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_head_no_insert": "BEFORE INSERT ON audit_head BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END",
    "audit_head_no_delete": "BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
    "audit_head_forward_only": (
        "BEFORE UPDATE ON audit_head WHEN NEW.id != OLD.id OR NEW.seq <= OLD.seq OR NOT EXISTS "
        "(SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) "
        "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward to an existing record'); END"
    ),
}

_POSTGRES_UP = """
CREATE FUNCTION nexus_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION nexus_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = OLD.id AND NEW.seq > OLD.seq
       AND EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_head only moves forward to an existing record'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION nexus_audit_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_audit_refuse();
CREATE TRIGGER audit_head_fixed BEFORE INSERT OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION nexus_audit_refuse();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_audit_refuse();
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION nexus_audit_head_forward();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_head FROM PUBLIC;
"""

_POSTGRES_DOWN = """
DROP TRIGGER audit_head_forward_only ON audit_head;
DROP TRIGGER audit_head_no_truncate ON audit_head;
DROP TRIGGER audit_head_fixed ON audit_head;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION nexus_audit_head_forward();
DROP FUNCTION nexus_audit_refuse();
"""


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Start the head at the trail's current last record (genesis when empty).
    op.execute(
        "INSERT INTO audit_head (id, seq, hash, at) "
        "SELECT 1, COALESCE(MAX(seq), 0), "
        "COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '" + "0" * 64 + "'), "
        "COALESCE(MAX(at), '') FROM audit_log"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_UP)
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_DOWN)
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("audit_head")
