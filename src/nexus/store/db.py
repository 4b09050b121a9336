"""Opening the database: SQLite in the workspace by default, PostgreSQL when configured."""

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError, OperationalError

from nexus.errors import Unavailable

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseUnavailable(Unavailable, OperationalError):
    """The database cannot be reached. Still an OperationalError, so SQLAlchemy's pool and callers treat it as one."""

    def __init__(self, error: OperationalError):
        OperationalError.__init__(self, error.statement, error.params, error.orig,
                                  connection_invalidated=error.connection_invalidated)

    def __reduce__(self):  # copied and pickled whole (SQLAlchemy's own would call this class with its arguments)
        return DatabaseUnavailable, (OperationalError(self.statement, self.params, self.orig,
                                                      connection_invalidated=self.connection_invalidated),)

    def __str__(self) -> str:
        text = str(self.orig).strip()
        reason = text.splitlines()[0] if text else type(self.orig).__name__
        return f"the database is unavailable ({reason}); retry when it is back"


def _unavailable(context: ExceptionContext) -> None:
    error = context.sqlalchemy_exception
    lost = context.is_disconnect or context.connection is None
    if isinstance(error, OperationalError) and lost and not context.is_pre_ping:
        raise DatabaseUnavailable(error) from context.original_exception


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy's `begin()` issue BEGIN itself so every write is one transaction.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # A server's request threads (a worker runs up to 40) each hold a connection for a request; connections past
    # pool_size are opened and closed around every use, a new backend each time, so the pool keeps 16.
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    event.listen(engine, "handle_error", _unavailable)
    event.listen(engine.pool, "checkout", _ping_if_idle)
    event.listen(engine.pool, "checkin", _mark_idle)
    return engine


POOL_SIZE, POOL_OVERFLOW = 16, 16
#: A pooled connection idle this long is pinged before it is handed out (pool_pre_ping pinged at every checkout:
#: a round trip per query under load, where a connection was in use milliseconds ago and is known to be alive).
PING_AFTER_IDLE = 1.0


def _mark_idle(dbapi_conn, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_conn, record, proxy) -> None:
    since = record.info.get("idle_since")
    if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
        return
    try:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_conn.rollback()
    except Exception as exc:  # the server went away while the connection was idle: the pool retries with a new one
        raise DisconnectionError(f"pooled connection is dead: {exc}") from exc


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    if current_revision(engine) == head_revision(engine):
        return
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
