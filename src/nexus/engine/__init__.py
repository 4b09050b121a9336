"""Analytic engines over store snapshots: DuckDB by default, Spark at scale.

Every analytic query goes through an `EngineSession`: SQL is written once, in DuckDB's
dialect, in ``sql/NAME.sql`` and rendered for the engine by sqlglot with its
parameters bound as literals (`queries`). `use_snapshot` gives a session the statements
a viewer may see, by the store's own policy (`viewer`). Only this package imports
duckdb or pyspark; their failures reach callers as `EngineError`.
"""

from nexus.engine.errors import EngineError
from nexus.engine.queries import render
from nexus.engine.session import EVERY_STATEMENT, DuckDBEngine, EngineSession, SparkEngine, open_engine
from nexus.engine.snapshot import Snapshot, take_snapshot, warrant_table

__all__ = ["EVERY_STATEMENT", "DuckDBEngine", "EngineError", "EngineSession", "Snapshot", "SparkEngine",
           "open_engine", "render", "take_snapshot", "warrant_table"]
