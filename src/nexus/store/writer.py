"""Batch upserts of statement rows, one implementation per dialect.

An upsert inserts a statement the store has not seen and, for one it has, moves
``last_seen`` forward, refreshes its labels and clears ``retired_at``.
"""

from collections.abc import Sequence

from sqlalchemy import Connection

from nexus.model.statements import STATEMENT_COLUMNS

_REFRESHED = (
    "schema", "agency", "classification", "releasable_to", "compartment", "orcon",
    "warrant", "legal_basis", "last_seen", "retention_until",
)
_COLS = ", ".join(STATEMENT_COLUMNS)
_SET = ", ".join(f"{c} = excluded.{c}" for c in _REFRESHED) + ", retired_at = NULL"


def upsert_statements(conn: Connection, rows: Sequence[tuple]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _upsert_postgres(conn, rows)
    else:
        _upsert_sqlite(conn, rows)


def _upsert_sqlite(conn: Connection, rows: Sequence[tuple]) -> None:
    marks = ", ".join("?" for _ in STATEMENT_COLUMNS)
    sql = f"INSERT INTO statements ({_COLS}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {_SET}"
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _upsert_postgres(conn: Connection, rows: Sequence[tuple]) -> None:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS statements_stage "
            "(LIKE statements INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        with cur.copy(f"COPY statements_stage ({_COLS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            f"INSERT INTO statements ({_COLS}) SELECT {_COLS} FROM statements_stage "
            f"ON CONFLICT (id) DO UPDATE SET {_SET}"
        )
        cur.execute("TRUNCATE statements_stage")
