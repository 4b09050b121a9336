"""The web application without a browser: sign-in (password, lockout, purpose), the session cookie and its
anti-forgery token, security headers, and each page over real data (both databases)."""

import re

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security import auth, users
from nexus.service.oversight import search_audit
from nexus.service.travel import receive_message
from nexus.sources import get_format
from nexus.store.schema import statements

PASSWORD = "correct horse battery"


@pytest.fixture
def app(store, workspace, tmp_path):
    path = tmp_path / "list.json"
    path.write_bytes(orjson.dumps({"id": "w1", "schema": "Person", "properties": {
        "name": ["Viktor Bout"], "birthDate": ["1967-01-13"], "topics": ["sanction"]}}) + b"\n")
    store.register_source("open-list", "ftm", Labels(agency="POLICE", releasable_to=("*",)), is_list=True)
    ingest(store, "open-list", path, get_format("ftm").read(path))
    bank = tmp_path / "bank.json"
    bank.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        {"id": "b1", "schema": "Person", "properties": {"name": ["Boris Payee"]}},
        {"id": "pay1", "schema": "Payment", "properties": {"payer": ["w1"], "beneficiary": ["b1"], "amount": ["9000"],
                                                          "currency": ["EUR"], "date": ["2025-05-01"]}}]))
    store.register_source("bank", "ftm", Labels(agency="POLICE", releasable_to=("*",)))
    ingest(store, "bank", bank, get_format("ftm").read(bank))
    for name, agency, roles in (("ana", "POLICE", ["analyst"]), ("carl", "CUSTOMS", ["analyst"]),
                                ("olga", "OVERSIGHT", ["oversight"])):
        users.create_user(store, name, agency=agency, roles=roles, clearance=Classification.SECRET)
        auth.set_password(store, name, PASSWORD)
    return create_app(store)


def attempt(app, username, password=PASSWORD, purpose="alert review"):
    client = TestClient(app, base_url="http://127.0.0.1")
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    response = client.post("/login", data={"username": username, "password": password, "purpose": purpose,
                                           "login_csrf": token, "next": "/"}, follow_redirects=False)
    return client, response


def sign_in(app, username, password=PASSWORD, purpose="alert review") -> tuple[TestClient, str]:
    client, response = attempt(app, username, password, purpose)
    assert response.status_code == 303, response.text
    page = client.get("/")
    return client, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_pages_need_sign_in_and_carry_a_strict_policy(app):
    client = TestClient(app)
    response = client.get("/alerts", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Falerts")
    login = client.get("/login")
    policy = login.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert login.headers["x-frame-options"] == "DENY"
    assert "https://" not in login.text  # nothing from another origin
    assert client.get("/static/vendor/htmx-2.0.4.min.js").status_code == 200


def test_sign_in_sets_a_strict_cookie_and_records_the_purpose(app, store):
    client, csrf = sign_in(app, "ana", purpose="case 2026/114")
    cookie = next(c for c in client.cookies.jar if c.name == "nexus_session")
    assert csrf and cookie.has_nonstandard_attr("HttpOnly")
    assert "Dashboard" in client.get("/").text
    client.get("/entities/w1")
    olga = users.viewer_for(store, "olga")
    (read,) = search_audit(store, olga, user="ana", action="entity.read")
    assert read["purpose"] == "case 2026/114"


def test_the_purpose_is_kept_with_the_session_in_any_script(app, store):
    client, csrf = sign_in(app, "ana", purpose="расследование 7 – تحقيق")
    client.get("/entities/w1")
    client.post("/purpose", data={"csrf": csrf, "purpose": "Überprüfung", "next": "/entities/w1"})
    olga = users.viewer_for(store, "olga")
    assert [r["purpose"] for r in search_audit(store, olga, user="ana", action="entity.read")] == [
        "расследование 7 – تحقيق", "Überprüfung"]
    assert "Überprüfung" in client.get("/").text


def test_a_disabled_user_is_signed_out(app, store):
    client, _ = sign_in(app, "ana")
    users.update_user(store, "ana", disabled=True)
    response = client.get("/alerts", follow_redirects=False)
    assert response.status_code == 303 and "message=ended" in response.headers["location"]
    users.update_user(store, "ana", disabled=False)
    assert client.get("/alerts", follow_redirects=False).status_code == 303  # the old session stays closed


def test_wrong_passwords_lock_the_account(app):
    for _ in range(5):
        _, refused = attempt(app, "ana", password="wrong password!")
        assert refused.status_code == 401 and "invalid username or password" in refused.text
    _, locked = attempt(app, "ana")
    assert locked.status_code == 401 and "invalid username or password" in locked.text  # even the right password
    _, vague = attempt(app, "ana", purpose=" ")
    assert vague.status_code == 400 and "what you are working on" in vague.text


def test_changes_need_the_page_token(app):
    client, csrf = sign_in(app, "ana")
    forged = client.post("/cases", data={"title": "x", "csrf": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    api = client.post("/api/v1/cases", json={"title": "x"})  # the cookie alone is not enough for the API either
    assert api.status_code == 403 and "anti-forgery" in api.json()["detail"]
    made = client.post("/api/v1/cases", json={"title": "x"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201


def test_review_a_hit_open_a_case_and_keep_it_from_another_agency(app, store):
    client, csrf = sign_in(app, "ana")
    hit = client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True},
                      headers={"X-CSRF-Token": csrf}).json()["hits"][0]
    page = client.get(f"/alerts/{hit['alert_id']}")
    assert "Viktor Bout" in page.text and "Record decision" in page.text
    client.post(f"/alerts/{hit['alert_id']}/review", data={"csrf": csrf, "decision": "confirmed",
                                                            "reason": "same birth date", "expected_state": "open"})
    assert "confirmed" in client.get(f"/alerts/{hit['alert_id']}").text
    opened = client.post("/cases", data={"csrf": csrf, "title": "Bout network", "alert_id": str(hit["alert_id"])},
                         follow_redirects=False)
    case_url = opened.headers["location"]
    case = client.get(case_url)
    assert "Bout network" in case.text and "Viktor Bout" in case.text
    client.post(f"{case_url}/notes", data={"csrf": csrf, "text": "passport matches"})
    client.post(f"{case_url}/evidence", data={"csrf": csrf, "description": "bank letter"},
                files={"file": ("letter.txt", b"statement of account")})
    shown = client.get(case_url).text
    assert "passport matches" in shown and "letter.txt" in shown
    assert "<svg" in shown and "Viktor Bout → Boris Payee: 9,000" in shown  # the case's money, as a Sankey
    other, _ = sign_in(app, "carl")
    assert other.get(case_url).status_code == 404
    assert "Bout network" not in other.get("/cases").text


def test_dashboard_entity_search_graph_and_audit_pages(app):
    client, csrf = sign_in(app, "ana")
    client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True}, headers={"X-CSRF-Token": csrf})
    dashboard = client.get("/")
    assert "screening alerts to review" in dashboard.text and "<svg" in dashboard.text
    assert "Viktor Bout" in client.get("/search", params={"q": "bout"}).text
    entity = client.get("/entities/w1").text
    assert "open-list" in entity and "1967-01-13" in entity
    assert "cytoscape" in client.get("/graph", params={"entity": "w1"}).text
    assert client.get("/audit").status_code == 403
    oversight, _ = sign_in(app, "olga")
    assert "entity.read" in oversight.get("/audit").text


def test_sign_out_closes_the_session(app):
    client, csrf = sign_in(app, "ana")
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_travellers_page_maps_their_flights(app, store, shared_data):
    users.update_user(store, "ana", roles="analyst,targeter")
    message = shared_data / "travel" / "paxlst" / "Test1.txt"
    receive_message(store, users.viewer_for(store, "ana", "test"), message.read_bytes(), message.name, "paxlst",
                    "carrier")
    with store.engine.connect() as conn:
        traveller = conn.execute(select(statements.c.entity_id).where(
            statements.c.source == "carrier", statements.c.schema == "Person").limit(1)).scalar_one()
    client, _ = sign_in(app, "ana")
    page = client.get(f"/entities/{traveller}").text
    assert 'aria-label="travel routes"' in page and "<circle" in page and "<h2>Travel</h2>" in page
