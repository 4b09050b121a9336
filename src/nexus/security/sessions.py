"""Login sessions: a random token kept in NEXUS_HOME (mode 0600), its hash in the store."""

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from nexus.security.auth import AuthenticationFailed
from nexus.store import Store, utc_now, utc_stamp
from nexus.store.schema import auth_sessions

SESSION_LIFETIME = timedelta(hours=8)
IDLE_LIMIT = timedelta(minutes=30)  # a session unused this long is closed, on the web and in a shell alike
TOUCH_EVERY = timedelta(minutes=1)  # how stale `last_used_at` may get: not one write per request
SESSION_FILE = "session"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: Store, username: str, lifetime: timedelta = SESSION_LIFETIME, purpose: str = "") -> tuple[str, str]:
    """A new session for an authenticated user, working for `purpose`: (token, expires_at)."""
    token = secrets.token_urlsafe(32)
    expires = utc_stamp(datetime.now(UTC) + lifetime)
    with store.engine.begin() as conn:
        conn.execute(insert(auth_sessions).values(id=_digest(token), username=username, created_at=utc_now(),
                                                  expires_at=expires, purpose=purpose))
    return token, expires


def set_purpose(store: Store, token: str, purpose: str) -> None:
    """What the session's user now says they are working on: recorded with every read from here on."""
    with store.engine.begin() as conn:
        conn.execute(update(auth_sessions).where(auth_sessions.c.id == _digest(token)).values(purpose=purpose))


def session_user(store: Store, token: str, idle: timedelta | None = None) -> str:
    """The user a live session belongs to; raises once it has expired, was closed or (with `idle`) went unused
    that long, which closes it."""
    return live_session(store, token, idle)["username"]


def live_session(store: Store, token: str, idle: timedelta | None = None) -> dict:
    """A live session's user and purpose; raises as `session_user` does."""
    with store.engine.connect() as conn:
        row = conn.execute(select(auth_sessions).where(auth_sessions.c.id == _digest(token))).mappings().first()
    now = datetime.now(UTC)
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= utc_stamp(now):
        raise AuthenticationFailed("your session has expired or was closed; sign in again")
    last_used = row["last_used_at"] or row["created_at"]
    if idle is not None and last_used <= utc_stamp(now - idle):
        close_session(store, token)
        raise AuthenticationFailed(f"your session was closed after {int(idle.total_seconds() // 60)} minutes idle; "
                                   "sign in again")
    if last_used <= utc_stamp(now - TOUCH_EVERY):
        with store.engine.begin() as conn:
            conn.execute(update(auth_sessions).where(auth_sessions.c.id == row["id"]).values(last_used_at=utc_now()))
    return {"username": row["username"], "purpose": row["purpose"] or ""}


def csrf_token(token: str) -> str:
    """The anti-forgery token a page of this session carries: derived from the session's secret, which
    another site can neither read (HttpOnly cookie) nor guess."""
    return hmac.new(token.encode(), b"nexus-csrf", hashlib.sha256).hexdigest()


def close_session(store: Store, token: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(auth_sessions)
            .where(auth_sessions.c.id == _digest(token), auth_sessions.c.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )


def save_token(home: Path, token: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / SESSION_FILE
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token)
    return path


def load_token(home: Path) -> str | None:
    path = home / SESSION_FILE
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise AuthenticationFailed(f"{path} is readable by others (mode {mode:o}); run `nexus login` again")
    return path.read_text().strip() or None


def forget_token(home: Path) -> None:
    (home / SESSION_FILE).unlink(missing_ok=True)
