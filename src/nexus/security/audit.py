"""The audit trail: append-only and hash-chained.

Each record's hash covers its own fields and the previous record's hash, so altering,
deleting, inserting or reordering any record breaks the chain at that record.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, insert, select, text

from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import audit_log

GENESIS = "0" * 64
_FIELDS = ("seq", "at", "username", "agency", "action", "purpose", "query", "result_ids", "outcome", "prev_hash")


def record_hash(row: dict) -> str:
    payload = orjson.dumps([row[f] for f in _FIELDS])
    return hashlib.sha256(payload).hexdigest()


def log_event(
    store: Store,
    viewer: Viewer,
    action: str,
    query: dict,
    result_ids: Iterable[str] = (),
    outcome: str = "ok",
) -> int:
    """Append one audit record in its own transaction; returns its sequence number."""
    with store.engine.begin() as conn:
        return append(conn, viewer, action, query, result_ids, outcome)


def append(
    conn: Connection,
    viewer: Viewer,
    action: str,
    query: dict,
    result_ids: Iterable[str] = (),
    outcome: str = "ok",
) -> int:
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    row = {
        "seq": (last.seq + 1) if last else 1,
        "at": utc_now(),
        "username": viewer.user,
        "agency": viewer.agency,
        "action": action,
        "purpose": viewer.purpose,
        "query": orjson.dumps(query, option=orjson.OPT_SORT_KEYS).decode(),
        "result_ids": orjson.dumps(list(result_ids)).decode(),
        "outcome": outcome,
        "prev_hash": last.hash if last else GENESIS,
    }
    row["hash"] = record_hash(row)
    conn.execute(insert(audit_log).values(**row))
    return row["seq"]


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    first_bad: int | None = None
    problem: str | None = None


def verify_chain(store: Store) -> ChainReport:
    """Walk the chain in order; name the first record that does not fit."""
    expected_seq, prev = 1, GENESIS
    with store.engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=5000).execute(
            select(audit_log).order_by(audit_log.c.seq)
        ).mappings()
        for row in rows:
            if row["seq"] != expected_seq:
                return ChainReport(False, expected_seq - 1, expected_seq, f"record {expected_seq} is missing (next is {row['seq']})")
            if row["prev_hash"] != prev:
                return ChainReport(False, expected_seq - 1, row["seq"], "does not link to the record before it")
            if record_hash(dict(row)) != row["hash"]:
                return ChainReport(False, expected_seq - 1, row["seq"], "contents do not match its hash")
            prev = row["hash"]
            expected_seq += 1
    return ChainReport(True, expected_seq - 1)


