"""A witness of the audit trail's head kept outside the database.

The ``audit_head`` table catches a deleted last record, but a hostile database
administrator can rewind that table too. This file — in NEXUS_HOME, owned by the
operating-system account that runs Nexus — remembers the newest (seq, hash) seen by this
workspace, so a chain that no longer reaches it has been cut short.

The file is made with the trail's first record (`advance` with ``create``), or by the first move asked of a
NEXUS_HOME that never held it (its lock file is made then: the trail's first records may have been appended inside
another transaction, which moves no file); afterwards an append only moves it.
A file gone from a workspace whose trail has records is not made again by the next append, which would vouch
for a trail cut short meanwhile: ``audit.verify_chain`` reports it missing until someone re-establishes it on
purpose (``audit.adopt_anchor``, itself audited).
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
    _MOVER.settle(path)
    return _read(path)


def _read(path: Path) -> tuple[int, str] | None:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: the audit anchor is corrupt ({exc})") from None
    return int(data["seq"]), str(data["hash"])


def advance(path: Path, seq: int, hash_: str, create: bool = True) -> bool:
    """Record (seq, hash) unless the file already names a later record; a missing file is made only with `create`
    (the trail's first records, or an anchor re-established on purpose). Whether the file names (seq, hash) or
    a later record now."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    first = not lock.exists()  # this NEXUS_HOME never held the file: the trail's first records reached it by no move
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        current = _read(path)
        if current is not None and current[0] >= seq:
            return True
        if current is None and not (create or first):
            return False
        tmp = path.with_name(path.name + ".tmp")
        fd_tmp = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd_tmp, "wb") as fh:
            fh.write(orjson.dumps({"seq": seq, "hash": hash_}))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
        return True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def advance_soon(path: Path, seq: int, hash_: str, create: bool = True) -> None:
    """`advance`, by a thread of this process, so that the audit append asking for it does not wait on the file
    (a lock, a read, a write with fsync and a rename: under load, each a wait for the interpreter). The file
    trails the trail by the write under way; several asked for meanwhile make one write, of the latest. A read
    here (`read`, `verify_chain`) waits for what was asked before it; a process that exits waits for it; a write
    that fails is logged and the next append tries again. Writes are at least `_Mover.INTERVAL` apart unless a
    read waits: under load every group commit would otherwise cost a write with fsync (~0.4 ms of CPU). A missing
    file is made only if one of the moves asked for may `create` it."""
    _MOVER.ask(path, seq, hash_, create)


class _Mover:
    """One thread for every anchor file this process moves."""

    SETTLE_TIMEOUT = 10.0
    INTERVAL = 0.1

    def __init__(self) -> None:
        self.wanted: dict[Path, tuple[int, str]] = {}
        self.creating: set[Path] = set()  # files that one of the moves asked for may make (`advance`'s `create`)
        self.warned: set[Path] = set()
        self.tried: dict[Path, int] = {}  # the seq last written (or failed to be) per file
        self.turn = threading.Condition()
        self.thread: threading.Thread | None = None
        self.settling = 0  # reads waiting for the file: the next write is not held back

    def ask(self, path: Path, seq: int, hash_: str, create: bool = True) -> None:
        with self.turn:
            if create:
                self.creating.add(path)
            if seq > self.wanted.get(path, (0, ""))[0]:
                self.wanted[path] = (seq, hash_)
                if self.thread is None or not self.thread.is_alive():  # none yet, or this is a forked child
                    self.thread = threading.Thread(target=self._run, name="audit anchors", daemon=True)
                    self.thread.start()
                self.turn.notify_all()

    def settle(self, path: Path | None = None, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait (at most `timeout` seconds) until what was asked so far for `path` (for every file: None) is tried."""
        with self.turn:
            goal = {p: w[0] for p, w in self.wanted.items() if path is None or p == path}
            self.settling += 1
            self.turn.notify_all()
            try:
                if not self.turn.wait_for(lambda: all(self.tried.get(p, 0) >= seq for p, seq in goal.items()), timeout):
                    log.warning("the audit anchor was not moved within %.0f s; it is read as it stands", timeout)
            finally:
                self.settling -= 1

    def _due(self) -> dict[Path, tuple[int, str]]:
        return {p: w for p, w in self.wanted.items() if self.tried.get(p, 0) < w[0]}

    def _run(self) -> None:
        while True:
            with self.turn:
                self.turn.wait_for(self._due)
                due = self._due()
                creating = {path for path in due if path in self.creating}
            for path, (seq, hash_) in due.items():
                try:
                    if advance(path, seq, hash_, path in creating):
                        with self.turn:
                            self.creating.discard(path)
                    elif path not in self.warned:
                        self.warned.add(path)
                        log.warning("the audit anchor %s is missing and is not made again by an append: `nexus audit "
                                    "verify` reports it until it is re-established on purpose", path)
                except Exception as exc:  # noqa: BLE001 - the thread must live on: a read waits on it
                    log.error("the audit anchor %s could not be moved to record %d: %s", path, seq, exc)
                with self.turn:
                    self.tried[path] = seq
                    self.turn.notify_all()
            with self.turn:
                self.turn.wait_for(lambda: self.settling, self.INTERVAL)


_MOVER = _Mover()
atexit.register(_MOVER.settle)
