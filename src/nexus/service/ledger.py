"""Loading transaction feeds into the ledger as a service action: authorised, resumable, audited.

A feed's transactions go to the ledger (`store.ledger`), its accounts to the statements as
BankAccount entities (the same id for an account in every feed: `sources.amlworld.account_id`),
its bad rows to the run's record errors by line and field. Each batch — files, errors,
checkpoint — commits in one transaction; a run killed part-way resumes after its last committed
batch; a file loaded before is skipped unless forced, and a forced re-load replaces the earlier
run's transactions when it completes.

A bank re-sending an overlapping extract does not double the ledger: a row whose every field but the laundering
flag agrees with a transaction the source's earlier deliveries hold is that transaction, as many times as they hold
it (`EarlierDeliveries`); the rows left out are counted (`IngestResult.redelivered`).

The accounts' statements are written once, when the run completes, from all the files it listed
(the transactions become visible then too): written batch by batch, each batch's accounts landed
all over the statements' key order and the table was rewritten at every commit (twice the time).
"""

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select, update

from nexus.engine import EngineSession, open_engine
from nexus.errors import InvalidInput
from nexus.model.labels import Labels
from nexus.ingest import (
    Background, Batch, IngestFailed, IngestResult, NothingValid, file_sha256, open_run, run_context, write_batch,
)
from nexus.model.statements import BASE_PROP
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alerts import follow_ledger_relabel
from nexus.service.ingest import LabelChanges, check_labeller, register_feed
from nexus.sources import SourceError
from nexus.sources.amlworld import AMLWORLD, Layout, TransactionBatch, account_ids, read_transactions
from nexus.sources.feed_mapping import load_layout
from nexus.store import Store, utc_now
from nexus.store.ledger import (
    delivered_files, ledger_files, list_copies, relabelled_copies, remove_files, run_files, source_prefixes,
    transaction_prefix, unlist_runs, write_ledger_batch,
)
from nexus.store.schema import ingest_runs
from nexus.store.store import source_row

def ingest_transactions(store: Store, viewer: Viewer, path: Path, source: str, home: Path,
                        labels: LabelChanges = LabelChanges(), *, force: bool = False, strict: bool = False,
                        progress: Callable[[int], None] | None = None, mapping: Path | None = None) -> IngestResult:
    """Load a transactions feed, AMLworld's or a bank's through the `mapping` of its columns
    (`sources.feed_mapping`), as the module says; with `strict`, nothing if any row is bad: the run stops at the
    first bad batch, its files are removed and it is marked failed. A feed without one valid row is refused whole,
    naming its first bad row, before anything is registered or written."""
    require(viewer, "ingest")
    try:
        layout = load_layout(mapping) if mapping is not None else AMLWORLD
        batches = _up_to_a_valid_row(path, layout)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    existing = store.get_source(source)
    # Its holder is not checked: a feed's source is held as registered (LOCAL by default), whoever loads it.
    check_labeller(store, viewer, source, existing, labels, Labels(agency="LOCAL"), holder=False)
    register_feed(store, viewer, path, force, source_row(  # not for a file loaded already: nothing changes then
        source, layout.format, labels.applied_to(store.source_labels(existing) if existing else Labels(agency="LOCAL")),
        retention_days=(existing or {}).get("retention_days"), is_list=False))
    registered = store.get_source(source)
    source_labels = store.source_labels(registered)
    # One delivery into a source at a time: each then sees every earlier one whole (`EarlierDeliveries`), and two
    # loads of one file do not both run.
    with store.exclusive([f"ledger:{source}"]):
        try:
            sha = file_sha256(path)
        except OSError as exc:
            raise InvalidInput(f"{path}: {exc.strerror or exc}") from None
        run_id, started, skip, earlier = _start(store, home, source, path, sha, force, strict)
        if run_id is None:
            return IngestResult(earlier[0], source, skipped_unchanged=True)
        context = run_context(store, registered, started)
        result = IngestResult(run_id, source, resumed_from=skip)

        def commit(item: tuple[int, pa.Table, Batch]) -> None:
            number, rows, batch = item
            with store.engine.begin() as conn:
                write_ledger_batch(conn, home, run_id, source, number, rows, source_labels)
                write_batch(conn, run_id, context, batch)

        writer = Background(commit, waiting=1, name="nexus-ledger-writer")  # the next batch is parsed meanwhile
        done = skip
        with store.engine.connect() as conn:
            earlier_deliveries = EarlierDeliveries(delivered_files(conn, home, source, except_runs=earlier))
        try:
            for number, batch in enumerate(batches):
                rows, redelivered = earlier_deliveries.new_rows(batch.rows)  # for the batches a resumed run skips too
                if batch.lines <= skip:
                    continue
                if strict and batch.errors:
                    raise IngestFailed(result.errors + batch.errors)
                done = batch.lines
                result.redelivered += redelivered
                writer.submit((number, _with_ids(rows, source, sha), Batch(done=batch.lines, errors=batch.errors)))
                # a row, however many bad fields
                result.records += batch.rows.num_rows + len({e.location for e in batch.errors})
                result.errors.extend(batch.errors)
                if progress:
                    progress(batch.lines)
            writer.finish()
        except SourceError as exc:
            writer.abort()
            raise InvalidInput(str(exc)) from None
        except IngestFailed:
            writer.abort()
            _fail(store, home, run_id)
            raise
        except BaseException:
            writer.abort()
            raise
        finally:
            earlier_deliveries.close()
        with store.engine.connect() as conn:
            files = run_files(conn, home, run_id)
        statements, result.entities = _account_statements(files, source)
        result.statements = len(statements)
        # the source's labels now (another load may have relabelled it since this one began): every delivery's rows
        # take them, as a relabelled statement source's statements do
        labels_now = store.source_labels(store.get_source(source))
        with store.engine.connect() as conn:
            copies = relabelled_copies(conn, home, source, labels_now, except_runs=earlier, running=run_id)
        try:
            with store.engine.begin() as conn:
                write_batch(conn, run_id, context, Batch(done=done, rows=statements, entities=result.entities))
                replaced = unlist_runs(conn, earlier)
                list_copies(conn, copies)
                relabelled = follow_ledger_relabel(conn, source_prefixes(conn, source), labels_now) if copies else 0
                conn.execute(update(ingest_runs).where(ingest_runs.c.id.in_(earlier)).values(status="replaced"))
                conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id)
                             .values(status="complete", finished_at=utc_now()))
        except BaseException:
            remove_files(home, [new for _, _, new in copies])
            raise
        remove_files(home, [*replaced, *(old for _, old, _ in copies)])
    relabels = {"relabelled_files": len(copies), "relabelled_alerts": relabelled} if copies else {}
    audit.log_event(store, viewer, "ingest", {"source": source, "path": str(path), "format": layout.format} | relabels,
                    [])
    return result


def _up_to_a_valid_row(path: Path, layout: Layout) -> Iterator[TransactionBatch]:
    """The feed's batches, read up to the first with a valid row before the first is returned: a feed without one is
    refused whole (`NothingValid`), before its source is registered or a run begun."""
    batches = read_transactions(path, layout)
    read = []
    for batch in batches:
        read.append(batch)
        if batch.rows.num_rows:
            return itertools.chain(read, batches)
    raise NothingValid(path, [error for batch in read for error in batch.errors])


class EarlierDeliveries:
    """What a source's earlier deliveries hold (their ledger files, each with its first and last time), to leave
    out of a new delivery what it sends again. Its rows are asked about in file order, batch by batch: of the rows
    of one content, the first as many as the earlier deliveries hold are those; any more are transactions of their
    own (a file may hold two alike). An earlier file is read once, when a batch first reaches its time span."""

    def __init__(self, files: list[tuple[Path, str, str]]) -> None:
        self.files = files
        self.left_out: dict[str, int] = {}  # per content: this delivery's rows left out so far
        self._read: set[Path] = set()
        self._keys: list[pa.Table] = []  # the contents of the earlier files read so far, a row per transaction
        self._session = open_engine("duckdb") if files else None

    def new_rows(self, rows: pa.Table) -> tuple[pa.Table, int]:
        """The rows no earlier delivery holds, and how many were left out."""
        if self._session is None or not rows.num_rows:
            return rows, 0
        first, last = (str(pc.min(rows["timestamp"]).as_py()), str(pc.max(rows["timestamp"]).as_py()))
        overlapping = [path for path, begins, ends in self.files if begins <= last and ends >= first]
        if not overlapping:
            return rows, 0
        if unread := [path for path in overlapping if path not in self._read]:
            self._session.register("delivered", unread)
            self._keys.append(self._session.run("ledger_content_keys", names={"source_table": "delivered"}))
            self._read.update(unread)
        self._session.register("batch", rows)
        self._session.register("batch_keys", self._session.run("ledger_content_keys", names={"source_table": "batch"}))
        self._session.register("delivered_keys", pa.concat_tables(self._keys))
        found = self._session.run("ledger_redelivered")
        if not found.num_rows:
            return rows, 0
        contents = found["content"].to_pylist()
        before = np.fromiter((self.left_out.get(c, 0) for c in contents), np.int64, len(contents))
        leave_out = found["occurrence"].to_numpy() < found["earlier"].to_numpy() - before
        for content in itertools.compress(contents, leave_out.tolist()):
            self.left_out[content] = self.left_out.get(content, 0) + 1
        lines = pc.filter(found["line"], pa.array(leave_out))
        return rows.filter(pc.invert(pc.is_in(rows["line"], lines))), len(lines)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _fail(store: Store, home: Path, run_id: int) -> None:
    """A strict run that met a bad row: its files unlisted and removed, the run failed (a re-run starts afresh)."""
    with store.engine.begin() as conn:
        files = unlist_runs(conn, [run_id])
        conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(status="failed", finished_at=utc_now()))
    remove_files(home, files)


def _start(store: Store, home: Path, source: str, path: Path, sha: str, force: bool, strict: bool) -> tuple:
    """(run id, started, rows to skip, earlier complete runs of this file); run id None when it is loaded already.
    A strict run does not resume one that stopped part-way: that one may have let bad rows through."""
    runs = ingest_runs.c
    with store.engine.begin() as conn:
        same = conn.execute(select(runs.id, runs.status, runs.started_at, runs.records_done)
                            .where(runs.source == source, runs.sha256 == sha, runs.status.in_(("running", "complete")))
                            .order_by(runs.id.desc())).all()
        complete = [r.id for r in same if r.status == "complete"]
        if complete and not force:
            return None, None, 0, complete
        running = next((r for r in same if r.status == "running"), None)
        if running is not None and not strict:
            return running.id, running.started_at, running.records_done, complete
    if running is not None:
        _fail(store, home, running.id)
    with store.engine.begin() as conn:
        started = utc_now()
        return open_run(conn, source, path, sha, started), started, 0, complete


def _with_ids(rows: pa.Table, source: str, sha: str) -> pa.Table:
    """Each transaction's id (its source, the file's content and its line: the same on every load of the file
    into the source) and its accounts' entity ids."""
    ids = pc.binary_join_element_wise(pa.scalar(transaction_prefix(source, sha)), pc.cast(rows["line"], pa.string()), "")
    return rows.append_column("id", ids) \
        .append_column("from_account_id", account_ids(rows["from_bank"], rows["from_account"])) \
        .append_column("to_account_id", account_ids(rows["to_bank"], rows["to_account"]))


def _account_statements(files: list[Path], source: str) -> tuple[dict[str, tuple], int]:
    """Statements of the BankAccount entities the run's ledger ``files`` name, and how many accounts they are."""
    if not files:
        return {}, 0
    with open_engine("duckdb") as session:
        session.register("run_rows", files)
        found = session.run("ledger_accounts", source=source, base_prop=BASE_PROP)
    nothing = itertools.repeat(None)
    columns = [found[c].to_pylist() for c in ("id", "entity_id", "schema", "prop", "prop_type", "value")]
    statements = dict(zip(columns[0], zip(*columns, nothing, nothing), strict=True))
    return statements, pc.count_distinct(found["entity_id"]).as_py()


@contextmanager
def ledger_session(store: Store, viewer: Viewer, home: Path, action: str = "read",
                   engine: str = "duckdb") -> Iterator[EngineSession]:
    """An engine session whose `transactions` are the ledger's rows and the statements' FtM Payments (goAML reports',
    FtM-mapped files': `EngineSession.use_transactions`) the viewer may take ``action`` on."""
    from nexus.service.links import current_snapshot  # the snapshot the graph and the red flags' facts read too

    require(viewer, action)
    with store.engine.connect() as conn:
        files = ledger_files(conn, home)
    snapshot = current_snapshot(store, home)
    with open_engine(engine) as session:
        session.use_transactions(files, snapshot, viewer, action=action)
        yield session
