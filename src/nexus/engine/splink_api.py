"""Splink's database API for an engine session, computing the same thing on every engine.

- Splink picks the records it trains on (u sampling, and EM once the blocked pairs
  exceed its maximum) and the chunks it predicts in by a hash of their ids, and each
  engine's own hash differs, so a model trained on DuckDB and one trained on Spark would
  differ a little, and so would their clusters near the threshold. Splink looks its
  dialects up by name in several places, so the hash is set on the dialect classes
  themselves, for every Splink run in this process (all of which go through here):
  the same number on both engines, the first 60 bits of the id's MD5.
- Splink's Jaro-Winkler UDF for Spark is not the standard one DuckDB has ("bghdadi" /
  "albaghdadi": 0.781 against 0.805), which moves pairs across a level's threshold.
  On Spark, ``jaro_winkler`` is jellyfish's, equal to DuckDB's on the ASCII keys the
  model compares.
"""

import jellyfish
from splink import DuckDBAPI
from splink.internals.dialects import DuckDBDialect, SparkDialect


def _hash(template: str):
    def hash_function_expression(self, col_expression: str) -> str:
        return template.format(col_expression)

    return hash_function_expression


DuckDBDialect.hash_function_expression = _hash("CAST(('0x' || substr(md5({}), 1, 15)) AS BIGINT)")
SparkDialect.hash_function_expression = _hash("CAST(conv(substr(md5({}), 1, 15), 16, 10) AS BIGINT)")


def duckdb_api(connection) -> DuckDBAPI:
    return DuckDBAPI(connection=connection)


def _jaro_winkler(left: str | None, right: str | None) -> float | None:
    if left is None or right is None:
        return None
    return jellyfish.jaro_winkler_similarity(left, right)


def spark_api(spark):
    # Spark is an optional extra (nexus[spark]): imported only when a Spark session asks.
    from pyspark.sql.functions import udf
    from pyspark.sql.types import DoubleType
    from splink import SparkAPI
    from splink.backends.spark import similarity_jar_location

    # Splink's other similarity functions are JVM UDFs shipped inside the splink wheel;
    # ADD JAR puts them on the session's class loader, so any session will do.
    spark.sql(f"ADD JAR '{similarity_jar_location()}'")
    api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    spark.udf.register("jaro_winkler", udf(_jaro_winkler, DoubleType(), useArrow=True))
    return api
