"""Over HTTP, a case's team member and a package's recipient must be known agencies: a typo is a 422 naming the
body's field and the code, and changes nothing (both databases)."""

import pytest
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.model import Classification
from nexus.security import tokens, users
from nexus.security.policy import role_actions


def token(store, username, agency):
    users.create_user(store, username, agency=agency, roles=["analyst"], clearance=Classification.SECRET)
    made = tokens.create_token(store, users.viewer_for(store, username), username,
                               frozenset(role_actions(frozenset({"analyst"}))))
    return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": "case 2026/9"}


@pytest.fixture
def client(store, workspace):
    return TestClient(create_app(store))


def test_unknown_team_members_and_recipients_are_refused(client, store):
    ana = token(store, "ana", "POLICE")
    token(store, "carl", "CUSTOMS")  # an agency with users here
    case = client.post("/api/v1/cases", json={"title": "Port", "agencies": ["CUSTOMS"]}, headers=ana).json()
    url = f"/api/v1/cases/{case['id']}"

    typo = client.post(f"{url}/agencies", json={"agency": "CUSTMS"}, headers=ana)
    assert typo.status_code == 422
    assert typo.json()["fields"] == [{"field": "body.agency",
                                      "message": "CUSTMS is not a known agency; did you mean CUSTOMS?"}]
    assert client.get(url, headers=ana).json()["agencies"] == ["POLICE", "CUSTOMS"]

    nobody = client.post(f"{url}/disseminations", json={"recipient": "MARS-AGENCY"}, headers=ana)
    assert nobody.status_code == 422 and nobody.json()["fields"][0]["field"] == "body.recipient"
    assert "MARS-AGENCY is not a known agency" in nobody.json()["detail"]
    assert client.get(f"{url}/custody", headers=ana).json()["items"] == []  # no package, nothing logged

    unknown = client.post("/api/v1/cases", json={"title": "x", "agencies": ["POLICE", "MARS"]}, headers=ana)
    assert unknown.status_code == 422 and unknown.json()["fields"][0]["field"] == "body.agencies"
