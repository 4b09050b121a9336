"""The store's tables. Alembic migrations in ``migrations/`` create and evolve them."""

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()


def label_columns() -> list[Column]:
    """The security label columns `policy.statement_clause` reads (new Column objects for each table)."""
    return [
        Column("agency", String(64), nullable=False),
        Column("classification", Integer, nullable=False),
        Column("releasable_to", Text, nullable=False),
        Column("compartment", String(128)),
        Column("orcon", Boolean, nullable=False),
        Column("warrant", String(128)),
    ]

#: Their names, in that order.
LABEL_COLUMNS = tuple(column.name for column in label_columns())

sources = Table(
    "sources",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("format", String(32), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("classification", Integer, nullable=False),
    Column("releasable_to", Text, nullable=False),
    Column("compartment", String(128)),
    Column("orcon", Boolean, nullable=False),
    Column("warrant", String(128)),
    Column("legal_basis", Text),
    Column("retention_days", Integer),
    Column("is_list", Boolean, nullable=False),
    Column("description", Text),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# Keyed by (entity_id, id): `id` is the stable statement key (it hashes the source,
# entity id, property and value), and leading with the entity id keeps one entity's
# statements together, so bulk loads append instead of scattering random keys, and
# lookups by entity id need no index of their own.
statements = Table(
    "statements",
    metadata,
    Column("id", String(40), nullable=False),
    Column("entity_id", String(255), nullable=False),
    Column("canonical_id", String(255), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("prop_type", String(32), nullable=False),
    Column("value", Text, nullable=False),
    Column("original_value", Text),
    Column("lang", String(8)),
    Column("source", String(128), nullable=False),
    *label_columns(),
    Column("legal_basis", Text),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    Column("retention_until", String(32)),
    Column("retired_at", String(32)),
    PrimaryKeyConstraint("entity_id", "id"),
    Index("ix_statements_canonical", "canonical_id"),
    # Statements that refer to another entity, by that entity: who was on a trip, who paid whom.
    Index("ix_statements_reference", "value", postgresql_where=text("prop_type = 'entity'"),
          sqlite_where=text("prop_type = 'entity'")),
    sqlite_with_rowid=False,
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(128), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("status", String(16), nullable=False),
    Column("records_done", Integer, nullable=False),
    Column("entities", Integer, nullable=False),
    Column("statements", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("retired", Integer, nullable=False),
    Index("ix_ingest_runs_source", "source", "status"),
)

ledger_batches = Table(
    "ledger_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False),
    Column("source", String(128), nullable=False),
    Column("path", Text, nullable=False),  # a Parquet file, relative to the ledger's folder
    Column("rows", Integer, nullable=False),
    Column("first_time", String(32), nullable=False),
    Column("last_time", String(32), nullable=False),
    Index("ix_ledger_batches_run", "run_id"),
    Index("ix_ledger_batches_source", "source"),
)

ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False),
    Column("location", Text, nullable=False),
    Column("field", String(128)),
    Column("message", Text, nullable=False),
    Index("ix_ingest_errors_run", "run_id"),
)

users = Table(
    "users",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("agency", String(64), nullable=False),
    Column("roles", Text, nullable=False),
    Column("clearance", Integer, nullable=False),
    Column("compartments", Text, nullable=False),
    Column("password_hash", Text),
    Column("totp_secret", String(64)),
    Column("totp_last_step", Integer),  # the last one-time code's time step: a code is good once
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", String(32)),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(128), nullable=False),
    Column("username", String(128), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32)),
    Column("revoked_at", String(32)),
    Column("issued_by", String(128)),  # who made it: its user, or an administrator (None: made before 0014)
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("username", String(128), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("last_used_at", String(32)),
    Column("purpose", Text),
)

warrants = Table(
    "warrants",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("agency", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("allowed_uses", Text, nullable=False),
    Column("description", Text),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("username", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("result_ids", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_user", "username"),
    Index("ix_audit_action", "action"),
)

# -- security: tamper evidence for the audit trail (migration 0003) ----------------------

# The newest audit record, written in the same transaction as each append. A deleted
# last record (tail truncation) leaves the chain intact but no longer reaching this head.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

# -- resolution (migration 0004) ----------------------------------------------------------

# Every scored pair of each run, so canonical ids can be recomputed without re-running
# the model; and analysts' same / not-same decisions. Neither changes a source statement.
resolution_edges = Table(
    "resolution_edges",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("left_id", String(255), primary_key=True),
    Column("right_id", String(255), primary_key=True),
    Column("score", Float, nullable=False),
    Column("method", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("ix_resolution_edges_created", "created_at"),
)

judgements = Table(
    "judgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(255), nullable=False),
    Column("right_id", String(255), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("user", String(128), nullable=False),
    Column("reason", Text),
    Column("created_at", String(32), nullable=False),
    Index("ix_judgements_pair", "left_id", "right_id"),
)

# -- alerts: what any stage raises for a human, and their review (migration 0006) --------

# One row per alert; `key` (nexus.model.alerts.alert_key) makes re-runs upsert. The label
# columns summarise the evidence's labels for display; visibility is decided per evidence
# row (alert_evidence), so a viewer sees an alert only if they may see all it rests on.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(40), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("score", Float),
    Column("explanation", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("classification", Integer, nullable=False),
    Column("releasable_to", Text, nullable=False),
    Column("compartments", Text, nullable=False),
    Column("orcon", Boolean, nullable=False),
    Column("warrants", Text, nullable=False),
    Column("raised_by", String(128), nullable=False),
    Column("first_raised", String(32), nullable=False),
    Column("last_raised", String(32), nullable=False),
    Index("ix_alerts_kind_state", "kind", "state"),
    Index("ix_alerts_subject", "subject"),
)

# What an alert cites (a statement, a transaction, an ad-hoc query) with that item's labels.
alert_evidence = Table(
    "alert_evidence",
    metadata,
    Column("alert_id", Integer, nullable=False),
    Column("ref_kind", String(16), nullable=False),
    Column("ref_id", String(64), nullable=False),
    Column("entity_id", String(255)),
    *label_columns(),
    PrimaryKeyConstraint("alert_id", "ref_kind", "ref_id"),
    Index("ix_alert_evidence_entity", "entity_id"),
)

# Every decision on an alert: who, when, from which state to which, and why.
alert_reviews = Table(
    "alert_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, nullable=False),
    Column("previous_state", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", Text),
    Column("username", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Index("ix_alert_reviews_alert", "alert_id"),
)

# -- passenger information (migration 0008) ----------------------------------------------

# Targeting rules (pre-determined criteria): every version kept; one runs only once a second,
# authorised person approved it (maker-checker).
targeting_rules = Table(
    "targeting_rules",
    metadata,
    Column("name", String(128), nullable=False),  # its agency's: another agency may have a rule of the same name
    Column("version", Integer, nullable=False),
    Column("definition", Text, nullable=False),  # the rule as its author wrote it (YAML)
    Column("state", String(16), nullable=False),  # proposed, approved, rejected, retired
    Column("author", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("proposed_at", String(32), nullable=False),
    Column("decided_by", String(128)),
    Column("decided_at", String(32)),
    Column("reason", Text),
    PrimaryKeyConstraint("agency", "name", "version", name="targeting_rules_pkey"),
)

# Statements depersonalised by masking (PNR after six months): out of every query, kept for
# unmasking on an approved request until their retention ends.
masked_statements = Table(
    "masked_statements",
    metadata,
    *(Column(c.name, c.type, nullable=c.nullable) for c in statements.columns),
    Column("masked_at", String(32), nullable=False),
    PrimaryKeyConstraint("entity_id", "id"),
    Index("ix_masked_statements_source", "source"),
    sqlite_with_rowid=False,
)

# The words of alerts that cite masked people (names, birth dates in titles and explanations), kept
# apart for unmasking like the statements; the alert itself stays in the queue, redacted.
masked_alerts = Table(
    "masked_alerts",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=False),
    Column("source", String(128), nullable=False),
    Column("title", Text, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("masked_at", String(32), nullable=False),
)

unmask_requests = Table(
    "unmask_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(255), nullable=False),
    Column("requested_by", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_at", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # pending, approved, refused
    Column("decided_by", String(128)),
    Column("decided_at", String(32)),
    Column("decision_reason", Text),
    Column("expires_at", String(32)),
    Index("ix_unmask_requests_entity", "entity_id"),
)

# What each retention run masked and deleted, per source: the oversight officer's record.
retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("as_of", String(32), nullable=False),
    Column("username", String(128), nullable=False),
    Column("jurisdiction", String(32), nullable=False),
    Column("report", Text, nullable=False),
)

# -- cases: joint investigations, their evidence and what was released (migration 0009) ---

# A case of its owning agency; the agencies of its joint investigation team are in
# case_agencies. Only users of those agencies know it exists.
cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("state", String(16), nullable=False),  # open, closed
    Column("owner_agency", String(64), nullable=False),
    Column("alert_id", Integer),  # the alert it was opened from
    Column("created_by", String(128), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

case_agencies = Table(
    "case_agencies",
    metadata,
    Column("case_id", Integer, primary_key=True),
    Column("agency", String(64), primary_key=True),
    Column("added_by", String(128), nullable=False),
    Column("added_at", String(32), nullable=False),
    Index("ix_case_agencies_agency", "agency"),
)

# `entity_id` is a source entity id, stable across resolution; its current canonical id is read at use.
case_entities = Table(
    "case_entities",
    metadata,
    Column("case_id", Integer, primary_key=True),
    Column("entity_id", String(255), primary_key=True),
    Column("added_by", String(128), nullable=False),
    Column("added_at", String(32), nullable=False),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Index("ix_case_notes_case", "case_id"),
)

case_tasks = Table(
    "case_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("assignee", String(128)),
    Column("due", String(10)),  # YYYY-MM-DD
    Column("done", Boolean, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("done_by", String(128)),
    Column("done_at", String(32)),
    Index("ix_case_tasks_case", "case_id"),
)

# One row per file attached to a case; the bytes live once, content-addressed, under
# NEXUS_HOME/evidence. Its labels decide who sees it, as a statement's do.
case_evidence = Table(
    "case_evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("media_type", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("description", Text, nullable=False),
    *label_columns(),
    Column("added_by", String(128), nullable=False),
    Column("added_at", String(32), nullable=False),
    Index("ix_case_evidence_case", "case_id"),
    Index("ix_case_evidence_sha256", "sha256"),
)

# Dissemination packages: what was released to which agency, by whom, and the package's hash.
disseminations = Table(
    "disseminations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("recipient_agency", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("classification", Integer, nullable=False),  # the highest of its contents
    Column("created_by", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("ix_disseminations_case", "case_id"),
)

# What each package holds (statements, evidence files) with their labels: a viewer may fetch a
# package only when they may release every item in it.
dissemination_items = Table(
    "dissemination_items",
    metadata,
    Column("dissemination_id", Integer, nullable=False),
    Column("ref_kind", String(16), nullable=False),  # statement, evidence
    Column("ref_id", String(64), nullable=False),
    *label_columns(),
    PrimaryKeyConstraint("dissemination_id", "ref_kind", "ref_id"),
)

# The chain of custody: every time evidence or a package was added, viewed, exported or
# disseminated (or refused), by whom, of which agency, for what purpose. Append-only
# (triggers, migration 0009).
custody_events = Table(
    "custody_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("evidence_id", Integer),
    Column("dissemination_id", Integer),
    Column("sha256", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("username", String(128), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", String(32), nullable=False),
    Index("ix_custody_events_case", "case_id"),
)

# -- agencies an administrator registered (migration 0012) --------------------------------------

# Partners with no users or sources here (a foreign FIU) and named ones. An agency of a user or a
# source, or one a source's data is releasable to by name, is known without a row.
agencies = Table(
    "agencies",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("registered_by", String(128), nullable=False),
    Column("registered_at", String(32), nullable=False),
)
