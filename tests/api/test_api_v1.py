"""REST API v1: credentials on every route, one error body, pages, entities with provenance, batch screening,
uploads and pushed travel messages, the audit trail for oversight only (both databases)."""

import orjson
import pytest
from serving import serving_list
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.model import Classification
from nexus.security import tokens, users
from nexus.security.policy import role_actions

LISTED = [
    {"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"],
                                                   "topics": ["sanction"]}},
    {"id": "o1", "schema": "Organization", "properties": {"name": ["Bout Air Cargo"]}},
]


def token(store, username, agency="POLICE", roles=("analyst",), clearance=Classification.SECRET, scopes=None):
    users.create_user(store, username, agency=agency, roles=list(roles), clearance=clearance)
    owner = users.viewer_for(store, username)
    wanted = frozenset(scopes) if scopes else frozenset(role_actions(frozenset(roles)))
    return {"Authorization": f"Bearer {tokens.create_token(store, owner, username, wanted)}", "X-Nexus-Purpose": "api test"}


@pytest.fixture
def client(store, workspace, tmp_path):
    return serving_list(store, tmp_path, LISTED)


def test_health_and_openapi_need_no_credential_and_every_other_route_does(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Nexus"
    routes = [(path, method) for path, ops in spec["paths"].items() for method in ops]
    assert len(routes) >= 25
    for path, method in routes:
        if path == "/api/v1/health":
            continue
        url = path.replace("{", "").replace("}", "")  # any value: authentication comes first
        response = client.request(method.upper(), url)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["status"] == 401 and response.json()["error"] == "Unauthorized"


def test_errors_share_one_body(client, store):
    ana = token(store, "ana")
    missing = client.get("/api/v1/entities/nobody", headers=ana)
    assert missing.status_code == 404 and missing.json() == {
        "status": 404, "error": "Not Found", "detail": "entity 'nobody' not found", "fields": []}
    invalid = client.post("/api/v1/screen", json={"name": "", "threshold": 3}, headers=ana)
    body = invalid.json()
    assert invalid.status_code == 422 and body["error"] == "Unprocessable Entity"
    assert {f["field"] for f in body["fields"]} == {"body.name", "body.threshold"}
    assert client.get("/api/v1/nowhere", headers=ana).json()["status"] == 404


def test_entity_carries_provenance_per_value_and_search_pages(client, store):
    ana = token(store, "ana")
    entity = client.get("/api/v1/entities/w1", headers=ana).json()
    (name,) = entity["properties"]["name"]
    assert entity["schema"] == "Person" and entity["caption"] == "Viktor Bout" and entity["records"] == ["w1"]
    assert name["value"] == "Viktor Bout" and name["source"] == "open-list" and name["agency"] == "POLICE"
    assert name["classification"] == "RESTRICTED" and name["first_seen"] and name["statement_id"]
    first = client.get("/api/v1/entities", params={"q": "bout", "limit": 1}, headers=ana).json()
    assert len(first["items"]) == 1 and first["next_offset"] == 1
    second = client.get("/api/v1/entities", params={"q": "bout", "limit": 1, "offset": 1}, headers=ana).json()
    assert second["next_offset"] is None and second["items"][0]["entity_id"] != first["items"][0]["entity_id"]
    assert client.get("/api/v1/entities", params={"q": "bout", "limit": 0}, headers=ana).status_code == 422
    for wildcard in ("%", "_"):  # a search word is text, never a pattern
        assert client.get("/api/v1/entities", params={"q": wildcard}, headers=ana).json()["items"] == []
    assert client.get("/api/v1/sources", headers=ana).json()["items"][0]["name"] == "open-list"


def test_batch_screening_answers_per_query_in_order(client, store):
    ana = token(store, "ana")
    body = {"queries": [{"id": "q2", "name": "Nobody Known"}, {"id": "q1", "name": "Viktor Bout", "birth_date": "1967"}]}
    results = client.post("/api/v1/screen/batch", json=body, headers=ana).json()["results"]
    assert [r["id"] for r in results] == ["q2", "q1"]
    assert results[0]["hits"] == [] and results[1]["hits"][0]["entity_id"] == "w1"
    twice = {"queries": [{"id": "a", "name": "x"}, {"id": "a", "name": "y"}]}
    assert "own id" in client.post("/api/v1/screen/batch", json=twice, headers=ana).json()["detail"]


def test_uploads_check_goaml_against_the_servers_schema_and_labels_against_the_uploader(client, store, shared_data, monkeypatch):
    ana = token(store, "ana")
    report = ("STR.xml", (shared_data / "goaml" / "samples" / "STR.xml").read_bytes())
    monkeypatch.delenv("NEXUS_GOAML_SCHEMA", raising=False)
    refused = client.post("/api/v1/ingest/goaml", files={"file": report}, data={"source": "fiu"}, headers=ana)
    assert refused.status_code == 422 and "NEXUS_GOAML_SCHEMA" in refused.json()["detail"]
    monkeypatch.setenv("NEXUS_GOAML_SCHEMA", str(shared_data / "goaml" / "goAMLSchema-5.0.1.xsd"))
    refused = client.post("/api/v1/ingest/goaml", files={"file": report}, data={"source": "fiu"}, headers=ana).json()
    assert refused["entities"] == 0 and refused["errors"][0]["path"] == "STR.xml"  # 5.0.2 reports break 5.0.1
    monkeypatch.setenv("NEXUS_GOAML_SCHEMA", str(shared_data / "goaml" / "goAMLSchema-5.0.2.xsd"))
    report = ("SAR.xml", (shared_data / "goaml" / "samples" / "SAR.xml").read_bytes())
    loaded = client.post("/api/v1/ingest/goaml", files={"file": report}, data={"source": "fiu"}, headers=ana).json()
    assert loaded["entities"] > 0 and loaded["errors"] == []
    report = ("STR.xml", (shared_data / "goaml" / "samples" / "STR.xml").read_bytes())  # rejected before: read again
    again = client.post("/api/v1/ingest/goaml", files={"file": report}, data={"source": "fiu"}, headers=ana).json()
    assert again["entities"] > 0 and again["errors"] == [] and not again["skipped_unchanged"]
    clerk = token(store, "clerk", clearance=Classification.CONFIDENTIAL)
    people = ("people.json", orjson.dumps({"id": "p8", "schema": "Person", "properties": {"name": ["Ada Obi"]}}))
    for labels in ({"classification": "TOP_SECRET"}, {"compartment": "NIGHTJAR"}):  # data they could not read
        assert client.post("/api/v1/ingest/ftm", files={"file": people}, data={"source": "police", **labels},
                           headers=clerk).status_code == 403
    assert client.post("/api/v1/ingest/ftm", files={"file": people}, data={"source": "secret", "classification": "SECRET"},
                       headers=ana).status_code == 200
    assert client.post("/api/v1/ingest/ftm", files={"file": people}, data={"source": "secret"},  # as the source labels it
                       headers=clerk).status_code == 403
    broken = client.post("/api/v1/ingest/un-sc", files={"file": ("list.json", b"{}")}, data={"source": "unl"}, headers=ana)
    assert broken.status_code == 422 and "list.json" in broken.text and "nexus-upload" not in broken.text


def test_upload_names_bad_records_and_travel_push_acknowledges(client, store, shared_data):
    ana = token(store, "ana", roles=("analyst", "targeter"))
    lines = orjson.dumps({"id": "p9", "schema": "Person", "properties": {"name": ["Ada Obi"]}}) + b"\n{broken\n"
    loaded = client.post("/api/v1/ingest/ftm", files={"file": ("people.json", lines)}, data={"source": "police"},
                         headers=ana).json()
    assert loaded["entities"] == 1 and loaded["errors"][0]["location"] == "line 2"
    assert loaded["errors"][0]["path"] == "people.json"  # as the caller named it, not where the server kept it
    assert client.post("/api/v1/ingest/xls", files={"file": ("a", b"x")}, data={"source": "s"},
                       headers=ana).status_code == 422
    sample = shared_data / "travel" / "paxlst" / "Test1.txt"
    pushed = client.post("/api/v1/travel/paxlst", params={"source": "carrier-api", "name": sample.name},
                         content=sample.read_bytes(), headers=ana | {"Content-Type": "application/edifact"}).json()
    assert pushed["accepted"] and pushed["travellers"] >= 1 and pushed["load"]["statements"] > 0
    broken = client.post("/api/v1/travel/paxlst", params={"source": "carrier-api"}, content=b"UNB+UNOA:4+X+Y'garbage",
                         headers=ana).json()
    assert not broken["accepted"] and broken["error"]


def test_audit_is_for_oversight_and_records_the_purpose(client, store):
    ana = token(store, "ana")
    olga = token(store, "olga", roles=("oversight",))
    client.get("/api/v1/entities/w1", headers=ana | {"X-Nexus-Purpose": "case 2026/7"})
    assert client.get("/api/v1/audit", headers=ana).status_code == 403
    found = client.get("/api/v1/audit", params={"action": "entity.read", "user": "ana"}, headers=olga).json()["items"]
    assert found[-1]["purpose"] == "case 2026/7" and "w1" in found[-1]["result_ids"]
    assert client.get("/api/v1/audit/verify", headers=olga).json()["ok"] is True
    today = client.get("/api/v1/audit", params={"action": "entity.read", "since": "2020-01-01", "until": "2999-01-01T00:00:00Z"},
                       headers=olga).json()["items"]
    assert today and client.get("/api/v1/audit", params={"since": "2999-01-01"}, headers=olga).json()["items"] == []
    for route, params, who in (("/api/v1/audit", {"since": "garbage"}, olga), ("/api/v1/audit", {"until": "2024-13-45"}, olga),
                               ("/api/v1/alerts/counts", {"since": "notadate"}, ana),
                               ("/api/v1/graph/neighbourhood/w1", {"since": "2024-13-45"}, ana)):
        assert client.get(route, params=params, headers=who).status_code == 422, (route, params)
    for purpose in ({}, {"X-Nexus-Purpose": "  "}):  # a token's holder says why, every time
        refused = client.get("/api/v1/entities/w1", headers={"Authorization": ana["Authorization"], **purpose})
        assert refused.status_code == 422 and "X-Nexus-Purpose" in refused.json()["detail"]
        assert "Bout" not in refused.text
    assert client.get("/api/v1/entities/w1", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_alert_counts_by_kind_and_day(client, store):
    ana = token(store, "ana")
    client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True}, headers=ana)
    counts = client.get("/api/v1/alerts/counts", headers=ana).json()
    assert counts["by_state"] == [{"kind": "screening", "state": "open", "count": 1}]
    assert counts["by_day"][0]["kind"] == "screening" and counts["by_day"][0]["count"] == 1


def test_a_batch_mixing_names_without_letters_and_real_names_screens_each(client, store):
    ana = token(store, "ana")
    body = {"queries": [{"id": "a", "name": "!!"}, {"id": "b", "name": "Viktor Bout"}, {"id": "c", "name": "–"}]}
    results = client.post("/api/v1/screen/batch", json=body, headers=ana).json()["results"]
    assert [r["hits"][0]["entity_id"] if r["hits"] else None for r in results] == [None, "w1", None]


def test_an_upload_never_takes_over_another_agencys_source(client, store):
    ana, carl = token(store, "ana"), token(store, "carl", agency="CUSTOMS")
    record = orjson.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Karim Haddad"]}}) + b"\n"
    client.post("/api/v1/ingest/ftm", files={"file": ("a.json", record)}, data={"source": "police"}, headers=ana)
    (name,) = client.get("/api/v1/entities/p1", headers=ana).json()["properties"]["name"]
    assert (name["agency"], name["releasable_to"]) == ("POLICE", "POLICE")  # a new source: the uploader's alone
    assert client.get("/api/v1/entities/p1", headers=carl).status_code == 404
    taken = client.post("/api/v1/ingest/ftm", files={"file": ("b.json", b"")}, data={"source": "police"}, headers=carl)
    assert taken.status_code == 403 and "is not one you may load into" in taken.json()["detail"]
    posing = client.post("/api/v1/ingest/ftm", files={"file": ("c.json", record)},
                         data={"source": "customs", "releasable_to": "*"}, headers=carl)
    assert posing.status_code == 200  # carl's own source, carl's agency on what it says
    names = client.get("/api/v1/entities/p1", headers=ana).json()["properties"]["name"]
    assert {(n["source"], n["agency"]) for n in names} == {("police", "POLICE"), ("customs", "CUSTOMS")}


def test_a_body_over_its_routes_ceiling_is_refused_as_it_arrives(store, workspace, monkeypatch):
    monkeypatch.setenv("NEXUS_EVIDENCE_MAX_BYTES", "1000")
    client = TestClient(create_app(store))
    ana = token(store, "ana")
    huge = client.post("/api/v1/ingest/ftm", content=b"x" * (3 << 20), headers=ana | {"Content-Type": "text/plain"})
    assert huge.status_code == 413 and huge.json()["status"] == 413 and huge.headers["x-content-type-options"]

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(20):
            yield b" " * (1 << 20)

    streamed = client.post("/api/v1/screen", content=chunks(), headers=ana | {"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "exceeds 16,777,216 bytes" in streamed.json()["detail"]
    assert client.get("/api/v1/health").status_code == 200


def test_an_anonymous_body_is_refused_before_it_is_read(client):
    anonymous = client.post("/api/v1/ingest/ftm", files={"file": ("a.json", b"x" * 100_000)}, data={"source": "s"})
    assert anonymous.status_code == 401 and anonymous.json()["detail"].startswith("an API token")
    client.cookies.set("xnexus_session", "1")  # a cookie that only looks like the session's
    assert client.post("/api/v1/screen/batch", json={"queries": []}).status_code == 401
