"""Analytic engines over store snapshots: DuckDB by default, Spark at scale.

Analytic SQL is written once, in DuckDB's dialect, in ``sql/NAME.sql``; ``sql_for``
translates it for Spark with sqlglot, so dialect differences live in one place.
"""

from nexus.engine.session import AnalyticEngine, DuckDBEngine, SparkEngine, open_engine, sql_for
from nexus.engine.snapshot import Snapshot, take_snapshot

__all__ = ["AnalyticEngine", "DuckDBEngine", "Snapshot", "SparkEngine", "open_engine", "sql_for", "take_snapshot"]
