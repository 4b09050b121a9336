"""Entity resolution as a service action: run it over a snapshot, judge pairs, audit both.

Resolution runs over every statement (it decides which records are the same entity,
not who sees them: `EVERY_STATEMENT`); reads stay filtered per viewer because every
statement keeps its labels.
"""

import tempfile
from pathlib import Path

import pyarrow.compute as pc

from nexus.engine import EVERY_STATEMENT, open_engine, take_snapshot
from nexus.errors import InvalidInput
from nexus.resolve import Resolution, judge, load_judgements, resolve, write_resolution
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.store import Store

DECISIONS = ("same", "not_same", "unsure")


def resolve_store(store: Store, viewer: Viewer, engine: str = "duckdb", snapshot_dir: Path | None = None) -> Resolution:
    """Resolve people and organisations across every source; write canonical ids back.

    Raises ``EngineError`` when the engine cannot finish (out of memory, for one).
    """
    require(viewer, "resolve")
    with tempfile.TemporaryDirectory(dir=snapshot_dir) as tmp:
        snapshot = take_snapshot(store, Path(tmp))
        with open_engine(engine, workdir=Path(tmp)) as session:
            session.use_snapshot(snapshot, EVERY_STATEMENT)
            resolution = resolve(None, load_judgements(store), engine=session)
    changed = write_resolution(store, resolution)
    audit.log_event(
        store, viewer, "resolve",
        {"run_id": resolution.run_id, "records": resolution.records, "statements_changed": changed,
         "engine": engine, "clusters_merged": merged_clusters(resolution)},
        [],
    )
    return resolution


def merged_clusters(resolution: Resolution) -> int:
    """How many canonical entities stand for more than one record."""
    sizes = resolution.mapping.group_by("canonical_id").aggregate([("entity_id", "count")])
    return int(pc.sum(pc.greater(sizes["entity_id_count"], 1)).as_py() or 0)


def judge_pair(store: Store, viewer: Viewer, left_id: str, right_id: str, decision: str, reason: str | None = None) -> None:
    """An analyst's same / not-same decision on two records; it overrides the model at once."""
    require(viewer, "judge")
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    judge(store, left_id, right_id, decision, viewer.user, reason)
    audit.log_event(store, viewer, "resolve.judge", {"decision": decision, "reason": reason}, [left_id, right_id])
