"""Snapshots and the same registered SQL on DuckDB and Spark."""

import pytest

from nexus.engine import DuckDBEngine, SparkEngine, take_snapshot
from nexus.ingest import ingest
from nexus.model import Labels
from nexus.sources import get_format
from nexus.store import Store


def zala_snapshot(store, shared_data, tmp_path):
    path = shared_data / "ftm" / "zala_entities.ftm.json"
    store.register_source("zala", "ftm", Labels(agency="OPENSANCTIONS"))
    result = ingest(store, "zala", path, get_format("ftm").read(path))
    snap = take_snapshot(store, tmp_path / "snap")
    assert snap.rows == result.statements
    return snap


def test_duckdb_summarises_entities_from_a_snapshot(store, shared_data, tmp_path):
    engine = DuckDBEngine(zala_snapshot(store, shared_data, tmp_path))
    summary = {r["canonical_id"]: r for r in engine.run("entity_summary").to_pylist()}
    assert len(summary) == 91
    sanctioned = [r for r in summary.values() if "sanction" in r["topics"]]
    assert sanctioned and all(r["sources"] == 1 for r in summary.values())


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_spark_gives_the_same_answer(shared_data, tmp_path):
    snapshot = zala_snapshot(Store.open(url=f"sqlite:///{tmp_path / 'nexus.db'}"), shared_data, tmp_path)
    key = lambda r: r["canonical_id"]  # noqa: E731
    duck = sorted(DuckDBEngine(snapshot).run("entity_summary").to_pylist(), key=key)
    spark = sorted(SparkEngine(snapshot).run("entity_summary").to_pylist(), key=key)
    assert [(r["canonical_id"], r["name"], list(r["topics"])) for r in duck] == [
        (r["canonical_id"], r["name"], list(r["topics"])) for r in spark
    ]
