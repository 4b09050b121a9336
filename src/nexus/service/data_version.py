"""One version of what derived views (screening indexes, link graphs) are built from, read from small tables only.

Statements change only through ingest runs (loads, label refreshes, retirements: each run's
row moves as its batches land), canonical ids only through resolutions and judgements, what
a source is (a list or not) through its registration, and what a viewer may use through the
warrants. A view built at one version is current while the version is unchanged.
"""

import hashlib
from collections.abc import Collection

import orjson
from sqlalchemy import func, select

from nexus.store import Store
from nexus.store.schema import audit_log, ingest_runs, judgements, resolution_edges, retention_runs, sources, warrants

#: Audited actions that change canonical ids (a resolution run may record no scored pair).
_RESOLVING = ("resolve", "resolve.judge")


def data_version(store: Store, only: Collection[str] | None = None) -> str:
    """The version of everything, or (`only`) of what these sources hold: a screening index over the lists
    stays current while passenger data streams into other sources."""
    runs = ingest_runs.c
    of_runs = [runs.source.in_(sorted(only))] if only is not None else []
    of_sources = [sources.c.name.in_(sorted(only))] if only is not None else []
    with store.engine.connect() as conn:
        facts = [
            *conn.execute(select(func.max(runs.id), func.count(runs.finished_at), func.sum(runs.records_done),
                                 func.sum(runs.statements), func.sum(runs.retired)).where(*of_runs)).one(),
            conn.execute(select(func.max(sources.c.updated_at)).where(*of_sources)).scalar(),
            conn.execute(select(func.max(retention_runs.c.id))).scalar(),
            *conn.execute(select(func.count(warrants.c.id), func.max(warrants.c.revoked_at))).one(),
            conn.execute(select(func.max(resolution_edges.c.created_at))).scalar(),
            conn.execute(select(func.max(judgements.c.id))).scalar(),
            conn.execute(select(func.max(audit_log.c.seq)).where(audit_log.c.action.in_(_RESOLVING))).scalar(),
        ]
    return hashlib.sha256(orjson.dumps([str(f) for f in facts])).hexdigest()[:20]
