"""Batch upserts of statement rows, one implementation per dialect.

An upsert inserts a statement the store has not seen and, for one it has, moves
``last_seen`` forward, refreshes its labels and clears ``retired_at``.
"""

from collections.abc import Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from nexus.model.statements import STATEMENT_COLUMNS, VALUE_COLUMNS

_REFRESHED = (
    "schema", "agency", "classification", "releasable_to", "compartment", "orcon",
    "warrant", "legal_basis", "last_seen", "retention_until",
)
_COLS = ", ".join(STATEMENT_COLUMNS)
_SET = ", ".join(f"{c} = excluded.{c}" for c in _REFRESHED) + ", retired_at = NULL"


def upsert_values(conn: Connection, context: dict, rows: Sequence[tuple]) -> None:
    """Upsert rows of VALUE_COLUMNS that share one batch context (source, labels, times).

    Only the per-statement columns travel per row; the shared ones are bound once, which
    is what makes bulk loads fast (parameter binding dominates on SQLite).
    """
    if not rows:
        return
    shared = [c for c in STATEMENT_COLUMNS if c in context]
    select_cols = ", ".join(
        "v.entity_id" if c == "canonical_id" else (f"v.{c}" if c in VALUE_COLUMNS else f"x.{c}")
        for c in STATEMENT_COLUMNS
    )
    values = ", ".join(VALUE_COLUMNS)
    postgres = conn.dialect.name == "postgresql"
    # PostgreSQL's DELETE leaves dead rows that every later batch would scan; TRUNCATE does not.
    empty = "TRUNCATE" if postgres else "DELETE FROM"
    with _cursor(conn) as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS batch_context AS SELECT * FROM statements WHERE 1 = 0")
        cur.execute(f"{empty} batch_context")
        marks = ", ".join(_mark(conn) for _ in shared)
        cur.execute(f"INSERT INTO batch_context ({', '.join(shared)}) VALUES ({marks})", [context[c] for c in shared])
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS batch_values AS SELECT {values} FROM statements WHERE 1 = 0")
        cur.execute(f"{empty} batch_values")
        if postgres:
            with cur.copy(f"COPY batch_values ({values}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO batch_values VALUES ({', '.join('?' for _ in VALUE_COLUMNS)})", rows)
        cur.execute(
            f"INSERT INTO statements ({_COLS}) SELECT {select_cols} FROM batch_values v CROSS JOIN batch_context x "
            f"ORDER BY v.entity_id, v.id "
            f"ON CONFLICT (entity_id, id) DO UPDATE SET {_SET}"
        )


@contextmanager
def _cursor(conn: Connection):
    cur = conn.connection.driver_connection.cursor()
    try:
        yield cur
    finally:
        cur.close()


def _mark(conn: Connection) -> str:
    return "%s" if conn.dialect.name == "postgresql" else "?"


def upsert_statements(conn: Connection, rows: Sequence[tuple]) -> None:
    """Upsert full rows (STATEMENT_COLUMNS order) through ``upsert_values``, one call per
    set of shared columns. A new statement's canonical id starts as its entity id."""
    shared = [c for c in STATEMENT_COLUMNS if c not in VALUE_COLUMNS and c != "canonical_id"]
    shared_at = [STATEMENT_COLUMNS.index(c) for c in shared]
    values_at = [STATEMENT_COLUMNS.index(c) for c in VALUE_COLUMNS]
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(tuple(row[i] for i in shared_at), []).append(tuple(row[i] for i in values_at))
    for key, values in groups.items():
        upsert_values(conn, dict(zip(shared, key)), values)
