"""`nexus login/logout/whoami`, `nexus users`, `nexus tokens`, `nexus audit`, `nexus warrants`."""

import json
import sys

import typer
from rich.console import Console
from rich.table import Table

from nexus.cli.context import current_viewer, print_json_lines
from nexus.config import load_settings
from nexus.errors import InvalidInput
from nexus.service import accounts, identity, oversight
from nexus.service.workspace import open_store

console = Console()
users_app = typer.Typer(help="User accounts (administrators: their own agency's; the workspace's owner: any).",
                        no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for programs.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail: verify it, search it (oversight).", no_args_is_help=True)
warrants_app = typer.Typer(help="Warrants for special investigative techniques (supervisors).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
    app.add_typer(warrants_app, name="warrants")


def read_secret(prompt: str, confirm: bool = False) -> str:
    """From a hidden prompt at a terminal, else the next line of stdin (for scripts)."""
    if sys.stdin.isatty():
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return sys.stdin.readline().rstrip("\r\n")


# -- sessions -------------------------------------------------------------------------


def login(
    username: str = typer.Argument(..., help="your user name"),
    code: str | None = typer.Option(None, "--code", help="one-time code, if you enrolled TOTP"),
) -> None:
    """Log in: the session lasts 8 hours, or until it goes 30 minutes unused; kept in NEXUS_HOME/session (mode 0600)."""
    store = open_store()
    expires, path = identity.login(store, load_settings().home, username, read_secret("Password"), code)
    console.print(f"logged in as {username} until {expires[:16]} UTC, or 30 minutes unused (session in {path})")


def logout() -> None:
    """End the login session."""
    identity.logout(open_store(), load_settings().home)
    console.print("logged out")


def whoami() -> None:
    """Who you are acting as, with your agency, roles, clearance and compartments."""
    store = open_store()
    v = current_viewer(store)
    scopes = f", token scopes: {', '.join(sorted(v.scopes))}" if v.scopes is not None else ""
    compartments = ", ".join(sorted(v.compartments)) or "none"
    console.print(f"{v.user} ({v.agency}) roles: {', '.join(sorted(v.roles))}; clearance: {v.clearance.name}; "
                  f"compartments: {compartments}{scopes}", highlight=False)


# -- users ----------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    username: str = typer.Argument(...),
    agency: str = typer.Option(..., "--agency", help="your own (the workspace's owner: any agency)"),
    role: list[str] = typer.Option(..., "--role", help="repeatable: analyst, targeter, investigator, supervisor, oversight, administrator"),
    clearance: str = typer.Option(..., "--clearance", help="UNCLASSIFIED … TOP_SECRET"),
    compartment: list[str] = typer.Option([], "--compartment", help="repeatable need-to-know compartment or case"),
) -> None:
    """Create a user; the password comes from a prompt (or stdin when not a terminal)."""
    store = open_store()
    admin = current_viewer(store)
    accounts.create_user(store, admin, username, agency, role, clearance, compartment,
                         read_secret("Password", confirm=True))
    console.print(f"created {username}")


@users_app.command("list")
def users_list() -> None:
    """List users with their agency, roles, clearance and state."""
    store = open_store()
    table = Table("user", "agency", "roles", "clearance", "compartments", "TOTP", "state")
    for u in accounts.list_users(store, current_viewer(store)):
        state = "disabled" if u["disabled"] else (f"locked until {u['locked_until'][:16]}" if u["locked_until"] else "active")
        table.add_row(u["username"], u["agency"], u["roles"], u["clearance"],
                      u["compartments"], "yes" if u["totp_secret"] else "", state)
    console.print(table)


@users_app.command("totp")
def users_totp(username: str = typer.Argument(...)) -> None:
    """Enrol (or re-enrol) a TOTP second factor; prints the provisioning URI."""
    store = open_store()
    uri = accounts.enrol_totp(store, current_viewer(store), username)
    console.print(uri, highlight=False, soft_wrap=True)


@users_app.command("passwd")
def users_passwd(username: str = typer.Argument(...)) -> None:
    """Set a user's password (prompt, or stdin when not a terminal)."""
    password = read_secret("New password", confirm=True)
    store = open_store()
    accounts.set_password(store, current_viewer(store), username, password)
    console.print(f"password set for {username}")


@users_app.command("unlock")
def users_unlock(username: str = typer.Argument(...)) -> None:
    """Clear a lockout after repeated failed logins."""
    store = open_store()
    accounts.unlock(store, current_viewer(store), username)
    console.print(f"unlocked {username}")


@users_app.command("disable")
def users_disable(username: str = typer.Argument(...)) -> None:
    """Disable an account (it can no longer log in or use tokens)."""
    store = open_store()
    accounts.disable(store, current_viewer(store), username)
    console.print(f"disabled {username}")


@users_app.command("enable")
def users_enable(username: str = typer.Argument(...)) -> None:
    """Enable a disabled account again (its earlier sessions stay closed; its tokens work again)."""
    store = open_store()
    accounts.enable(store, current_viewer(store), username)
    console.print(f"enabled {username}")


@users_app.command("modify")
def users_modify(
    username: str = typer.Argument(...),
    clearance: str | None = typer.Option(None, "--clearance", help="UNCLASSIFIED … TOP_SECRET"),
    role: list[str] = typer.Option([], "--role", help="repeatable; the roles given replace the user's"),
    compartment: list[str] = typer.Option([], "--compartment", help="repeatable; those given replace the user's"),
    no_compartments: bool = typer.Option(False, "--no-compartments", help="take every compartment away"),
    agency: str | None = typer.Option(None, "--agency", help="refused unless the user's own: another agency's "
                                                             "person is another account"),
) -> None:
    """Change a user's clearance, roles or compartments, at once for their sessions and tokens (audited)."""
    if compartment and no_compartments:
        raise InvalidInput("--compartment and --no-compartments: give one or the other")
    store = open_store()
    accounts.modify_user(store, current_viewer(store), username, clearance=clearance, roles=role or None,
                         compartments=[] if no_compartments else compartment or None, agency=agency)
    console.print(f"modified {username}")


# -- tokens ---------------------------------------------------------------------------


@tokens_app.command("create")
def tokens_create(
    scope: str = typer.Option(..., "--scope", help="comma-separated actions, e.g. read,search"),
    user: str | None = typer.Option(None, "--user", help="whose token (administrators: their agency's users) [you]"),
    expires_days: int = typer.Option(90, "--expires-days", help="days until it expires: 1 to 3,660 (ten years)"),
) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    store = open_store()
    viewer = current_viewer(store)
    token = accounts.create_token(store, viewer, user or viewer.user, scope, expires_days)
    print(token)


@tokens_app.command("list")
def tokens_list(user: str | None = typer.Option(None, "--user", help="whose tokens (administrators) [you]")) -> None:
    """List API tokens (never their secrets)."""
    store = open_store()
    viewer = current_viewer(store)
    table = Table("id", "user", "scopes", "issued by", "created", "expires", "revoked")
    for t in accounts.list_tokens(store, viewer, user or viewer.user):
        table.add_row(t["id"], t["username"], t["scopes"], t["issued_by"] or "", t["created_at"][:16],
                      (t["expires_at"] or "never")[:16], (t["revoked_at"] or "")[:16])
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str = typer.Argument(...)) -> None:
    """Revoke an API token at once."""
    store = open_store()
    accounts.revoke_token(store, current_viewer(store), token_id)
    console.print(f"revoked {token_id}")


# -- audit ----------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain, its head and the anchor file; exit 1 naming the first bad record."""
    store = open_store()
    _show_chain(oversight.verify_audit(store, current_viewer(store)))


@audit_app.command("adopt-anchor")
def audit_adopt_anchor() -> None:
    """Write a missing anchor file at the trail's head, once the whole chain verifies up to it (audited)."""
    store = open_store()
    _show_chain(oversight.adopt_anchor(store, current_viewer(store)))


def _show_chain(report) -> None:
    """What a check of the trail found; exit 1 unless it holds."""
    if not report.ok:
        Console(stderr=True).print(f"[red]{report}[/red]", highlight=False)
        raise typer.Exit(1)
    console.print(str(report))


@audit_app.command("search")
def audit_search(
    user: str | None = typer.Option(None, "--user"),
    action: str | None = typer.Option(None, "--action", help="e.g. search, entity.read, export.ftm, login"),
    since: str | None = typer.Option(None, "--since", help="ISO date or date-time (inclusive)"),
    until: str | None = typer.Option(None, "--until", help="ISO date or date-time (exclusive)"),
    entity: str | None = typer.Option(None, "--entity", help="records that returned or asked for this entity id"),
    limit: int = typer.Option(100, "--limit"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
) -> None:
    """Search the audit trail (oversight role; read-only)."""
    store = open_store()
    rows = oversight.search_audit(store, current_viewer(store), user=user, action=action, since=since, until=until,
                              entity_id=entity, limit=limit)
    if as_json:
        print_json_lines(rows)
        return
    table = Table("seq", "at", "user", "agency", "action", "purpose", "query", "outcome", "results")
    for r in rows:
        table.add_row(str(r["seq"]), r["at"][:19], r["username"], r["agency"], r["action"], r["purpose"],
                      r["query"], r["outcome"], str(len(json.loads(r["result_ids"]))))
    console.print(table)


# -- warrants -------------------------------------------------------------------------


@warrants_app.command("add")
def warrants_add(
    warrant_id: str = typer.Argument(..., help="the warrant's reference"),
    agency: str = typer.Option(..., "--agency", help="your own (the workspace's owner: any agency)"),
    kind: str = typer.Option(..., "--kind", help="e.g. interception, surveillance, production-order"),
    expires: str = typer.Option(..., "--expires", help="ISO date or date-time"),
    issued: str | None = typer.Option(None, "--issued", help="ISO date or date-time [now]"),
    allowed_use: list[str] = typer.Option([], "--allowed-use", help="repeatable: a purpose still allowed after expiry"),
    description: str | None = typer.Option(None, "--description"),
) -> None:
    """Register a warrant."""
    store = open_store()
    oversight.add_warrant(store, current_viewer(store), warrant_id, agency=agency, kind=kind, expires_at=expires,
                         allowed_uses=allowed_use, issued_at=issued, description=description)
    console.print(f"added warrant {warrant_id}")


@warrants_app.command("revoke")
def warrants_revoke(warrant_id: str = typer.Argument(...)) -> None:
    """Revoke a warrant: its statements are then served only for its allowed uses."""
    store = open_store()
    oversight.revoke_warrant(store, current_viewer(store), warrant_id)
    console.print(f"revoked warrant {warrant_id}")


@warrants_app.command("list")
def warrants_list() -> None:
    """List warrants and their state."""
    store = open_store()
    table = Table("id", "agency", "kind", "issued", "expires", "revoked", "allowed uses")
    for w in oversight.list_warrants(store, current_viewer(store)):
        table.add_row(w["id"], w["agency"], w["kind"], w["issued_at"][:16], w["expires_at"][:16],
                      (w["revoked_at"] or "")[:16], w["allowed_uses"])
    console.print(table)
