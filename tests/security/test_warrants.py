"""Special investigative techniques: warrant expiry, revocation, allowed uses, audited refusals."""

from dataclasses import replace

import orjson
import pytest

from nexus.security import audit
from nexus.security.warrants import audit_refusals, list_warrants, revoke_warrant
from nexus.service.entities import get_entity

from .world import VIEWERS, build


@pytest.fixture
def world(store, tmp_path):
    return build(store, tmp_path)


def test_expired_warrant_serves_only_its_allowed_purposes(world):
    store = world.store
    analyst = VIEWERS["police_prosecutor"]
    assert get_entity(store, analyst, "p-expired") is not None
    assert get_entity(store, replace(analyst, purpose="intelligence"), "p-expired") is None
    names = set(get_entity(store, replace(analyst, purpose=""), "p-ahmed").entity.get("name"))
    assert "Karim Expirado" not in names and "Karim Ahmed" in names


def test_revoking_a_warrant_withdraws_its_statements_at_once(world):
    store = world.store
    analyst = VIEWERS["police_analyst"]
    assert get_entity(store, analyst, "p-wire") is not None
    revoke_warrant(store, replace(analyst, roles=frozenset({"supervisor"})), "W-LIVE")
    assert get_entity(store, analyst, "p-wire") is None
    assert get_entity(store, replace(analyst, purpose="prosecution"), "p-wire") is None  # W-LIVE allows no uses
    revoked = {w["id"]: w["revoked_at"] for w in list_warrants(store, VIEWERS["administrator"])}
    assert revoked["W-LIVE"] is not None and revoked["W-OLD"] is None


def test_each_refusal_is_audited_naming_the_warrant(world):
    store = world.store
    v = replace(VIEWERS["police_prosecutor"], purpose="intelligence")
    written = audit_refusals(store, v, "entity.read", ["p-ahmed", "p-expired", "p-olga"], {"id": "p-ahmed"})
    assert written == 1
    row = audit.search_audit(store, VIEWERS["oversight"], action="entity.read")[-1]
    assert row["outcome"] == "denied" and row["username"] == v.user and row["purpose"] == "intelligence"
    assert orjson.loads(row["query"])["warrant"] == "W-OLD"
    assert len(orjson.loads(row["result_ids"])) == 4  # two Expirado entities: an id and a name statement each
    # Statements hidden for other reasons (clearance, agency, compartment) are not "warrant refusals".
    assert audit_refusals(store, VIEWERS["police_analyst"], "entity.read", ["p-ahmed"], {}) == 1
    assert audit_refusals(store, VIEWERS["police_prosecutor"], "entity.read", ["p-ahmed"], {}) == 0


def test_a_question_asked_at_another_time_does_not_fix_the_time_of_the_next(store):
    from datetime import UTC, datetime, timedelta

    from nexus.model.labels import Classification
    from nexus.security.policy import usable_warrants
    from nexus.security.viewer import Viewer
    from nexus.security.warrants import add_warrant
    from nexus.store import utc_stamp

    admin = Viewer("admin", "POLICE", frozenset({"supervisor"}), Classification.SECRET)
    analyst = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="case 1")
    now = datetime.now(UTC)
    add_warrant(store, admin, "W-9", agency="POLICE", kind="interception", issued_at=utc_stamp(now - timedelta(days=1)),
                expires_at=utc_stamp(now + timedelta(days=30)))
    with store.engine.connect() as conn:
        long_ago = utc_stamp(now - timedelta(days=400))
        assert conn.execute(usable_warrants(analyst, long_ago)).scalars().all() == []  # not issued yet then
        assert conn.execute(usable_warrants(analyst)).scalars().all() == ["W-9"]  # the same statement, now
        later = utc_stamp(now + timedelta(days=60))
        assert conn.execute(usable_warrants(analyst, later)).scalars().all() == []  # expired by then
