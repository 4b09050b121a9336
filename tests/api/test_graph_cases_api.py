"""The graph and case routes over HTTP: a nexus path, brokers, a neighbourhood and an export in the caller's
graph; a case worked through the API and kept from another agency (both databases)."""

import io
import zipfile

import orjson
import pytest
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import tokens, users
from nexus.security.policy import role_actions
from nexus.sources import get_format


def person(entity_id, name, *topics, **props):
    return {"id": entity_id, "schema": "Person", "properties": {
        "name": [name], **({"topics": list(topics)} if topics else {}), **{k: [v] for k, v in props.items()}}}


def token(store, username, agency):
    users.create_user(store, username, agency=agency, roles=["analyst"], clearance=Classification.SECRET)
    made = tokens.create_token(store, users.viewer_for(store, username), username,
                               frozenset(role_actions(frozenset({"analyst"}))))
    return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": "case 2026/9"}


@pytest.fixture
def client(store, workspace, tmp_path):
    path = tmp_path / "police.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        person("t1", "Tariq Mansour", "crime.terror", phone="+44 20 7946 0001"),
        person("x", "Xavier Middle", phone="+442079460001"),
        person("y", "Yuri Trafficker", "crime.traffick.drug"),
        {"id": "f1", "schema": "Family", "properties": {"person": ["x"], "relative": ["y"]}}]))
    store.register_source("police", "ftm", Labels(agency="POLICE", releasable_to=("POLICE",)))
    ingest(store, "police", path, get_format("ftm").read(path))
    return TestClient(create_app(store))


def test_nexus_paths_brokers_neighbourhood_and_export(client, store):
    ana, carl = token(store, "ana", "POLICE"), token(store, "carl", "CUSTOMS")
    (path,) = client.get("/api/v1/graph/paths", headers=ana).json()
    assert path["entities"] == ["t1", "phone:442079460001", "x", "y"] and "Yuri Trafficker" in path["words"]
    assert client.get("/api/v1/graph/paths", headers=carl).json() == []  # nothing of it is CUSTOMS's to see
    brokers = client.get("/api/v1/graph/brokers", params={"to_entity": "y"}, headers=ana).json()
    assert brokers[0]["id"] == "x"
    near = client.get("/api/v1/graph/neighbourhood/x", params={"type": "Family"}, headers=ana).json()
    assert [t["neighbour"] for t in near["ties"]] == ["y"]
    assert client.get("/api/v1/graph/neighbourhood/x", headers=carl).status_code == 404
    graphml = client.get("/api/v1/graph/export", params={"format": "graphml", "entity": "x"}, headers=ana)
    assert graphml.status_code == 200 and b"<graphml" in graphml.content
    assert client.get("/api/v1/graph/export", params={"format": "pdf"}, headers=ana).status_code == 422
    assert client.get("/api/v1/graph/paths", params={"max_hops": 9}, headers=ana).status_code == 422


def test_a_case_through_the_api(client, store):
    ana, carl = token(store, "ana", "POLICE"), token(store, "carl", "CUSTOMS")
    case = client.post("/api/v1/cases", json={"title": "Mansour", "entity_ids": ["t1"]}, headers=ana).json()
    too_large = client.post("/api/v1/cases", json={"title": "x", "alert_id": 2**70}, headers=ana)
    assert too_large.status_code == 422 and "alert_id" in too_large.text  # an id the store cannot hold names nothing
    url = f"/api/v1/cases/{case['id']}"
    assert client.post(f"{url}/entities", json={"entity_id": "y"}, headers=ana).status_code == 201
    assert client.post(f"{url}/notes", json={"text": "phone seen twice"}, headers=ana).status_code == 201
    task = client.post(f"{url}/tasks", json={"title": "ask the bank", "due": "2026-12-01"}, headers=ana).json()
    assert client.post(f"{url}/tasks/{task['id']}", json={"done": True}, headers=ana).json()["done"] is True
    evidence = client.post(f"{url}/evidence", files={"file": ("memo.txt", b"memo")}, data={"releasable_to": "*"},
                           headers=ana).json()
    downloaded = client.get(f"{url}/evidence/{evidence['id']}", headers=ana)
    assert downloaded.content == b"memo" and "sandbox" in downloaded.headers["content-security-policy"]
    shown = client.get(url, headers=ana).json()
    assert {e["id"] for e in shown["entities"]} == {"t1", "y"} and shown["counts"]["open_tasks"] == 0
    assert client.get(url, headers=carl).status_code == 404
    refused = client.post(f"{url}/disseminations", json={"recipient": "CUSTOMS"}, headers=ana)
    assert refused.status_code == 403 and "not releasable to CUSTOMS" in refused.json()["detail"]
    package = client.post(f"{url}/disseminations", json={"recipient": "POLICE"}, headers=ana).json()
    assert "path" not in package  # no server path leaves the server
    archive = client.get(f"{url}/disseminations/{package['id']}", headers=ana).content
    assert "report.pdf" in zipfile.ZipFile(io.BytesIO(archive)).namelist()
    custody = client.get(f"{url}/custody", headers=ana).json()["items"]
    assert [c["action"] for c in custody][:2] == ["added", "viewed"]
    assert client.post(f"{url}/agencies", json={"agency": "CUSTOMS"}, headers=ana).status_code == 201
    assert client.get(url, headers=carl).json()["entities"] == []  # a member now, who may see none of its entities
    assert client.post(f"{url}/state", json={"state": "closed"}, headers=ana).json()["state"] == "closed"
    assert client.post(f"{url}/notes", json={"text": "late"}, headers=ana).status_code == 409
    listed = client.get("/api/v1/cases", params={"entity": "t1"}, headers=ana).json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]
