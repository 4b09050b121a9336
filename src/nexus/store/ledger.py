"""The transaction ledger: transactions as Parquet files, one per month per batch, listed in `ledger_batches`.

Tens of millions of transactions do not belong in the statements table one property at a
time. A batch's files are written whole under NEXUS_HOME/ledger/<source>/month=YYYY-MM/
and then listed in the same database transaction as the run's checkpoint and its record
errors: a file nobody listed is never read, so a crash leaves nothing half-visible. Readers
take the batches of complete runs only. Every row carries its source, run and security
labels, which the engines filter on as they filter statements.
"""

import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, and_, delete, insert, or_, select, update

from nexus.model.labels import Labels
from nexus.store.schema import LABEL_COLUMNS, ingest_runs, label_columns, ledger_batches

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
        _write(part, scratch)
        scratch.replace(target)
        times = part["timestamp"]
        listed.append({"run_id": run_id, "source": source, "path": str(relative), "rows": part.num_rows,
                       "first_time": str(times[0].as_py()), "last_time": str(times[-1].as_py())})
    conn.execute(insert(ledger_batches), listed)
    return len(listed)


def _labelled(rows: pa.Table, source: str, run_id: int, labels: Labels) -> pa.Table:
    n = rows.num_rows
    rows = rows.append_column("source", _same(n, source)).append_column("run_id", pa.array(np.full(n, run_id, np.int64)))
    return _with_labels(rows, labels)


def _same(n: int, value: str | None) -> pa.Array:
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string()))


def _with_labels(rows: pa.Table, labels: Labels) -> pa.Table:
    """``rows`` with the label columns last, saying ``labels``."""
    n = rows.num_rows
    rows = rows.drop_columns([c for c in LABEL_COLUMNS if c in rows.column_names])
    return rows.append_column("agency", _same(n, labels.agency)) \
        .append_column("classification", pa.array(np.full(n, int(labels.classification), np.int32))) \
        .append_column("releasable_to", _same(n, labels.releasable_text)) \
        .append_column("compartment", _same(n, labels.compartment)) \
        .append_column("orcon", pa.array(np.full(n, bool(labels.orcon)))) \
        .append_column("warrant", _same(n, labels.warrant))


def _carries(path: Path, labels: Labels) -> bool:
    """Whether a ledger file's rows (every row of a file alike) carry ``labels``."""
    first = pq.ParquetFile(path).read_row_group(0, columns=list(LABEL_COLUMNS)).slice(0, 1).to_pylist()[0]
    return first == {"agency": labels.agency, "classification": int(labels.classification),
                     "releasable_to": labels.releasable_text, "compartment": labels.compartment,
                     "orcon": bool(labels.orcon), "warrant": labels.warrant}


def relabelled_copies(conn: Connection, home: Path, source: str, labels: Labels, except_runs: Iterable[int],
                      running: int) -> list[tuple[int, str, str]]:
    """Beside each listed file of the source (of its complete runs but ``except_runs``, and of run ``running``) whose
    rows carry other labels than ``labels``, a copy carrying them, as a relabelled statement source's statements all
    take its new labels: (batch id, file, copy) of each, for `list_copies` to list in the file's place. Written
    before the transaction that lists them, which so stays short; a caller whose transaction fails removes them."""
    b = ledger_batches.c
    listed = conn.execute(
        select(b.id, b.path).join(ingest_runs, ingest_runs.c.id == b.run_id)
        .where(b.source == source, or_(and_(ingest_runs.c.status == "complete", b.run_id.not_in(list(except_runs))),
                                       b.run_id == running))
        .order_by(b.id)).all()
    copies = []
    try:
        for batch_id, path in listed:
            if _carries(home / LEDGER / path, labels):
                continue
            old = Path(path)
            new = old.with_name(f"{old.name.split('.')[0]}.{uuid.uuid4().hex[:12]}.parquet")
            scratch = (home / LEDGER / new).with_suffix(".partial")
            _write(_with_labels(pq.read_table(home / LEDGER / old), labels), scratch)
            scratch.replace(home / LEDGER / new)
            copies.append((batch_id, path, str(new)))
    except BaseException:
        remove_files(home, [new for _, _, new in copies])
        raise
    return copies


def list_copies(conn: Connection, copies: list[tuple[int, str, str]]) -> None:
    """List each `relabelled_copies` copy in its file's place, in ``conn``'s transaction."""
    for batch_id, _, new in copies:
        conn.execute(update(ledger_batches).where(ledger_batches.c.id == batch_id).values(path=new))


def _write(rows: pa.Table, path: Path) -> None:
    dictionary = [c for c in rows.column_names if c not in UNIQUE_VALUES]
    pq.write_table(rows, path, row_group_size=ROW_GROUP, compression="zstd", use_dictionary=dictionary)


def transaction_prefix(source: str, sha: str) -> str:
    """What the id of every transaction a file (by its content's SHA-256) loaded into a source starts with."""
    return f"tx-{source}-{sha[:16]}-"


def source_prefixes(conn: Connection, source: str) -> list[str]:
    """The `transaction_prefix` of every file loaded into the source."""
    shas = conn.execute(select(ingest_runs.c.sha256).where(ingest_runs.c.source == source).distinct()).scalars()
    return sorted(transaction_prefix(source, sha) for sha in shas)


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
