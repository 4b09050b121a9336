"""The audit trail: append-only and hash-chained.

Each record's hash covers its own fields and the previous record's hash, so altering,
deleting, inserting or reordering any record breaks the chain at that record. Deleting
the *last* records leaves a shorter chain that is still consistent; two witnesses catch
that: the ``audit_head`` row written with every append, and an anchor file outside the
database (``nexus.security.anchor``). On PostgreSQL and SQLite, triggers refuse UPDATE,
DELETE and TRUNCATE of the trail (migration 0003), so tampering needs the owner or a
superuser to disable them first — and ``verify_chain`` still shows it.
"""

import functools
import hashlib
import json
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
import psycopg
from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from nexus.security import anchor
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.db import DatabaseUnavailable
from nexus.store.group import Group, Ticket
from nexus.store.schema import audit_head, audit_log

GENESIS = "0" * 64
HEAD_ID = 1
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
    """Append one audit record, committed before this returns (the anchor file is moved past it soon after:
    `anchor.advance_soon`); returns its sequence number. Records that a server's threads append at the same time
    share one transaction (group commit), so under load each pays a part of a commit rather than a whole one."""
    return _group(store.engine).submit(_record(viewer, action, query, result_ids, outcome))


def log_event_later(store: Store, viewer: Viewer, action: str, query: dict, outcome: str = "ok") -> Ticket:
    """Queue one audit record (citing no results) without waiting for it: it is committed with the next group
    commit, before any record queued after it. Whoever queues it must `settle` it before answering (a server,
    before its response goes out), so a request's records share one commit rather than wait for one each."""
    return _group(store.engine).enqueue(_record(viewer, action, query, (), outcome))


def settle(store: Store, tickets: Iterable[Ticket]) -> None:
    """Wait until these queued records are committed (or their commit failed: then raises the first failure,
    once every one is settled)."""
    group, failure = _group(store.engine), None
    for ticket in tickets:
        try:
            group.wait(ticket)
        except Exception as exc:  # noqa: BLE001 - the others are still waited for
            failure = failure or exc
    if failure is not None:
        raise failure


def append(
    conn: Connection,
    viewer: Viewer,
    action: str,
    query: dict,
    result_ids: Iterable[str] = (),
    outcome: str = "ok",
) -> int:
    """Append one audit record inside the caller's transaction; returns its sequence number."""
    return _append(conn, [_record(viewer, action, query, result_ids, outcome)])[0][0]


_GROUPS: "weakref.WeakKeyDictionary[Engine, Group[dict, int]]" = weakref.WeakKeyDictionary()
_GROUPS_GUARD = threading.Lock()


def _group(engine: Engine) -> "Group[dict, int]":
    with _GROUPS_GUARD:
        group = _GROUPS.get(engine)
        if group is None:
            group = _GROUPS[engine] = Group(functools.partial(_commit, weakref.ref(engine)))
        return group


def _commit(engine_ref: "weakref.ref[Engine]", records: Sequence[dict]) -> list[int]:
    """Append records in one transaction of their own, then have the anchor file moved past the last."""
    engine = engine_ref()
    if engine is None:
        raise RuntimeError("the store was closed while its audit records waited to be written")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            links = _append_pg(conn, records, commit=True)
    else:
        with engine.begin() as conn:
            links = _append(conn, records)
    witness = anchor.attached(engine)
    if witness is not None:  # made with the trail's first records; afterwards only moved (`anchor` says why)
        anchor.advance_soon(witness, *links[-1], create=links[0][0] == 1)
    return [seq for seq, _ in links]


def _record(viewer: Viewer, action: str, query: dict, result_ids: Iterable[str], outcome: str) -> dict:
    """An audit record's own fields; `_append` stamps it and links it into the chain."""
    return {
        "username": _storable(viewer.user),
        "agency": _storable(viewer.agency),
        "action": _storable(action),
        "purpose": _storable(viewer.purpose),
        "query": _json(query),
        "result_ids": _json(list(result_ids)),
        "outcome": _storable(outcome),
    }


def _storable(text: str) -> str:
    """Text as every database stores it: a NUL (which PostgreSQL refuses) and a lone surrogate (which UTF-8 cannot
    encode) written as their escapes. One record that could not be stored would fail its whole group's commit."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def _json(value) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:  # a lone surrogate, which orjson refuses: escaped, as JSON may write it
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _append(conn: Connection, records: Sequence[dict]) -> list[tuple[int, str]]:
    """Link records into the chain after its newest one and insert them; (seq, hash) of each."""
    if conn.dialect.name == "postgresql":
        return _append_pg(conn, records)
    # Appends take turns on the head row (FOR UPDATE needs only the UPDATE grant on
    # audit_head that the application role has; LOCK TABLE would need more). The head row
    # names the newest record (every append moves it in the same transaction, and its
    # trigger lets it move only forward to a record that exists), so it gives the link
    # without reading the trail; only a missing head row falls back to the trail.
    head = conn.execute(_HEAD).first()
    last = head if head is not None and head.seq > 0 else None
    if head is None:
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
    rows, moved = _linked(last, records)
    conn.execute(insert(audit_log), rows)
    conn.execute(update(audit_head).where(audit_head.c.id == HEAD_ID).values(seq=moved["seq"], hash=moved["hash"],
                                                                            at=moved["at"]))
    return [(row["seq"], row["hash"]) for row in rows]


def _append_pg(conn: Connection, records: Sequence[dict], commit: bool = False) -> list[tuple[int, str]]:
    """`_append` on PostgreSQL, through psycopg's pipeline: the head's lock (with BEGIN, when no transaction is
    under way) in one round trip, the records, the head's move (and, with `commit`, COMMIT) in a second. A lost
    connection is reported as the engine reports one (`DatabaseUnavailable`) and is not handed out again."""
    driver = conn.connection.driver_connection
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            cursor.execute(_PG_HEAD_LOCK)
            head = cursor.fetchone()
            last = head if head is not None and head[0] > 0 else None
            if head is None:
                cursor.execute(_PG_NEWEST)
                last = cursor.fetchone()
            rows, moved = _linked(last, records)
            cursor.executemany(_PG_INSERT, rows)
            cursor.execute(_PG_HEAD, moved)
            if commit:
                driver.commit()
    except psycopg.OperationalError as exc:  # below SQLAlchemy, whose error handling does not see it
        if not driver.broken:
            raise
        conn.invalidate()
        raise DatabaseUnavailable(OperationalError(_PG_INSERT, None, exc, connection_invalidated=True)) from exc
    return [(row["seq"], row["hash"]) for row in rows]


def _linked(last, records: Sequence[dict]) -> tuple[list[dict], dict]:
    """The records stamped and chained after `last` (its seq and hash; None: the chain is empty), and the head's
    new place. Called under the head's lock: the trail's times rise with its sequence numbers."""
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    at = utc_now()
    rows = []
    for record in records:
        seq += 1
        row = {**record, "seq": seq, "at": at, "prev_hash": prev}
        prev = row["hash"] = record_hash(row)
        rows.append(row)
    return rows, {"seq": seq, "hash": prev, "at": at, "id": HEAD_ID}


_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID).with_for_update()
_COLUMNS = (*_FIELDS, "hash")
_PG_INSERT = (f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) "
              f"VALUES ({', '.join(f'%({c})s' for c in _COLUMNS)})")
_PG_HEAD_LOCK = f"SELECT seq, hash FROM audit_head WHERE id = {HEAD_ID} FOR UPDATE"
_PG_NEWEST = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
_PG_HEAD = "UPDATE audit_head SET seq = %(seq)s, hash = %(hash)s, at = %(at)s WHERE id = %(id)s"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    first_bad: int | None = None
    problem: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.records:,} records"
        if self.first_bad is None:
            return f"audit trail not verified: {self.problem}"
        return f"audit trail broken at record {self.first_bad}: {self.problem}"


def verify_chain(store: Store, anchor_file: Path | None = None, with_anchor: bool = True) -> ChainReport:
    """Walk the chain in order; name the first record that does not fit.

    Then check that the chain reaches the head row and the anchor file (by default the
    one attached to the store), which is what reveals a deleted last record. Both are read
    before the walk (and the head again after it): records a live server appends meanwhile
    lie beyond what they name and are walked like any other, not taken for records missing.

    An anchor file that is missing while the trail holds records fails the check: it was deleted (with it goes
    the only witness of a cut that also rewound the head row), or this NEXUS_HOME is not where the workspace
    keeps it. The next append does not make it again (`anchor`); `adopt_anchor` does, on purpose. Without
    `with_anchor` only the head row is checked (what `adopt_anchor` checks before it writes a new file).
    """
    anchor_file = (anchor_file or anchor.attached(store.engine)) if with_anchor else None
    with store.engine.connect() as conn:
        head = conn.execute(_HEAD_ROW).mappings().first()
    witnesses = [("the audit_head row", (head["seq"], head["hash"]) if head else None)]
    if anchor_file is not None:
        witnesses.append((f"the anchor file {anchor_file}", anchor.read(anchor_file)))
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
        head_after = conn.execute(_HEAD_ROW).mappings().first()
    count = expected_seq - 1
    if head is None or head_after is None:
        return ChainReport(False, count, count + 1, "the audit_head row is missing")
    if anchor_file is not None and witnesses[-1][1] is None and count > 0 and anchor.read(anchor_file) is None:
        return ChainReport(False, count, None, f"the anchor file {anchor_file} is missing, yet the trail holds "
                                               f"{count:,} records: without it a cut at the trail's end goes unseen. "
                                               "Restore it from a backup, or set NEXUS_HOME to the workspace's own "
                                               "folder; only once the trail is known to be whole, re-establish it "
                                               "(audit.adopt_anchor, an audited act)")
    hashes = _hashes_at(store, {w[1][0] for w in witnesses if w[1] is not None})
    for name, witnessed in witnesses:
        if witnessed is None or witnessed[0] == 0:
            continue
        seq, hash_ = witnessed
        if seq > count:
            return ChainReport(False, count, count + 1, f"records {count + 1}–{seq} are missing: {name} names record {seq}, the trail ends at {count}")
        if hashes.get(seq) != hash_:
            return ChainReport(False, count, seq, f"does not match {name}")
    if head_after["seq"] < count:
        return ChainReport(False, count, head_after["seq"] + 1,
                           f"the audit_head row stops at record {head_after['seq']}, the trail ends at {count}")
    return ChainReport(True, count)


_HEAD_ROW = select(audit_head).where(audit_head.c.id == HEAD_ID)


def adopt_anchor(store: Store) -> tuple[ChainReport, Path | None]:
    """Make the missing anchor file of the store (`anchor.attached`) name the head row's record, if the chain
    reaches the head row: for a workspace whose file was lost, or a NEXUS_HOME joining a trail another began. The
    file then vouches for the trail as it stands: the caller audits the act (`oversight.adopt_anchor`). A file
    that exists is left as it is (it only moves forward); a broken chain is reported, no file made."""
    path = anchor.attached(store.engine)
    if path is None:
        return ChainReport(False, 0, None, "this store keeps no anchor file (open it as a workspace)"), None
    if anchor.read(path) is not None:
        return verify_chain(store), path
    report = verify_chain(store, with_anchor=False)
    if report.ok:
        with store.engine.connect() as conn:
            head = conn.execute(_HEAD_ROW).mappings().first()
        if head["seq"] > 0:
            anchor.advance(path, head["seq"], head["hash"], create=True)
    return report, path


def _hashes_at(store: Store, seqs: set[int]) -> dict[int, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.seq, audit_log.c.hash).where(audit_log.c.seq.in_(sorted(seqs))))
        return {r.seq: r.hash for r in rows}


def search_audit(
    store: Store,
    viewer: Viewer,
    *,
    user: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Audit records matching every filter given, oldest first (oversight only)."""
    require(viewer, "audit.read")
    c = audit_log.c
    query = select(audit_log).order_by(c.seq).limit(limit).offset(offset)
    if user:
        query = query.where(c.username == user)
    if action:
        query = query.where(c.action == action)
    if since:
        query = query.where(c.at >= since)
    if until:
        query = query.where(c.at < until)
    if entity_id:
        quoted = orjson.dumps(entity_id).decode()
        query = query.where(or_(c.result_ids.contains(quoted, autoescape=True), c.query.contains(quoted, autoescape=True)))
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    filters = {k: v for k, v in dict(user=user, action=action, since=since, until=until, entity_id=entity_id, limit=limit,
                                            offset=offset).items() if v}
    log_event(store, viewer, "audit.search", filters, [str(r["seq"]) for r in rows])
    return rows
