"""A request refused to an authenticated caller (403), or that found nothing they may see (404), leaves an audit
record of what they asked and why, committed before the answer, which says no more than before (both databases)."""

import orjson
import pytest
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import audit, tokens, users
from nexus.security.policy import role_actions
from nexus.security.viewer import Viewer
from nexus.sources import get_format

OVERSIGHT = Viewer("ombud", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)


def token(store, username, agency):
    users.create_user(store, username, agency=agency, roles=["analyst"], clearance=Classification.SECRET)
    made = tokens.create_token(store, users.viewer_for(store, username), username,
                               frozenset(role_actions(frozenset({"analyst"}))))
    return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": f"{username}'s inquiry"}


@pytest.fixture
def client(store, workspace, tmp_path):
    path = tmp_path / "watch.json"
    path.write_bytes(orjson.dumps({"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"]}}))
    store.register_source("watch", "ftm", Labels("POLICE", releasable_to=("POLICE",)), is_list=True)
    ingest(store, "watch", path, get_format("ftm").read(path))
    return TestClient(create_app(store))


def refusals(store) -> list[tuple[str, str, str, dict]]:
    return [(r["username"], r["outcome"], r["purpose"], orjson.loads(r["query"]))
            for r in audit.search_audit(store, OVERSIGHT) if r["action"] == "api.request"]


def test_what_another_agency_may_not_see_is_asked_on_the_record(client, store):
    ana, carl = token(store, "ana", "POLICE"), token(store, "carl", "CUSTOMS")
    alert_id = client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True},
                           headers=ana).json()["hits"][0]["alert_id"]
    case = client.post("/api/v1/cases", json={"title": "Bout"}, headers=ana).json()["id"]
    client.post(f"/api/v1/cases/{case}/evidence", files={"file": ("memo.txt", b"memo")}, headers=ana)
    asked = [("GET", f"/api/v1/alerts/{alert_id}", None), ("GET", "/api/v1/alerts/999999", None),
             ("POST", f"/api/v1/alerts/{alert_id}/review", {"decision": "dismissed", "reason": "not ours"}),
             ("GET", f"/api/v1/cases/{case}", None), ("GET", f"/api/v1/cases/{case}/custody", None),
             ("GET", f"/api/v1/cases/{case}/evidence/1", None), ("GET", "/api/v1/graph/neighbourhood/w1", None)]
    answers = [client.request(method, url, json=body, headers=carl) for method, url, body in asked]
    assert [a.status_code for a in answers] == [404] * len(asked)
    hidden, missing = (a.json() for a in answers[:2])
    assert hidden == {**missing, "detail": missing["detail"].replace("999999", str(alert_id))}  # told no more
    assert [(user, outcome, purpose, (q["method"], q["path"])) for user, outcome, purpose, q in refusals(store)] == [
        ("carl", "not found", "carl's inquiry", (method, url)) for method, url, _ in asked]


def test_a_refusal_is_on_the_record_and_a_read_that_records_itself_is_not_recorded_twice(client, store):
    ana = token(store, "ana", "POLICE")
    refused = client.get("/api/v1/audit", params={"user": "carl"}, headers=ana)  # oversight's alone
    assert refused.status_code == 403
    ((user, outcome, purpose, query),) = refusals(store)
    assert (user, outcome, purpose) == ("ana", "denied", "ana's inquiry")
    assert query["path"] == "/api/v1/audit" and query["params"] == {"user": "carl"} and query["reason"]
    assert client.get("/api/v1/entities/nobody", headers=ana).status_code == 404
    reads = [r for r in audit.search_audit(store, OVERSIGHT) if r["action"] == "entity.read"]
    assert [(r["outcome"], r["result_ids"]) for r in reads] == [("ok", "[]")]
    assert len(refusals(store)) == 1
    assert client.get("/api/v1/alerts/1", headers={"Authorization": "Bearer nxt_0_forged"}).status_code == 401
    assert len(refusals(store)) == 1  # no caller to record
