"""Who is acting: an API token's owner, a login session's user, or the workspace's local owner.

The API authenticates every request by token; the CLI acts as NEXUS_TOKEN's owner, the
logged-in user (`nexus login`) or, on a laptop, the workspace's owner (`local`).
"""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from nexus.errors import NotFound, Unauthenticated
from nexus.model.labels import Classification
from nexus.security import audit, auth, sessions, tokens, users
from nexus.security.policy import may
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import audit_log

__all__ = ["IDLE_LIMIT", "LOCAL_USER", "SESSION_LIFETIME", "Viewer", "acting_viewer", "audit_clock", "audit_refusal",
           "csrf_token", "login", "logout", "may", "refused_since", "session_viewer", "set_purpose", "settle_audit",
           "sign_in", "sign_out", "unsettled", "viewer_for_token"]

SESSION_LIFETIME = sessions.SESSION_LIFETIME
IDLE_LIMIT = sessions.IDLE_LIMIT
csrf_token = sessions.csrf_token

LOCAL_USER = "local"


def viewer_for_token(store: Store, token: str, purpose: str = "", queued: list | None = None,
                     memory_only: bool = False) -> Viewer | None:
    """The token's owner, narrowed to its scopes; every use of a token is audited (with `queued`, the record is
    queued there, for the caller to settle before answering: `audit.settle`). With `memory_only`, None where
    the check would read the database."""
    return tokens.viewer_for_token(store, token, purpose, queued, memory_only)


def unsettled(queued: list) -> list:
    """The audit records of those queued not yet known to be committed: waiting, or whose commit failed."""
    return [ticket for ticket in queued if not ticket.done or ticket.error is not None]


settle_audit = audit.settle  # wait until the audit records queued for a request are committed


def acting_viewer(
    store: Store, home: Path, purpose: str = "", token: str | None = None, require_login: bool = False,
    local_agency: str = "LOCAL",
) -> Viewer:
    """The token's owner, else the login session's user, else (unless login is required) the local owner."""
    if token:
        return tokens.viewer_for_token(store, token, purpose)
    session = sessions.load_token(home)
    if session:
        return session_viewer(store, session, purpose, IDLE_LIMIT)
    if require_login:
        raise Unauthenticated("log in first (`nexus login USERNAME`) or set NEXUS_TOKEN")
    users.ensure_user(store, LOCAL_USER, agency=local_agency,
                      roles=("analyst", "supervisor", "administrator", "oversight"), clearance=Classification.TOP_SECRET)
    return users.viewer_for(store, LOCAL_USER, purpose)


def login(store: Store, home: Path, username: str, password: str, code: str | None = None) -> tuple[str, Path]:
    """Authenticate and open a session kept in `home`; returns when it expires and where it is kept."""
    token, expires = sign_in(store, username, password, code)
    return expires, sessions.save_token(home, token)


def logout(store: Store, home: Path) -> None:
    token = sessions.load_token(home)
    if token:
        sign_out(store, token)
    sessions.forget_token(home)


def sign_in(store: Store, username: str, password: str, code: str | None = None, purpose: str = "") -> tuple[str, str]:
    """Authenticate (password, one-time code if enrolled, lockout) and open a session working for `purpose`:
    (token, expires_at)."""
    auth.authenticate(store, username, password, code)
    return sessions.open_session(store, username, purpose=purpose)


def session_viewer(store: Store, token: str, purpose: str | None = None, idle: timedelta | None = None) -> Viewer:
    """The person a live login session belongs to, working for the session's purpose unless `purpose` says
    otherwise; raises once the session lapsed (or went unused for `idle`), or its user was disabled, which
    closes it."""
    session = sessions.live_session(store, token, idle)
    try:
        return users.viewer_for(store, session["username"], purpose or session["purpose"])
    except NotFound:
        sessions.close_session(store, token)
        raise auth.AuthenticationFailed("your account is disabled; ask an administrator") from None


def audit_clock() -> str:
    """Now, as the audit trail stamps its records."""
    return utc_now()


def refused_since(store: Store, viewer: Viewer, since: str) -> bool:
    """Whether a refusal of `viewer` (denied, not found) was recorded at or after `since`."""
    log = audit_log.c
    with store.engine.connect() as conn:
        return conn.execute(select(log.seq).where(log.username == viewer.user, log.at >= since,
                                                  log.outcome.in_(("denied", "not found"))).limit(1)).first() is not None


def audit_refusal(store: Store, viewer: Viewer, action: str, query: dict, outcome: str) -> None:
    """Record a request refused to `viewer`, or one that found nothing they may see (`outcome`: denied, not found),
    with what was asked and their purpose; they are told nothing more."""
    audit.log_event(store, viewer, action, query, outcome=outcome)


def set_purpose(store: Store, token: str, purpose: str) -> None:
    sessions.set_purpose(store, token, purpose)


def sign_out(store: Store, token: str) -> None:
    """Close a session; closing one that has already lapsed, or whose user was disabled, is not an error."""
    try:
        viewer = users.viewer_for(store, sessions.session_user(store, token))
    except (auth.AuthenticationFailed, NotFound):
        sessions.close_session(store, token)
        return
    sessions.close_session(store, token)
    audit.log_event(store, viewer, "logout", {})
