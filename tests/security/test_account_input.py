"""Accounts, tokens and the trail's search refuse bad input with one clear error naming the field, rather than
storing it (an empty or malformed agency, a username people cannot tell from another's, a token born expired, a
search without a limit) (both databases)."""

import pytest

from nexus.errors import Conflict, InvalidInput
from nexus.model.labels import Classification
from nexus.security import auth, tokens, users
from nexus.security.viewer import Viewer
from nexus.service import accounts, oversight

ADMIN = Viewer("root", "LOCAL", frozenset({"administrator"}), Classification.TOP_SECRET)
OVERSIGHT = Viewer("olivia", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
PASSWORD = "correct horse battery staple"


def create(store, username: str, agency: str = "POLICE", compartments=()) -> None:
    accounts.create_user(store, ADMIN, username, agency, ["analyst"], "secret", list(compartments), PASSWORD)


@pytest.mark.parametrize(("agency", "field"), [("", "agency"), ("  ", "agency"), ("NO SUCH AGENCY", "agency"),
                                               ("POL\x00ICE", "agency"), ("A" * 33, "agency")])
def test_an_empty_or_malformed_agency_is_refused(store, agency, field):
    with pytest.raises(InvalidInput) as refused:
        create(store, "alice", agency)
    assert refused.value.field == field
    assert users.get_user(store, "alice") is None


def test_usernames_people_cannot_tell_apart_are_refused(store):
    create(store, "alice", "police")
    assert users.get_user(store, "alice")["agency"] == "POLICE"
    for alike in ("ALICE", "ålice", "Alice"):
        with pytest.raises(Conflict, match="'alice' already exists"):
            create(store, alike)
        assert users.get_user(store, alike) is None
    create(store, "alicia")  # a different name is still a name


@pytest.mark.parametrize("username", ["a" * 5000, "a" * 65, "bo\x00b", " bob", "bob\n"])
def test_a_long_or_control_charactered_username_is_refused(store, username):
    with pytest.raises(InvalidInput) as refused:
        create(store, username)
    assert refused.value.field == "username"
    assert [u["username"] for u in users.list_users(store)] == []


def test_a_nul_in_a_compartment_is_refused(store):
    with pytest.raises(InvalidInput) as refused:
        create(store, "alice", compartments=["OP\x00-1"])
    assert refused.value.field == "compartments"


@pytest.mark.parametrize("days", [-5, 0])
def test_a_token_is_not_made_already_expired(store, days):
    users.create_user(store, "alice", "POLICE", ["analyst"], Classification.SECRET, (), auth.hash_password(PASSWORD))
    me = users.viewer_for(store, "alice")
    with pytest.raises(InvalidInput) as refused:
        tokens.create_token(store, me, "alice", frozenset({"read"}), expires_days=days)
    assert refused.value.field == "expires_days"
    assert tokens.list_tokens(store, "alice") == []
    assert tokens.create_token(store, me, "alice", frozenset({"read"}), expires_days=1).startswith("nxt_")


@pytest.mark.parametrize(("filters", "field"), [(dict(limit=-1), "limit"), (dict(limit=0), "limit"),
                                                (dict(offset=-1), "offset"), (dict(user="pa\x00ul"), "user")])
def test_an_audit_search_needs_a_limit_of_at_least_one(store, filters, field):
    with pytest.raises(InvalidInput) as refused:
        oversight.search_audit(store, OVERSIGHT, **filters)
    assert refused.value.field == field
    assert oversight.search_audit(store, OVERSIGHT, limit=1) is not None
