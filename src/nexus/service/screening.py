"""Screening against lists, for a viewer: hits, alerts, suppression of dismissed hits.

The index is built from the list statements the viewer may see, so no hit rests on a
statement withheld from them. Screening the records the store holds raises each hit as
a `screening` alert (nexus.service.alerts); an ad-hoc question raises alerts when asked
to. A hit whose alert an analyst dismissed is not returned again until the data it rested
on (its fingerprint) changes.
"""

import contextlib
import functools
import gc
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import select

from nexus.config import load_settings
from nexus.engine import DuckDBEngine, EngineSession, take_snapshot
from nexus.errors import Conflict, InvalidInput, NotFound
from nexus.model.matching import DOCUMENT_HOLDER, DOCUMENT_NUMBERS, DOCUMENT_SCHEMATA
from nexus.names.symbols import warm_tagger
from nexus.names.tokens import warm as warm_token_splits
from nexus.screen import SCREEN_THRESHOLD, ScreenIndex, screen_batch
from nexus.screen.query import QUERY_FIELDS, check_birth_date, check_schemata
from nexus.screen.screen import query_table as matcher_queries
from nexus.security import audit
from nexus.security.policy import require, statement_clause, usable_warrants
from nexus.security.viewer import Viewer
from nexus.service.alerts import dismissed_keys, find_alert, raise_alerts, review_alert, visible_alert_ids
from nexus.service.data_version import data_version
from nexus.service.entities import S, live
from nexus.service.ingest import source_visible
from nexus.service.screening_alerts import (
    KIND, QUERY_FIELD_PROPS, QUERY_PROPS, hit_keys, hit_subjects, least_listed_records, query_subject, screening_alerts,
)
from nexus.sources import SourceError
from nexus.sources.limits import check_file
from nexus.store import Store
from nexus.store.group import Group
from nexus.store.schema import sources, statements

__all__ = ["QUERY_FIELDS", "SCREEN_THRESHOLD", "check_birth_date", "check_schemata"]

NO_LISTS = ("no list sources to screen against in this workspace: ingest a sanctions list "
            "(nexus ingest un-sc FILE --source un-sc) or mark a source as a list (nexus ingest … --list)")
INDEX_COLUMNS = ("canonical_id", "schema", "prop", "prop_type", "value", "source")
#: What the queries of held records are built from: people's statements, and the holders and numbers of the identity
#: documents (FtM Passport, Identification) they hold.
HELD_SCHEMATA = frozenset({"Person"}) | DOCUMENT_SCHEMATA
HELD_PROPS = QUERY_PROPS | DOCUMENT_NUMBERS | {DOCUMENT_HOLDER}


def list_source_names(store: Store, only: Iterable[str] | None = None, viewer: Viewer | None = None) -> list[str]:
    """Registered list sources (sanctions lists, watchlists), optionally narrowed by name; a list named that the
    `viewer` may not screen against is as unknown to them as one never registered. (Unnamed, every list is
    screened for what of it the viewer may see: one whose warrant their purpose does not unlock gives no hits.)"""
    with store.engine.connect() as conn:
        names = [r[0] for r in conn.execute(select(sources.c.name).where(sources.c.is_list.is_(True)))]
    if only:
        if viewer is not None:
            names = [n for n in names if source_visible(store, viewer, store.get_source(n), "screen")]
        wanted = set(only)
        unknown = wanted - set(names)
        if unknown:
            raise NotFound(f"not a registered list source: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in wanted]
    return sorted(names)


def list_statements(store: Store, viewer: Viewer, names: list[str]) -> pa.Table:
    """The live statements of the given list sources that the viewer may see, as Arrow."""
    query = select(*(S[c] for c in INDEX_COLUMNS)).where(
        live(), S.source.in_(names), statement_clause(viewer, statements, "screen")
    )
    chunks = []
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=50_000).execute(query)
        for part in result.partitions():
            columns = list(zip(*part))
            chunks.append(pa.table({c: pa.array(columns[i], pa.string()) for i, c in enumerate(INDEX_COLUMNS)}))
    if not chunks:
        return pa.table({c: pa.array([], pa.string()) for c in INDEX_COLUMNS})
    return pa.concat_tables(chunks)


def holdings_queries(store: Store, viewer: Viewer) -> pa.Table:
    """The screening queries of every person record the viewer may see outside the lists: one per document number
    it has, its own or an identity document's it holds (`person_queries.sql`, over the viewer's view of a snapshot
    of what the queries are built from)."""
    held = (S.source.not_in(list_source_names(store)), S.schema.in_(HELD_SCHEMATA), S.prop.in_(HELD_PROPS))
    folder = load_settings().snapshot_dir  # the workspace's, not the machine's shared /tmp: it holds every agency's
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="holdings-", dir=folder) as directory, DuckDBEngine() as session:
        session.use_snapshot(take_snapshot(store, Path(directory), *held), viewer, action="screen")
        return person_queries(session)


def person_queries(session: EngineSession) -> pa.Table:
    """`person_queries.sql` over the session's `statements`."""
    return session.run("person_queries", document_schemata=DOCUMENT_SCHEMATA, holder_prop=DOCUMENT_HOLDER,
                       number_props=DOCUMENT_NUMBERS,
                       **{f"{field}_props": props for field, props in QUERY_FIELD_PROPS.items()})


def build_index(store: Store, viewer: Viewer, lists: Iterable[str] | None = None) -> ScreenIndex:
    names = list_source_names(store, lists, viewer)
    if not names:
        raise Conflict(NO_LISTS)
    index = ScreenIndex()
    index.add_statements(list_statements(store, viewer, names))
    return index


GROUPED_QUERIES = 16


@dataclass(frozen=True)
class _Shared:
    """What a server's request threads share per cached index.

    `lock`: screening a query adds its unseen name parts to the index's vocabulary (and memoises part
    similarities), which is not safe from two threads at once; the work under it holds the GIL anyway, so it
    costs a worker no parallelism. `group`: small requests screened at the same time go to the matcher as one
    batch, since much of its cost is per call (one name 13.5 ms of CPU, sixteen names 44 ms)."""
    lock: threading.Lock
    group: "Group[tuple[pa.Table, float, int], pa.Table]"


_SHARED: "weakref.WeakKeyDictionary[ScreenIndex, _Shared]" = weakref.WeakKeyDictionary()
_SHARED_GUARD = threading.Lock()


def _shared(index: ScreenIndex) -> _Shared:
    with _SHARED_GUARD:
        found = _SHARED.get(index)
        if found is None:
            found = _SHARED[index] = _Shared(threading.Lock(), Group(functools.partial(_screen_together, weakref.ref(index))))
        return found


def _screen_together(index_ref: "weakref.ref[ScreenIndex]", requests: Sequence[tuple[pa.Table, float, int]]) -> list[pa.Table]:
    """Each request's hits, as `screen_batch` gives them for its queries alone (its own query ids, in its order). The
    requests' query tables are the matcher's already (`_answered`, their one submitter, makes them)."""
    index = index_ref()
    if index is None:
        raise RuntimeError("the screening index was dropped while requests waited on it")
    answers: list[pa.Table | None] = [None] * len(requests)
    alike: dict[tuple, list[int]] = {}  # requests that can share a call: the same options
    tables = [queries for queries, _, _ in requests]
    for n, (_, threshold, limit) in enumerate(requests):
        alike.setdefault((threshold, limit), []).append(n)
    for (threshold, limit), members in alike.items():
        sizes = np.array([tables[n].num_rows for n in members])
        combined = pa.concat_tables([tables[n] for n in members])
        # Row numbers across the combined batch tell the requests' hits apart; each gets its own ids back.
        own_ids = combined.column("id")
        combined = combined.set_column(combined.column_names.index("id"), "id",
                                       pa.array(np.arange(combined.num_rows).astype(str)))
        with _shared(index).lock:
            hits = screen_batch(index, combined, threshold, limit, normalised=True)
        rows = pc.cast(hits.column("query_id"), pa.int64())
        hits = hits.set_column(hits.column_names.index("query_id"), "query_id", pc.take(own_ids, rows))
        owner = np.searchsorted(np.cumsum(sizes), rows.to_numpy(), side="right")
        for k, n in enumerate(members):
            answers[n] = hits.filter(pa.array(owner == k))
    return answers  # type: ignore[return-value]


def warm_up() -> None:
    """Build what the first screening of an unknown name would (rigour's name automaton), and the Python form of
    the token separator that spares each small request compiling RE2's Unicode classes, as a server starts."""
    warm_tagger()
    warm_token_splits()


class IndexCache:
    """Screening indexes kept between requests (a server's), one per visibility and list selection.

    An index is reused while the lists are unchanged (`data_version` of the list sources: no ingest
    into them, registration, resolution, retention or warrant change since; data streaming into other
    sources does not count) and the warrants the viewer may use now are the same ones (a warrant that
    expires takes its statements out of the next index), for at most `ttl` seconds. Both are asked at most
    every `recheck` seconds (nine queries a request otherwise): a list loaded or a warrant expired meanwhile
    counts from the next check on.
    """

    def __init__(self, ttl: float = 3600.0, size: int = 8, recheck: float = 1.0) -> None:
        self.ttl = ttl
        self.size = size
        self.recheck = recheck
        self._entries: dict[tuple, tuple[float, ScreenIndex]] = {}
        self._versions: dict[tuple, tuple[float, tuple[tuple[str, ...], str]]] = {}
        self._usable: dict[str, tuple[float, frozenset[str]]] = {}
        self._building: dict[tuple, threading.Lock] = {}
        self._asking: set[tuple] = set()
        self._lock = threading.Lock()

    def _recent(self, answers: dict, key, now: float, ask: Callable[[], object]):
        """`ask()`'s answer for `key`, asked again once `recheck` seconds have passed, by one thread: while it asks,
        the others keep the answer before if it is less than twice `recheck` old (after an idle spell each asks for
        itself). At most 256 keys are kept (purposes are the caller's words)."""
        asking = (id(answers), key)
        with self._lock:
            known = answers.get(key)
            if known and (now - known[0] < self.recheck
                          or (asking in self._asking and now - known[0] < 2 * self.recheck)):
                return known[1]
            self._asking.add(asking)
        try:
            answer = ask()
        finally:
            with self._lock:
                self._asking.discard(asking)
        with self._lock:
            if len(answers) >= 256:
                answers.clear()
            answers[key] = (now, answer)
        return answer

    def _lists(self, store: Store, viewer: Viewer, lists: Iterable[str] | None, now: float) -> tuple[tuple[str, ...], str]:
        """The list sources screened against (lists named: those the viewer may know of) and their data version."""
        def ask() -> tuple[tuple[str, ...], str]:
            names = tuple(list_source_names(store, lists, viewer if lists else None))
            return names, data_version(store, only=names)

        key = (tuple(sorted(lists)), viewer.agency, viewer.clearance, viewer.compartments, viewer.roles, viewer.purpose) \
            if lists else ()
        return self._recent(self._versions, key, now, ask)

    def _warrants(self, store: Store, viewer: Viewer, now: float) -> frozenset[str]:
        """The warrants whose statements the viewer may use now (in force, or allowing their purpose)."""
        def ask() -> frozenset[str]:
            with store.engine.connect() as conn:
                return frozenset(conn.execute(usable_warrants(viewer)).scalars())

        return self._recent(self._usable, viewer.purpose, now, ask)

    def get(self, store: Store, viewer: Viewer, lists: Iterable[str] | None = None) -> ScreenIndex:
        require(viewer, "screen")
        now = time.monotonic()
        names, version = self._lists(store, viewer, lists, now)
        # The purpose counts only through the warrants it unlocks: a caller naming new purposes builds no new index.
        key = (viewer.agency, viewer.clearance, viewer.compartments, viewer.roles, viewer.scopes,
               self._warrants(store, viewer, now), tuple(sorted(lists or ())), names, version)
        with self._lock:
            found = self._entries.get(key)
            if found and now - found[0] < self.ttl:
                return found[1]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per key: requests arriving meanwhile wait for it rather than build their own
            with self._lock:
                found = self._entries.get(key)
                if found and now - found[0] < self.ttl:
                    return found[1]
            try:
                return self._build(store, viewer, lists, key, now)
            finally:
                with self._lock:
                    self._building.pop(key, None)

    def _build(self, store: Store, viewer: Viewer, lists: Iterable[str] | None, key: tuple, now: float) -> ScreenIndex:
        index = build_index(store, viewer, lists)
        # A kept index is millions of long-lived objects; without this every full collection of the cyclic
        # collector walks them all again (a pause of ~200 ms every dozen 300-passenger messages). Unfrozen
        # first, so that what earlier, since evicted indexes left is collected in this one pause.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        with self._lock:
            self._entries[key] = (now, index)
            for stale in sorted(self._entries, key=lambda k: self._entries[k][0])[: max(0, len(self._entries) - self.size)]:
                del self._entries[stale]
        return index


def screen(
    store: Store,
    viewer: Viewer,
    queries: pa.Table,
    threshold: float = SCREEN_THRESHOLD,
    lists: Iterable[str] | None = None,
    index: ScreenIndex | None = None,
    limit: int = 10,
    progress: Callable[[int], None] | None = None,
    alerts: bool = False,
    holdings: bool = False,
    kind: str = KIND,
) -> pa.Table:
    """Hits for a table of queries (id, name, birth_date, nationality, gender, document, schema): in query order,
    best first, at most `limit` each, without those an analyst dismissed. With `alerts`, each hit is raised as
    an alert and carries its `alert_id` and `alert_state`; `holdings` says the queries are records the store holds
    (their ids are entity ids; a record asked once per document it has keeps its best hit on each listed entity);
    `kind` is the alerts' kind (travel screening raises `travel` alerts)."""
    require(viewer, "screen")
    _check_queries(queries)
    index = index or build_index(store, viewer, lists)
    hits, asked = _answered(index, queries, threshold, limit, progress)
    if holdings:  # before dismissals: a dismissed best hit is not replaced by the record's next best on that entity
        best = best_hit_rows(hits, hits.column("query_id"))
        hits, asked = hits.take(best), asked.take(best)
    subjects = hit_subjects(store, hits, viewer, holdings)
    keys = hit_keys(subjects, hits, kind)
    dismissed = dismissed_keys(store, viewer, keys, "screen")
    if dismissed:  # keeps screen_batch's order: queries as given, best hit first
        keep = [k not in dismissed for k in keys]
        hits, asked = hits.filter(pa.array(keep)), asked.filter(pa.array(keep))
        subjects = [s for s, kept in zip(subjects, keep) if kept]
        keys = [k for k, kept in zip(keys, keep) if kept]
    raised = {}
    if alerts and hits.num_rows:
        raised = raise_alerts(store, viewer, screening_alerts(store, viewer, asked, hits, subjects, holdings, kind), "screen")
        # An alert another agency's evidence hides from this viewer is raised, but not shown to them.
        shown = visible_alert_ids(store, viewer, [alert_id for alert_id, _ in raised.values()], "screen")
        raised = {key: found for key, found in raised.items() if found[0] in shown}
    hits = hits.append_column("alert_id", pa.array([raised[k][0] if k in raised else None for k in keys], pa.int64()))
    hits = hits.append_column("alert_state", pa.array([raised[k][1] if k in raised else None for k in keys], pa.string()))
    audit.log_event(
        store, viewer, "screen",
        {"queries": queries.num_rows, "threshold": threshold, "lists": sorted(lists or []), "alerts": alerts},
        sorted(set(hits.column("entity_id").to_pylist())),
    )
    return hits


def screen_holdings(
    store: Store,
    viewer: Viewer,
    threshold: float = SCREEN_THRESHOLD,
    lists: Iterable[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Screen every person record the viewer may see outside the lists; each hit becomes an alert.
    Returns the queries and the hits."""
    require(viewer, "screen")
    index = build_index(store, viewer, lists)
    queries = holdings_queries(store, viewer)
    hits = screen(store, viewer, queries, threshold, lists, index, progress=progress, alerts=True, holdings=True)
    return queries, hits


def records_asked(queries: pa.Table) -> int:
    """How many records (distinct query ids) a query table asks about: a held record is asked once per document."""
    return pc.count_distinct(queries.column("id")).as_py()


def best_hit_rows(hits: pa.Table, owners: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The rows of `hits` that are the best of their owner's (`owners`, row for row: the person each hit's query
    asks about) on their listed entity, the first of equal scores; in the order of `hits`. A person asked once per
    document they carry is one hit on a listed entity, not one per document."""
    ranked = pa.table({"owner": owners, "entity": hits.column("entity_id"), "score": hits.column("score"),
                       "row": np.arange(hits.num_rows)})
    ranked = ranked.take(pc.sort_indices(ranked, [("owner", "ascending"), ("entity", "ascending"),
                                                  ("score", "descending"), ("row", "ascending")]))
    owner, entity = ranked.column("owner"), ranked.column("entity")
    later = pc.and_(pc.equal(owner[1:], owner[:-1]), pc.equal(entity[1:], entity[:-1]))
    first = np.concatenate([[True], ~later.to_numpy()]) if hits.num_rows else np.zeros(0, bool)
    return np.sort(ranked.column("row").to_numpy()[first])


def _answered(index: ScreenIndex, queries: pa.Table, threshold: float, limit: int,
              progress: Callable[[int], None] | None) -> tuple[pa.Table, pa.Table]:
    """The hits, and row for row the query each answers. The matcher is given the queries numbered by row, since an
    id may be missing (a single query sent to the API) or repeated (a held record asked once per document); each hit
    gets its query's id back, or its row number where it has none (as `screen.query_table` numbers them)."""
    table = matcher_queries(queries)
    numbered = table.set_column(table.column_names.index("id"), "id", pa.array(np.arange(table.num_rows).astype(str)))
    if progress is None and table.num_rows <= GROUPED_QUERIES:
        hits = _shared(index).group.submit((numbered, threshold, limit))
    else:
        with _shared(index).lock:
            hits = screen_batch(index, numbered, threshold, limit, progress=progress, normalised=True)
    rows = pc.cast(hits.column("query_id"), pa.int64())
    hits = hits.set_column(hits.column_names.index("query_id"), "query_id", pc.take(table.column("id"), rows))
    return hits, queries.take(rows)


def _check_queries(queries: pa.Table) -> None:
    if "name" not in queries.column_names:
        raise InvalidInput("queries need a 'name' column")
    if "schema" in queries.column_names:
        try:
            check_schemata([s for s in queries.column("schema").to_pylist() if s is not None])
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None


def query_table(*queries: dict) -> pa.Table:
    """Queries (id, name, birth_date, nationality, gender, document, schema) as a screening table."""
    return pa.table({name: pa.array([q.get(name) for q in queries], pa.string()) for name in QUERY_FIELDS})


def read_queries(path: Path) -> pa.Table:
    """Queries from a CSV file with columns id,name[,birth_date,nationality,gender,document,schema]. A file with a
    bad row is refused whole, every problem of every bad row named by its line and field: a screening of part of it
    could be taken for a screening of all of it."""
    malformed: list[pacsv.InvalidRow] = []

    def skip(row: pacsv.InvalidRow) -> str:
        malformed.append(row)
        return "skip"

    try:
        check_file(path)
        with pa.input_stream(path) as stream:  # decompressed by its name, as read_csv(path) would
            file = _LineCountingFile(stream)
            table = pacsv.read_csv(file, read_options=pacsv.ReadOptions(use_threads=False),  # one thread: rows known
                                   parse_options=pacsv.ParseOptions(invalid_row_handler=skip),
                                   convert_options=pacsv.ConvertOptions(
                                       column_types={c: pa.string() for c in QUERY_FIELDS}, strings_can_be_null=True))
    except (SourceError, pa.ArrowInvalid) as exc:
        raise InvalidInput(f"{path}: {exc}") from None
    missing = [c for c in ("id", "name") if c not in table.column_names]
    if missing:
        raise InvalidInput(f"{path}: missing column(s) {', '.join(missing)} "
                           "(needs id,name[,birth_date,nationality,gender,document,schema])")
    problems = _row_problems(table, malformed, file.lines)
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS:,} more)" if len(problems) > MAX_PROBLEMS else ""
        raise InvalidInput(f"{path}: " + f"; {path}: ".join(problems[:MAX_PROBLEMS]) + more)
    return table.select([c for c in QUERY_FIELDS if c in table.column_names])


MAX_PROBLEMS = 20  # a refusal names this many problems, and counts the rest
MAX_NAME_LENGTH = 1000  # characters: no one's name is longer, and a longer one is a mistake or an attack


class _LineCountingFile:
    """A binary file that counts the lines read from it, so that reading a file once also tells its lines."""

    def __init__(self, file: pa.NativeFile):
        self.file, self.breaks, self.ends_with_break = file, 0, True

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        if chunk:
            self.breaks += chunk.count(b"\n")
            self.ends_with_break = chunk.endswith(b"\n")
        return chunk

    @property
    def closed(self) -> bool:
        return self.file.closed

    @property
    def lines(self) -> int:
        return self.breaks + (not self.ends_with_break)


def _row_problems(table: pa.Table, malformed: list[pacsv.InvalidRow], lines: int) -> list[str]:
    """Every problem of every row, in line order: a malformed row's count of fields (the reader skipped it), a read
    row's bad fields."""
    skipped = {row.number - 2: row for row in malformed}  # by place among the rows below the header (row 1)
    places = _read_row_places(table.num_rows, list(skipped))
    name = _row_names(table, places, skipped, lines)
    found = [(place, f"{row.actual_columns} fields where the header has {row.expected_columns}")
             for place, row in skipped.items()]
    found += [(places[i], problem) for i, problem in _bad_queries(table, lambda i: name(places[i]))]
    return [f"{name(place)}: {problem}" for place, problem in sorted(found, key=lambda p: p[0])]


def _read_row_places(rows: int, skipped: list[int]) -> np.ndarray:
    """Each read row's place among the rows below the header, the skipped ones among them."""
    read = np.ones(rows + len(skipped), bool)
    read[skipped] = False
    return np.flatnonzero(read)


def _row_names(table: pa.Table, places: np.ndarray, skipped: dict[int, pacsv.InvalidRow],
               lines: int) -> Callable[[int], str]:
    """How a refusal names a row, by its place: by the line it starts on (a quoted value may span lines), or by its
    number where the file has lines no row accounts for (blank ones, which the reader skips)."""
    spans = np.ones(len(places) + len(skipped), np.int64)
    spans[places] += _line_breaks(table)
    for place, row in skipped.items():
        spans[place] += row.text.count("\n")
    header = 1 + sum(column.count("\n") for column in table.column_names)
    if header + spans.sum() != lines:
        return lambda place: f"row {place + 1}"
    starts = header + 1 + np.cumsum(spans) - spans
    return lambda place: f"line {starts[place]}"


def _line_breaks(table: pa.Table) -> np.ndarray:
    """How many line breaks each row's values hold."""
    breaks = np.zeros(table.num_rows, np.int64)
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            breaks += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy()
    return breaks


def _bad_queries(table: pa.Table, row: Callable[[int], str]) -> list[tuple[int, str]]:
    """Each bad field of each row, as (row index, problem): an empty or overlong name, an empty or repeated id, a
    birth date that is not one, a schema that cannot be screened."""
    problems: list[tuple[int, str]] = []
    names, ids = pc.fill_null(table["name"], ""), pc.fill_null(table["id"], "")
    for where, why in ((pc.equal(pc.utf8_trim_whitespace(names), ""), "name: empty"),
                       (pc.greater(pc.utf8_length(names), MAX_NAME_LENGTH), f"name: more than {MAX_NAME_LENGTH:,} "
                                                                           "characters"),
                       (pc.equal(pc.utf8_trim_whitespace(ids), ""), "id: empty")):
        problems += [(i, why) for i in pc.indices_nonzero(where).to_pylist()]
    counts = pc.value_counts(ids)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    first: dict[str, int] = {}
    for i in pc.indices_nonzero(pc.is_in(ids, repeated)).to_pylist():
        query_id = ids[i].as_py()
        if query_id and first.setdefault(query_id, i) != i:
            problems.append((i, f"id: {query_id[:64]!r} is the id of {row(first[query_id])} too"))
    for field, check in (("birth_date", check_birth_date), ("schema", lambda v: check_schemata([v]))):
        if field in table.column_names:
            refused = {}
            for value in pc.unique(table[field]).drop_null().to_pylist():
                try:
                    check(value)
                except ValueError as exc:  # its words name the field
                    refused[value] = str(exc)
            where = pc.is_in(table[field], pa.array(list(refused), pa.string()))
            problems += [(i, refused[table[field][i].as_py()]) for i in pc.indices_nonzero(where).to_pylist()]
    return problems


def judge_hit(
    store: Store, viewer: Viewer, query_key: str, entity_id: str, fingerprint: str, decision: str, reason: str | None = None
) -> dict:
    """Review the alert an ad-hoc hit raised for the viewer's agency (screened with alerts on), by the hit's identity.
    The alert is about the listed entity's least record in the list that hit (`listed_records`): of an entity on
    several lists, the one whose alert has the hit's fingerprint."""
    records = least_listed_records(store, viewer, [entity_id], list_source_names(store)).values()
    subjects = [query_subject(viewer, query_key, record) for record in sorted(records) or [entity_id]]
    return review_alert(store, viewer, _hit_alert(store, viewer, subjects, fingerprint), decision, reason)


def _hit_alert(store: Store, viewer: Viewer, subjects: list[str], fingerprint: str) -> int:
    """The screening alert with one of these subjects and this fingerprint that the viewer may see."""
    *others, last = subjects
    for subject in others:
        with contextlib.suppress(NotFound):
            return find_alert(store, viewer, KIND, subject, fingerprint)
    return find_alert(store, viewer, KIND, last, fingerprint)
