"""User accounts: agency, roles, clearance and compartments."""

from collections.abc import Iterable

from sqlalchemy import insert, select

from nexus.model.labels import Classification
from nexus.security.viewer import ROLES, Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import users


def create_user(
    store: Store,
    username: str,
    agency: str,
    roles: Iterable[str],
    clearance: Classification,
    compartments: Iterable[str] = (),
    password_hash: str | None = None,
) -> None:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r} (known: {', '.join(ROLES)})")
    with store.engine.begin() as conn:
        if conn.execute(select(users.c.username).where(users.c.username == username)).first():
            raise ValueError(f"user {username!r} already exists")
        conn.execute(
            insert(users).values(
                username=username,
                agency=agency,
                roles=",".join(roles),
                clearance=int(clearance),
                compartments=",".join(sorted(set(compartments))),
                password_hash=password_hash,
                failed_logins=0,
                disabled=False,
                created_at=utc_now(),
            )
        )


def ensure_user(store: Store, username: str, **fields) -> None:
    if get_user(store, username) is None:
        create_user(store, username, **fields)


def get_user(store: Store, username: str) -> dict | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def viewer_for(store: Store, username: str, purpose: str = "") -> Viewer:
    user = get_user(store, username)
    if user is None or user["disabled"]:
        raise KeyError(f"no active user {username!r}")
    return Viewer(
        user=user["username"],
        agency=user["agency"],
        roles=frozenset(r for r in user["roles"].split(",") if r),
        clearance=Classification(user["clearance"]),
        compartments=frozenset(c for c in user["compartments"].split(",") if c),
        purpose=purpose,
    )
