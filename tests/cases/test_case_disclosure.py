"""What a case tells a member who may not see all of it, on both databases: nothing of what they may not see, not
even how much of it there is or the alert the case was opened from; and no package carries anything ORCON, whoever
releases it, until its originating agency lifts the caveat (an audited act), each refusal in the audit trail."""

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nexus.api import create_app
from nexus.errors import Forbidden
from nexus.model.labels import Labels
from nexus.security import tokens, users
from nexus.security.policy import role_actions
from nexus.service.alerts import Evidence, NewAlert, raise_alerts
from nexus.service.cases import (
    add_evidence, custody_log, disseminate, get_case, lift_evidence_orcon, list_cases, open_case, set_case_state,
)
from nexus.store.schema import audit_log, disseminations, statements

from .conftest import CUSTOMS, INTEL, LEAD, R, viewer

LOW_CHIEF = viewer("lowchief", "POLICE", "supervisor", R)  # leads POLICE's cases, cleared below INTEL's data


def audited(store, action: str) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).where(audit_log.c.action == action)).mappings()]


@pytest.fixture
def case_from_alert(world):
    """A POLICE case with CUSTOMS on its team, opened from an alert citing INTEL's p-sharif, which CUSTOMS may not
    see; its evidence includes a file only POLICE may read."""
    with world.engine.connect() as conn:
        cited = conn.execute(select(statements).where(statements.c.entity_id.in_(["p-karim", "p-sharif"]))).mappings().all()
    alert = NewAlert("nexus", "nexus/p-karim:p-sharif", "f1", "Karim meets Sharif", 0.9, {"why": "phone"},
                     tuple(Evidence("statement", s["id"], s["entity_id"], Labels.from_row(s)) for s in cited))
    ((alert_id, _),) = raise_alerts(world, LEAD, [alert], "read").values()
    case_id = open_case(world, LEAD, "Karim and Sharif", "the team's words", agencies=["CUSTOMS"],
                        alert_id=alert_id)["id"]
    add_evidence(world, LEAD, case_id, "informant.txt", b"source report", "text/plain", releasable_to="POLICE")
    return case_id, alert_id


def test_a_member_is_told_nothing_of_what_they_may_not_see(world, case_from_alert):
    case_id, alert_id = case_from_alert
    police = get_case(world, LEAD, case_id)
    assert police["alert_id"] == alert_id and len(police["entities"]) == 2 and len(police["evidence"]) == 1
    customs = get_case(world, CUSTOMS, case_id)
    assert [e["id"] for e in customs["entities"]] == ["p-karim"] and customs["evidence"] == []
    assert "withheld" not in customs and customs["alert_id"] is None
    assert (customs["title"], customs["summary"]) == ("Karim and Sharif", "the team's words")  # the team's own words
    assert customs["counts"] == customs["counts"] | {"entities": 1, "evidence": 0}
    (listed,) = list_cases(world, CUSTOMS)
    assert listed["alert_id"] is None and list_cases(world, LEAD)[0]["alert_id"] == alert_id
    assert set_case_state(world, LOW_CHIEF, case_id, "closed")["alert_id"] is None
    (read,) = [r for r in audited(world, "cases.read") if r["username"] == CUSTOMS.user]
    assert "withheld" not in orjson.loads(read["query"])


def test_the_api_shows_no_counts_of_what_is_withheld_nor_the_hidden_alert(world, case_from_alert):
    case_id, alert_id = case_from_alert
    client = TestClient(create_app(world))

    def token(who):
        made = tokens.create_token(world, users.viewer_for(world, who.user), who.user, frozenset(role_actions(who.roles)))
        return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": "case 2026/9"}

    customs = client.get(f"/api/v1/cases/{case_id}", headers=token(CUSTOMS)).json()
    assert "withheld" not in customs and customs["alert_id"] is None
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=token(CUSTOMS)).status_code == 404
    police = client.get(f"/api/v1/cases/{case_id}", headers=token(LEAD)).json()
    assert police["alert_id"] == alert_id
    lift = f"/api/v1/cases/{case_id}/evidence/{police['evidence'][0]['id']}/lift-orcon"
    assert client.post(lift, json={"reason": "x"}, headers=token(CUSTOMS)).status_code == 404  # not theirs to see
    assert client.post(lift, json={"reason": "for the team"}, headers=token(LEAD)).json()["labels"]["orcon"] is False


def test_orcon_is_refused_even_to_its_originator_until_the_caveat_is_lifted(world):
    case_id = open_case(world, INTEL, "ORCON only", agencies=["POLICE"])["id"]
    orcon = add_evidence(world, INTEL, case_id, "orcon-only.txt", b"ORCON content of INTEL", "text/plain",
                         releasable_to="POLICE,INTEL", orcon=True)
    with pytest.raises(Forbidden, match=f"evidence {orcon['id']} \\(orcon-only.txt\\) is ORCON of INTEL: no package "
                                        "carries ORCON, whoever releases it; INTEL must first lift the caveat"):
        disseminate(world, INTEL, case_id, "POLICE")
    (refusal,) = audited(world, "cases.disseminate")
    assert refusal["outcome"] == "refused" and refusal["username"] == INTEL.user and "ORCON" in refusal["query"]
    with world.engine.connect() as conn:
        assert conn.execute(select(disseminations)).first() is None
    assert [e["action"] for e in custody_log(world, INTEL, case_id)] == ["added"]

    with pytest.raises(Forbidden, match="only INTEL may lift its ORCON caveat"):
        lift_evidence_orcon(world, LEAD, case_id, orcon["id"], "ours now")
    lifted = lift_evidence_orcon(world, INTEL, case_id, orcon["id"], "cleared for the joint team")
    assert lifted["labels"]["orcon"] is False
    (record,) = audited(world, "cases.evidence_orcon")
    assert record["outcome"] == "ok" and orjson.loads(record["query"])["reason"] == "cleared for the joint team"
    assert disseminate(world, INTEL, case_id, "POLICE")["recipient"] == "POLICE"


def test_an_orcon_statement_is_refused_to_its_own_agency_too(world):
    case_id = open_case(world, INTEL, "Olga", entity_ids=["p-olga"])["id"]  # INTEL's own ORCON source
    with pytest.raises(Forbidden, match="entity p-olga \\(source intel_orcon\\) is ORCON of INTEL"):
        disseminate(world, INTEL, case_id, "INTEL")
    assert [r["outcome"] for r in audited(world, "cases.disseminate")] == ["refused"]
