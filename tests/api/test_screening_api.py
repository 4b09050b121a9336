"""The screening endpoint over HTTP: tokens, scopes, clearance, hits as alerts, audit, no lists (both databases)."""

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import tokens, users
from nexus.sources import get_format
from nexus.store.schema import audit_log


def load_list(store, tmp_path, name, classification, entities):
    path = tmp_path / f"{name}.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(name, "ftm", Labels(agency="POLICE", classification=classification), is_list=True)
    ingest(store, name, path, get_format("ftm").read(path))


def token_for(store, username, clearance, scopes=frozenset({"screen", "judge"})):
    users.create_user(store, username, agency="POLICE", roles=["analyst"], clearance=clearance)
    owner = users.viewer_for(store, username)
    return {"Authorization": f"Bearer {tokens.create_token(store, owner, username, frozenset(scopes))}", "X-Nexus-Purpose": "screening duty"}


@pytest.fixture
def client(store, tmp_path):
    load_list(store, tmp_path, "open-list", Classification.UNCLASSIFIED, [
        {"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"]}},
        {"id": "o1", "schema": "Organization", "properties": {"name": ["Bout Air Cargo"]}},
    ])
    load_list(store, tmp_path, "secret-list", Classification.SECRET, [
        {"id": "w2", "schema": "Person", "properties": {"name": ["Hamza Al-Masri"], "birthDate": ["1980"]}},
    ])
    return TestClient(create_app(store))


def test_a_query_needs_a_valid_token(client):
    assert client.post("/api/v1/screen", json={"name": "Viktor Bout"}).status_code == 401
    wrong = client.post("/api/v1/screen", json={"name": "Viktor Bout"}, headers={"Authorization": "Bearer nexus_x_y"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"


def test_hits_carry_score_explanation_and_respect_clearance(client, store):
    secret = token_for(store, "ana", Classification.SECRET)
    clerk = token_for(store, "clerk", Classification.RESTRICTED)
    body = {"name": "Viktor Bout", "birth_date": "1967"}
    found = client.post("/api/v1/screen", json=body, headers=secret | {"X-Nexus-Purpose": "customer onboarding"}).json()
    (hit,) = found["hits"]  # a query with a birth date is a person: the airline company is not raised
    assert hit["entity_id"] == "w1" and hit["schema"] == "Person" and hit["score"] >= 0.9
    assert "birth date" in hit["explanation"] and found["query_key"]
    features = {f["feature"]: f for f in hit["features"]}
    assert features["birth_date"]["score"] > 0 and features["name"]["weight"] > 0
    masri = {"name": "Hamza al Masri", "birth_date": "1980"}
    assert [h["entity_id"] for h in client.post("/api/v1/screen", json=masri, headers=secret).json()["hits"]] == ["w2"]
    assert client.post("/api/v1/screen", json=masri, headers=clerk).json()["hits"] == []
    with store.engine.connect() as conn:
        purposes = [r.purpose for r in conn.execute(select(audit_log).where(audit_log.c.action == "screen"))]
    assert "customer onboarding" in purposes and len(purposes) == 3


def test_a_dismissed_hit_is_not_raised_again(client, store):
    headers = token_for(store, "ana", Classification.SECRET, scopes={"screen", "judge", "read"})
    body = {"name": "Viktor Bout", "schema": "Person"}
    assert client.post("/api/v1/screen", json=body, headers=headers).json()["hits"][0]["alert_id"] is None
    hit = client.post("/api/v1/screen", json=body | {"alerts": True}, headers=headers).json()["hits"][0]
    assert hit["alert_state"] == "open"
    review = f"/api/v1/alerts/{hit['alert_id']}/review"
    assert client.post(review, json={"decision": "dismissed"}, headers=headers).status_code == 422  # no reason
    dismissed = client.post(review, json={"decision": "dismissed", "reason": "different person, checked passport"},
                            headers=headers)
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert client.post("/api/v1/screen", json=body, headers=headers).json()["hits"] == []


def test_screening_with_no_list_sources_says_how_to_fix_it(store):
    client = TestClient(create_app(store))
    response = client.post("/api/v1/screen", json={"name": "Viktor Bout"}, headers=token_for(store, "ana", Classification.SECRET))
    assert response.status_code == 409 and "nexus ingest un-sc" in response.json()["detail"]


def test_token_scopes_and_bad_input_are_refused_with_reasons(client, store):
    screen_only = token_for(store, "bot", Classification.SECRET, scopes={"screen"})
    hit = client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True}, headers=screen_only).json()["hits"][0]
    review = client.post(f"/api/v1/alerts/{hit['alert_id']}/review", json={"decision": "confirmed", "reason": "same man"}, headers=screen_only)
    assert review.status_code == 403 and "not scoped for judge" in review.json()["detail"]
    bad = client.post("/api/v1/screen", json={"name": "Viktor Bout", "schema": "Persn"}, headers=screen_only)
    assert bad.status_code == 422 and "'schema'" in bad.json()["detail"]
    assert client.post("/api/v1/screen", json={"name": ""}, headers=screen_only).status_code == 422
    unknown = client.post("/api/v1/screen", json={"name": "Viktor Bout", "lists": ["nope"]}, headers=screen_only)
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]


def test_a_list_the_caller_may_not_see_is_as_unknown_as_one_never_registered(client, store):
    clerk = token_for(store, "clerk", Classification.RESTRICTED)
    answers = [client.post("/api/v1/screen", json={"name": "Hamza al Masri", "lists": [name]}, headers=clerk)
               for name in ("secret-list", "no-such-list")]
    assert [a.status_code for a in answers] == [404, 404]
    assert [a.json()["detail"].replace(name, "NAME") for a, name in zip(answers, ("secret-list", "no-such-list"))] \
        == ["not a registered list source: NAME"] * 2
    secret = token_for(store, "ana", Classification.SECRET)
    found = client.post("/api/v1/screen", json={"name": "Hamza al Masri", "lists": ["secret-list"]}, headers=secret)
    assert [h["entity_id"] for h in found.json()["hits"]] == ["w2"]

