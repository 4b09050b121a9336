"""A witness of the audit trail's head kept outside the database.

The ``audit_head`` table catches a deleted last record, but a hostile database
administrator can rewind that table too. This file — in NEXUS_HOME, owned by the
operating-system account that runs Nexus — remembers the newest (seq, hash) seen by this
workspace, so a chain that no longer reaches it has been cut short.
"""

import atexit
import fcntl
import logging
import os
import threading
import weakref
from pathlib import Path

import orjson
from sqlalchemy import Engine

_ANCHORS: "weakref.WeakKeyDictionary[Engine, Path]" = weakref.WeakKeyDictionary()
log = logging.getLogger(__name__)


def attach(engine: Engine, path: Path) -> None:
    """Keep the anchor file at ``path`` up to date for every audit record ``engine`` writes."""
    _ANCHORS[engine] = path


def attached(engine: Engine) -> Path | None:
    return _ANCHORS.get(engine)


def read(path: Path) -> tuple[int, str] | None:
    """The (seq, hash) the file names, once what this process asked to write there (`advance_soon`) is written."""
    mover = _MOVERS.get(path)
    if mover is not None:
        mover.settle()
    return _read(path)


def _read(path: Path) -> tuple[int, str] | None:
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
        current = _read(path)
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


def advance_soon(path: Path, seq: int, hash_: str) -> None:
    """`advance`, by a thread of this process, so that the audit append asking for it does not wait on the file
    (a lock, a read, a write with fsync and a rename: under load, each a wait for the interpreter). The file
    trails the trail by the write under way; several asked for meanwhile make one write, of the latest. A read
    here (`read`, `verify_chain`) waits for it; a process that exits waits for it; a write that fails is logged
    and the next append tries again."""
    with _MOVERS_GUARD:
        mover = _MOVERS.get(path)
        if mover is None:
            mover = _MOVERS[path] = _Mover(path)
    mover.ask(seq, hash_)


class _Mover:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.wanted: tuple[int, str] | None = None
        self.tried: tuple[int, str] | None = None
        self.turn = threading.Condition()
        threading.Thread(target=self._run, name=f"audit anchor {path.name}", daemon=True).start()

    def ask(self, seq: int, hash_: str) -> None:
        with self.turn:
            if self.wanted is None or seq > self.wanted[0]:
                self.wanted = (seq, hash_)
                self.turn.notify_all()

    def settle(self, timeout: float | None = None) -> None:
        with self.turn:
            self.turn.wait_for(lambda: self.tried == self.wanted, timeout)

    def _run(self) -> None:
        while True:
            with self.turn:
                self.turn.wait_for(lambda: self.tried != self.wanted)
                target = self.wanted
            try:
                advance(self.path, *target)
            except OSError as exc:
                log.error("the audit anchor %s could not be moved to record %d: %s", self.path, target[0], exc)
            with self.turn:
                self.tried = target
                self.turn.notify_all()


_MOVERS: dict[Path, _Mover] = {}
_MOVERS_GUARD = threading.Lock()


@atexit.register
def _settle_all() -> None:
    for mover in list(_MOVERS.values()):
        mover.settle(timeout=10)
