"""API tokens for programs: scoped to actions, stored only as a hash, audited on every use.

A token is ``nxt_<id>_<secret>``. The secret has 256 random bits, so a SHA-256 digest
is enough to store it safely (a slow password hash would only slow every request).
A token's scopes never widen what its user's roles allow: they are checked against the
roles when the token is made and intersected with them again at every use. An administrator
makes tokens for their own agency's users (any agency's: the workspace's owner) who hold no
more than they do; such a token records who issued it, and every use's record names them.
"""

import hashlib
import hmac
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from nexus.errors import InvalidInput, NotFound
from nexus.model.labels import Classification
from nexus.security import audit, recent
from nexus.security.auth import AuthenticationFailed, nobody
from nexus.security.policy import ACTIONS, AccessDenied, role_actions
from nexus.security.users import check_within_holdings, get_user, manages, user_compartments, user_roles
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import api_tokens, users

PREFIX = "nxt"
MAX_EXPIRES_DAYS = 10 * 366  # the longest a token may be made for, in days


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(scopes - set(ACTIONS))
    if unknown:
        raise InvalidInput(f"unknown scope {unknown[0]!r} (known: {', '.join(sorted(ACTIONS))})")
    if not scopes:
        raise InvalidInput("a token needs at least one scope")
    return scopes


def create_token(store: Store, creator: Viewer, username: str, scopes: frozenset[str], expires_days: int | None = None) -> str:
    """Make a token for ``username``, valid for `expires_days` (1 to `MAX_EXPIRES_DAYS`; None: until revoked);
    returns it (shown once, never stored)."""
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise InvalidInput(f"must be between 1 and {MAX_EXPIRES_DAYS:,} days, not {expires_days}",
                           field="expires_days")
    if creator.scopes is not None:
        raise AccessDenied("an API token cannot create tokens; log in as a person")
    for_another = username != creator.user
    if for_another and not creator.has_role(*ACTIONS["users.manage"]):
        raise AccessDenied(f"{creator.user} may not create tokens for {username}")
    user = get_user(store, username)
    if user is None or user["disabled"] or (for_another and not manages(creator, user)):
        raise NotFound(f"no active user {username!r}")
    if for_another:  # the administrator could act through the token: it holds no more than they do
        check_within_holdings(creator, Classification(user["clearance"]), user_compartments(user))
    beyond = sorted(scopes - role_actions(user_roles(user)))
    if beyond:
        raise AccessDenied(f"{username}'s roles do not permit {', '.join(beyond)}; a token cannot widen them")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=expires_days)).strftime("%Y-%m-%dT%H:%M:%S.%f") if expires_days else None
    with store.engine.begin() as conn:
        conn.execute(
            insert(api_tokens).values(
                id=token_id, token_hash=_digest(secret), username=username, scopes=",".join(sorted(scopes)),
                created_at=utc_now(), expires_at=expires, issued_by=creator.user,
            )
        )
        audit.append(conn, creator, "tokens.create", {"token": token_id, "user": username, "scopes": sorted(scopes)})
    return f"{PREFIX}_{token_id}_{secret}"


_TOKEN_AND_USER = (select(api_tokens, users).join(users, users.c.username == api_tokens.c.username, isouter=True)
                   .where(api_tokens.c.id == bindparam("token_id")))


def viewer_for_token(store: Store, token: str, purpose: str = "", queued: list | None = None,
                     memory_only: bool = False) -> Viewer | None:
    """The viewer a program acts as; every use (and every refusal) is audited. With `queued`, the use's record
    is queued (`audit.log_event_later`) and its ticket added there, for the caller to settle before answering.
    With `memory_only`, None where the check would read the database (the token's rows are not kept)."""
    prefix, token_id, secret = _parts(token)

    def read() -> recent.Rows | None:
        # The token and its user in one query; the user's row is read as users.viewer_for reads it (`_viewer`).
        with store.reader.connect() as conn:
            found = conn.execute(_TOKEN_AND_USER, {"token_id": token_id}).first()
        if found is None:
            return None
        user = {c.name: found._mapping[c] for c in users.c} if found._mapping[users.c.username] is not None else None
        return {c.name: found._mapping[c] for c in api_tokens.c}, user

    # What the database said about this token and its user at most a second ago (`recent`): the secret, expiry,
    # revocation, scopes and the user's state are checked against it below at every use.
    rows = recent.token_rows(store.engine, token_id, None if memory_only else read) if prefix == PREFIX else None
    if rows is None and memory_only:
        return None
    row, user = rows or (None, None)

    def record(who: Viewer, query: dict, outcome: str = "ok") -> None:
        if queued is None:
            audit.log_event(store, who, "auth.token", query, outcome=outcome)
        else:
            queued.append(audit.log_event_later(store, who, "auth.token", query, outcome=outcome))

    def refuse(reason: str, username: str = "") -> AuthenticationFailed:
        # whom the refusal is about, as `auth.principal` names them, from the user's row already read
        who = _viewer(user, "") if username and user is not None and not user["disabled"] else nobody(username)
        record(who, {"token": token_id, "reason": reason}, "denied")
        return AuthenticationFailed("invalid, expired or revoked API token")

    if row is None or not hmac.compare_digest(row["token_hash"], _digest(secret)):
        raise refuse("unknown token or wrong secret")
    if row["revoked_at"] is not None:
        raise refuse("revoked", row["username"])
    if row["expires_at"] is not None and row["expires_at"] <= utc_now():
        raise refuse("expired", row["username"])
    if user is None or user["disabled"]:
        raise refuse("user disabled or removed", row["username"])
    viewer = _viewer(user, purpose)
    scopes = frozenset(row["scopes"].split(",")) & role_actions(viewer.roles)
    viewer = replace(viewer, scopes=scopes)
    record(viewer, {"token": token_id, "scopes": sorted(scopes)} | _issuer(row))
    return viewer


def _issuer(row: dict) -> dict:
    """Who issued the token, for its use's record, when another than its user did (an administrator, who could
    act through it): an oversight search of the trail sees them."""
    issuer = row["issued_by"]
    return {"issued_by": issuer} if issuer is not None and issuer != row["username"] else {}


def _parts(token: str) -> tuple[str, str, str]:
    """``nxt_<id>_<secret>`` as (prefix, id, secret)."""
    prefix, _, rest = token.strip().partition("_")
    token_id, _, secret = rest.partition("_")
    return prefix, token_id, secret


def _viewer(user: dict, purpose: str) -> Viewer:
    """The viewer for a user's row, exactly as `users.viewer_for` makes it from the same row."""
    return Viewer(user=user["username"], agency=user["agency"], roles=user_roles(user),
                  clearance=Classification(user["clearance"]), compartments=user_compartments(user), purpose=purpose)


def list_tokens(store: Store, username: str | None = None) -> list[dict]:
    query = select(api_tokens).order_by(api_tokens.c.username, api_tokens.c.created_at)
    if username:
        query = query.where(api_tokens.c.username == username)
    with store.engine.connect() as conn:
        return [{k: v for k, v in r.items() if k != "token_hash"} for r in conn.execute(query).mappings()]


def revoke_token(store: Store, viewer: Viewer, token_id: str) -> None:
    with store.engine.begin() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).mappings().first()
        if row is None:
            raise NotFound(f"no API token {token_id!r}")
        if row["username"] != viewer.user:
            if not viewer.has_role(*ACTIONS["users.manage"]):
                raise AccessDenied(f"{viewer.user} may not revoke {row['username']}'s tokens")
            owner = conn.execute(select(users).where(users.c.username == row["username"])).mappings().first()
            if owner is not None and not manages(viewer, owner):  # another agency's, as if there were none
                raise NotFound(f"no API token {token_id!r}")
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=utc_now()))
        audit.append(conn, viewer, "tokens.revoke", {"token": token_id, "user": row["username"]})
    recent.forget(store.engine)
