"""cases: joint investigation teams, entities, notes, tasks, evidence, the chain of custody, disseminations and what they hold

Revision ID: 0009
Revises: 0008

The chain of custody is append-only as the audit trail is: triggers refuse UPDATE and
DELETE of ``custody_events`` (and TRUNCATE on PostgreSQL), and the application role is
granted no more than INSERT and SELECT on it (see 0003 for the pattern).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "custody_events_no_update":
        "BEFORE UPDATE ON custody_events BEGIN SELECT RAISE(ABORT, 'the chain of custody is append-only'); END",
    "custody_events_no_delete":
        "BEFORE DELETE ON custody_events BEGIN SELECT RAISE(ABORT, 'the chain of custody is append-only'); END",
}

_POSTGRES_UP = """
CREATE FUNCTION nexus_custody_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the chain of custody is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER custody_events_append_only BEFORE UPDATE OR DELETE ON custody_events
    FOR EACH ROW EXECUTE FUNCTION nexus_custody_refuse();
CREATE TRIGGER custody_events_no_truncate BEFORE TRUNCATE ON custody_events
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_custody_refuse();

REVOKE UPDATE, DELETE, TRUNCATE ON custody_events FROM PUBLIC;
"""

_POSTGRES_DOWN = """
DROP TRIGGER custody_events_no_truncate ON custody_events;
DROP TRIGGER custody_events_append_only ON custody_events;
DROP FUNCTION nexus_custody_refuse();
"""


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
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner_agency", sa.String(length=64), nullable=False),
        sa.Column("alert_id", sa.Integer()),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "case_agencies",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "agency"),
    )
    op.create_index("ix_case_agencies_agency", "case_agencies", ["agency"])
    op.create_table(
        "case_entities",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "entity_id"),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_notes_case", "case_notes", ["case_id"])
    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("assignee", sa.String(length=128)),
        sa.Column("due", sa.String(length=10)),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("done_by", sa.String(length=128)),
        sa.Column("done_at", sa.String(length=32)),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_tasks_case", "case_tasks", ["case_id"])
    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_labels(),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_evidence_case", "case_evidence", ["case_id"])
    op.create_index("ix_case_evidence_sha256", "case_evidence", ["sha256"])
    op.create_table(
        "disseminations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recipient_agency", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disseminations_case", "disseminations", ["case_id"])
    op.create_table(
        "dissemination_items",
        sa.Column("dissemination_id", sa.Integer(), nullable=False),
        sa.Column("ref_kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        *_labels(),
        sa.PrimaryKeyConstraint("dissemination_id", "ref_kind", "ref_id"),
    )
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer()),
        sa.Column("dissemination_id", sa.Integer()),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_custody_events_case", "custody_events", ["case_id"])
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
    for table in ("custody_events", "dissemination_items", "disseminations", "case_evidence", "case_tasks",
                  "case_notes", "case_entities", "case_agencies", "cases"):
        op.drop_table(table)
