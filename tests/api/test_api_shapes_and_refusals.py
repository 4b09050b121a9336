"""What an outside tester of REST API v1 found: every list is a page, every label is shown by name, an unknown path
asks for a credential before it says it is unknown, and a birth date must be a date (both databases)."""

import pytest
from serving import serving_list

from nexus.model import Classification, Labels
from nexus.security import audit, tokens, users
from nexus.security.policy import role_actions
from nexus.security.viewer import Viewer

LISTED = [{"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"]}}]


def token(store, username, agency="POLICE"):
    users.create_user(store, username, agency=agency, roles=["analyst"], clearance=Classification.SECRET)
    owner = users.viewer_for(store, username)
    secret = tokens.create_token(store, owner, username, frozenset(role_actions(frozenset({"analyst"}))))
    return {"Authorization": f"Bearer {secret}", "X-Nexus-Purpose": "api test"}


@pytest.fixture
def client(store, workspace, tmp_path):
    return serving_list(store, tmp_path, LISTED)


def test_custody_and_sources_are_pages_that_take_a_limit(client, store):
    ana = token(store, "ana")
    store.register_source("police", "ftm", Labels(agency="POLICE"))
    case = client.post("/api/v1/cases", json={"title": "Bout"}, headers=ana).json()
    url = f"/api/v1/cases/{case['id']}"
    for name in ("a.txt", "b.txt"):
        client.post(f"{url}/evidence", files={"file": (name, name.encode())}, headers=ana)
    first = client.get(f"{url}/custody", params={"limit": 1}, headers=ana).json()
    assert [e["action"] for e in first["items"]] == ["added"] and (first["limit"], first["next_offset"]) == (1, 1)
    last = client.get(f"{url}/custody", params={"limit": 1, "offset": 1}, headers=ana).json()
    assert len(last["items"]) == 1 and last["next_offset"] is None
    assert last["items"][0]["id"] != first["items"][0]["id"]
    sources = client.get("/api/v1/sources", params={"limit": 1}, headers=ana).json()
    assert len(sources["items"]) == 1 and sources["next_offset"] == 1
    rest = client.get("/api/v1/sources", params={"offset": 1}, headers=ana).json()
    assert {s["name"] for s in sources["items"] + rest["items"]} == {"open-list", "police"}
    assert client.get("/api/v1/sources", params={"limit": 0}, headers=ana).status_code == 422


def test_the_pages_are_pages_in_the_spec(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/cases/{case_id}/custody", "/api/v1/sources"):
        operation = paths[path]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].startswith("#/components/schemas/Page"), path
        assert {"limit", "offset"} <= {p["name"] for p in operation["parameters"]}, path


def test_an_alerts_evidence_names_its_classification(client, store):
    ana = token(store, "ana")
    hit = client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True}, headers=ana).json()["hits"][0]
    alert = client.get(f"/api/v1/alerts/{hit['alert_id']}", headers=ana).json()
    assert alert["labels"]["classification"] == "RESTRICTED"
    assert {e["classification"] for e in alert["evidence"]} == {"RESTRICTED"}
    evidence = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["CitedEvidence"]
    assert evidence["properties"]["classification"]["type"] == "string"


def test_an_unknown_api_path_asks_for_a_credential_then_is_not_found(client, store):
    for method in ("GET", "POST", "DELETE"):
        anonymous = client.request(method, "/api/v1/nowhere/at/all")
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        assert anonymous.json()["error"] == "Unauthorized" and set(anonymous.json()) == {"status", "error", "detail",
                                                                                        "fields"}
    assert client.get("/api/v1/nowhere", headers={"Authorization": "Bearer forged"}).status_code == 401
    ana = token(store, "ana")
    missing = client.get("/api/v1/nowhere", headers=ana)
    assert missing.status_code == 404 and missing.json()["error"] == "Not Found"
    oversight = Viewer("ombud", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)
    (asked,) = [r for r in audit.search_audit(store, oversight) if r["action"] == "api.request"]
    assert (asked["username"], asked["outcome"]) == ("ana", "not found") and "/api/v1/nowhere" in asked["query"]
    assert client.put("/api/v1/alerts", headers=ana).status_code == 405  # a path served, with another method
    assert client.get("/nowhere").status_code == 404  # off the API, as before


def test_a_birth_date_that_is_no_date_is_refused_naming_the_field(client, store):
    ana = token(store, "ana")
    for birth_date in ("99999-99-99", "1967-13-01", "1967-02-30", "19670113", "1967-01-13x", "1970/1960", "soon"):
        refused = client.post("/api/v1/screen", json={"name": "Viktor Bout", "birth_date": birth_date}, headers=ana)
        assert refused.status_code == 422, birth_date
        assert [f["field"] for f in refused.json()["fields"]] == ["body.birth_date"]
        batch = {"queries": [{"id": "q", "name": "Viktor Bout", "birth_date": birth_date}]}
        fields = client.post("/api/v1/screen/batch", json=batch, headers=ana).json()["fields"]
        assert [f["field"] for f in fields] == ["body.queries.0.birth_date"]


def test_the_dates_screening_compares_are_taken(client, store):
    ana = token(store, "ana")
    for birth_date in ("1967", "1967-01", "1967-01-13", "1960/1970", "1960..1970", " 1967-1-13 "):
        answer = client.post("/api/v1/screen", json={"name": "Viktor Bout", "birth_date": birth_date}, headers=ana)
        assert answer.status_code == 200 and answer.json()["hits"][0]["entity_id"] == "w1", birth_date
