"""Snapshots: the store's live statements, and its warrants, written to Parquet for the engines.

The warrants come along so that an engine can filter the statements for a viewer by
the same policy as the store (`engine.viewer`). Statements stream in fixed-size Arrow
batches, so memory stays flat.
"""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import ColumnElement, select

from nexus.model.statements import STATEMENT_COLUMNS
from nexus.store import Store, utc_now
from nexus.store.schema import statements, warrants

BATCH_ROWS = 100_000
_INT_COLUMNS = {"classification"}
_BOOL_COLUMNS = {"orcon"}

SCHEMA = pa.schema(
    [
        pa.field(c, pa.int32() if c in _INT_COLUMNS else pa.bool_() if c in _BOOL_COLUMNS else pa.string())
        for c in STATEMENT_COLUMNS
    ]
)
WARRANT_COLUMNS = ("id", "issued_at", "expires_at", "revoked_at", "allowed_uses")
WARRANT_SCHEMA = pa.schema([pa.field(c, pa.string()) for c in WARRANT_COLUMNS])


@dataclass(frozen=True)
class Snapshot:
    path: Path
    taken_at: str
    rows: int

    @property
    def statements(self) -> Path:
        return self.path / "statements.parquet"

    @property
    def warrants(self) -> Path:
        return self.path / "warrants.parquet"


def warrant_table(store: Store) -> pa.Table:
    """Every warrant the store knows, as the engines' policy reads them."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(*(warrants.c[c] for c in WARRANT_COLUMNS))).all()
    return pa.Table.from_pylist([dict(r._mapping) for r in rows], schema=WARRANT_SCHEMA)


def take_snapshot(store: Store, directory: Path, *where: ColumnElement[bool]) -> Snapshot:
    """Write every live statement (of those matching ``where``, when given) to ``directory/statements.parquet``,
    every warrant to ``warrants.parquet``."""
    directory.mkdir(parents=True, exist_ok=True)
    taken_at = utc_now()
    target = directory / "statements.parquet"
    partial = directory / "statements.parquet.part"
    columns = [statements.c[name] for name in STATEMENT_COLUMNS]
    total = 0
    with store.engine.connect() as conn, pq.ParquetWriter(partial, SCHEMA, compression="zstd") as writer:
        result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
            select(*columns).where(statements.c.retired_at.is_(None), *where)
        )
        for chunk in result.partitions():
            table = pa.Table.from_arrays(
                [pa.array(col, type=SCHEMA.field(i).type) for i, col in enumerate(zip(*chunk))],
                schema=SCHEMA,
            )
            writer.write_table(table)
            total += table.num_rows
    pq.write_table(warrant_table(store), directory / "warrants.parquet")
    partial.replace(target)
    return Snapshot(directory, taken_at, total)
