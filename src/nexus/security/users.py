"""User accounts: agency, roles, clearance, compartments and credentials."""

import unicodedata
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import Connection, insert, select, update

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.labels import Classification, check_text, checked_agency
from nexus.security import recent
from nexus.security.policy import acts_for_every_agency
from nexus.security.viewer import ROLES, Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import auth_sessions, users

#: The longest username.
MAX_USERNAME = 64


def username_key(username: str) -> str:
    """What a username is told apart by: its letters without case or accents (`ALICE`, `ålice` and `alice` are one
    name to a person reading the audit trail, so only one of them may be a user's)."""
    decomposed = unicodedata.normalize("NFKD", username.casefold())
    return unicodedata.normalize("NFKC", "".join(c for c in decomposed if not unicodedata.combining(c))).casefold()


def check_username(username: str) -> None:
    """Refuse (InvalidInput naming `username`) an empty name, one longer than `MAX_USERNAME`, or one with a control
    character (a NUL among them) or space around it."""
    check_text(username, "username")
    if not username.strip():
        raise InvalidInput("must not be empty", field="username")
    if len(username) > MAX_USERNAME:
        raise InvalidInput(f"at most {MAX_USERNAME} characters, not {len(username):,}", field="username")
    if username != username.strip() or any(unicodedata.category(c) in ("Cc", "Cf") for c in username):
        raise InvalidInput("must not contain control characters or begin or end with a space", field="username")


def checked_roles(roles: Iterable[str]) -> list[str]:
    """The roles, sorted and each once; refuses none, or one that is not in `ROLES`."""
    roles = sorted(set(roles))
    if not roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput(f"unknown role {unknown[0]!r} (known: {', '.join(ROLES)})", field="roles")
    return roles


def checked_compartments(compartments: Iterable[str]) -> list[str]:
    """The compartments, sorted and each once; refuses a name with a NUL or a comma (they are stored
    comma-separated)."""
    compartments = sorted(set(compartments))
    for compartment in compartments:
        check_text(compartment, "compartments")
    if any("," in name for name in compartments):
        raise InvalidInput("a compartment name must not contain a comma", field="compartments")
    return compartments


def create_user(
    store: Store,
    username: str,
    agency: str,
    roles: Iterable[str],
    clearance: Classification,
    compartments: Iterable[str] = (),
    password_hash: str | None = None,
) -> None:
    roles = checked_roles(roles)
    compartments = checked_compartments(compartments)
    check_username(username)
    code = checked_agency(agency)
    with store.engine.begin() as conn:
        if conn.execute(select(users.c.username).where(users.c.username == username)).first():
            raise Conflict(f"user {username!r} already exists")
        key = username_key(username)
        alike = next((u for u in conn.execute(select(users.c.username)).scalars() if username_key(u) == key), None)
        if alike is not None:
            raise Conflict(f"user {alike!r} already exists, and {username!r} differs from it only in case or "
                           "accents: choose a name people can tell apart")
        conn.execute(
            insert(users).values(
                username=username,
                agency=code,
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


def change_account(store: Store, username: str, record: Callable[[Connection, Mapping], None], *,
                   permit: Callable[[Mapping], None], **values: object) -> dict:
    """Set `values` (roles, clearance, compartments, disabled, credentials) on the user's row, `record` (the audit
    record, given the row as it was) in the same transaction, unless `permit` (given the row as it was) refuses it;
    returns the row as it was. A change that would leave no active administrator is refused (Conflict): no one could
    manage users any more. Enabling a disabled account, or changing its password or second factor, closes the login
    sessions it had: it signs in anew."""
    # held by every such change, so that two administrators disabling each other at once cannot both succeed
    with store.exclusive(["users:administrators"]), store.engine.begin() as conn:
        before = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if before is None:
            raise NotFound(f"no user {username!r}")
        permit(before)
        last = _administers(before) and not _another_administrator(conn, username)
        if last and not _administers(dict(before) | values):
            raise Conflict(f"{username} is the last active administrator: make another user an administrator first")
        conn.execute(update(users).where(users.c.username == username).values(**values))
        enabled = before["disabled"] and values.get("disabled") is False
        if enabled or CREDENTIALS & values.keys():  # a reset credential may have been stolen with its sessions
            conn.execute(update(auth_sessions).where(auth_sessions.c.username == username,
                                                     auth_sessions.c.revoked_at.is_(None)).values(revoked_at=utc_now()))
        record(conn, before)
    recent.forget(store.engine)
    return dict(before)


#: What signs a person in: changing either closes the account's login sessions.
CREDENTIALS = frozenset({"password_hash", "totp_secret"})


def _administers(user: Mapping) -> bool:
    return not user["disabled"] and "administrator" in user_roles(user)


def _another_administrator(conn: Connection, username: str) -> bool:
    others = conn.execute(select(users).where(users.c.username != username, users.c.disabled.is_(False))).mappings()
    return any(_administers(other) for other in others)


def user_roles(user: Mapping) -> frozenset[str]:
    return frozenset(r for r in user["roles"].split(",") if r)


def user_compartments(user: Mapping) -> frozenset[str]:
    return frozenset(c for c in user["compartments"].split(",") if c)


def manages(admin: Viewer, user: Mapping) -> bool:
    """Whether `admin` manages this account: one of their own agency's (any agency's for the workspace's owner).
    Another agency's account is to be answered as one that does not exist: its name is not confirmed."""
    return user["agency"] == admin.agency or acts_for_every_agency(admin)


def check_within_holdings(admin: Viewer, clearance: Classification | None, compartments: Iterable[str] = (),
                          held: Mapping | None = None) -> None:
    """Refuse (Forbidden) what would give an account, or `admin` through it, more than `admin` holds: a clearance
    above theirs, a compartment they are not in; what the account held already (`held`: its row) is given by no
    one. The workspace's owner holds what every agency may give."""
    if acts_for_every_agency(admin):
        return
    held_clearance = Classification(held["clearance"]) if held else Classification.UNCLASSIFIED
    if clearance is not None and clearance > admin.clearance and clearance > held_clearance:
        raise Forbidden(f"{clearance.name} is above {admin.user}'s own clearance ({admin.clearance.name}): an "
                        "administrator grants, and acts through, no more than they hold")
    beyond = sorted(set(compartments) - admin.compartments - (user_compartments(held) if held else frozenset()))
    if beyond:
        raise Forbidden(f"{admin.user} is not in compartment {beyond[0]}: an administrator grants, and acts through, "
                        "only the compartments they hold")


def viewer_for(store: Store, username: str, purpose: str = "") -> Viewer:
    user = get_user(store, username)
    if user is None or user["disabled"]:
        raise NotFound(f"no active user {username!r}")
    return Viewer(
        user=user["username"],
        agency=user["agency"],
        roles=user_roles(user),
        clearance=Classification(user["clearance"]),
        compartments=user_compartments(user),
        purpose=purpose,
    )
