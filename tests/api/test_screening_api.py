"""The screening endpoints over HTTP: tokens, scopes, clearance, judgements, audit (both databases)."""

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
    return {"Authorization": f"Bearer {tokens.create_token(store, owner, username, frozenset(scopes))}"}


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
    assert client.post("/screen", json={"name": "Viktor Bout"}).status_code == 401
    wrong = client.post("/screen", json={"name": "Viktor Bout"}, headers={"Authorization": "Bearer nexus_x_y"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"


def test_hits_carry_score_explanation_and_respect_clearance(client, store):
    secret = token_for(store, "ana", Classification.SECRET)
    clerk = token_for(store, "clerk", Classification.RESTRICTED)
    body = {"name": "Viktor Bout", "birth_date": "1967"}
    found = client.post("/screen", json=body, headers=secret | {"X-Nexus-Purpose": "customer onboarding"}).json()
    (hit,) = found["hits"]  # a query with a birth date is a person: the airline company is not raised
    assert hit["entity_id"] == "w1" and hit["schema"] == "Person" and hit["score"] >= 0.9
    assert "birth date" in hit["explanation"] and found["query_key"]
    masri = {"name": "Hamza al Masri", "birth_date": "1980"}
    assert [h["entity_id"] for h in client.post("/screen", json=masri, headers=secret).json()["hits"]] == ["w2"]
    assert client.post("/screen", json=masri, headers=clerk).json()["hits"] == []
    with store.engine.connect() as conn:
        purposes = [r.purpose for r in conn.execute(select(audit_log).where(audit_log.c.action == "screen"))]
    assert "customer onboarding" in purposes and len(purposes) == 3


def test_a_dismissed_hit_is_not_raised_again(client, store):
    headers = token_for(store, "ana", Classification.SECRET)
    body = {"name": "Viktor Bout", "schema": "Person"}
    found = client.post("/screen", json=body, headers=headers).json()
    hit = found["hits"][0]
    judgement = {"query_key": found["query_key"], "entity_id": hit["entity_id"], "fingerprint": hit["fingerprint"],
                 "decision": "dismissed"}
    assert client.post("/screen/judgements", json=judgement, headers=headers).status_code == 422  # no reason
    judgement["reason"] = "different person, checked passport"
    assert client.post("/screen/judgements", json=judgement, headers=headers).status_code == 204
    assert client.post("/screen", json=body, headers=headers).json()["hits"] == []


def test_token_scopes_and_bad_input_are_refused_with_reasons(client, store):
    screen_only = token_for(store, "bot", Classification.SECRET, scopes={"screen"})
    judgement = {"query_key": "k", "entity_id": "w1", "fingerprint": "f", "decision": "confirmed"}
    assert client.post("/screen/judgements", json=judgement, headers=screen_only).status_code == 403
    bad = client.post("/screen", json={"name": "Viktor Bout", "schema": "Persn"}, headers=screen_only)
    assert bad.status_code == 422 and "'schema'" in bad.json()["detail"]
    assert client.post("/screen", json={"name": ""}, headers=screen_only).status_code == 422
    unknown = client.post("/screen", json={"name": "Viktor Bout", "lists": ["nope"]}, headers=screen_only)
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
