"""Resolution results in the store: canonical ids, the run's scored pairs, and judgements.

Canonical ids are written in one transaction through a staging table and a single
UPDATE … FROM (SQLite ≥ 3.33 and PostgreSQL share the syntax). Source statements keep
their entity_id and values: only canonical_id changes, and `recluster` can always
recompute it from the stored pairs and judgements — which is how a merge is undone.
"""

from collections.abc import Mapping

import pyarrow as pa
from sqlalchemy import Connection, insert, select

from nexus.resolve.clusters import DEFAULT_THRESHOLD, Clustering, Judgement, cluster
from nexus.resolve.run import Resolution
from nexus.store import Store, utc_now
from nexus.store.schema import judgements, resolution_edges, statements

_STAGE = "nx_canonical_stage"
_UPDATE = (
    f"UPDATE statements SET canonical_id = s.canonical_id FROM {_STAGE} s "
    f"WHERE statements.entity_id = s.entity_id AND statements.canonical_id <> s.canonical_id"
)
_BATCH = 50_000


def apply_canonical_ids(store: Store, mapping: pa.Table | Mapping[str, str]) -> int:
    """Set statements.canonical_id from ``mapping`` (entity_id -> canonical_id); returns rows changed."""
    pairs = _pairs(mapping)
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _stage_postgres(conn, pairs)
        else:
            _stage_sqlite(conn, pairs)
        changed = conn.exec_driver_sql(_UPDATE).rowcount
        conn.exec_driver_sql(f"DROP TABLE {_STAGE}")
    return changed


def _pairs(mapping: pa.Table | Mapping[str, str]) -> list[tuple[str, str]]:
    if isinstance(mapping, pa.Table):
        return list(zip(mapping["entity_id"].to_pylist(), mapping["canonical_id"].to_pylist()))
    return list(mapping.items())


def _stage_sqlite(conn: Connection, pairs: list[tuple[str, str]]) -> None:
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_STAGE} (entity_id TEXT PRIMARY KEY, canonical_id TEXT NOT NULL)")
    cursor = conn.connection.driver_connection.cursor()
    try:
        for start in range(0, len(pairs), _BATCH):
            cursor.executemany(f"INSERT INTO {_STAGE} VALUES (?, ?)", pairs[start : start + _BATCH])
    finally:
        cursor.close()


def _stage_postgres(conn: Connection, pairs: list[tuple[str, str]]) -> None:
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {_STAGE} (entity_id TEXT PRIMARY KEY, canonical_id TEXT NOT NULL) ON COMMIT DROP"
    )
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY {_STAGE} (entity_id, canonical_id) FROM STDIN") as copy:
            for pair in pairs:
                copy.write_row(pair)
        cur.execute(f"ANALYZE {_STAGE}")


def write_resolution(store: Store, resolution: Resolution) -> int:
    """Keep the run's scored pairs and apply its canonical ids; returns statement rows changed."""
    record_resolution(store, resolution)
    return apply_canonical_ids(store, resolution.mapping)


def record_resolution(store: Store, resolution: Resolution) -> None:
    """Keep the run's scored pairs, the evidence `recluster` works from."""
    now = utc_now()
    edges = resolution.edges
    rows = [
        dict(run_id=resolution.run_id, left_id=left, right_id=right, score=score,
             method=resolution.method, created_at=now)
        for left, right, score in zip(*(edges[c].to_pylist() for c in ("left_id", "right_id", "score")))
    ]
    with store.engine.begin() as conn:
        for start in range(0, len(rows), _BATCH):
            conn.execute(insert(resolution_edges), rows[start : start + _BATCH])


def add_judgement(store: Store, left_id: str, right_id: str, decision: str, user: str,
                  reason: str | None = None) -> Judgement:
    judgement = Judgement(left_id, right_id, decision)
    left, right = judgement.pair
    with store.engine.begin() as conn:
        conn.execute(insert(judgements).values(left_id=left, right_id=right, decision=decision, user=user,
                                               reason=reason, created_at=utc_now()))
    return judgement


def load_judgements(store: Store) -> list[Judgement]:
    """Every judgement, oldest first (so a later one on the same pair wins)."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(judgements.c.left_id, judgements.c.right_id, judgements.c.decision).order_by(judgements.c.id)
        )
        return [Judgement(*row) for row in rows]


def latest_edges(store: Store) -> pa.Table:
    """The scored pairs of the most recent run."""
    with store.engine.connect() as conn:
        latest = conn.execute(
            select(resolution_edges.c.run_id).order_by(resolution_edges.c.created_at.desc()).limit(1)
        ).scalar()
        rows = conn.execute(
            select(resolution_edges.c.left_id, resolution_edges.c.right_id, resolution_edges.c.score)
            .where(resolution_edges.c.run_id == latest)
        ).all()
    columns = list(zip(*rows)) or [(), (), ()]
    return pa.table({
        "left_id": pa.array(columns[0], pa.string()),
        "right_id": pa.array(columns[1], pa.string()),
        "score": pa.array(columns[2], pa.float64()),
    })


def recluster(store: Store, threshold: float = DEFAULT_THRESHOLD) -> Clustering:
    """Recompute and apply canonical ids from the latest run's pairs and every judgement."""
    edges = latest_edges(store)
    with store.engine.connect() as conn:
        merged = conn.execute(
            select(statements.c.entity_id).where(statements.c.canonical_id != statements.c.entity_id).distinct()
        ).scalars().all()
    ids = pa.concat_arrays([edges["left_id"].combine_chunks(), edges["right_id"].combine_chunks(),
                            pa.array(merged, pa.string())])
    clustering = cluster(ids, edges, load_judgements(store), threshold)
    apply_canonical_ids(store, clustering.mapping)
    return clustering


def judge(store: Store, left_id: str, right_id: str, decision: str, user: str, reason: str | None = None,
          threshold: float = DEFAULT_THRESHOLD) -> Clustering:
    """Record an analyst's decision on a pair and bring canonical ids in line with it.

    ``not_same`` on a merged pair undoes that merge; ``same`` forces one.
    """
    add_judgement(store, left_id, right_id, decision, user, reason)
    return recluster(store, threshold)

