"""The typologies on Spark (local) find what they find on DuckDB: the same SQL through the engine layer."""

from collections import Counter

import pytest
from feed import ANALYST, FEED

from nexus.detect import run_typologies
from nexus.detect.learned import FEATURES, transaction_features
from nexus.service.detect import detect
from nexus.service.ledger import ledger_session

# Spark reads the engine snapshot, the same whichever database it came from; the DuckDB side runs on both.
pytestmark = [pytest.mark.spark, pytest.mark.sqlite_only, pytest.mark.xdist_group("spark")]


def findings(found):
    return sorted((a["name"], tuple(a["accounts"]), tuple(a["transactions"]), round(a["score"], 6)) for a in found)


def test_spark_finds_what_duckdb_finds(ledger, spark_session):
    store, home = ledger
    on_duckdb = detect(store, ANALYST, home)
    on_spark = detect(store, ANALYST, home, engine="spark")
    assert findings(on_spark) == findings(on_duckdb)
    assert Counter(a["name"] for a in on_duckdb) == {
        "fan-out": 2, "fan-in": 2, "cycle": 1, "structuring": 1, "pass-through": 6, "gather-scatter": 1,
        "scatter-gather": 10, "bipartite": 3, "stack": 1}
    assert [a["id"] for a in sorted(on_spark, key=lambda a: a["id"])] == [a["id"] for a in sorted(on_duckdb, key=lambda a: a["id"])]


def test_spark_gives_the_learned_layer_the_features_duckdb_gives(ledger, spark_session):
    """From the same typology findings (that Spark finds the same ones is the test above)."""
    store, home = ledger
    with ledger_session(store, ANALYST, home) as session:
        found = run_typologies(session)
        on_duckdb = rounded(transaction_features(session, found))
    with ledger_session(store, ANALYST, home, engine="spark") as session:
        on_spark = rounded(transaction_features(session, found))
    assert on_spark == on_duckdb and len(on_duckdb) == len(FEED)


def rounded(features):
    return {r["id"]: [round(r[f], 6) for f in FEATURES] for r in features.to_pylist()}
