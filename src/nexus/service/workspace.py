"""The workspace the environment names (NEXUS_HOME, NEXUS_DATABASE_URL), opened for the CLI and the API alike."""

import os
import stat
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from nexus.config import load_settings
from nexus.security import anchor
from nexus.store import Store

__all__ = ["PRIVATE_UMASK", "Store", "keep_private", "open_store", "store_answers"]

ANCHOR_FILE = "audit.anchor"
PRIVATE_UMASK = 0o077  # what the CLI and the server create: folders 0700, files 0600 (`nexus.cli.main`, `nexus serve`)
# What Nexus keeps in NEXUS_HOME, tightened when a workspace is opened (made before the umask, or copied in). The
# folder itself (0700) already keeps other accounts from everything in it; NEXUS_HOME may be a folder of other
# things too, which are left alone.
_KEPT = ("nexus.db", "nexus.db-wal", "nexus.db-shm", "nexus.db-journal", "nexus.db.exclusive", "session",
         ANCHOR_FILE, f"{ANCHOR_FILE}.lock", "demo-credentials", "evidence", "disseminations", "snapshots", "ledger",
         "links", "models", "rules", "synth", "reports")


def open_store() -> Store:
    """The store, with the audit trail's anchor file in NEXUS_HOME attached. NEXUS_HOME is made (0700) if need be,
    and an existing one, what Nexus keeps in it and a SQLite database file are made the owner's alone."""
    settings = load_settings()
    keep_private(settings.home)
    store = Store.open(settings)
    database = store.engine.url.database if store.dialect == "sqlite" else None
    if database and database != ":memory:":
        path = Path(database)
        for kept in (path, *(path.with_name(path.name + tail) for tail in ("-wal", "-shm", "-journal", ".exclusive"))):
            _tighten(kept)
    anchor.attach(store.engine, settings.home / ANCHOR_FILE)
    return store


def keep_private(home: Path) -> None:
    """Make `home` (0700) if it is missing, else take group's and others' access from it and from what Nexus keeps
    there (folders 0700; files keep their owner's bits: a read-only evidence file stays read-only)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(home)
    for name in _KEPT:
        _tighten(home / name)


def _tighten(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid() or not info.st_mode & 0o077:
        return  # a link's target, or another account's file, is not ours to change
    try:
        path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
    except OSError:
        pass


def store_answers(store: Store) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with store.reader.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
