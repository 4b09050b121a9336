"""Exporting FtM JSON lines: a release of data, so ORCON and the export role apply."""

from collections.abc import Iterator
from typing import IO

import orjson
from followthemoney import EntityProxy

from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.entities import S, visible_statements
from nexus.service.export_marks import marked_entities
from nexus.store import Store


def iter_export(store: Store, viewer: Viewer) -> Iterator[EntityProxy]:
    require(viewer, "export")
    query = visible_statements(viewer, "export").order_by(S.canonical_id, S.prop, S.value)
    with store.engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(query)
        yield from marked_entities(rows)  # each with its provenance: sources, agencies, classification, seen


def export_ftm(store: Store, viewer: Viewer, out: IO[bytes]) -> int:
    """Write every visible entity as one FtM JSON line; returns the number written."""
    ids = []
    for entity in iter_export(store, viewer):
        out.write(orjson.dumps(entity.to_dict()) + b"\n")
        ids.append(entity.id)
    audit.log_event(store, viewer, "export.ftm", {"entities": len(ids)}, ids)
    return len(ids)
