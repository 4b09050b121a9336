"""Idempotence, retirement, bad records, strict mode and crash safety of ingest."""

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from nexus.ingest import IngestFailed, ingest
from nexus.model import Labels
from nexus.sources import get_format
from nexus.store.schema import ingest_errors, ingest_runs, statements


def write_ftm(path: Path, people: dict[str, list[str]], extra_lines: list[str] = ()) -> Path:
    with path.open("wb") as fh:
        for entity_id, names in people.items():
            fh.write(orjson.dumps({"id": entity_id, "schema": "Person", "properties": {"name": names}}) + b"\n")
        for line in extra_lines:
            fh.write(line.encode() + b"\n")
    return path


def load(store, path, **kwargs):
    return ingest(store, "police", path, get_format("ftm").read(path), **kwargs)


def rows(store):
    with store.engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(statements))}


@pytest.fixture
def police(store):
    store.register_source("police", "ftm", Labels(agency="POLICE"))
    return store


def test_reingest_adds_nothing_and_moves_last_seen(police, tmp_path):
    path = write_ftm(tmp_path / "a.json", {"p1": ["Ivan Petrov"], "p2": ["Omar Khalil", "Omar Halil"]})
    first = load(police, path)
    assert (first.entities, first.statements) == (2, 5)
    before = rows(police)
    assert load(police, path).skipped_unchanged
    again = load(police, path, force=True)
    after = rows(police)
    assert again.statements == 5 and set(after) == set(before)
    for key, row in after.items():
        assert row.first_seen == before[key].first_seen
        assert row.last_seen > before[key].last_seen


def test_entities_gone_from_a_file_are_retired_not_deleted(police, tmp_path):
    load(police, write_ftm(tmp_path / "v1.json", {"p1": ["Ivan Petrov"], "p2": ["Omar Khalil"]}))
    result = load(police, write_ftm(tmp_path / "v2.json", {"p1": ["Ivan Petrov"]}))
    assert result.retired == 2  # p2's id and name statements
    current = rows(police)
    assert len(current) == 4
    assert {r.entity_id for r in current.values() if r.retired_at} == {"p2"}
    load(police, write_ftm(tmp_path / "v3.json", {"p1": ["Ivan Petrov"], "p2": ["Omar Khalil"]}))
    assert not any(r.retired_at for r in rows(police).values())


def test_bad_records_are_reported_and_the_rest_loads(police, tmp_path):
    path = write_ftm(
        tmp_path / "bad.json",
        {"p1": ["Ivan Petrov"]},
        ['{"id": "p2", "schema": "Persn", "properties": {}}', "{not json", '{"schema": "Person"}',
         '{"id": "p5", "schema": "Person", "properties": {"name": "not a list"}}',
         '{"id": "p6", "schema": "Person", "properties": {"name": ["Fine"]}}'],
    )
    result = load(police, path)
    assert result.entities == 2
    assert [(e.location, e.field) for e in result.errors] == [
        ("line 2", "schema"), ("line 3", None), ("line 4", "id"), ("line 5", "properties.name"),
    ]
    assert all(e.path == str(path) for e in result.errors)
    with police.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ingest_errors)).scalar_one() == 4


def test_strict_loads_nothing_when_a_record_is_bad(police, tmp_path):
    path = write_ftm(tmp_path / "bad.json", {"p1": ["Ivan Petrov"]}, ["{broken"])
    with pytest.raises(IngestFailed, match="line 2"):
        load(police, path, strict=True)
    assert rows(police) == {}
    with police.engine.connect() as conn:
        assert conn.execute(select(ingest_runs.c.status)).scalar_one() == "failed"


def test_crash_mid_ingest_leaves_whole_batches_and_resumes(police, tmp_path, monkeypatch):
    monkeypatch.setattr("nexus.ingest.BATCH_STATEMENTS", 10)
    path = write_ftm(tmp_path / "big.json", {f"p{i}": [f"Person {i}"] for i in range(100)})

    def crashing(limit):
        for record in get_format("ftm").read(path):
            if record.position == limit:
                raise KeyboardInterrupt  # stands in for the process dying
            yield record

    with pytest.raises(KeyboardInterrupt):
        ingest(police, "police", path, crashing(43))
    with police.engine.connect() as conn:
        run = conn.execute(select(ingest_runs)).mappings().one()
    written = rows(police)
    assert run["status"] == "running"
    assert len(written) == 2 * run["records_done"]  # every committed entity is whole
    assert 0 < run["records_done"] < 43
    resumed = load(police, path)
    assert resumed.resumed_from == run["records_done"]
    assert len(rows(police)) == 200
