"""Policy edge cases: LIKE wildcards in purpose or agency, warrants not yet issued, scopes."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from nexus.security.policy import AccessDenied, may, require
from nexus.security.warrants import add_warrant, warrant_usable
from nexus.service.entities import get_entity
from nexus.service.search import count_visible

from .world import VIEWERS, build


@pytest.fixture
def world(store, tmp_path):
    return build(store, tmp_path)


def test_list_matching_is_exact_wildcards_and_commas_unlock_nothing(world):
    for purpose in ("%", "_", "prosecution%", ",", "PROSECUTION", "prosecution,"):
        v = replace(VIEWERS["police_prosecutor"], purpose=purpose)
        assert get_entity(world.store, v, "p-expired") is None, purpose
        assert not warrant_usable(world.store, v, "W-OLD"), purpose
    for agency in ("%", "_NTEL", "INTEL%", "intel", "INTEL,POLICE"):
        v = replace(VIEWERS["intel_analyst"], agency=agency)
        assert get_entity(world.store, v, "p-shared") is None, agency
        assert get_entity(world.store, v, "p-sergei") is None, agency


def test_a_warrant_not_yet_issued_serves_nothing(world):
    now = datetime.now(UTC)
    sup = replace(VIEWERS["police_analyst"], roles=frozenset({"supervisor"}))
    add_warrant(world.store, sup, "W-FUTURE", agency="POLICE", kind="interception",
                issued_at=(now + timedelta(days=1)).isoformat(), expires_at=(now + timedelta(days=9)).isoformat(),
                allowed_uses=["prosecution"])
    assert not warrant_usable(world.store, VIEWERS["police_prosecutor"], "W-FUTURE")
    assert warrant_usable(world.store, VIEWERS["police_analyst"], "W-LIVE")


def test_an_unknown_warrant_serves_nothing_to_anyone(world):
    for v in VIEWERS.values():
        if may(v, "read"):
            assert get_entity(world.store, v, "p-ghost") is None
            assert "police_unknown" not in count_visible(world.store, v)["sources"]


def test_token_scopes_narrow_roles():
    v = replace(VIEWERS["police_prosecutor"], scopes=frozenset({"read"}))
    assert may(v, "read") and not may(v, "search") and not may(v, "export")
    with pytest.raises(AccessDenied, match="not scoped for search"):
        require(v, "search")
    # A scope cannot add what the roles lack.
    assert not may(replace(VIEWERS["police_targeter"], scopes=frozenset({"export"})), "export")


def test_warrant_management_is_for_supervisors_and_administrators(world):
    with pytest.raises(AccessDenied):
        add_warrant(world.store, VIEWERS["police_analyst"], "W-X", agency="POLICE", kind="k", expires_at="2099-01-01")
