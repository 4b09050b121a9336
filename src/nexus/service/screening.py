"""Screening against lists, for a viewer: hits, analyst judgements, suppression.

The index is built from the list statements the viewer may see, so no hit rests on a
statement withheld from them. A hit an analyst dismissed is not raised again for the
same question unless the data it rested on (its fingerprint) has changed.
"""

import threading
import time
from collections.abc import Callable, Iterable

import pyarrow as pa
from sqlalchemy import func, insert, select

from nexus.engine import DuckDBEngine
from nexus.screen import SCREEN_THRESHOLD, ScreenIndex, screen_batch
from nexus.security import audit
from nexus.security.policy import require, statement_clause
from nexus.security.viewer import Viewer
from nexus.service.entities import S, live
from nexus.store import Store, utc_now
from nexus.store.schema import ingest_runs, screen_judgements, sources, statements, warrants

DECISIONS = ("confirmed", "dismissed", "unsure")
INDEX_COLUMNS = ("canonical_id", "schema", "prop", "prop_type", "value", "source")


def list_source_names(store: Store, only: Iterable[str] | None = None) -> list[str]:
    """Registered list sources (sanctions lists, watchlists), optionally narrowed by name."""
    with store.engine.connect() as conn:
        names = [r[0] for r in conn.execute(select(sources.c.name).where(sources.c.is_list.is_(True)))]
    if only:
        wanted = set(only)
        unknown = wanted - set(names)
        if unknown:
            raise KeyError(f"not a registered list source: {', '.join(sorted(unknown))}")
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


QUERY_PROPS = ("name", "birthDate", "nationality", "gender", "passportNumber", "idNumber")


def holdings_queries(store: Store, viewer: Viewer) -> pa.Table:
    """A screening query for every person record the viewer may see outside the lists."""
    lists = list_source_names(store)
    query = select(S.entity_id, S.prop, S.value).where(
        live(), S.schema == "Person", S.prop.in_(QUERY_PROPS), S.source.not_in(lists),
        statement_clause(viewer, statements, "screen"),
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    columns = list(zip(*rows)) if rows else [(), (), ()]
    table = pa.table({name: pa.array(col, pa.string()) for name, col in zip(("entity_id", "prop", "value"), columns)})
    engine = DuckDBEngine()
    try:
        engine.register("person_statements", table)
        return engine.run("person_queries")
    finally:
        engine.close()


def build_index(store: Store, viewer: Viewer, lists: Iterable[str] | None = None) -> ScreenIndex:
    index = ScreenIndex()
    names = list_source_names(store, lists)
    if names:
        index.add_statements(list_statements(store, viewer, names))
    return index


class IndexCache:
    """Screening indexes kept between requests (a server's), one per visibility and list selection.

    An index is reused while the list data is unchanged (no ingest run started or
    finished, no warrant added or revoked since) and for at most `ttl` seconds, which
    bounds how long an expired warrant's statements can stay in a cached index.
    """

    def __init__(self, ttl: float = 60.0, size: int = 8) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[tuple, tuple[float, ScreenIndex]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, viewer: Viewer, lists: Iterable[str] | None = None) -> ScreenIndex:
        require(viewer, "screen")
        key = (viewer.agency, viewer.clearance, viewer.compartments, viewer.roles, viewer.scopes, viewer.purpose,
               tuple(sorted(lists or ())), _data_version(store))
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found and now - found[0] < self.ttl:
                return found[1]
        index = build_index(store, viewer, lists)
        with self._lock:
            self._entries[key] = (now, index)
            for stale in sorted(self._entries, key=lambda k: self._entries[k][0])[: max(0, len(self._entries) - self.size)]:
                del self._entries[stale]
        return index


def _data_version(store: Store) -> tuple:
    with store.engine.connect() as conn:
        runs = conn.execute(select(func.max(ingest_runs.c.id), func.count(ingest_runs.c.finished_at))).one()
        granted = conn.execute(select(func.count(warrants.c.id), func.max(warrants.c.revoked_at))).one()
    return tuple(runs) + tuple(granted)


def screen(
    store: Store,
    viewer: Viewer,
    queries: pa.Table,
    threshold: float = SCREEN_THRESHOLD,
    lists: Iterable[str] | None = None,
    index: ScreenIndex | None = None,
    limit: int = 10,
    progress: Callable[[int], None] | None = None,
) -> pa.Table:
    """Hits for a table of queries (id, name, birth_date, nationality, gender, document, schema): in query order,
    best first, at most `limit` each."""
    require(viewer, "screen")
    index = index or build_index(store, viewer, lists)
    hits = screen_batch(index, queries, threshold, limit, progress=progress)
    hits = _without_dismissed(store, hits)  # keeps screen_batch's order: queries as given, best hit first
    audit.log_event(
        store, viewer, "screen",
        {"queries": queries.num_rows, "threshold": threshold, "lists": sorted(lists or [])},
        sorted(set(hits.column("entity_id").to_pylist())),
    )
    return hits


def _without_dismissed(store: Store, hits: pa.Table) -> pa.Table:
    if hits.num_rows == 0:
        return hits
    keys = set(hits.column("query_key").to_pylist())
    latest: dict[tuple[str, str, str], str] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(sorted(keys), 2000):
            rows = conn.execute(
                select(screen_judgements.c.query_key, screen_judgements.c.entity_id,
                       screen_judgements.c.fingerprint, screen_judgements.c.decision)
                .where(screen_judgements.c.query_key.in_(chunk))
                .order_by(screen_judgements.c.id)
            )
            for key, entity, fingerprint, decision in rows:
                latest[(key, entity, fingerprint)] = decision
    dismissed = {k for k, decision in latest.items() if decision == "dismissed"}
    if not dismissed:
        return hits
    triples = zip(*(hits.column(c).to_pylist() for c in ("query_key", "entity_id", "fingerprint")))
    keep = pa.array([t not in dismissed for t in triples])
    return hits.filter(keep)


def judge_hit(
    store: Store, viewer: Viewer, query_key: str, entity_id: str, fingerprint: str, decision: str, reason: str | None = None
) -> None:
    """Record an analyst's decision on a hit; a dismissal needs a reason."""
    require(viewer, "judge")
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if decision == "dismissed" and not (reason and reason.strip()):
        raise ValueError("a dismissal needs a reason")
    with store.engine.begin() as conn:
        conn.execute(insert(screen_judgements).values(
            query_key=query_key, entity_id=entity_id, fingerprint=fingerprint, decision=decision,
            reason=reason, username=viewer.user, created_at=utc_now(),
        ))
        audit.append(conn, viewer, "screen.judge",
                     {"query_key": query_key, "decision": decision, "reason": reason}, [entity_id])


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
