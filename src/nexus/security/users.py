"""User accounts: agency, roles, clearance, compartments and credentials."""

from collections.abc import Iterable

from sqlalchemy import insert, select, update

from nexus.errors import Conflict, InvalidInput, NotFound
from nexus.model.labels import Classification, agency_code
from nexus.security import recent
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
    if not roles:
        raise InvalidInput("a user needs at least one role")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput(f"unknown role {unknown[0]!r} (known: {', '.join(ROLES)})")
    compartments = sorted(set(compartments))
    if not username.strip() or not agency.strip():
        raise InvalidInput("username and agency must not be empty")
    if any("," in name for name in (agency, *compartments)):
        raise InvalidInput("an agency or compartment name must not contain a comma")
    with store.engine.begin() as conn:
        if conn.execute(select(users.c.username).where(users.c.username == username)).first():
            raise Conflict(f"user {username!r} already exists")
        conn.execute(
            insert(users).values(
                username=username,
                agency=agency_code(agency),
                roles=",".join(roles),
                clearance=int(clearance),
                compartments=",".join(compartments),
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


def list_users(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()]


def update_user(store: Store, username: str, **values: object) -> None:
    with store.engine.begin() as conn:
        if conn.execute(update(users).where(users.c.username == username).values(**values)).rowcount == 0:
            raise NotFound(f"no user {username!r}")
    recent.forget(store.engine)


def user_roles(user: dict) -> frozenset[str]:
    return frozenset(r for r in user["roles"].split(",") if r)


def viewer_for(store: Store, username: str, purpose: str = "") -> Viewer:
    user = get_user(store, username)
    if user is None or user["disabled"]:
        raise NotFound(f"no active user {username!r}")
    return Viewer(
        user=user["username"],
        agency=user["agency"],
        roles=user_roles(user),
        clearance=Classification(user["clearance"]),
        compartments=frozenset(c for c in user["compartments"].split(",") if c),
        purpose=purpose,
    )
