"""A witness of the audit trail's head kept outside the database.

The ``audit_head`` table catches a deleted last record, but a hostile database
administrator can rewind that table too. This file — in NEXUS_HOME, owned by the
operating-system account that runs Nexus — remembers the newest (seq, hash) seen by this
workspace, so a chain that no longer reaches it has been cut short.
"""

import fcntl
import os
import weakref
from pathlib import Path

import orjson
from sqlalchemy import Engine

_ANCHORS: "weakref.WeakKeyDictionary[Engine, Path]" = weakref.WeakKeyDictionary()


def attach(engine: Engine, path: Path) -> None:
    """Keep the anchor file at ``path`` up to date for every audit record ``engine`` writes."""
    _ANCHORS[engine] = path


def attached(engine: Engine) -> Path | None:
    return _ANCHORS.get(engine)


def read(path: Path) -> tuple[int, str] | None:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: the audit anchor is corrupt ({exc})") from None
    return int(data["seq"]), str(data["hash"])


def advance(path: Path, seq: int, hash_: str) -> None:
    """Record (seq, hash) unless the file already names a later record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        current = read(path)
        if current is not None and current[0] >= seq:
            return
        tmp = path.with_name(path.name + ".tmp")
        fd_tmp = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd_tmp, "wb") as fh:
            fh.write(orjson.dumps({"seq": seq, "hash": hash_}))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
