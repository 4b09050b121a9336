"""User accounts and API tokens, managed by administrators (tokens also by their owners); every change audited.

An administrator manages their own agency's users (the workspace's owner every agency's: `acts_for_every_agency`);
another agency's user is answered as one that does not exist. They grant no clearance above their own and no
compartment they are not in, and take no credential (a password, a second factor, a token) of an account that
holds more than they do: they could act through it.
"""

from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from nexus.errors import Forbidden, InvalidInput, NotFound
from nexus.model.labels import Classification, checked_agency
from nexus.security import audit, auth, tokens, users
from nexus.security.policy import acts_for_every_agency, require
from nexus.security.viewer import Viewer
from nexus.store import Store


def create_user(
    store: Store, admin: Viewer, username: str, agency: str, roles: list[str], clearance: str,
    compartments: list[str], password: str,
) -> None:
    require(admin, "users.manage")
    level, code = _clearance(clearance), checked_agency(agency)
    if code != admin.agency and not acts_for_every_agency(admin):
        raise Forbidden(f"{admin.user} administers {admin.agency}'s users: not {code}'s")
    users.check_within_holdings(admin, level, compartments)
    users.create_user(store, username, agency, roles, level, compartments, auth.hash_password(password))
    audit.log_event(store, admin, "users.create", {"user": username, "agency": agency, "roles": sorted(roles),
                                                    "clearance": level.name, "compartments": sorted(compartments)})


def _clearance(text: str) -> Classification:
    try:
        return Classification.parse(text)
    except InvalidInput as exc:
        raise InvalidInput(str(exc), field="clearance") from None


def list_users(store: Store, admin: Viewer) -> list[dict]:
    require(admin, "users.manage")
    result = [u | {"clearance": Classification(u["clearance"]).name} for u in users.list_users(store)
              if users.manages(admin, u)]
    audit.log_event(store, admin, "users.list", {})
    return result


def enrol_totp(store: Store, admin: Viewer, username: str) -> str:
    """Enrol (or re-enrol) a TOTP second factor; returns the provisioning URI."""
    require(admin, "users.manage")
    secret = auth.new_totp_secret()
    users.change_account(store, username, _recorder(admin, "users.totp", {"user": username}),
                         permit=_credential_permit(admin, username), totp_secret=secret)
    return auth.provisioning_uri(username, secret)


def set_password(store: Store, admin: Viewer, username: str, password: str) -> None:
    require(admin, "users.manage")
    users.change_account(store, username, _recorder(admin, "users.passwd", {"user": username}),
                         permit=_credential_permit(admin, username), **auth.password_values(password))


def unlock(store: Store, admin: Viewer, username: str) -> None:
    require(admin, "users.manage")
    users.change_account(store, username, _recorder(admin, "users.unlock", {"user": username}),
                         permit=_permit(admin, username), **auth.UNLOCKED)


def disable(store: Store, admin: Viewer, username: str) -> None:
    """Disable an account: its sessions and tokens stop working; never the last active administrator."""
    require(admin, "users.manage")
    users.change_account(store, username, _recorder(admin, "users.disable", {"user": username}),
                         permit=_permit(admin, username), disabled=True)


def enable(store: Store, admin: Viewer, username: str) -> None:
    """Enable a disabled account again: it signs in anew (its sessions were closed) and its tokens work again."""
    require(admin, "users.manage")
    users.change_account(store, username, _recorder(admin, "users.enable", {"user": username}),
                         permit=_permit(admin, username), disabled=False)


def _require_managed(admin: Viewer, user: Mapping | None, username: str) -> Mapping:
    """The account, if `admin` manages it; another agency's is refused as one that does not exist."""
    if user is None or not users.manages(admin, user):
        raise NotFound(f"no user {username!r}")
    return user


def _permit(admin: Viewer, username: str, granted: dict | None = None) -> Callable[[Mapping], None]:
    """What `users.change_account` checks on the account as it was: that `admin` manages it, and gives it nothing
    beyond what they hold (`granted`: `_account_fields`)."""
    def permit(before: Mapping) -> None:
        _require_managed(admin, before, username)
        if granted:
            level = Classification[granted["clearance"]] if "clearance" in granted else None
            users.check_within_holdings(admin, level, granted.get("compartments", ()), held=before)
    return permit


def _credential_permit(admin: Viewer, username: str) -> Callable[[Mapping], None]:
    """`_permit`, for a credential `admin` sets: not one of an account that holds more than they do."""
    def permit(before: Mapping) -> None:
        _require_managed(admin, before, username)
        users.check_within_holdings(admin, Classification(before["clearance"]), users.user_compartments(before))
    return permit


def _recorder(admin: Viewer, action: str,
              query: dict | Callable[[Mapping], dict]) -> Callable[[Connection, Mapping], None]:
    """The audit record of an account change, written in the change's own transaction (`query` may be made from
    the row as it was)."""
    return lambda conn, before: audit.append(conn, admin, action, query(before) if callable(query) else query)


def modify_user(
    store: Store, admin: Viewer, username: str, *, clearance: str | None = None, roles: list[str] | None = None,
    compartments: list[str] | None = None, agency: str | None = None,
) -> None:
    """Change a user's clearance, roles or compartments (each given replaces what they had), checked as
    `create_user` checks them; audited with each before and after. It applies to the user's open sessions and
    tokens at their next use (a server's other processes: within `recent.RECHECK`). Never the last active
    administrator's administrator role. The agency is not changed: see `_refuse_agency_change`."""
    require(admin, "users.manage")
    # as with rules and unmaskings, no one grants themselves
    if users.username_key(username) == users.username_key(admin.user):
        raise Forbidden("an administrator does not change their own clearance, roles or compartments: another does")
    if agency is not None:
        _refuse_agency_change(store, admin, username, agency)
    after = _account_fields(clearance, roles, compartments)
    if not after:
        raise InvalidInput("nothing to change: give a clearance, roles or compartments")
    users.change_account(store, username, _recorder(admin, "users.modify", lambda before: {
        "user": username, "before": _shown(before, after), "after": after}),
                         permit=_permit(admin, username, after), **_stored(after))


def _refuse_agency_change(store: Store, admin: Viewer, username: str, agency: str) -> None:
    """A user's agency says whose data, warrants, cases and sources they act for, and the audit trail records every
    action under it: moving an account to another agency would blur whose it was. Another agency's person is
    another account (create it; disable this one)."""
    code = checked_agency(agency)
    user = _require_managed(admin, users.get_user(store, username), username)
    if code != user["agency"]:
        raise InvalidInput(f"{username}'s agency ({user['agency']}) is not changed: create an account for {code} and "
                           "disable this one", field="agency")


def _account_fields(clearance: str | None, roles: list[str] | None, compartments: list[str] | None) -> dict:
    """The fields given, checked, as the audit trail shows them."""
    fields: dict = {}
    if clearance is not None:
        fields["clearance"] = _clearance(clearance).name
    if roles is not None:
        fields["roles"] = users.checked_roles(roles)
    if compartments is not None:
        fields["compartments"] = users.checked_compartments(compartments)
    return fields


def _stored(fields: dict) -> dict:
    """`_account_fields` as the users table keeps them."""
    return {name: int(Classification[value]) if name == "clearance" else ",".join(value)
            for name, value in fields.items()}


def _shown(user: dict, fields: dict) -> dict:
    """The user's row's values of `fields`, as `_account_fields` shows them."""
    shown = {"clearance": Classification(user["clearance"]).name, "roles": sorted(users.user_roles(user)),
             "compartments": sorted(c for c in user["compartments"].split(",") if c)}
    return {name: shown[name] for name in fields}


def create_token(store: Store, viewer: Viewer, username: str, scopes: str, expires_days: int | None) -> str:
    """A new API token (printed once, stored as a hash) for `username` with comma-separated scopes."""
    return tokens.create_token(store, viewer, username, tokens.parse_scopes(scopes), expires_days)


def list_tokens(store: Store, viewer: Viewer, username: str) -> list[dict]:
    if username != viewer.user:
        require(viewer, "users.manage")
        user = users.get_user(store, username)
        if user is None or not users.manages(viewer, user):
            return []  # as for a name that is no user's
    return tokens.list_tokens(store, username)


def revoke_token(store: Store, viewer: Viewer, token_id: str) -> None:
    tokens.revoke_token(store, viewer, token_id)
