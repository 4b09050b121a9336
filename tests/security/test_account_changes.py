"""An administrator enables a disabled account again and changes a user's clearance, roles and compartments (checked
as `users create` checks them, audited with before and after, applied to the user's open session and tokens at
once); never the last active administrator's; an account's agency is not changed (both databases)."""

import orjson
import pytest
from sqlalchemy import select

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.labels import Classification
from nexus.security import audit, auth, tokens, users
from nexus.security.viewer import Viewer
from nexus.service import accounts, identity
from nexus.store.schema import audit_log

ADMIN = Viewer("admin", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
OVERSIGHT = Viewer("olivia", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
PASSWORD = "correct horse battery staple"


def create(store, username: str, roles=("analyst",), clearance: str = "secret", compartments=("OP-1",)) -> None:
    accounts.create_user(store, ADMIN, username, "POLICE", list(roles), clearance, list(compartments), PASSWORD)


@pytest.fixture
def paul(store):
    """paul, an analyst with a session open and a read token in use."""
    create(store, "root", roles=("administrator",))
    create(store, "paul")
    token, _ = identity.sign_in(store, "paul", PASSWORD)
    me = users.viewer_for(store, "paul")
    api_token = tokens.create_token(store, me, "paul", frozenset({"read"}))
    return store, token, api_token


def test_an_enabled_account_works_again_but_its_earlier_sessions_stay_closed(paul):
    store, session, api_token = paul
    accounts.disable(store, ADMIN, "paul")
    with pytest.raises(auth.AuthenticationFailed):
        tokens.viewer_for_token(store, api_token)
    accounts.enable(store, ADMIN, "paul")
    assert tokens.viewer_for_token(store, api_token).user == "paul"  # at once, not a second later
    with pytest.raises(auth.AuthenticationFailed):  # the session open when paul was disabled is not revived
        identity.session_viewer(store, session)
    again, _ = identity.sign_in(store, "paul", PASSWORD)
    assert identity.session_viewer(store, again).user == "paul"
    assert [r["action"] for r in audit.search_audit(store, OVERSIGHT, user="admin")][-2:] == ["users.disable",
                                                                                             "users.enable"]


def test_a_change_applies_to_the_users_session_and_tokens_at_once_and_is_audited(paul):
    store, session, api_token = paul
    assert identity.session_viewer(store, session).clearance == Classification.SECRET
    accounts.modify_user(store, ADMIN, "paul", clearance="confidential", roles=["investigator", "analyst"],
                         compartments=["OP-2", "OP-3"])
    viewer = identity.session_viewer(store, session)
    assert (viewer.clearance, viewer.roles, viewer.compartments) == (
        Classification.CONFIDENTIAL, {"analyst", "investigator"}, {"OP-2", "OP-3"})
    assert tokens.viewer_for_token(store, api_token).clearance == Classification.CONFIDENTIAL
    (record,) = audit.search_audit(store, OVERSIGHT, action="users.modify")
    assert orjson.loads(record["query"]) == {
        "user": "paul",
        "before": {"clearance": "SECRET", "roles": ["analyst"], "compartments": ["OP-1"]},
        "after": {"clearance": "CONFIDENTIAL", "roles": ["analyst", "investigator"], "compartments": ["OP-2", "OP-3"]}}


def test_only_what_is_given_changes_and_a_token_loses_the_scopes_its_users_roles_lost(paul):
    store, _, api_token = paul
    accounts.modify_user(store, ADMIN, "paul", roles=["oversight"])
    assert tokens.viewer_for_token(store, api_token).scopes == frozenset()  # read is an analyst's, not oversight's
    accounts.modify_user(store, ADMIN, "paul", compartments=[])
    user = users.get_user(store, "paul")
    assert (user["roles"], user["clearance"], user["compartments"]) == ("oversight", int(Classification.SECRET), "")


@pytest.mark.parametrize(("change", "field"), [
    (dict(roles=[]), "roles"), (dict(roles=["wizard"]), "roles"), (dict(clearance="cosmic"), "clearance"),
    (dict(compartments=["A,B"]), "compartments"), (dict(compartments=["OP\x00-1"]), "compartments"),
    (dict(agency="INTEL"), "agency"), (dict(agency="NO SUCH AGENCY"), "agency"), ({}, None)])
def test_a_change_is_checked_as_a_new_account_is_and_the_agency_is_not_changed(paul, change, field):
    store, _, _ = paul
    before = users.get_user(store, "paul")
    with pytest.raises(InvalidInput) as refused:
        accounts.modify_user(store, ADMIN, "paul", **change)
    assert refused.value.field == field
    assert users.get_user(store, "paul") == before
    accounts.modify_user(store, ADMIN, "paul", agency="police", clearance="secret")  # its own agency is no change


def test_only_an_administrator_changes_an_account_and_only_an_existing_one(paul):
    store, _, _ = paul
    paul_himself = users.viewer_for(store, "paul")
    for change in (lambda: accounts.modify_user(store, paul_himself, "paul", clearance="top-secret"),
                   lambda: accounts.enable(store, paul_himself, "paul")):
        with pytest.raises(Forbidden):
            change()
    assert users.get_user(store, "paul")["clearance"] == int(Classification.SECRET)
    for change in (lambda: accounts.modify_user(store, ADMIN, "nobody", clearance="secret"),
                   lambda: accounts.enable(store, ADMIN, "nobody")):
        with pytest.raises(NotFound):
            change()


def test_the_last_active_administrator_is_neither_disabled_nor_stripped_of_the_role(store):
    create(store, "root", roles=("administrator", "analyst"))
    create(store, "ada", roles=("administrator",))
    accounts.disable(store, ADMIN, "ada")  # a disabled administrator administers nothing
    for change in (lambda: accounts.disable(store, ADMIN, "root"),
                   lambda: accounts.modify_user(store, ADMIN, "root", roles=["analyst"])):
        with pytest.raises(Conflict, match="last active administrator"):
            change()
    root = users.get_user(store, "root")
    assert (root["roles"], root["disabled"]) == ("administrator,analyst", False)
    accounts.modify_user(store, ADMIN, "root", roles=["administrator"])  # keeping the role is no lock-out
    accounts.enable(store, ADMIN, "ada")
    accounts.modify_user(store, ADMIN, "root", roles=["analyst"])
    with pytest.raises(Conflict, match="last active administrator"):
        accounts.disable(store, ADMIN, "ada")



def test_an_administrator_does_not_change_their_own_account_and_a_change_is_recorded_with_it(store):
    create(store, "root", roles=("administrator",))
    create(store, "ada", roles=("administrator",), clearance="top-secret")  # grants no more than she holds
    root = users.viewer_for(store, "root")
    with pytest.raises(Forbidden, match="their own"):
        accounts.modify_user(store, root, "ROOT", roles=["administrator", "analyst"], clearance="top-secret")
    assert users.get_user(store, "root")["roles"] == "administrator"
    accounts.modify_user(store, users.viewer_for(store, "ada"), "root", clearance="top-secret")
    with store.engine.connect() as conn:
        (record,) = conn.execute(select(audit_log.c.query).where(audit_log.c.action == "users.modify")).scalars()
    assert '"top-secret"' in record or "TOP_SECRET" in record.upper()


@pytest.mark.parametrize("change", ["passwd", "unlock", "totp"])
def test_a_credential_change_and_its_audit_record_commit_together(paul, monkeypatch, change):
    """When the audit record cannot be written, the password, lock or second factor stays as it was."""
    store, _, _ = paul
    before = users.get_user(store, "paul")

    def broken(*args, **kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(audit, "append", broken)
    monkeypatch.setattr(audit, "log_event", broken)
    with pytest.raises(RuntimeError):
        {"passwd": lambda: accounts.set_password(store, ADMIN, "paul", "another long passphrase"),
         "unlock": lambda: accounts.unlock(store, ADMIN, "paul"),
         "totp": lambda: accounts.enrol_totp(store, ADMIN, "paul")}[change]()
    monkeypatch.undo()
    after = users.get_user(store, "paul")
    assert {k: after[k] for k in ("password_hash", "totp_secret", "failed_logins", "locked_until")} == {
        k: before[k] for k in ("password_hash", "totp_secret", "failed_logins", "locked_until")}


def test_a_password_reset_closes_the_accounts_login_sessions(paul):
    store, session, api_token = paul
    accounts.set_password(store, ADMIN, "paul", "another long passphrase")
    with pytest.raises(auth.AuthenticationFailed):
        identity.session_viewer(store, session)
    again, _ = identity.sign_in(store, "paul", "another long passphrase")
    assert identity.session_viewer(store, again).user == "paul"
