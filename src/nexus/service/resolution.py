"""Entity resolution as a service action: run it over a snapshot, judge pairs, audit both.

Resolution runs over every statement (it decides which records are the same entity,
not who sees them: `EVERY_STATEMENT`); reads stay filtered per viewer because every
statement keeps its labels. A judgement, though, is an analyst's word on two records and
changes the entities everyone sees: it may name only source records the analyst may read
(a live statement of each, by the policy `get_entity` reads with). Any other id, hidden,
unknown, retired or a canonical id, is refused as one that does not exist.
"""

import tempfile
from pathlib import Path

import pyarrow.compute as pc
from sqlalchemy import select

from nexus.engine import EVERY_STATEMENT, open_engine, take_snapshot
from nexus.errors import InvalidInput, NotFound
from nexus.resolve import Resolution, judge, load_judgements, resolve, write_resolution
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.entities import canonical_query
from nexus.store import Store
from nexus.store.schema import judgements

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
    """An analyst's same / not-same decision on two records; it overrides the model at once.

    Both must be source records (entity ids) of which the viewer may read a live statement. Any other id is
    refused with NotFound, worded as for a record that does not exist whether it is hidden from them or absent,
    audited as not found, and nothing is written or re-clustered."""
    require(viewer, "judge")
    require(viewer, "read")  # a judgement names records: one who may not read any could judge none
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if left_id == right_id:
        raise InvalidInput("a judgement is about two different records")
    unknown = _first_unjudgeable(store, viewer, (left_id, right_id))
    if unknown is not None:
        audit.log_event(store, viewer, "resolve.judge",
                        {"left_id": left_id, "right_id": right_id, "decision": decision, "reason": reason},
                        [], outcome="not found")
        raise NotFound(f"no entity {unknown!r}", audited=True)
    judge(store, left_id, right_id, decision, viewer.user, reason)
    audit.log_event(store, viewer, "resolve.judge", {"decision": decision, "reason": reason}, [left_id, right_id])


_ID_LIMIT = judgements.c.left_id.type.length  # an id the judgements table could not hold names no record


def _first_unjudgeable(store: Store, viewer: Viewer, record_ids: tuple[str, ...]) -> str | None:
    """The first of ``record_ids`` that is not a source record the viewer may read a live statement of, else None.
    The ids are looked at in the order given, never in an order that depends on what exists, so which one is named
    says nothing about the other."""
    with store.engine.connect() as conn:
        for record_id in record_ids:
            if (not isinstance(record_id, str) or not record_id or len(record_id) > _ID_LIMIT
                    or "\x00" in record_id):
                return record_id
            if conn.execute(select(canonical_query(viewer, record_id))).scalar() is None:
                return record_id
    return None
