"""`kill -9` during an ingest: no half-written batch, and a re-run resumes to the same end."""

import os
import signal
import subprocess
import time

import orjson
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from nexus.model.labels import Labels
from nexus.model.statements import entity_statements
from nexus.sources import get_format
from nexus.store.schema import ingest_runs, statements

from .conftest import NEXUS, nexus

ENTITIES = 25_000
PER_ENTITY = 3  # the id, a name and an id number


def write_entities(path, n: int) -> None:
    with path.open("wb") as fh:
        for i in range(n):
            fh.write(orjson.dumps({"id": f"p{i}", "schema": "Person",
                                   "properties": {"name": [f"Person Number {i}"], "idNumber": [f"ID-{i:07d}"]}}) + b"\n")


def expected_ids(path) -> set[str]:
    labels = Labels("LOCAL")
    return {row[0] for record in get_format("ftm").read(path) for proxy in record.entities
            for row in entity_statements(proxy, "big", labels, "", None)}


def wait_for_first_batch(engine, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the ingest finished before it could be killed; make the file larger"
        try:
            with engine.connect() as conn:
                if conn.execute(select(func.max(ingest_runs.c.records_done))).scalar():
                    return
        except SQLAlchemyError:
            pass  # the schema is not there yet
        time.sleep(0.01)
    raise AssertionError("no batch was committed in time")


def test_kill_9_mid_ingest_leaves_committed_batches_only_and_resumes(workspace, database_url, tmp_path):
    path = tmp_path / "big.ftm.json"
    write_entities(path, ENTITIES)
    engine = create_engine(database_url)
    process = subprocess.Popen([*NEXUS, "ingest", "ftm", str(path), "--source", "big"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    wait_for_first_batch(engine, process)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL

    with engine.connect() as conn:
        run = conn.execute(select(ingest_runs)).mappings().one()
        stored = conn.execute(select(func.count()).select_from(statements)).scalar()
    assert run["status"] == "running"
    assert 0 < run["records_done"] < ENTITIES
    assert stored == run["statements"] == PER_ENTITY * run["records_done"]

    resumed = nexus("ingest", "ftm", str(path), "--source", "big")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed after record {run['records_done']:,}" in resumed.stdout
    with engine.connect() as conn:
        final = conn.execute(select(ingest_runs)).mappings().one()
        ids = set(conn.execute(select(statements.c.id)).scalars())
    engine.dispose()
    assert final["status"] == "complete" and final["records_done"] == ENTITIES
    assert ids == expected_ids(path)
