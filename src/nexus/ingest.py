"""Ingest: a source format's records into the store, in committed, resumable batches.

- Each batch (entities, their statements, record errors, the run's checkpoint) is one
  transaction, so a crash leaves no half-written batch.
- A run killed part-way stays ``running``; the next ingest of the same file resumes after
  the last committed record. Upserts make any replay harmless. A file its reader rejects
  (``SourceError``) is not resumed: its run is ``failed``.
- A source's registration given with the load is written with its first batch, so a file
  rejected before then leaves the registry as it was; a load that loads nothing (the content is
  loaded already) writes none, and refuses one that would relabel the source (`refuse_relabel`).
- A complete run of a whole file marks the source's statements it no longer contains as
  retired (``retired_at``) instead of deleting them; a partial run retires what its ``retire``
  says (what the later version of a record replaces), in the transaction that completes it.
- ``strict`` runs in a single transaction and loads nothing if any record is bad.
- A file in which not one record is valid is refused whole when the caller asks (``refuse_none_valid``, as every file
  loaded through ``service.ingest.ingest_file`` is): its run fails, and nothing of it, its registration included, is
  written.
"""

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Connection, and_, insert, select, update

from nexus.errors import InvalidInput, NotFound
from nexus.model.labels import Classification
from nexus.model.statements import batch_context, statement_values
from nexus.sources.base import Record, RecordError, SourceError
from nexus.store import Store, utc_now
from nexus.store.schema import ingest_errors, ingest_runs, sources, statements
from nexus.store.store import write_source
from nexus.store.writer import upsert_values

BATCH_STATEMENTS = 50_000


class IngestFailed(InvalidInput):
    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad record(s); first: {errors[0]}")


class NothingValid(SourceError):
    """A file in which not one record is valid (or that holds none): refused whole, as an empty file is, since
    loading it would register its source and load nothing (and a complete re-load would retire all the source
    holds)."""

    def __init__(self, path: Path, errors: list[RecordError]):
        if errors:
            reason = f"not one of its records is valid ({len(errors):,} bad; the first: {errors[0].detail})"
        else:
            reason = "it holds no record to load"
        super().__init__(f"{path}: refused, nothing loaded: {reason}")


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
    redelivered: int = 0  # transactions an earlier delivery of the source held already, not stored again
    errors: list[RecordError] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_run(conn: Connection, source: str, path: Path, sha: str, started: str, status: str = "running",
             finished_at: str | None = None) -> int:
    """A new ingest run of `path` (its content `sha`) into `source`; its id."""
    return conn.execute(insert(ingest_runs).values(
        source=source, path=str(path), sha256=sha, started_at=started, finished_at=finished_at, status=status,
        records_done=0, entities=0, statements=0, errors=0, retired=0,
    )).inserted_primary_key[0]


def run_context(store: Store, registered: dict, started: str) -> dict:
    """What every statement a run of the `registered` source writes carries: its labels, when the run saw it,
    and how long the source keeps it."""
    retention = registered["retention_days"]
    return batch_context(registered["name"], store.source_labels(registered), started,
                         date.today() + timedelta(days=retention) if retention else None)


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
    sha: str | None = None,
    registration: dict | None = None,
    retire: Callable[[Connection, str], int] | None = None,
    refuse_none_valid: bool = False,
) -> IngestResult:
    """`sha` is the content's SHA-256 when `path` only names it (a message pushed to the service, not kept).
    `registration` is the source's registry row as this load leaves it (`nexus.store.store.source_row`); without it
    the source must be registered. `retire(conn, started)` retires, for a partial run, what it replaces and returns
    how many statements it retired. With `refuse_none_valid`, a file without one valid record is refused
    (`NothingValid`) and its run failed, before anything of it (or the registration) is written."""
    registered = registration or store.get_source(source)
    if registered is None:
        raise NotFound(f"source {source!r} is not registered")
    sha = sha or file_sha256(path)

    with store.engine.begin() as conn:
        previous = _last_run(conn, source)
        if previous and previous["status"] == "complete" and previous["sha256"] == sha and not force:
            loaded = previous["id"]
        else:  # deltas accumulate: one already loaded is there whatever came after it
            loaded = complete_run(conn, source, sha) if partial and not force else None
        if loaded is not None:  # nothing loads, so nothing changes: not the source's labels either
            if registration is not None:
                refuse_relabel(conn, registration, loaded)
            return IngestResult(loaded, source, skipped_unchanged=True)
        if previous and previous["status"] == "running" and previous["sha256"] == sha:
            run_id, started, skip = previous["id"], previous["started_at"], previous["records_done"]
        else:
            if previous and previous["status"] == "running":
                conn.execute(update(ingest_runs).where(ingest_runs.c.id == previous["id"]).values(status="abandoned"))
            started, skip = utc_now(), 0
            run_id = open_run(conn, source, path, sha, started)

    result = IngestResult(run_id, source, resumed_from=skip)
    strict_conn = store.engine.connect() if strict else None
    strict_tx = strict_conn.begin() if strict_conn is not None else None
    context = run_context(store, registered, started)
    writer = BatchWriter(store, run_id, context, strict_conn, registration)
    batch = Batch()
    try:
        for record in records:
            if record.position < skip:
                continue
            batch.done = record.position + 1
            result.records += 1
            if record.error is not None:
                result.errors.append(record.error)
                batch.errors.append(record.error)
                if strict:
                    raise IngestFailed(result.errors)
            for proxy in record.entities:
                for row in statement_values(proxy, source):
                    batch.rows[row[0]] = row
                batch.entities += 1
            if len(batch.rows) >= BATCH_STATEMENTS:
                result.entities += batch.entities
                result.statements += len(batch.rows)
                writer.submit(batch)
                batch = Batch(done=batch.done)
                if progress:
                    progress(result.records)
        # a resumed run (skip) committed batches, each with entities, before it stopped
        if refuse_none_valid and skip == 0 and result.entities + batch.entities == 0:
            raise NothingValid(path, result.errors)
        writer.finish()
        result.entities += batch.entities
        result.statements += len(batch.rows)
        with writer.transaction() as conn:
            write_batch(conn, run_id, context, batch)
            if not partial:
                result.retired = retire_unseen(conn, source, started)
            elif retire is not None:
                result.retired = retire(conn, started)
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id == run_id)
                .values(status="complete", finished_at=utc_now(), retired=result.retired)
            )
        if strict_tx is not None:
            strict_tx.commit()
    except BaseException as exc:
        writer.abort()
        if strict_tx is not None:
            strict_tx.rollback()
        if strict_tx is not None or isinstance(exc, SourceError):  # nothing to resume: the file is refused
            mark_run(store, run_id, "failed")
        raise
    finally:
        if strict_conn is not None:
            strict_conn.close()
    if progress:
        progress(result.records)
    return result


@dataclass
class Batch:
    done: int = 0  # records consumed up to and including this batch
    rows: dict[str, tuple] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)
    entities: int = 0


def write_batch(conn: Connection, run_id: int, context: dict, batch: Batch) -> None:
    """A batch's statements, its record errors and the run's checkpoint, in one transaction."""
    upsert_values(conn, context, list(batch.rows.values()))
    if batch.errors:
        conn.execute(
            insert(ingest_errors),
            [dict(run_id=run_id, location=e.location, field=e.field, message=e.message) for e in batch.errors],
        )
    conn.execute(
        update(ingest_runs)
        .where(ingest_runs.c.id == run_id)
        .values(
            records_done=batch.done,
            entities=ingest_runs.c.entities + batch.entities,
            statements=ingest_runs.c.statements + len(batch.rows),
            errors=ingest_runs.c.errors + len(batch.errors),
        )
    )


def retire_unseen(conn: Connection, source: str, started: str) -> int:
    """Mark the source's statements this complete run did not see as retired."""
    return conn.execute(
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


class Background:
    """Runs ``work`` on each submitted item in one background thread while the caller prepares the next;
    at most ``waiting`` items queue, which bounds memory. The database drivers and Arrow release the GIL
    while they work, so the two overlap. An error in the thread is raised in the caller's, at the next
    ``submit`` or at ``finish``."""

    def __init__(self, work: Callable, waiting: int = 2, name: str = "nexus-writer") -> None:
        self.work = work
        self.queue: queue.Queue = queue.Queue(maxsize=waiting)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue
            try:
                self.work(item)
            except BaseException as exc:  # handed to the caller's thread
                self.error = exc

    def submit(self, item) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def finish(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


class BatchWriter(Background):
    """Writes ingest batches (`write_batch`) on a background thread while the caller parses the next one; the
    source's `registration`, if given, with the first."""

    def __init__(self, store: Store, run_id: int, context: dict, conn: Connection | None, registration: dict | None):
        self.store, self.run_id, self.context, self.conn = store, run_id, context, conn
        self.registration = registration
        super().__init__(self._write, name="nexus-ingest-writer")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._connection() as conn:
            if self.registration is not None:
                write_source(conn, self.registration)
                self.registration = None
            yield conn

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if self.conn is not None:
            yield self.conn
        else:
            with self.store.engine.begin() as conn:
                yield conn

    def _write(self, batch: Batch) -> None:
        with self.transaction() as conn:
            write_batch(conn, self.run_id, self.context, batch)


#: What a registration says about the data loaded into its source: its labels, how long it is kept, whether it is
#: a list. A load that loads nothing changes none of these.
REGISTERED = ("agency", "classification", "releasable_to", "compartment", "orcon", "warrant", "legal_basis",
              "retention_days", "is_list")


def registration_changes(before: dict, after: dict) -> dict[str, tuple]:
    """What `after` (a `source_row`) changes of the registration `before`: field → (before, after), as people read
    them (classifications by name)."""
    def shown(field: str, value):
        if field == "classification" and value is not None:
            return Classification(value).name
        if field in ("orcon", "is_list"):
            return bool(value)
        return value if value != "" else None

    return {f: (shown(f, before.get(f)), shown(f, after.get(f))) for f in REGISTERED
            if shown(f, before.get(f)) != shown(f, after.get(f))}


class RelabelRefused(InvalidInput):
    """A load that loads nothing was given labels (or a retention, or list status) other than the source's: they
    would disagree with every statement it holds, so they are not written, and the caller is told so."""

    def __init__(self, source: str, run_id: int, changes: dict[str, tuple]):
        self.changes = changes
        what = ", ".join(f"{f} {a} → {b}" for f, (a, b) in changes.items())
        super().__init__(f"source {source!r} not relabelled ({what}): this content is loaded already (run {run_id}) "
                         "and nothing loads, so nothing changes; re-load it with --force to relabel "
                         "its statements and the source together", field=next(iter(changes)))


def refuse_relabel(conn: Connection, registration: dict, run_id: int) -> None:
    """Raise `RelabelRefused` if `registration` would change what the source's registry row says, for a load that
    loads nothing (run `run_id` loaded the content already); it writes nothing either way."""
    held = conn.execute(select(sources).where(sources.c.name == registration["name"])).mappings().first()
    changes = registration_changes(dict(held), registration) if held is not None else {}
    if changes:
        raise RelabelRefused(registration["name"], run_id, changes)


def mark_run(store: Store, run_id: int, status: str) -> None:
    """Set a run's status afterwards (a run whose follow-up failed is `failed`: the same content loads again)."""
    with store.engine.begin() as conn:
        conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(status=status))


def complete_run(conn: Connection, source: str, sha: str) -> int | None:
    """The latest complete run that loaded this content into the source."""
    return conn.execute(
        select(ingest_runs.c.id)
        .where(ingest_runs.c.source == source, ingest_runs.c.sha256 == sha, ingest_runs.c.status == "complete")
        .order_by(ingest_runs.c.id.desc())
        .limit(1)
    ).scalar()


def _last_run(conn: Connection, source: str) -> dict | None:
    row = conn.execute(
        select(ingest_runs)
        .where(ingest_runs.c.source == source, ingest_runs.c.status.in_(("running", "complete")))
        .order_by(ingest_runs.c.id.desc())
        .limit(1)
    ).mappings().first()
    return dict(row) if row else None
