"""The typologies on Spark (local) find what they find on DuckDB: the same SQL through the engine layer."""

from feed import ANALYST

from nexus.service.detect import detect


def findings(found):
    return sorted((a["name"], tuple(a["accounts"]), tuple(a["transactions"]), round(a["score"], 6)) for a in found)


def test_spark_finds_what_duckdb_finds(ledger, spark_session):
    store, home = ledger
    on_duckdb = detect(store, ANALYST, home)
    on_spark = detect(store, ANALYST, home, engine="spark")
    assert findings(on_spark) == findings(on_duckdb) and len(on_duckdb) == 14
    assert [a["id"] for a in sorted(on_spark, key=lambda a: a["id"])] == [a["id"] for a in sorted(on_duckdb, key=lambda a: a["id"])]
