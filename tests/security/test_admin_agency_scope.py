"""An agency's administrator manages their own agency's users alone and grants, and acts through, no more than they
hold; the workspace's owner (a LOCAL administrator) manages every agency's; a token an administrator issued for a
user names them in the record of each use (audit finding 7; both databases)."""

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.config import load_settings
from nexus.errors import Forbidden, NotFound
from nexus.model.labels import Classification
from nexus.security import audit, tokens, users
from nexus.security.viewer import Viewer
from nexus.service import accounts
from nexus.store import Store
from nexus.store.schema import api_tokens, audit_log

OWNER = Viewer("owner", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
OVERSIGHT = Viewer("olivia", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
PASSWORD = "correct horse battery staple"

#: username: (agency, roles, clearance, compartments), made by the workspace's owner
STAFF = {
    "pol_admin": ("POLICE", ["administrator"], "secret", []),
    "pol_an": ("POLICE", ["analyst"], "confidential", []),
    "pol_ts": ("POLICE", ["analyst"], "top-secret", ["ALPHA"]),
    "int_sup": ("INTEL", ["supervisor"], "top-secret", ["ALPHA"]),
    "int_nc": ("INTEL", ["analyst"], "secret", []),
}


@pytest.fixture
def staff(store):
    """The store with `STAFF`, and the POLICE administrator (SECRET, no compartment) as a viewer."""
    for username, (agency, roles, clearance, compartments) in STAFF.items():
        accounts.create_user(store, OWNER, username, agency, roles, clearance, compartments, PASSWORD)
    return store, users.viewer_for(store, "pol_admin")


def refusal(call, username: str) -> tuple[type, str]:
    """The error `call(username)` raises, its message with the name put as `ghost`."""
    with pytest.raises((Forbidden, NotFound)) as raised:
        call(username)
    return type(raised.value), str(raised.value).replace(repr(username), repr("ghost"))


def managing(store: Store, admin: Viewer) -> dict:
    """Each way an administrator manages an account, as a call of the username."""
    return {
        "token": lambda name: accounts.create_token(store, admin, name, "read", 90),
        "modify": lambda name: accounts.modify_user(store, admin, name, compartments=["ALPHA"]),
        "move": lambda name: accounts.modify_user(store, admin, name, agency="POLICE"),
        "disable": lambda name: accounts.disable(store, admin, name),
        "enable": lambda name: accounts.enable(store, admin, name),
        "unlock": lambda name: accounts.unlock(store, admin, name),
        "passwd": lambda name: accounts.set_password(store, admin, name, "another long passphrase"),
        "totp": lambda name: accounts.enrol_totp(store, admin, name),
    }


@pytest.mark.parametrize("way", ["token", "modify", "move", "disable", "enable", "unlock", "passwd", "totp"])
def test_another_agencys_user_is_managed_as_no_user_is(staff, way):
    store, pol_admin = staff
    call = managing(store, pol_admin)[way]
    before = users.get_user(store, "int_sup")
    assert refusal(call, "int_sup") == refusal(call, "ghost")
    assert refusal(call, "int_sup")[0] is NotFound
    assert users.get_user(store, "int_sup") == before
    assert tokens.list_tokens(store, "int_sup") == []


def test_an_administrator_creates_users_in_their_own_agency_alone(staff):
    store, pol_admin = staff
    for agency in ("INTEL", "LOCAL"):  # a LOCAL administrator would manage every agency
        with pytest.raises(Forbidden, match="POLICE's users"):
            accounts.create_user(store, pol_admin, "evil", agency, ["administrator"], "secret", [], PASSWORD)
    assert users.get_user(store, "evil") is None


@pytest.mark.parametrize("grant", [
    dict(clearance="top-secret"), dict(compartments=["ALPHA"]), dict(clearance="secret", compartments=["OP-9"])])
def test_an_administrator_grants_no_clearance_or_compartment_beyond_their_own(staff, grant):
    store, pol_admin = staff
    with pytest.raises(Forbidden, match="no more than they hold|only the compartments they hold"):
        accounts.create_user(store, pol_admin, "newcomer", "POLICE", ["analyst"], grant.get("clearance", "secret"),
                             grant.get("compartments", []), PASSWORD)
    with pytest.raises(Forbidden, match="no more than they hold|only the compartments they hold"):
        accounts.modify_user(store, pol_admin, "pol_an", **grant)
    assert users.get_user(store, "newcomer") is None
    assert users.get_user(store, "pol_an")["clearance"] == int(Classification.CONFIDENTIAL)


@pytest.mark.parametrize("way", ["token", "passwd", "totp"])
def test_an_administrator_takes_no_credential_of_their_agencys_user_who_holds_more(staff, way):
    store, pol_admin = staff
    before = users.get_user(store, "pol_ts")
    with pytest.raises(Forbidden):
        managing(store, pol_admin)[way]("pol_ts")
    assert users.get_user(store, "pol_ts") == before and tokens.list_tokens(store, "pol_ts") == []


def test_an_administrator_still_manages_their_agencys_users_and_their_tokens_and_lists_none_else(staff):
    store, pol_admin = staff
    accounts.create_user(store, pol_admin, "pol_new", "POLICE", ["analyst"], "secret", [], PASSWORD)
    accounts.modify_user(store, pol_admin, "pol_an", clearance="secret", roles=["analyst", "supervisor"])
    accounts.modify_user(store, pol_admin, "pol_ts", clearance="secret", compartments=["ALPHA"])  # ALPHA: held
    accounts.disable(store, pol_admin, "pol_new")
    accounts.enable(store, pol_admin, "pol_new")
    accounts.set_password(store, pol_admin, "pol_an", "another long passphrase")
    token = accounts.create_token(store, pol_admin, "pol_an", "read", 30)
    (listed,) = accounts.list_tokens(store, pol_admin, "pol_an")
    assert listed["issued_by"] == "pol_admin"
    accounts.revoke_token(store, pol_admin, listed["id"])
    assert token.startswith("nxt_")
    assert {u["username"] for u in accounts.list_users(store, pol_admin)} == {"pol_admin", "pol_an", "pol_ts",
                                                                              "pol_new"}


def test_another_agencys_token_is_neither_listed_nor_revoked(staff):
    store, pol_admin = staff
    accounts.create_token(store, OWNER, "int_sup", "read", 30)
    (theirs,) = tokens.list_tokens(store, "int_sup")
    assert accounts.list_tokens(store, pol_admin, "int_sup") == accounts.list_tokens(store, pol_admin, "ghost") == []
    with pytest.raises(NotFound) as raised:
        accounts.revoke_token(store, pol_admin, theirs["id"])
    with pytest.raises(NotFound) as unknown:
        accounts.revoke_token(store, pol_admin, "0123456789abcdef")
    assert str(raised.value).replace(theirs["id"], "0123456789abcdef") == str(unknown.value)
    assert tokens.list_tokens(store, "int_sup")[0]["revoked_at"] is None


def test_the_workspaces_owner_manages_every_agencys_users(staff):
    store, _ = staff
    accounts.modify_user(store, OWNER, "int_nc", compartments=["ALPHA"])
    accounts.create_user(store, OWNER, "int_new", "INTEL", ["analyst"], "top-secret", ["ALPHA", "BRAVO"], PASSWORD)
    accounts.set_password(store, OWNER, "int_sup", "another long passphrase")
    accounts.create_token(store, OWNER, "int_sup", "read,warrants.manage", 30)
    (made,) = accounts.list_tokens(store, OWNER, "int_sup")
    assert made["issued_by"] == "owner"
    assert len(accounts.list_users(store, OWNER)) == len(STAFF) + 1
    assert users.get_user(store, "int_nc")["compartments"] == "ALPHA"


def test_each_use_of_a_token_an_administrator_issued_names_them(staff):
    store, pol_admin = staff
    issued = accounts.create_token(store, pol_admin, "pol_an", "read", 30)
    own = accounts.create_token(store, users.viewer_for(store, "pol_an"), "pol_an", "read", 30)
    for token in (issued, own):
        assert tokens.viewer_for_token(store, token, "case 7").user == "pol_an"
    uses = [orjson.loads(r["query"]) for r in audit.search_audit(store, OVERSIGHT, action="auth.token")]
    assert [use.get("issued_by") for use in uses] == ["pol_admin", None]
    with store.engine.connect() as conn:
        issuers = dict(conn.execute(select(api_tokens.c.id, api_tokens.c.issued_by)).all())
    assert sorted(issuers.values()) == ["pol_admin", "pol_an"]


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def test_the_cli_refuses_another_agencys_user_as_no_user_and_records_both_alike(workspace):
    owner = {"NEXUS_HOME": str(workspace / "owner")}  # the workspace's owner, in a shell of their own
    for username, (agency, roles, clearance, compartments) in STAFF.items():
        flags = [f for role in roles for f in ("--role", role)]
        flags += [f for compartment in compartments for f in ("--compartment", compartment)]
        made = run("users", "create", username, "--agency", agency, *flags, "--clearance", clearance,
                   input=f"{PASSWORD}\n{PASSWORD}\n", env=owner)
        assert made.exit_code == 0, made.output
    assert run("login", "pol_admin", input=f"{PASSWORD}\n").exit_code == 0

    answers = {}
    for name in ("int_sup", "ghost"):
        minted = run("tokens", "create", "--user", name, "--scope", "read,warrants.manage")
        modified = run("users", "modify", name, "--compartment", "ALPHA")
        assert minted.exit_code == modified.exit_code == 1
        answers[name] = [str(minted.exception).replace(name, "X"), str(modified.exception).replace(name, "X")]
    assert answers["int_sup"] == answers["ghost"] == ["no active user 'X'", "no user 'X'"]

    store = Store.open(load_settings())
    with store.engine.connect() as conn:
        refused = conn.execute(select(audit_log.c.username, audit_log.c.outcome, audit_log.c.query)
                               .where(audit_log.c.action == "cli.command")).all()
    assert [(user, outcome) for user, outcome, _ in refused] == [("pol_admin", "not found")] * 4
    reasons = [orjson.loads(query)["reason"] for _, _, query in refused]
    assert [r.replace("int_sup", "X").replace("ghost", "X") for r in reasons] == ["no active user 'X'",
                                                                                 "no user 'X'"] * 2
    unchanged = users.get_user(store, "int_nc")["compartments"]
    store.close()
    assert unchanged == ""
