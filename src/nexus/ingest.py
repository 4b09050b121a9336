"""Ingest: a source format's records into the store, in committed, resumable batches.

- Each batch (entities, their statements, record errors, the run's checkpoint) is one
  transaction, so a crash leaves no half-written batch.
- A run killed part-way stays ``running``; the next ingest of the same file resumes after
  the last committed record. Upserts make any replay harmless.
- A complete run of a whole file marks the source's statements it no longer contains as
  retired (``retired_at``) instead of deleting them.
- ``strict`` runs in a single transaction and loads nothing if any record is bad.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Connection, and_, insert, select, update

from nexus.model.statements import entity_statements
from nexus.sources.base import Record, RecordError
from nexus.store import Store, utc_now
from nexus.store.schema import ingest_errors, ingest_runs, statements
from nexus.store.writer import upsert_statements

BATCH_STATEMENTS = 20_000


class IngestFailed(Exception):
    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad record(s); first: {errors[0]}")


@dataclass
class IngestResult:
    run_id: int
    source: str
    records: int = 0
    entities: int = 0
    statements: int = 0
    retired: int = 0
    resumed_from: int = 0
    skipped_unchanged: bool = False
    errors: list[RecordError] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest(
    store: Store,
    source: str,
    path: Path,
    records: Iterable[Record],
    *,
    strict: bool = False,
    partial: bool = False,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    registered = store.get_source(source)
    if registered is None:
        raise KeyError(f"source {source!r} is not registered")
    labels = store.source_labels(registered)
    sha = file_sha256(path)

    with store.engine.begin() as conn:
        previous = _last_run(conn, source)
        if previous and previous["status"] == "complete" and previous["sha256"] == sha and not force:
            return IngestResult(previous["id"], source, skipped_unchanged=True)
        if previous and previous["status"] == "running" and previous["sha256"] == sha:
            run_id, started, skip = previous["id"], previous["started_at"], previous["records_done"]
        else:
            if previous and previous["status"] == "running":
                conn.execute(update(ingest_runs).where(ingest_runs.c.id == previous["id"]).values(status="abandoned"))
            started, skip = utc_now(), 0
            run_id = conn.execute(
                insert(ingest_runs).values(
                    source=source, path=str(path), sha256=sha, started_at=started, status="running",
                    records_done=0, entities=0, statements=0, errors=0, retired=0,
                )
            ).inserted_primary_key[0]

    retention = registered["retention_days"]
    retention_until = date.today() + timedelta(days=retention) if retention else None
    result = IngestResult(run_id, source, resumed_from=skip)
    batch: dict[str, tuple] = {}
    batch_errors: list[RecordError] = []
    batch_entities = 0
    done = skip

    def flush(conn: Connection) -> None:
        nonlocal batch_entities
        upsert_statements(conn, list(batch.values()))
        if batch_errors:
            conn.execute(
                insert(ingest_errors),
                [dict(run_id=run_id, location=e.location, field=e.field, message=e.message) for e in batch_errors],
            )
        conn.execute(
            update(ingest_runs)
            .where(ingest_runs.c.id == run_id)
            .values(
                records_done=done,
                entities=ingest_runs.c.entities + batch_entities,
                statements=ingest_runs.c.statements + len(batch),
                errors=ingest_runs.c.errors + len(batch_errors),
            )
        )
        result.statements += len(batch)
        batch.clear()
        batch_errors.clear()
        batch_entities = 0

    strict_conn = store.engine.connect() if strict else None
    strict_tx = strict_conn.begin() if strict_conn else None
    try:
        for record in records:
            if record.position < skip:
                continue
            done = record.position + 1
            result.records += 1
            if record.error is not None:
                result.errors.append(record.error)
                batch_errors.append(record.error)
                if strict:
                    raise IngestFailed(result.errors)
            for proxy in record.entities:
                for row in entity_statements(proxy, source, labels, started, retention_until):
                    batch[row[0]] = row
                batch_entities += 1
                result.entities += 1
            if len(batch) >= BATCH_STATEMENTS:
                if strict_conn is not None:
                    flush(strict_conn)
                else:
                    with store.engine.begin() as conn:
                        flush(conn)
                if progress:
                    progress(result.records)
        with (strict_conn.begin_nested() if strict_conn else store.engine.begin()) as conn_or_tx:
            conn = strict_conn if strict_conn is not None else conn_or_tx
            flush(conn)
            if not partial:
                result.retired = conn.execute(
                    update(statements)
                    .where(
                        and_(
                            statements.c.source == source,
                            statements.c.last_seen < started,
                            statements.c.retired_at.is_(None),
                        )
                    )
                    .values(retired_at=utc_now())
                ).rowcount
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id == run_id)
                .values(status="complete", finished_at=utc_now(), retired=result.retired)
            )
        if strict_tx is not None:
            strict_tx.commit()
    except BaseException:
        if strict_tx is not None:
            strict_tx.rollback()
            with store.engine.begin() as conn:
                conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(status="failed"))
        raise
    finally:
        if strict_conn is not None:
            strict_conn.close()
    if progress:
        progress(result.records)
    return result


def _last_run(conn: Connection, source: str) -> dict | None:
    row = conn.execute(
        select(ingest_runs)
        .where(ingest_runs.c.source == source, ingest_runs.c.status.in_(("running", "complete")))
        .order_by(ingest_runs.c.id.desc())
        .limit(1)
    ).mappings().first()
    return dict(row) if row else None
