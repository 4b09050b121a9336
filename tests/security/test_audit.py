"""The audit trail resists and reveals tampering, on SQLite and PostgreSQL.

Tampering needs the database protection out of the way first, as a hostile DBA would:
PostgreSQL triggers disabled by a superuser, SQLite triggers dropped.
"""

import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from nexus.model.labels import Classification
from nexus.security import anchor, audit
from nexus.security.viewer import Viewer
from nexus.store.db import DatabaseUnavailable

USER = Viewer("alice", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="case 7")


def fill(store, n=6):
    for i in range(n):
        audit.log_event(store, USER, "search", {"q": f"name {i}"}, [f"e{i}"])


def hostile_dba(conn) -> None:
    """Remove the append-only protection, as the table owner or a superuser can."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
    else:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit%'")).scalars().all()
        for name in names:
            conn.execute(text(f"DROP TRIGGER {name}"))


def test_an_untouched_trail_verifies(store):
    fill(store)
    assert audit.verify_chain(store) == audit.ChainReport(True, 6)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET outcome = 'ok' WHERE seq = 2",
    "DELETE FROM audit_log WHERE seq = 6",
    "DELETE FROM audit_head",
    "UPDATE audit_head SET seq = 3",
    "INSERT INTO audit_head (id, seq, hash, at) VALUES (2, 1, 'x', 'x')",
])
def test_the_database_refuses_changes_to_the_trail(store, statement):
    fill(store)
    with pytest.raises(DBAPIError, match="append-only|audit_head"):
        with store.engine.begin() as conn:
            conn.execute(text(statement))
    assert audit.verify_chain(store).ok


@pytest.mark.postgres_only  # TRUNCATE is PostgreSQL's
def test_postgres_refuses_truncate(store):
    fill(store)
    with pytest.raises(DBAPIError, match="append-only"):
        with store.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))


def test_an_altered_record_is_named(store):
    fill(store)
    with store.engine.begin() as conn:
        hostile_dba(conn)
        conn.execute(text("UPDATE audit_log SET result_ids = '[]' WHERE seq = 3"))
    report = audit.verify_chain(store)
    assert (report.ok, report.first_bad, report.problem) == (False, 3, "contents do not match its hash")


def test_a_deleted_middle_record_is_named(store):
    fill(store)
    with store.engine.begin() as conn:
        hostile_dba(conn)
        conn.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    report = audit.verify_chain(store)
    assert not report.ok and report.first_bad == 4 and "missing" in report.problem


def test_a_rehashed_forgery_breaks_the_link_to_the_next_record(store):
    fill(store)
    with store.engine.connect() as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_log WHERE seq = 2")).mappings().one())
    row["result_ids"] = "[]"
    forged = audit.record_hash(row)
    with store.engine.begin() as conn:
        hostile_dba(conn)
        conn.execute(text("UPDATE audit_log SET result_ids = '[]', hash = :h WHERE seq = 2"), {"h": forged})
    report = audit.verify_chain(store)
    assert (report.first_bad, report.problem) == (3, "does not link to the record before it")


def test_a_deleted_last_record_is_caught_by_the_head_row(store):
    fill(store)
    with store.engine.begin() as conn:
        hostile_dba(conn)
        conn.execute(text("DELETE FROM audit_log WHERE seq = 6"))
    report = audit.verify_chain(store)
    assert not report.ok and report.first_bad == 6 and "audit_head" in report.problem


def test_a_truncated_tail_with_a_rewound_head_is_caught_by_the_anchor_file(store, tmp_path):
    anchor.attach(store.engine, tmp_path / "audit.anchor")
    fill(store)
    assert anchor.read(tmp_path / "audit.anchor")[0] == 6
    with store.engine.begin() as conn:
        hostile_dba(conn)
        last = conn.execute(text("SELECT seq, hash FROM audit_log WHERE seq = 4")).one()
        conn.execute(text("DELETE FROM audit_log WHERE seq > 4"))
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": last.seq, "h": last.hash})
    report = audit.verify_chain(store)
    assert not report.ok and report.first_bad == 5
    assert "anchor file" in report.problem and "5–6 are missing" in report.problem
    # Without the outside witness the cut would go unseen: that is why its absence is itself reported.
    anchor.attach(store.engine, tmp_path / "elsewhere.anchor")
    missing = audit.verify_chain(store)
    assert not missing.ok and "elsewhere.anchor is missing" in missing.problem


def test_the_anchor_file_only_moves_forward(tmp_path):
    path = tmp_path / "a"
    anchor.advance(path, 5, "h5")
    anchor.advance(path, 3, "h3")
    assert anchor.read(path) == (5, "h5")
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.postgres_only  # roles and grants are PostgreSQL's
def test_the_documented_application_role_appends_but_cannot_alter_or_disable(store):
    """The `nexus_app` grant pattern of migration 0003, applied to a role of this test's own."""
    role = f"nexus_app_{uuid.uuid4().hex[:8]}"
    with store.engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        for statement in (
            f"CREATE ROLE {role} NOLOGIN",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_head FROM {role}",
            f"GRANT UPDATE (seq, hash, at) ON audit_head TO {role}",
        ):
            conn.execute(text(statement))
    try:
        with store.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            for i in range(3):
                audit.append(conn, USER, "search", {"q": i})
        for attempt in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                        "ALTER TABLE audit_log DISABLE TRIGGER USER"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with store.engine.begin() as conn:
                    conn.execute(text(f"SET LOCAL ROLE {role}"))
                    conn.execute(text(attempt))
        assert audit.verify_chain(store) == audit.ChainReport(True, 3)
    finally:
        with store.engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


@pytest.mark.postgres_only  # the append below SQLAlchemy is PostgreSQL's
def test_a_connection_lost_while_records_are_appended_is_the_database_being_unavailable(store):
    """Records are appended through psycopg's pipeline, below SQLAlchemy's error handling: a connection the
    server drops mid-append is reported as the database being unavailable (503 at the API), as the engine
    reports one, and is not handed out again; the next append links the chain on."""
    fill(store, 2)
    with store.engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with store.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        with pytest.raises(DatabaseUnavailable, match="the database is unavailable") as caught:
            audit._append_pg(conn, [audit._record(USER, "search", {"q": "lost"}, [], "ok")], commit=True)
        assert conn.invalidated
    assert caught.value.status == 503
    assert audit.log_event(store, USER, "search", {"q": "after"}, []) == 3
    assert audit.verify_chain(store) == audit.ChainReport(True, 3)


def test_records_appended_at_once_from_many_threads_form_one_unbroken_chain(store):
    import threading

    seqs, start = [], threading.Barrier(12)

    def append_some(n):
        start.wait()
        for i in range(10):
            seqs.append(audit.log_event(store, USER, "search", {"q": f"thread {n}, {i}"}, [f"e{n}"]))

    threads = [threading.Thread(target=append_some, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seqs) == list(range(1, 121))  # each caller got its own record's number
    assert audit.verify_chain(store) == audit.ChainReport(True, 120)
    with store.engine.connect() as conn:
        stamps = conn.execute(text("SELECT at FROM audit_log ORDER BY seq")).scalars().all()
        queries = conn.execute(text("SELECT query FROM audit_log")).scalars().all()
    assert stamps == sorted(stamps)  # times rise with the sequence
    assert len(set(queries)) == 120


def test_the_anchor_file_is_moved_by_a_thread_and_read_back_once_moved(tmp_path):
    path = tmp_path / "soon.anchor"
    for seq in (1, 2, 7, 3):
        anchor.advance_soon(path, seq, f"h{seq}")
    assert anchor.read(path) == (7, "h7")  # a read waits for the moves asked for; the file never moves back


def test_moves_asked_for_in_quick_succession_make_few_writes_and_a_read_does_not_wait_out_the_interval(tmp_path, monkeypatch):
    path = tmp_path / "busy.anchor"
    writes = []
    advance = anchor.advance
    monkeypatch.setattr(anchor, "advance", lambda *args: (writes.append(args[1]), advance(*args)))
    monkeypatch.setattr(anchor._Mover, "INTERVAL", 5.0)
    anchor.advance_soon(path, 1, "h1")
    assert anchor.read(path) == (1, "h1")
    for seq in range(2, 52):  # a server's group commits, a few milliseconds apart
        anchor.advance_soon(path, seq, f"h{seq}")
        time.sleep(0.005)
    started = time.monotonic()
    assert anchor.read(path) == (51, "h51")
    assert time.monotonic() - started < 2.0
    assert len(writes) <= 4, writes  # the first, one as the asks began, perhaps one more, the latest


def test_a_corrupt_anchor_file_is_reported_and_moving_it_goes_on(tmp_path):
    path = tmp_path / "corrupt.anchor"
    path.write_bytes(b"{not json")
    anchor.advance_soon(path, 4, "h4")  # the mover fails on it and logs; it lives on
    with pytest.raises(ValueError, match="corrupt"):
        anchor.read(path)
    path.unlink()
    anchor.advance_soon(path, 5, "h5")
    assert anchor.read(path) == (5, "h5")


def test_a_trail_that_grows_while_it_is_verified_is_not_taken_for_a_cut_one(store, tmp_path, monkeypatch):
    anchor.attach(store.engine, tmp_path / "live.anchor")
    for n in range(3):
        audit.log_event(store, USER, "search", {"q": n})
    read = anchor.read

    def read_then_a_server_appends(path):  # a live server appends once the witnesses are read
        found = read(path)
        for n in range(2):
            audit.log_event(store, USER, "search", {"q": f"later {n}"})
        return found

    monkeypatch.setattr(anchor, "read", read_then_a_server_appends)
    report = audit.verify_chain(store)
    assert report.ok and report.records == 5, report
