"""User accounts and API tokens, managed by administrators (tokens also by their owners); every change audited."""

from collections.abc import Callable
from typing import TypeVar

from nexus.model.labels import Classification
from nexus.security import audit, auth, tokens, users
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.store import Store

T = TypeVar("T")


def create_user(
    store: Store, admin: Viewer, username: str, agency: str, roles: list[str], clearance: str,
    compartments: list[str], password: str,
) -> None:
    require(admin, "users.manage")
    level = Classification.parse(clearance)
    users.create_user(store, username, agency, roles, level, compartments, auth.hash_password(password))
    audit.log_event(store, admin, "users.create", {"user": username, "agency": agency, "roles": sorted(roles),
                                                    "clearance": level.name, "compartments": sorted(compartments)})


def list_users(store: Store, admin: Viewer) -> list[dict]:
    require(admin, "users.manage")
    result = [u | {"clearance": Classification(u["clearance"]).name} for u in users.list_users(store)]
    audit.log_event(store, admin, "users.list", {})
    return result


def _change(store: Store, admin: Viewer, username: str, action: str, change: Callable[[], T]) -> T:
    require(admin, "users.manage")
    result = change()
    audit.log_event(store, admin, action, {"user": username})
    return result


def enrol_totp(store: Store, admin: Viewer, username: str) -> str:
    """Enrol (or re-enrol) a TOTP second factor; returns the provisioning URI."""
    return _change(store, admin, username, "users.totp", lambda: auth.enrol_totp(store, username))


def set_password(store: Store, admin: Viewer, username: str, password: str) -> None:
    _change(store, admin, username, "users.passwd", lambda: auth.set_password(store, username, password))


def unlock(store: Store, admin: Viewer, username: str) -> None:
    _change(store, admin, username, "users.unlock", lambda: auth.unlock(store, username))


def disable(store: Store, admin: Viewer, username: str) -> None:
    _change(store, admin, username, "users.disable", lambda: users.update_user(store, username, disabled=True))


def create_token(store: Store, viewer: Viewer, username: str, scopes: str, expires_days: int | None) -> str:
    """A new API token (printed once, stored as a hash) for `username` with comma-separated scopes."""
    return tokens.create_token(store, viewer, username, tokens.parse_scopes(scopes), expires_days)


def list_tokens(store: Store, viewer: Viewer, username: str) -> list[dict]:
    if username != viewer.user:
        require(viewer, "users.manage")
    return tokens.list_tokens(store, username)


def revoke_token(store: Store, viewer: Viewer, token_id: str) -> None:
    tokens.revoke_token(store, viewer, token_id)
