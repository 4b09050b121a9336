"""A file its reader rejects is not resumed, and changes the source registry only with data it committed; a run
interrupted part-way still resumes (both databases)."""

import orjson
import pytest
from sqlalchemy import select

from nexus.errors import InvalidInput
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.ingest import ingest_file
from nexus.sources import SourceError, get_format
from nexus.store.schema import ingest_runs, statements
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


def test_an_empty_file_is_refused_and_retires_nothing(store, tmp_path):
    # A complete re-load retires what the file no longer holds: an empty file by mistake would retire everything.
    owner = Viewer("owner", "LOCAL", frozenset({"administrator"}), Classification.SECRET)
    path = people(tmp_path / "people.json", 3)
    assert ingest_file(store, owner, "ftm", path, "police").statements
    path.write_bytes(b"")
    with pytest.raises(InvalidInput, match="people.json: the file is empty"):
        ingest_file(store, owner, "ftm", path, "police", force=True)
    with store.engine.connect() as conn:
        assert conn.execute(select(statements.c.id).where(statements.c.retired_at.is_not(None))).first() is None
