"""Credentials recently read, trusted for a second: an API token's row and its user's, per store.

Every request a program sends is authenticated: its secret is compared with the stored digest, the token's
expiry, revocation and scopes and its user's state and roles are applied. Reading those two rows for every
request was a third of a screening request's database work, so a server keeps what it read for `RECHECK`
seconds. A change made through this process (revoking a token, disabling a user, changing roles or clearance)
forgets them at once, and a read under way when it happened is not kept; one made through another process
(the CLI, a server's other workers) takes effect within `RECHECK` seconds, as a list loaded or a warrant
expired does for a server's screening indexes.
"""

import threading
import time
import weakref
from collections.abc import Callable

from sqlalchemy import Engine

RECHECK = 1.0
MOST = 1024  # tokens kept per store; past that the oldest reads are dropped

Rows = tuple[dict, dict | None]
_READ: "weakref.WeakKeyDictionary[Engine, dict[str, tuple[float, Rows]]]" = weakref.WeakKeyDictionary()
_CHANGES: "weakref.WeakKeyDictionary[Engine, int]" = weakref.WeakKeyDictionary()  # `forget`s so far, per store
_GUARD = threading.Lock()


def token_rows(engine: Engine, token_id: str, read: Callable[[], Rows | None] | None) -> Rows | None:
    """The token's row and its user's as `read()` gave them at most `RECHECK` seconds ago (None for a token
    unknown: never kept). With `read` None, only what is kept: None when nothing is."""
    now = time.monotonic()
    with _GUARD:
        kept = _READ.get(engine, {}).get(token_id)
        changes = _CHANGES.get(engine, 0)
    if kept is not None and now - kept[0] < RECHECK:
        return kept[1]
    if read is None:
        return None
    rows = read()
    with _GUARD:
        if rows is not None and _CHANGES.get(engine, 0) == changes:  # no change forgotten while it read
            known = _READ.setdefault(engine, {})
            if len(known) >= MOST:
                for stale in sorted(known, key=lambda k: known[k][0])[: MOST // 2]:
                    del known[stale]
            known[token_id] = (now, rows)
    return rows


def forget(engine: Engine) -> None:
    """Drop what was kept for this store, and what reads under way would keep: its users or tokens changed."""
    with _GUARD:
        _READ.pop(engine, None)
        _CHANGES[engine] = _CHANGES.get(engine, 0) + 1
