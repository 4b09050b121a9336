"""The two places a resolution runs: an in-process DuckDB connection, or a Spark session.

Each backend registers Arrow tables or Parquet files as views, runs SQL into Arrow, and
hands Splink the matching database API. The Splink settings are the same for both.
"""

from pathlib import Path

import duckdb
import pyarrow as pa

from nexus.engine.session import local_spark
from nexus.resolve.records import Dialect

TableInput = pa.Table | Path


class DuckDBBackend:
    dialect = Dialect("duckdb")

    def __init__(self, memory_limit: str = "8GB", threads: int | None = None):
        config = {"memory_limit": memory_limit, "autoinstall_known_extensions": False,
                  "autoload_known_extensions": False}
        if threads:
            config["threads"] = threads
        self.conn = duckdb.connect(config=config)

    def register(self, name: str, table: TableInput) -> None:
        if isinstance(table, Path):
            self.conn.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{table}')")
        else:
            self.conn.register(name, table)

    def materialise(self, name: str, sql: str) -> None:
        self.conn.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.conn.execute(sql).to_arrow_table()

    def splink_api(self):
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.conn)

    def close(self) -> None:
        self.conn.close()


class SparkBackend:
    dialect = Dialect("spark")

    def __init__(self, spark=None):
        self.spark = spark or local_spark()
        # Splink's jaro_winkler and friends are JVM UDFs shipped inside the splink wheel.
        # ADD JAR puts them on the session's class loader, so any session will do.
        from splink.backends.spark import similarity_jar_location

        self.spark.sql(f"ADD JAR '{similarity_jar_location()}'")

    def register(self, name: str, table: TableInput) -> None:
        if isinstance(table, Path):
            frame = self.spark.read.parquet(str(table))
        else:
            frame = self.spark.createDataFrame(table)
        frame.createOrReplaceTempView(name)

    def materialise(self, name: str, sql: str) -> None:
        self.spark.sql(sql).persist().createOrReplaceTempView(name)

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def splink_api(self):
        from splink import SparkAPI

        return SparkAPI(spark_session=self.spark, break_lineage_method="persist")

    def close(self) -> None:
        self.spark.catalog.clearCache()


