"""The same settings on Spark (local mode) give the same clusters as on DuckDB."""

import pytest

from nexus.resolve import DuckDBBackend, SparkBackend, resolve

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from nexus.engine.session import local_spark

    if SparkSession.getActiveSession() is None:
        # Static settings for a session this module starts: loopback, no UI, a temporary warehouse.
        warehouse = tmp_path_factory.mktemp("spark-warehouse")
        (SparkSession.builder.master("local[1]").config("spark.sql.warehouse.dir", str(warehouse))
         .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    session = local_spark(cores=1)
    session.conf.set("spark.sql.shuffle.partitions", "1")
    return session


def test_spark_and_duckdb_give_the_same_clusters(spark, people):
    on_duckdb = resolve(people, backend=DuckDBBackend())
    on_spark = resolve(people, backend=SparkBackend(spark))
    assert on_spark.mapping.equals(on_duckdb.mapping)
    assert on_spark.edges["left_id"].to_pylist() == on_duckdb.edges["left_id"].to_pylist()
    assert on_spark.edges["right_id"].to_pylist() == on_duckdb.edges["right_id"].to_pylist()
    spark_scores, duckdb_scores = on_spark.edges["score"].to_pylist(), on_duckdb.edges["score"].to_pylist()
    assert spark_scores == pytest.approx(duckdb_scores, abs=1e-6)
    assert len(set(on_duckdb.mapping["canonical_id"].to_pylist())) == 9
