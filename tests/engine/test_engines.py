"""Snapshots, named SQL with bound parameters, and the same answers on DuckDB and Spark."""

import pyarrow as pa
import pytest

from nexus.engine import EVERY_STATEMENT, DuckDBEngine, EngineError, SparkEngine, render, take_snapshot
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
    engine = DuckDBEngine()
    engine.use_snapshot(zala_snapshot(store, shared_data, tmp_path), EVERY_STATEMENT)
    summary = {r["canonical_id"]: r for r in engine.run("entity_summary").to_pylist()}
    assert len(summary) == 91
    sanctioned = [r for r in summary.values() if "sanction" in r["topics"]]
    assert sanctioned and all(r["sources"] == 1 for r in summary.values())


def test_parameters_are_bound_as_literals_not_text():
    sql = render("resolve_canonical_ids", "duckdb", prefix="x'; DROP TABLE members; --")
    assert "'x''; DROP TABLE members; --' ||" in sql
    with DuckDBEngine() as engine:
        engine.register("members", pa.table({"entity_id": ["a", "b", "c"], "label": [1, 1, 2]}))
        ids = engine.run("resolve_canonical_ids", prefix="it's-")["canonical_id"].to_pylist()
    assert ids[0] == ids[1] and ids[0].startswith("it's-") and ids[2] == "c"


def test_a_query_needs_every_parameter_and_no_other():
    with pytest.raises(TypeError, match="missing query parameters: prefix"):
        render("resolve_canonical_ids")
    with pytest.raises(TypeError, match="unknown query parameters: other"):
        render("resolve_canonical_ids", prefix="nx-", other=1)


def test_engine_failures_are_one_typed_error():
    with DuckDBEngine() as engine, pytest.raises(EngineError, match="^duckdb failed: .*nx_resolve_features"):
        engine.run("resolve_record_ids")


def test_a_snapshot_needs_a_viewer_or_every_statement(store, shared_data, tmp_path):
    with DuckDBEngine() as engine, pytest.raises(TypeError, match="EVERY_STATEMENT"):
        engine.use_snapshot(zala_snapshot(store, shared_data, tmp_path), None)


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_spark_gives_the_same_answer(spark_session, shared_data, tmp_path):
    snapshot = zala_snapshot(Store.open(url=f"sqlite:///{tmp_path / 'nexus.db'}"), shared_data, tmp_path)
    key = lambda r: r["canonical_id"]  # noqa: E731
    with DuckDBEngine() as duck, SparkEngine(spark=spark_session, workdir=tmp_path) as spark:
        duck.use_snapshot(snapshot, EVERY_STATEMENT)
        spark.use_snapshot(snapshot, EVERY_STATEMENT)
        on_duckdb = sorted(duck.run("entity_summary").to_pylist(), key=key)
        on_spark = sorted(spark.run("entity_summary").to_pylist(), key=key)
    assert [(r["canonical_id"], r["name"], list(r["topics"])) for r in on_duckdb] == [
        (r["canonical_id"], r["name"], list(r["topics"])) for r in on_spark
    ]


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_spark_failures_are_one_typed_error(spark_session, tmp_path):
    with SparkEngine(spark=spark_session, workdir=tmp_path) as spark, pytest.raises(EngineError, match="^spark failed"):
        spark.run("resolve_record_ids")
