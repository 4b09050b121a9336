"""The Store: one handle on the database that every stage writes to and reads from."""

import fcntl
import functools
import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, text, update

from nexus.config import Settings, load_settings
from nexus.model.labels import Labels
from nexus.store import schema
from nexus.store.db import make_engine, migrate


def utc_now() -> str:
    return utc_stamp(datetime.now(UTC))


def utc_stamp(moment: datetime) -> str:
    """A moment as the store writes times, so that they compare as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def source_row(name: str, format: str, labels: Labels, retention_days: int | None = None, is_list: bool = False,
               description: str | None = None) -> dict:
    """A registered feed as the registry keeps it: its format, default labels, retention and whether it is a list."""
    return dict(
        name=name,
        format=format,
        agency=labels.agency,
        classification=int(labels.classification),
        releasable_to=labels.releasable_text,
        compartment=labels.compartment,
        orcon=labels.orcon,
        warrant=labels.warrant,
        legal_basis=labels.legal_basis,
        retention_days=retention_days,
        is_list=is_list,
        description=description,
        updated_at=utc_now(),
    )


def write_source(conn: Connection, row: dict) -> None:
    """Create or update a registered feed (a `source_row`) in the caller's transaction."""
    name = row["name"]
    exists = conn.execute(select(schema.sources.c.name).where(schema.sources.c.name == name)).first()
    if exists:
        conn.execute(update(schema.sources).where(schema.sources.c.name == name).values(**row))
    else:
        conn.execute(insert(schema.sources).values(created_at=row["updated_at"], **row))


_IN_MEMORY = threading.Lock()  # `Store.exclusive` for a database only this process can open
LOCK_BUCKETS = 64


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, settings: Settings | None = None, url: str | None = None) -> "Store":
        settings = settings or load_settings()
        store = cls(make_engine(url or settings.database_url))
        migrate(store.engine)
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @functools.cached_property
    def reader(self) -> Engine:
        """The engine for a request's reads that need no common snapshot: on PostgreSQL outside a transaction (no
        BEGIN before a statement and no ROLLBACK after it: one round trip each, not three); elsewhere the engine."""
        if self.dialect == "postgresql":
            return self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self.engine

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def exclusive(self, names: Iterable[str]) -> Iterator[None]:
        """Hold the named locks until the block ends, against every thread and process using this database: for
        work that reads what is stored and then writes what depends on it in transactions of its own (two versions
        of one record arriving at once). On PostgreSQL an advisory lock per name, on SQLite a lock file per bucket of
        names (`LOCK_BUCKETS`), each taken in one order, so two holders of overlapping names cannot deadlock. Not
        re-entrant: a holder asking again for a name it holds waits for itself."""
        keys = sorted({int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
                       for name in names})
        if not keys:
            yield
        elif self.dialect == "postgresql":
            with self.reader.connect() as conn:
                try:
                    for key in keys:
                        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock_all()"))
        elif (database := self.engine.url.database) and database != ":memory:":
            # a lock file per bucket of names, so that a long load holds up only what shares its bucket
            folder = Path(f"{database}.locks")
            folder.mkdir(mode=0o700, exist_ok=True)
            fds = []
            try:
                for bucket in sorted({key % LOCK_BUCKETS for key in keys}):
                    fds.append(os.open(folder / f"{bucket:02d}", os.O_RDWR | os.O_CREAT, 0o600))
                    fcntl.flock(fds[-1], fcntl.LOCK_EX)
                yield
            finally:
                for fd in fds:
                    os.close(fd)  # which releases its lock
        else:
            with _IN_MEMORY:
                yield

    # -- the source registry ---------------------------------------------------------

    def register_source(
        self,
        name: str,
        format: str,
        labels: Labels,
        retention_days: int | None = None,
        is_list: bool = False,
        description: str | None = None,
    ) -> None:
        """Create or update a registered feed and its default labels."""
        with self.engine.begin() as conn:
            write_source(conn, source_row(name, format, labels, retention_days, is_list, description))

    def get_source(self, name: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.sources).where(schema.sources.c.name == name)).mappings().first()
        return dict(row) if row else None

    def list_sources(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.sources).order_by(schema.sources.c.name)).mappings()
            return [dict(r) for r in rows]

    @staticmethod
    def source_labels(source: dict) -> Labels:
        return Labels.from_row(source)
