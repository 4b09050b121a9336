"""The transaction ledger: transactions as Parquet files, one per month per batch, listed in `ledger_batches`.

Tens of millions of transactions do not belong in the statements table one property at a
time. A batch's files are written whole under NEXUS_HOME/ledger/<source>/month=YYYY-MM/
and then listed in the same database transaction as the run's checkpoint and its record
errors: a file nobody listed is never read, so a crash leaves nothing half-visible. Readers
take the batches of complete runs only. Every row carries its source, run and security
labels, which the engines filter on as they filter statements.
"""

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, delete, insert, select

from nexus.model.labels import Labels
from nexus.store.schema import ingest_runs, label_columns, ledger_batches

LEDGER = "ledger"
ROW_GROUP = 100_000
#: Columns of (nearly) one value per row: a dictionary of them would be wasted work.
UNIQUE_VALUES = frozenset({"id", "line", "timestamp", "amount_paid", "amount_received"})

#: The ledger's rows as the security policy sees them (compiled, never created in the database).
transactions = Table("transactions", MetaData(), Column("id", String), Column("source", String),
                     Column("run_id", Integer), *label_columns())


def write_ledger_batch(conn: Connection, home: Path, run_id: int, source: str, number: int, rows: pa.Table,
                       labels: Labels) -> int:
    """Write ``rows`` (with a `timestamp` column) as this run's batch ``number``, one file per month, and list
    the files in ``conn``'s transaction; returns the number of files."""
    if not rows.num_rows:
        return 0
    stamps = pc.cast(rows["timestamp"], pa.int64()).to_numpy()
    if np.any(stamps[1:] < stamps[:-1]):  # a feed is mostly in time order already
        rows = rows.sort_by("timestamp")
    rows = _labelled(rows, source, run_id, labels)
    months = pc.year(rows["timestamp"]).to_numpy() * 100 + pc.month(rows["timestamp"]).to_numpy()  # 202409: September 2024
    dictionary = [c for c in rows.column_names if c not in UNIQUE_VALUES]
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    ends = np.r_[starts[1:], len(months)]
    listed = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        part = rows.slice(start, end - start)
        month = f"month={months[start] // 100:04d}-{months[start] % 100:02d}"
        relative = Path(source) / month / f"run{run_id}-{number:05d}.parquet"
        target = home / LEDGER / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_suffix(".partial")
        pq.write_table(part, scratch, row_group_size=ROW_GROUP, compression="zstd", use_dictionary=dictionary)
        scratch.replace(target)
        times = part["timestamp"]
        listed.append({"run_id": run_id, "source": source, "path": str(relative), "rows": part.num_rows,
                       "first_time": str(times[0].as_py()), "last_time": str(times[-1].as_py())})
    conn.execute(insert(ledger_batches), listed)
    return len(listed)


def _labelled(rows: pa.Table, source: str, run_id: int, labels: Labels) -> pa.Table:
    n = rows.num_rows

    def same(value: str | None) -> pa.Array:
        if value is None:
            return pa.nulls(n, pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string()))

    return rows.append_column("source", same(source)).append_column("run_id", pa.array(np.full(n, run_id, np.int64))) \
        .append_column("agency", same(labels.agency)) \
        .append_column("classification", pa.array(np.full(n, int(labels.classification), np.int32))) \
        .append_column("releasable_to", same(labels.releasable_text)) \
        .append_column("compartment", same(labels.compartment)) \
        .append_column("orcon", pa.array(np.full(n, bool(labels.orcon)))) \
        .append_column("warrant", same(labels.warrant))


def ledger_files(conn: Connection, home: Path, sources: Iterable[str] | None = None) -> list[Path]:
    """The Parquet files of complete runs (of ``sources``, or every source)."""
    query = (select(ledger_batches.c.path).join(ingest_runs, ingest_runs.c.id == ledger_batches.c.run_id)
             .where(ingest_runs.c.status == "complete").order_by(ledger_batches.c.id))
    if sources is not None:
        query = query.where(ledger_batches.c.source.in_(list(sources)))
    return [home / LEDGER / path for path in conn.execute(query).scalars()]


def delivered_files(conn: Connection, home: Path, source: str, except_runs: Iterable[int] = ()) -> list[tuple[Path, str, str]]:
    """The Parquet files of a source's complete runs but ``except_runs``, each with its first and last time."""
    b = ledger_batches.c
    query = (select(b.path, b.first_time, b.last_time).join(ingest_runs, ingest_runs.c.id == b.run_id)
             .where(ingest_runs.c.status == "complete", b.source == source, b.run_id.not_in(list(except_runs)))
             .order_by(b.id))
    return [(home / LEDGER / path, first, last) for path, first, last in conn.execute(query)]


def run_files(conn: Connection, home: Path, run_id: int) -> list[Path]:
    """The Parquet files a run has listed so far, whether or not it is complete."""
    query = select(ledger_batches.c.path).where(ledger_batches.c.run_id == run_id).order_by(ledger_batches.c.id)
    return [home / LEDGER / path for path in conn.execute(query).scalars()]


def unlist_runs(conn: Connection, run_ids: list[int]) -> list[Path]:
    """Unlist the batches of these runs (a file loaded again replaces them); their files, to delete once
    the transaction has committed (`remove_files`)."""
    paths = conn.execute(select(ledger_batches.c.path).where(ledger_batches.c.run_id.in_(run_ids))).scalars().all()
    conn.execute(delete(ledger_batches).where(ledger_batches.c.run_id.in_(run_ids)))
    return [Path(p) for p in paths]


def remove_files(home: Path, paths: Iterable[Path]) -> None:
    for path in paths:
        (home / LEDGER / path).unlink(missing_ok=True)
