"""What every answer of the API waits for and carries: its audit records committed, the security headers."""

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import audit, tokens, users
from nexus.security.viewer import Viewer
from nexus.sources import get_format
from nexus.store.db import DatabaseUnavailable

OVERSIGHT = Viewer("ombud", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)


@pytest.fixture
def ana(store) -> dict:
    users.create_user(store, "ana", agency="POLICE", roles=["analyst"], clearance=Classification.SECRET)
    made = tokens.create_token(store, users.viewer_for(store, "ana"), "ana", frozenset({"read", "screen", "cases.manage"}))
    return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": "audit test"}


def trail(store) -> list[tuple[str, str, str]]:
    return [(r["username"], r["action"], r["outcome"]) for r in audit.search_audit(store, OVERSIGHT)
            if r["action"] != "audit.search"]


def test_a_requests_token_use_is_in_the_trail_before_its_answer_whatever_the_answer(store, workspace, ana):
    client = TestClient(create_app(store))
    before = len(trail(store))
    assert client.get("/api/v1/alerts", headers=ana).status_code == 200
    assert client.get("/api/v1/alerts?limit=0", headers=ana).status_code == 422  # refused before any handler ran
    assert client.get("/api/v1/alerts", headers={"Authorization": "Bearer nxt_0_forged"}).status_code == 401
    assert trail(store)[before:] == [("ana", "auth.token", "ok"), ("ana", "alerts.list", "ok"),
                                     ("ana", "auth.token", "ok"), ("", "auth.token", "denied")]


def test_no_answer_goes_out_on_a_token_use_the_trail_could_not_record(store, workspace, ana, monkeypatch):
    client = TestClient(create_app(store), raise_server_exceptions=False)

    def broken(last, records):
        raise RuntimeError("the audit trail cannot be written")

    monkeypatch.setattr(audit, "_linked", broken)
    answer = client.get("/api/v1/alerts?limit=0", headers=ana)
    assert answer.status_code == 500  # not the 422 the request would otherwise get


def test_a_database_gone_while_a_requests_records_are_committed_is_a_503_on_every_route(store, workspace, ana,
                                                                                     monkeypatch, tmp_path):
    """Whether the token's use is committed before the route (alerts) or with the route's own record after it
    (screening, `AuditSettled`), a database that cannot be reached answers 503 with the usual body, not 500."""
    listed = tmp_path / "list.json"
    listed.write_bytes(orjson.dumps({"id": "l1", "schema": "Person", "properties": {"name": ["Ahmad Mansour"]}}))
    store.register_source("open-list", "ftm", Labels(agency="POLICE", releasable_to=("*",)), is_list=True)
    ingest(store, "open-list", listed, get_format("ftm").read(listed))
    client = TestClient(create_app(store), raise_server_exceptions=False)
    assert client.post("/api/v1/screen", json={"name": "Nobody"}, headers=ana).status_code == 200  # index built

    def gone(last, records):
        raise DatabaseUnavailable(OperationalError("INSERT", None, Exception("server closed the connection")))

    monkeypatch.setattr(audit, "_linked", gone)
    for answer in (client.get("/api/v1/alerts", headers=ana), client.post("/api/v1/screen", json={"name": "Nobody"},
                                                                          headers=ana)):
        assert answer.status_code == 503, answer.text
        assert answer.json()["detail"].startswith("the database is unavailable (server closed the connection)")
        assert answer.headers["cache-control"] == "no-store"


def test_every_answer_carries_the_security_headers_and_only_static_files_may_be_cached(store, workspace):
    client = TestClient(create_app(store))
    api = client.get("/api/v1/health")
    assert "default-src 'self'" in api.headers["content-security-policy"]
    assert api.headers["cache-control"] == "no-store" and api.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in api.headers  # plain HTTP, cookies not marked Secure
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")
    assert static.headers["x-content-type-options"] == "nosniff"


def test_a_requests_one_statement_reads_leave_no_transaction_open(store):
    with store.reader.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        if store.dialect == "postgresql":  # no BEGIN was sent: the server sees no transaction under way
            assert conn.connection.driver_connection.info.transaction_status.name == "IDLE"


def test_a_route_that_writes_runs_only_once_its_token_use_is_in_the_trail(store, workspace, ana, monkeypatch):
    client = TestClient(create_app(store), raise_server_exceptions=False)
    before = len(trail(store))
    assert client.post("/api/v1/cases", json={"title": "Mansour"}, headers=ana).status_code in (200, 201)
    assert [action for _, action, _ in trail(store)[before:]][:2] == ["auth.token", "cases.open"]

    def broken(last, records):
        raise RuntimeError("the audit trail cannot be written")

    monkeypatch.setattr(audit, "_linked", broken)
    assert client.post("/api/v1/cases", json={"title": "Second"}, headers=ana).status_code == 500
    monkeypatch.undo()
    assert [c["title"] for c in client.get("/api/v1/cases", headers=ana).json()["items"]] == ["Mansour"]
