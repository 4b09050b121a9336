"""The same settings on Spark (local mode) give the same clusters as on DuckDB."""

import pytest

from nexus.resolve import DuckDBBackend, SparkBackend, resolve, spark_session

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    pytest.importorskip("pyspark")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:  # another module's session lacks Splink's jar: start afresh
        active.stop()
    session = spark_session(cores=1, shuffle_partitions=1, warehouse=warehouse)
    yield session
    session.stop()


def test_spark_and_duckdb_give_the_same_clusters(spark, people):
    on_duckdb = resolve(people, backend=DuckDBBackend())
    on_spark = resolve(people, backend=SparkBackend(spark))
    assert on_spark.mapping.equals(on_duckdb.mapping)
    assert on_spark.edges["left_id"].to_pylist() == on_duckdb.edges["left_id"].to_pylist()
    assert on_spark.edges["right_id"].to_pylist() == on_duckdb.edges["right_id"].to_pylist()
    spark_scores, duckdb_scores = on_spark.edges["score"].to_pylist(), on_duckdb.edges["score"].to_pylist()
    assert spark_scores == pytest.approx(duckdb_scores, abs=1e-6)
    assert len(set(on_duckdb.mapping["canonical_id"].to_pylist())) == 9
