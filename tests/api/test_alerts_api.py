"""The alert endpoints over HTTP, and how domain errors and bugs map to statuses (both databases)."""

import orjson
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import tokens, users
from nexus.sources import get_format


def token_for(store, username, clearance, agency="POLICE", scopes=frozenset({"read", "screen", "judge"})):
    users.create_user(store, username, agency=agency, roles=["analyst"], clearance=clearance)
    owner = users.viewer_for(store, username)
    return {"Authorization": f"Bearer {tokens.create_token(store, owner, username, frozenset(scopes))}", "X-Nexus-Purpose": "alert review"}


@pytest.fixture
def client(store, tmp_path):
    path = tmp_path / "watch.json"
    path.write_bytes(orjson.dumps({"id": "w1", "schema": "Person",
                                   "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"]}}))
    store.register_source("watch", "ftm", Labels("POLICE", Classification.CONFIDENTIAL, releasable_to=("POLICE",)),
                          is_list=True)
    ingest(store, "watch", path, get_format("ftm").read(path))
    return TestClient(create_app(store))


def raise_one(client, headers) -> int:
    body = {"name": "Viktor Bout", "birth_date": "1967", "alerts": True}
    return client.post("/api/v1/screen", json=body, headers=headers).json()["hits"][0]["alert_id"]


def test_list_show_and_review_an_alert(client, store):
    ana = token_for(store, "ana", Classification.SECRET)
    alert_id = raise_one(client, ana)
    (listed,) = client.get("/api/v1/alerts", params={"kind": "screening", "state": "open"}, headers=ana).json()["items"]
    assert listed["id"] == alert_id and listed["labels"]["classification"] == "CONFIDENTIAL"
    assert client.get("/api/v1/alerts", params={"min_score": 0.99}, headers=ana).json()["items"] == []
    assert client.get("/api/v1/alerts", params={"min_score": 1.5}, headers=ana).status_code == 422  # scores are 0..1
    assert client.get("/api/v1/alerts", params={"entity": "w1"}, headers=ana).json()["items"][0]["id"] == alert_id
    for reason in (None, "", "  "):  # every decision is recorded with its reason
        refused = client.post(f"/api/v1/alerts/{alert_id}/review", json={"decision": "confirmed", "reason": reason}, headers=ana)
        assert refused.status_code == 422 and "reason" in refused.text
    review = {"decision": "confirmed", "reason": "same date of birth", "expected_state": "open"}
    assert client.post(f"/api/v1/alerts/{alert_id}/review", json=review, headers=ana).json()["state"] == "confirmed"
    shown = client.get(f"/api/v1/alerts/{alert_id}", headers=ana).json()
    assert shown["state"] == "confirmed" and shown["explanation"]["listed"]["entity_id"] == "w1"
    assert {e["ref_kind"] for e in shown["evidence"]} == {"query", "statement"}
    assert [(h["username"], h["state"], h["reason"]) for h in shown["history"]] == [("ana", "confirmed", "same date of birth")]


def test_domain_errors_map_to_their_statuses(client, store):
    ana = token_for(store, "ana", Classification.SECRET)
    clerk = token_for(store, "clerk", Classification.RESTRICTED)
    customs = token_for(store, "customs", Classification.SECRET, agency="CUSTOMS")
    alert_id = raise_one(client, ana)
    assert client.get("/api/v1/alerts/999999", headers=ana).status_code == 404
    for other in (clerk, customs):  # an alert whose evidence they may not see does not exist for them
        assert client.get(f"/api/v1/alerts/{alert_id}", headers=other).status_code == 404
        assert client.get("/api/v1/alerts", headers=other).json()["items"] == []
    bad = client.post(f"/api/v1/alerts/{alert_id}/review", json={"decision": "maybe", "reason": "x"}, headers=ana)
    assert bad.status_code == 422 and "decision must be one of" in bad.json()["detail"]
    assert client.get("/api/v1/alerts", params={"state": "pending"}, headers=ana).status_code == 422
    stale = {"decision": "dismissed", "reason": "different man", "expected_state": "confirmed"}
    conflict = client.post(f"/api/v1/alerts/{alert_id}/review", json=stale, headers=ana)
    assert conflict.status_code == 409 and "is open" in conflict.json()["detail"]
    assert client.get("/api/v1/alerts", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_bug_is_a_500_not_the_callers_fault(store):
    app = create_app(store)
    broken = APIRouter()

    @broken.get("/broken")
    def fail() -> None:
        raise KeyError("a bug")

    app.include_router(broken)
    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
