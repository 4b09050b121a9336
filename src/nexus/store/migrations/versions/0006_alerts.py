"""alerts and their review; screening judgements move into them

Revision ID: 0006
Revises: 0005

Each screening judgement group (question, listed entity, fingerprint) becomes one
screening alert of the first judge's agency, in its latest decided state, with every
judgement as a review. Its evidence is the question, held by that agency, and the listed entity's live statements.
"""

import itertools
import re

import orjson
import sqlalchemy as sa
from alembic import op

from nexus.model.alerts import OPEN, AlertLabels, alert_key
from nexus.model.labels import Classification, Labels

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AD_HOC_SUBJECT = re.compile(r"query/(?P<agency>.*)/(?P<query_key>[0-9a-f]{20}):(?P<entity_id>.*)")
LABEL_COLUMNS = ("agency", "classification", "releasable_to", "compartment", "orcon", "warrant")

judgements = sa.table(
    "screen_judgements", *(sa.column(c) for c in (
        "id", "query_key", "entity_id", "fingerprint", "decision", "reason", "username", "created_at"))
)
users = sa.table("users", sa.column("username"), sa.column("agency"))
statements = sa.table(
    "statements", *(sa.column(c) for c in ("id", "canonical_id", "prop", "value", "retired_at", *LABEL_COLUMNS))
)


def upgrade() -> None:
    alerts = op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("releasable_to", sa.Text(), nullable=False),
        sa.Column("compartments", sa.Text(), nullable=False),
        sa.Column("orcon", sa.Boolean(), nullable=False),
        sa.Column("warrants", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=128), nullable=False),
        sa.Column("first_raised", sa.String(length=32), nullable=False),
        sa.Column("last_raised", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_alerts_kind_state", "alerts", ["kind", "state"])
    op.create_index("ix_alerts_subject", "alerts", ["subject"])
    evidence = op.create_table(
        "alert_evidence",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("ref_kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=True),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("releasable_to", sa.Text(), nullable=False),
        sa.Column("compartment", sa.String(length=128), nullable=True),
        sa.Column("orcon", sa.Boolean(), nullable=False),
        sa.Column("warrant", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("alert_id", "ref_kind", "ref_id"),
    )
    op.create_index("ix_alert_evidence_entity", "alert_evidence", ["entity_id"])
    reviews = op.create_table(
        "alert_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("previous_state", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_reviews_alert", "alert_reviews", ["alert_id"])
    _move_judgements(op.get_bind(), alerts, evidence, reviews)
    op.drop_index("ix_screen_judgements_pair", table_name="screen_judgements")
    op.drop_table("screen_judgements")


def _move_judgements(conn: sa.Connection, alerts: sa.Table, evidence: sa.Table, reviews: sa.Table) -> None:
    rows = conn.execute(sa.select(judgements).order_by(
        judgements.c.query_key, judgements.c.entity_id, judgements.c.fingerprint, judgements.c.id)).mappings().all()
    for (query_key, entity_id, fingerprint), group in itertools.groupby(
        rows, key=lambda r: (r["query_key"], r["entity_id"], r["fingerprint"])
    ):
        group = list(group)
        cited = conn.execute(
            sa.select(statements).where(statements.c.canonical_id == entity_id, statements.c.retired_at.is_(None))
        ).mappings().all()
        agencies = [_agency(conn, j["username"]) for j in group]
        asked = Labels(agencies[0], releasable_to=(agencies[0],))  # as screening labels an ad-hoc question
        labels = AlertLabels.combine([asked, *(_labels(s) for s in cited)])
        names = sorted(s["value"] for s in cited if s["prop"] == "name")
        subject = f"query/{agencies[0]}/{query_key}:{entity_id}"
        alert_id = conn.execute(sa.insert(alerts).values(
            key=alert_key("screening", subject, fingerprint), kind="screening", subject=subject,
            fingerprint=fingerprint, title=f"screening hit on {names[0] if names else entity_id}", score=None,
            explanation=orjson.dumps({"query_key": query_key, "entity_id": entity_id,
                                      "note": "judged before alerts existed"}).decode(),
            state=group[-1]["decision"], classification=int(labels.classification),
            releasable_to=",".join(labels.releasable_to), compartments=",".join(labels.compartments),
            orcon=labels.orcon, warrants=",".join(labels.warrants), raised_by=group[0]["username"],
            first_raised=group[0]["created_at"], last_raised=group[-1]["created_at"],
        )).inserted_primary_key[0]
        conn.execute(sa.insert(evidence), [
            {"alert_id": alert_id, "ref_kind": "query", "ref_id": query_key, "entity_id": None,
             "agency": asked.agency, "classification": int(asked.classification),
             "releasable_to": asked.releasable_text, "compartment": None, "orcon": False, "warrant": None},
            *({"alert_id": alert_id, "ref_kind": "statement", "ref_id": s["id"], "entity_id": entity_id,
               **{c: s[c] for c in LABEL_COLUMNS}} for s in {s["id"]: s for s in cited}.values()),
        ])
        previous = OPEN
        for judgement, agency in zip(group, agencies):
            conn.execute(sa.insert(reviews).values(
                alert_id=alert_id, previous_state=previous, state=judgement["decision"], reason=judgement["reason"],
                username=judgement["username"], agency=agency, at=judgement["created_at"],
            ))
            previous = judgement["decision"]


def _agency(conn: sa.Connection, username: str) -> str:
    return conn.execute(sa.select(users.c.agency).where(users.c.username == username)).scalar() or "LOCAL"


def _labels(row) -> Labels:
    return Labels(row["agency"], Classification(row["classification"]),
                  tuple(x for x in row["releasable_to"].split(",") if x), row["compartment"], bool(row["orcon"]),
                  row["warrant"])


def downgrade() -> None:
    op.create_table(
        "screen_judgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("query_key", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screen_judgements_pair", "screen_judgements", ["query_key", "entity_id"])
    alerts = sa.table("alerts", *(sa.column(c) for c in ("id", "kind", "subject", "fingerprint")))
    reviews = sa.table("alert_reviews", *(sa.column(c) for c in ("id", "alert_id", "state", "reason", "username", "at")))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(alerts.c.subject, alerts.c.fingerprint, reviews.c.state, reviews.c.reason, reviews.c.username,
                  reviews.c.at)
        .join(reviews, reviews.c.alert_id == alerts.c.id)
        .where(alerts.c.kind == "screening", reviews.c.state.in_(("confirmed", "dismissed", "unsure")))
        .order_by(reviews.c.id)
    ).all()
    for subject, fingerprint, state, reason, username, at in rows:
        found = AD_HOC_SUBJECT.fullmatch(subject)
        if not found:
            continue  # a holdings alert (its subject names the record): judgements never held those
        conn.execute(sa.insert(judgements).values(
            query_key=found["query_key"], entity_id=found["entity_id"], fingerprint=fingerprint, decision=state, reason=reason,
            username=username, created_at=at))
    for table in ("alert_reviews", "alert_evidence", "alerts"):
        op.drop_table(table)
