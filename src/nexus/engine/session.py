"""Engine sessions: the one way analytic SQL runs, on DuckDB in process or on Spark.

A session registers Arrow tables and Parquet files as tables, materialises named
queries (``sql/NAME.sql``) as tables or defines them as views, runs them into Arrow,
hands Splink its database API, and reports every engine failure as ``EngineError``.
``use_snapshot`` makes a snapshot's statements the ``statements`` table: the viewer's
view of them, or all of them for a stage that decides across every record (resolution).
"""

import shutil
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from nexus.engine import queries, viewer as viewer_view
from nexus.engine.errors import EngineError, engine_failures
from nexus.engine.resources import memory_mb
from nexus.engine.snapshot import Snapshot
from nexus.engine.spark import local_spark
from nexus.model.currencies import AMLWORLD_NAMES
from nexus.security.viewer import Viewer

TableInput = pa.Table | Path | list[Path]  # an Arrow table, or Parquet files read as one table


class _EveryStatement:
    """No viewer filter: for stages that decide across every record (resolution) and
    whose results are filtered per viewer when they are read."""


EVERY_STATEMENT = _EveryStatement()
#: The statements' payments as ledger rows, and the ledger's rows the viewer may see (`use_transactions`).
PAYMENT_TRANSACTIONS = "nx_payment_transactions"
LEDGER_VISIBLE = "nx_ledger_visible"
#: The viewer's transactions before their currencies are spelled one way (`transactions_spelled.sql`).
UNSPELLED = "nx_transactions_unspelled"


class EngineSession(ABC):
    kind: str
    dialect: str

    @abstractmethod
    def register(self, name: str, table: TableInput) -> None:
        """Make an Arrow table or a Parquet file queryable as ``name``."""

    def run(self, query: str, names: dict[str, str] | None = None, **params) -> pa.Table:
        """The result of the named query ``sql/QUERY.sql`` as an Arrow table."""
        with engine_failures(self.kind):
            return self._fetch(self._render(query, names, params))

    def materialise(self, name: str, query: str, names: dict[str, str] | None = None, **params) -> None:
        """Compute the named query once and keep its result as the table ``name``."""
        with engine_failures(self.kind):
            self._store(name, self._render(query, names, params))

    def define(self, name: str, query: str, names: dict[str, str] | None = None, **params) -> None:
        """Define the named query ``query`` as the view ``name``, not computed until a query reads it (for a large
        table that one query reads once, and filters). Read it before re-registering what it reads: DuckDB reads
        its inputs when the view is queried, Spark as they were when it was defined."""
        with engine_failures(self.kind):
            self._view(name, self._render(query, names, params))

    def use_snapshot(self, snapshot: Snapshot, viewer: Viewer | _EveryStatement, now: str | None = None,
                     action: str = "read") -> None:
        """Register the snapshot's statements as ``statements``: those ``viewer`` may take ``action``
        on (read; export, which ORCON also limits) at ``now``, or every one when ``viewer`` is EVERY_STATEMENT."""
        if not isinstance(viewer, Viewer | _EveryStatement):
            raise TypeError(f"use_snapshot needs a Viewer or EVERY_STATEMENT, not {viewer!r}")
        self.register(viewer_view.SNAPSHOT_STATEMENTS, snapshot.statements)
        self.register(viewer_view.SNAPSHOT_WARRANTS, snapshot.warrants)
        view = (viewer_view.all_statements() if viewer is EVERY_STATEMENT
                else viewer_view.visible_statements(viewer, action, now=now))
        with engine_failures(self.kind):
            self._view("statements", queries.to_dialect(view, self.dialect))

    def use_ledger(self, files: list[Path], warrants: pa.Table | Path, viewer: Viewer, now: str | None = None,
                   action: str = "read") -> None:
        """Register the ledger's transactions in ``files`` as ``transactions``: those ``viewer`` may take
        ``action`` on at ``now`` (the statements' policy, on each row's labels)."""
        if not files:
            raise EngineError("the ledger holds no transactions yet")
        self.register(viewer_view.LEDGER_TRANSACTIONS, files)
        self.register(viewer_view.SNAPSHOT_WARRANTS, warrants)
        with engine_failures(self.kind):
            self._view(UNSPELLED, queries.to_dialect(viewer_view.visible_transactions(viewer, action, now),
                                                     self.dialect))
        self._define_spelled()

    def use_transactions(self, files: list[Path], snapshot: Snapshot, viewer: Viewer, now: str | None = None,
                         action: str = "read") -> None:
        """Register as ``transactions`` the ledger's rows in ``files`` and the snapshot's FtM Payments (goAML
        reports', FtM-mapped files') as ledger rows (`transactions_from_payments.sql`), both as ``viewer`` may take
        ``action`` on them at ``now``; a payment the ledger holds already is the ledger's
        (`transactions_beside_ledger.sql`). ``statements`` is the viewer's view of the snapshot meanwhile."""
        self.use_snapshot(snapshot, viewer, now=now, action=action)
        self.materialise(PAYMENT_TRANSACTIONS, "transactions_from_payments")
        payments = PAYMENT_TRANSACTIONS
        if files:
            self.register(viewer_view.LEDGER_TRANSACTIONS, files)
            with engine_failures(self.kind):
                self._view(LEDGER_VISIBLE, queries.to_dialect(viewer_view.visible_transactions(viewer, action, now),
                                                              self.dialect))
            if self._holds_rows(PAYMENT_TRANSACTIONS):
                payments = "nx_payments_beside_ledger"
                self.materialise(payments, "transactions_beside_ledger")
        else:
            if not self._holds_rows(PAYMENT_TRANSACTIONS):
                raise EngineError("no transactions yet: the ledger holds none, and the statements no payment you may "
                                  "see between two accounts or parties")
            with engine_failures(self.kind):
                self._view(LEDGER_VISIBLE, queries.to_dialect(
                    exp.select("*").from_(PAYMENT_TRANSACTIONS).where("1 = 0"), self.dialect))
        self.define(UNSPELLED, "transactions_with_payments", names={PAYMENT_TRANSACTIONS: payments})
        self._define_spelled()

    def _define_spelled(self) -> None:
        """``transactions``: those of ``UNSPELLED``, each currency in its one spelling (`transactions_spelled.sql`)."""
        self.define("transactions", "transactions_spelled", receiving_currency=_spelled("receiving_currency"),
                    payment_currency=_spelled("payment_currency"))

    def _holds_rows(self, table: str) -> bool:
        with engine_failures(self.kind):
            return self._fetch(queries.to_dialect(exp.select("1").from_(table).limit(1), self.dialect)).num_rows > 0

    def failures(self):
        """A context in which whatever this engine raises becomes ``EngineError`` (for Splink calls)."""
        return engine_failures(self.kind)

    def _render(self, query: str, names, params) -> str:
        return queries.render(query, self.dialect, names, **params)

    @abstractmethod
    def _fetch(self, sql: str) -> pa.Table: ...

    @abstractmethod
    def _store(self, name: str, sql: str) -> None: ...

    @abstractmethod
    def _view(self, name: str, sql: str) -> None: ...

    @abstractmethod
    def splink_api(self): ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _spelled(column: str) -> exp.Expression:
    """``column``'s currency in its one spelling (`nexus.model.currencies.spelled`), as SQL."""
    return exp.Case(this=exp.column(column),  # the feeds' codes are checked, upper case and trimmed
                    ifs=[exp.If(this=exp.Literal.string(code), true=exp.Literal.string(name))
                         for code, name in AMLWORLD_NAMES.items()],
                    default=exp.column(column))


def _identifier(name: str, dialect: str) -> str:
    return exp.to_identifier(name).sql(dialect=dialect)


class DuckDBEngine(EngineSession):
    kind = dialect = "duckdb"

    def __init__(self):
        # Each session spills to a directory of its own: DuckDB's default (`.tmp` in the working directory)
        # is shared by every process started there, and two of them spilling at once corrupt each other's files.
        self.spill = Path(tempfile.mkdtemp(prefix="nexus-duckdb-"))
        self.conn = duckdb.connect(config={"memory_limit": f"{memory_mb()}MB", "autoinstall_known_extensions": False,
                                           "autoload_known_extensions": False, "temp_directory": str(self.spill)})

    def register(self, name: str, table: TableInput) -> None:
        with engine_failures(self.kind):
            if isinstance(table, Path | list):
                files = [str(p) for p in table] if isinstance(table, list) else str(table)
                self.conn.read_parquet(files).create_view(name, replace=True)
            else:
                self.conn.register(name, table)

    def _fetch(self, sql: str) -> pa.Table:
        return self.conn.execute(sql).to_arrow_table()

    def _store(self, name: str, sql: str) -> None:
        self.conn.execute(f"CREATE OR REPLACE TABLE {_identifier(name, self.dialect)} AS {sql}")

    def _view(self, name: str, sql: str) -> None:
        self.conn.execute(f"CREATE OR REPLACE VIEW {_identifier(name, self.dialect)} AS {sql}")

    def splink_api(self):
        from nexus.engine.splink_api import duckdb_api

        return duckdb_api(self.conn)

    def close(self) -> None:
        self.conn.close()
        shutil.rmtree(self.spill, ignore_errors=True)


class SparkEngine(EngineSession):
    """Spark, local by default. Tables pass through Parquet in a working directory both
    ways: Arrow tables are written there and read by Spark, and results are written by
    Spark and read into Arrow, so no large table crosses the Py4J gateway or piles up
    in the driver's heap."""

    kind = dialect = "spark"

    def __init__(self, spark=None, workdir: Path | None = None):
        self.workdir = Path(tempfile.mkdtemp(prefix="nexus-spark-", dir=workdir))
        with engine_failures(self.kind):
            self.spark = spark or local_spark()
        self._tables = 0

    def _scratch(self, name: str) -> Path:
        self._tables += 1
        return self.workdir / f"{self._tables:04d}-{name}.parquet"

    def register(self, name: str, table: TableInput) -> None:
        with engine_failures(self.kind):
            if not isinstance(table, Path | list):
                path = self._scratch(name)
                pq.write_table(table, path)
                table = path
            files = [str(p) for p in table] if isinstance(table, list) else [str(table)]
            self.spark.read.parquet(*files).createOrReplaceTempView(name)

    def _fetch(self, sql: str) -> pa.Table:
        path = self._scratch("result")
        self.spark.sql(sql).write.parquet(str(path))
        # A sorted result is written in order, one range a part; an empty one as one empty part.
        return pa.concat_tables([pq.read_table(part) for part in sorted(path.glob("part-*.parquet"))])

    def _store(self, name: str, sql: str) -> None:
        path = self._scratch(name)
        self.spark.sql(sql).write.parquet(str(path))
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def _view(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)

    def splink_api(self):
        from nexus.engine.splink_api import spark_api

        with engine_failures(self.kind):
            return spark_api(self.spark)

    def close(self) -> None:
        self.spark.catalog.clearCache()
        shutil.rmtree(self.workdir, ignore_errors=True)


def open_engine(kind: str, workdir: Path | None = None) -> EngineSession:
    """A session of engine ``kind``: "duckdb" or "spark" (whose scratch files go under ``workdir``)."""
    if kind == "spark":
        return SparkEngine(workdir=workdir)
    return DuckDBEngine()
