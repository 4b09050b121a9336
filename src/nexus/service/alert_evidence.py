"""Confirmed FIU alerts as nexus evidence: what an analyst confirmed about accounts reaches the link graph.

When a detector's alert (kind `typology` or `rule`) is reviewed `confirmed`, `apply_review` writes, in the
review's own transaction, statements of the source `alerts` about each account the alert is about (its
explanation's `account_ids`, the accounts the alert page lists) that the reviewer may see: an FtM `topics` statement
with the topic the alert's typology or rule stands for (`topic_for`: a terrorist-financing red flag →
`crime.terror`, FtM having no narrower terrorist-financing topic; laundering typologies and every other rule →
`crime.fin`) and a `notes` statement naming the alert. The link graph is built from statements, so the account
becomes a crime-side (or terror-side) entity of the nexus questions, and its holders reach it through the graph's
ownership ties; nothing is written about the holders themselves (the alert is about the account's money).

The statements carry labels no lower than the alert's: its classification, the agencies it may go to, its
compartment, ORCON and warrant (the confirming agency's, or for ORCON evidence its originator's), and
`LEGAL_BASIS`. A statement holds one compartment and one warrant: an alert resting on evidence of several (or
on ORCON evidence of several agencies) cannot be carried by one, and nothing is written for it (fail closed; the
review says so). Each alert's statements have keys of their own (`statement_key`: the source key names the alert),
so two alerts marking one account each keep theirs, and a review that takes an alert away from `confirmed`
(dismissed on appeal, re-opened) retires exactly that alert's statements. Each writing or retiring is an ingest run
of the source (`ingest_runs`), which moves the data version: the cached graphs and snapshots are built again.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path

import orjson
from followthemoney import model
from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from nexus.ingest import open_run
from nexus.model.labels import Classification, Labels
from nexus.model.statements import batch_context, statement_id
from nexus.security.policy import statement_clause
from nexus.security.viewer import Viewer
from nexus.store.schema import alert_evidence, ingest_runs, sources, statements
from nexus.store.store import source_row
from nexus.store.writer import upsert_values

S = statements.c
SOURCE = "alerts"
FORMAT = "alerts"
CONFIRMED = "confirmed"
#: The FIU detectors' alerts: about accounts, their explanation naming them (`account_ids`).
KINDS = ("typology", "rule")
#: Why the store holds what an FIU analyst concluded from reported transactions.
LEGAL_BASIS = "FIU analysis of reported transactions: Directive (EU) 2015/849 art. 32(8), FATF Recommendation 29"
#: Red-flag rules that are terrorist-financing indicators (built in: `nexus.detect.red_flags`); confirmed, they put
#: the account on the terror side. FtM has no terrorist-financing topic: `crime.terror` is the nearest.
TERROR_FINANCING_RULES = frozenset({"cash-near-conflict", "crowdfunding-then-out", "liquidation-before-travel"})
TERROR_TOPIC = "crime.terror"
CRIME_TOPIC = "crime.fin"
CHUNK = 1000


def topic_for(kind: str, name: str) -> str:
    """The FtM topic a confirmed alert of this typology or rule marks its accounts with."""
    return TERROR_TOPIC if kind == "rule" and name in TERROR_FINANCING_RULES else CRIME_TOPIC


def statement_key(alert_id: int, entity_id: str, prop: str, value: str) -> str:
    """The key of one alert's statement: FtM's statement key with the source key naming the alert, so that the
    statements of two alerts about one account are two statements."""
    return statement_id(f"{SOURCE}/{alert_id}", entity_id, prop, value)


def apply_review(conn: Connection, viewer: Viewer, alert, decision: str, now: str) -> dict | None:
    """Write or retire the nexus evidence of an FIU alert (`alert`: its row) as the review to `decision` requires,
    in the review's transaction (`conn`); what was done, for the review's audit record, or None when nothing was."""
    if alert["kind"] not in KINDS:
        return None
    explanation = orjson.loads(alert["explanation"]) if isinstance(alert["explanation"], str) else alert["explanation"]
    accounts = sorted({a for a in explanation.get("account_ids") or () if isinstance(a, str) and a})
    held = _held(conn, alert["id"], accounts)
    if decision != CONFIRMED and not held:
        return None
    done: dict = {"source": SOURCE, "written": 0, "retired": 0, "entities": []}
    written: set[tuple[str, str]] = set()
    if decision == CONFIRMED:
        name = str(explanation.get(alert["kind"]) or "")
        done["topic"] = topic = topic_for(alert["kind"], name)
        labels, withheld = _labels(conn, viewer, alert)
        if labels is None:
            done["withheld"] = withheld
        else:
            note = f"Confirmed FIU {alert['kind']} alert {alert['id']} ({name}): {alert['title']}"
            written = _write(conn, viewer, alert["id"], accounts, labels, {"topics": topic, "notes": note}, now)
            done["written"] = len(written)
            done["entities"] = sorted({entity for entity, _ in written})
    stale = [key for key in held if key not in written]
    done["retired"] = _retire(conn, stale, now)
    if done["written"] or done["retired"]:
        _record_run(conn, alert["id"], decision, now, done)
    return done


def _labels(conn: Connection, viewer: Viewer, alert) -> tuple[Labels | None, str | None]:
    """The labels of the alert's statements (None, and why, when one statement cannot carry the alert's)."""
    compartments = [c for c in alert["compartments"].split(",") if c]
    warrants = [w for w in alert["warrants"].split(",") if w]
    if len(compartments) > 1:
        return None, f"the alert rests on evidence of several compartments ({', '.join(compartments)})"
    if len(warrants) > 1:
        return None, f"the alert rests on evidence of several warrants ({', '.join(warrants)})"
    agency = viewer.agency
    if alert["orcon"]:  # only the originator may release it: the statements are the originator's, ORCON too
        E = alert_evidence.c
        originators = sorted(conn.execute(select(E.agency).distinct().where(
            E.alert_id == alert["id"], E.orcon.is_(True))).scalars())
        if len(originators) != 1:
            return None, "the alert rests on ORCON evidence of several agencies"
        agency = originators[0]
    releasable = tuple(a for a in alert["releasable_to"].split(",") if a) or (agency,)
    return Labels(agency=agency, classification=Classification(alert["classification"]), releasable_to=releasable,
                  compartment=compartments[0] if compartments else None, orcon=bool(alert["orcon"]),
                  warrant=warrants[0] if warrants else None, legal_basis=LEGAL_BASIS), None


def _write(conn: Connection, viewer: Viewer, alert_id: int, accounts: list[str], labels: Labels,
           values: dict[str, str], now: str) -> set[tuple[str, str]]:
    """The alert's statements about each account the reviewer may see, under its canonical id; (entity, key)s."""
    found = {}
    for start in range(0, len(accounts), CHUNK):
        query = select(S.entity_id, func.min(S.schema), func.min(S.canonical_id)).where(
            S.entity_id.in_(accounts[start : start + CHUNK]), S.retired_at.is_(None),
            statement_clause(viewer, statements)).group_by(S.entity_id)
        found.update({entity: (schema, canonical) for entity, schema, canonical in conn.execute(query)})
    rows, canonical_of = [], {}
    for entity, (schema_name, canonical) in sorted(found.items()):
        schema = model.get(schema_name)
        if schema is None or not all(prop in schema.properties for prop in values):
            continue
        canonical_of[entity] = canonical
        for prop, value in values.items():
            kind = schema.properties[prop].type.name
            rows.append((statement_key(alert_id, entity, prop, value), entity, schema.name, prop, kind, value, None, None))
    if not rows:
        return set()
    _register(conn, now)
    upsert_values(conn, batch_context(SOURCE, labels, now, None), rows)
    for entity, canonical in canonical_of.items():  # a new statement starts under its entity id: join the entity
        if canonical != entity:
            conn.execute(update(statements).where(
                S.entity_id == entity, S.id.in_([r[0] for r in rows if r[1] == entity]),
                S.canonical_id != canonical).values(canonical_id=canonical))
    return {(r[1], r[0]) for r in rows}


def _held(conn: Connection, alert_id: int, accounts: list[str]) -> list[tuple[str, str]]:
    """The alert's live statements: (entity, key)."""
    held: list[tuple[str, str]] = []
    for start in range(0, len(accounts), CHUNK):
        rows = conn.execute(select(S.entity_id, S.id, S.prop, S.value).where(
            S.entity_id.in_(accounts[start : start + CHUNK]), S.source == SOURCE, S.retired_at.is_(None)))
        held.extend((e, i) for e, i, prop, value in rows if i == statement_key(alert_id, e, prop, value))
    return held


def _retire(conn: Connection, keys: Iterable[tuple[str, str]], now: str) -> int:
    keys, retired = sorted(keys), 0
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        retired += conn.execute(update(statements).where(
            S.entity_id.in_(sorted({e for e, _ in chunk})), S.id.in_([i for _, i in chunk]), S.source == SOURCE,
            S.retired_at.is_(None)).values(retired_at=now)).rowcount
    return retired


def _register(conn: Connection, now: str) -> None:
    """The source, registered once: held by the local owner (no agency loads files into it) and readable by
    any agency; its statements carry their alert's labels."""
    row = source_row(SOURCE, FORMAT, Labels(agency="LOCAL", legal_basis=LEGAL_BASIS),
                     description="what analysts confirmed in FIU alerts: nexus evidence about accounts")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(sources).values(created_at=now, **row).on_conflict_do_nothing(index_elements=["name"]))


def _record_run(conn: Connection, alert_id: int, decision: str, now: str, done: dict) -> None:
    """The writing as a run of the source: the data version moves, and the derived views are built again."""
    sha = hashlib.sha256(f"{alert_id}\x00{decision}\x00{now}".encode()).hexdigest()
    run_id = open_run(conn, SOURCE, Path(f"alert/{alert_id}"), sha, now, status="complete", finished_at=now)
    conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(
        records_done=1, entities=len(done["entities"]), statements=done["written"], retired=done["retired"]))
