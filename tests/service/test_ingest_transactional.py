"""A file its reader rejects is not resumed, and changes the source registry only with data it committed; a run
interrupted part-way still resumes (both databases)."""

import orjson
import pytest
from sqlalchemy import select

from nexus.ingest import ingest
from nexus.model import Labels
from nexus.sources import SourceError, get_format
from nexus.store.schema import ingest_runs
from nexus.store.store import source_row


def people(path, n):
    path.write_bytes(b"".join(orjson.dumps({"id": f"p{i}", "schema": "Person", "properties": {"name": [f"Person {i}"]}})
                              + b"\n" for i in range(n)))
    return path


def cut_at(path, limit, error):
    """The file's records until `limit`, then `error` (a reader's rejection, or the process dying)."""
    for record in get_format("ftm").read(path):
        if record.position == limit:
            raise error
        yield record


def statuses(store):
    with store.engine.connect() as conn:
        return list(conn.execute(select(ingest_runs.c.status).order_by(ingest_runs.c.id)).scalars())


def test_a_rejected_file_is_not_resumed_and_registers_only_with_what_it_committed(store, tmp_path, monkeypatch):
    monkeypatch.setattr("nexus.ingest.BATCH_STATEMENTS", 10)
    path = people(tmp_path / "people.json", 100)
    row = source_row("police", "ftm", Labels(agency="POLICE"))
    with pytest.raises(SourceError):  # before a batch: nothing of it stays
        ingest(store, "police", path, cut_at(path, 3, SourceError("truncated")), registration=row)
    assert store.get_source("police") is None and statuses(store) == ["failed"]
    with pytest.raises(SourceError):  # after batches: registered with what they committed, and not resumed
        ingest(store, "police", path, cut_at(path, 43, SourceError("truncated")), registration=row)
    assert store.get_source("police")["agency"] == "POLICE" and statuses(store) == ["failed", "failed"]
    with pytest.raises(KeyboardInterrupt):
        ingest(store, "police", path, cut_at(path, 43, KeyboardInterrupt()), registration=row)
    assert statuses(store)[-1] == "running"
    resumed = ingest(store, "police", path, get_format("ftm").read(path), registration=row)
    assert resumed.resumed_from > 0 and statuses(store)[-1] == "complete"
