"""The same settings and the same named SQL on Spark (local mode) give the same clusters as on DuckDB."""

import pytest

from nexus.engine import DuckDBEngine, SparkEngine
from nexus.resolve import resolve

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def spark_engine(spark_session, tmp_path_factory):
    engine = SparkEngine(spark=spark_session, workdir=tmp_path_factory.mktemp("spark-engine"))
    yield engine
    engine.close()


def test_spark_and_duckdb_give_the_same_clusters(spark_engine, people):
    on_duckdb = resolve(people, engine=DuckDBEngine())
    on_spark = resolve(people, engine=spark_engine)
    assert on_spark.mapping.equals(on_duckdb.mapping)
    assert on_spark.edges["left_id"].to_pylist() == on_duckdb.edges["left_id"].to_pylist()
    assert on_spark.edges["right_id"].to_pylist() == on_duckdb.edges["right_id"].to_pylist()
    spark_scores, duckdb_scores = on_spark.edges["score"].to_pylist(), on_duckdb.edges["score"].to_pylist()
    assert spark_scores == pytest.approx(duckdb_scores, abs=1e-6)
    assert len(set(on_duckdb.mapping["canonical_id"].to_pylist())) == 9


def test_spark_rules_out_chains_of_different_births_like_duckdb(spark_engine, make_people):
    table = make_people([
        ("m1", "police", {"name": "Mohammed Ali", "birthDate": "1970-02-01", "passportNumber": "X1", "phone": "+441234"}),
        ("m2", "police", {"name": "Mohammed Ali", "passportNumber": "X1", "phone": "+441234",
                          "email": "ali@example.org"}),
        ("m3", "police", {"name": "Mohammed Ali", "birthDate": "1985-06-30", "email": "ali@example.org"}),
    ])
    on_duckdb, on_spark = resolve(table), resolve(table, engine=spark_engine)
    assert on_spark.mapping.equals(on_duckdb.mapping)
    assert on_spark.clustering.ruled_out.equals(on_duckdb.clustering.ruled_out)


def test_trained_runs_agree(spark_engine, people):
    # Training estimates u by sampling and m by EM, and weighs names by term frequency.
    on_duckdb = resolve(people, train=True)
    on_spark = resolve(people, engine=spark_engine, train=True)
    assert on_spark.mapping.equals(on_duckdb.mapping)
