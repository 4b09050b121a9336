"""Engine sessions: run registered SQL over a snapshot and get Arrow tables back."""

import os
from functools import cache
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa
import sqlglot

from nexus.engine.snapshot import Snapshot

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql_for(name: str, dialect: str = "duckdb") -> str:
    """The registered query ``sql/NAME.sql``, in the given engine's dialect."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    if dialect == "duckdb":
        return text
    return ";\n".join(sqlglot.transpile(text, read="duckdb", write=dialect, pretty=True))


class AnalyticEngine(Protocol):
    dialect: str

    def register(self, name: str, table: pa.Table | Path) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def run(self, name: str) -> pa.Table: ...


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, snapshot: Snapshot | None = None, memory_limit: str = "4GB"):
        self.conn = duckdb.connect(config={"memory_limit": memory_limit, "autoinstall_known_extensions": False,
                                           "autoload_known_extensions": False})
        if snapshot is not None:
            self.register("statements", snapshot.statements)

    def register(self, name: str, table: pa.Table | Path) -> None:
        if isinstance(table, Path):
            self.conn.read_parquet(str(table)).create_view(name, replace=True)
        else:
            self.conn.register(name, table)

    def query(self, sql: str) -> pa.Table:
        return self.conn.execute(sql).to_arrow_table()

    def run(self, name: str) -> pa.Table:
        return self.query(sql_for(name, self.dialect))

    def close(self) -> None:
        self.conn.close()


class SparkEngine:
    dialect = "spark"

    def __init__(self, snapshot: Snapshot | None = None, spark=None):
        self.spark = spark or local_spark()
        if snapshot is not None:
            self.register("statements", snapshot.statements)

    def register(self, name: str, table: pa.Table | Path) -> None:
        if isinstance(table, Path):
            frame = self.spark.read.parquet(str(table))
        else:
            frame = self.spark.createDataFrame(table.to_pandas())
        frame.createOrReplaceTempView(name)

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def run(self, name: str) -> pa.Table:
        return self.query(sql_for(name, self.dialect))

    def close(self) -> None:
        pass


def local_spark(cores: int = 2):
    """A Spark session in local mode, on loopback only, with no UI."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("nexus")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def open_engine(kind: str, snapshot: Snapshot | None = None) -> DuckDBEngine | SparkEngine:
    if kind == "spark":
        return SparkEngine(snapshot)
    return DuckDBEngine(snapshot)
