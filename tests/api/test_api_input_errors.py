"""Bad input gets one clear 422 naming the field at fault, wherever the request carried it: a NUL character in any
text (which PostgreSQL cannot store), a service's refusal of a parameter, a screening query's birth date or schema,
an oversized purpose; the audit trail stores any characters; a single query raises alerts that cite it (both
databases)."""

import pytest
from serving import serving_list

from nexus.model import Classification
from nexus.security import audit, tokens, users
from nexus.security.policy import role_actions
from nexus.security.viewer import Viewer

LISTED = [{"id": "w1", "schema": "Person", "properties": {"name": ["Viktor Bout"], "birthDate": ["1967-01-13"]}}]
NUL_IN_FILENAME = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a\x00.txt"\r\n\r\nx\r\n--b--\r\n'
OVERSIGHT = Viewer("ombud", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)


@pytest.fixture
def client(store, workspace, tmp_path):
    return serving_list(store, tmp_path, LISTED)


@pytest.fixture
def ana(store) -> dict:
    users.create_user(store, "ana", agency="POLICE", roles=["analyst"], clearance=Classification.SECRET)
    made = tokens.create_token(store, users.viewer_for(store, "ana"), "ana",
                               frozenset(role_actions(frozenset({"analyst"}))))
    return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": "input test"}


def refused_field(answer) -> str:
    body = answer.json()
    assert answer.status_code == 422 and body["error"] == "Unprocessable Entity", answer.text
    (field,) = body["fields"]
    assert body["detail"] == f"{field['field']}: {field['message']}"
    return field["field"]


def test_a_nul_in_any_text_a_request_carries_is_one_422_naming_the_field(client, store, ana):
    """On PostgreSQL each of these was a 500 (text fields cannot contain NUL); on SQLite the NUL was stored."""
    case = client.post("/api/v1/cases", json={"title": "Bout"}, headers=ana).json()["id"]
    alert = client.post("/api/v1/screen", json={"name": "Viktor Bout", "alerts": True}, headers=ana).json()
    alert_id = alert["hits"][0]["alert_id"]
    asked = [
        (client.post, f"/api/v1/alerts/{alert_id}/review", {"json": {"decision": "dismissed", "reason": "r\u0000x"}},
         "body.reason"),
        (client.post, "/api/v1/cases", {"json": {"title": "t\u0000itle"}}, "body.title"),
        (client.post, f"/api/v1/cases/{case}/notes", {"json": {"text": "a\u0000b"}}, "body.text"),
        (client.post, f"/api/v1/cases/{case}/tasks", {"json": {"title": "a\u0000b"}}, "body.title"),
        (client.post, f"/api/v1/cases/{case}/evidence",
         {"files": {"file": ("a.txt", b"x")}, "data": {"description": "d\u0000"}}, "body.description"),
        (client.post, f"/api/v1/cases/{case}/evidence", {"content": NUL_IN_FILENAME, "headers": {
            **ana, "Content-Type": "multipart/form-data; boundary=b"}}, "body.file"),
        (client.post, "/api/v1/screen/batch", {"json": {"queries": [{"id": "a", "name": "x"},
                                                                    {"id": "b", "name": "a\u0000b"}]}},
         "body.queries.1.name"),
        (client.get, "/api/v1/entities", {"params": {"q": "a\u0000b"}}, "query.q"),
        (client.get, "/api/v1/entities/a%00b", {}, "path.entity_id"),
        (client.get, "/api/v1/alerts", {"params": {"kind": "a\u0000b"}}, "query.kind"),
        (client.get, "/api/v1/cases", {"params": {"entity": "a\u0000b"}}, "query.entity"),
        (client.get, "/api/v1/graph/export", {"params": {"format": "graphml", "entity": "\u0000"}}, "query.entity"),
        (client.get, "/api/v1/alerts", {"headers": {**ana, "X-Nexus-Purpose": "a\u0000b"}}, "header.x-nexus-purpose"),
        # JSON in UTF-16, which the route's json.loads would read, and a JSON body under a second content type
        (client.post, "/api/v1/cases", {"content": '{"title": "a\\u0000b"}'.encode("utf-16-le"),
                                        "headers": {**ana, "Content-Type": "application/json"}}, "body"),
        (client.post, "/api/v1/cases", {"content": b'{"title": "a\\u0000b"}', "headers": [
            *ana.items(), ("Content-Type", "application/json"), ("Content-Type", "application/octet-stream")]},
         "body.title"),
    ]
    for send, url, request, field in asked:
        answer = send(url, **({"headers": ana} | request))
        assert refused_field(answer) == field, (url, answer.text)
        assert answer.json()["detail"] == f"{field}: a value may not contain a NUL character"
    assert client.get(f"/api/v1/cases/{case}", headers=ana).json()["title"] == "Bout"  # nothing of it was stored
    assert client.get("/entities/a%00b").status_code == 422  # a page, the same
    # A file's contents are not text: NUL bytes in an upload are its own business.
    binary = client.post(f"/api/v1/cases/{case}/evidence", files={"file": ("a.bin", b"\x00\x01\x00")},
                         data={"description": "binary"}, headers=ana)
    assert binary.status_code == 201, binary.text
    assert client.get(f"/api/v1/cases/{case}/evidence/{binary.json()['id']}", headers=ana).content == b"\x00\x01\x00"
    escaped = client.post("/api/v1/screen", json={"name": "\\u0000 Bout"}, headers=ana)  # a backslash, not a NUL
    assert escaped.status_code == 200


def test_an_audit_record_with_any_characters_is_committed(store):
    """A NUL or a lone surrogate in a record (PostgreSQL refuses the one, UTF-8 cannot encode the other) would fail
    the commit of every record waiting with it."""
    odd = Viewer("ana", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="case \x00 \ud800")
    audit.log_event(store, odd, "search", {"q": "a\x00b\udc00"}, ["id\ud800"])
    (record,) = [r for r in audit.search_audit(store, OVERSIGHT) if r["action"] == "search"]
    assert record["purpose"] == "case \\x00 \\ud800" and "\\u0000" in record["query"]
    assert audit.verify_chain(store).ok


def test_a_services_refusal_of_a_parameter_names_it(client, store, ana):
    refusals = [
        ("/api/v1/graph/neighbourhood/w1", {"max_classification": "BOGUS"}, "query.max_classification"),
        ("/api/v1/graph/neighbourhood/w1", {"type": "bogus"}, "query.type"),
        ("/api/v1/graph/paths", {"from_topic": "bogus"}, "query.from_topic"),
        ("/api/v1/graph/paths", {"to_topic": "bogus"}, "query.to_topic"),
        ("/api/v1/alerts", {"min_score": "nan"}, "query.min_score"),
        ("/api/v1/graph/export", {"format": "pdf"}, "query.format"),
    ]
    for url, params, field in refusals:
        answer = client.get(url, params=params, headers=ana)
        assert refused_field(answer) == field


def test_screening_refuses_a_birth_date_or_schema_it_cannot_use(client, store, ana):
    for birth_date in ("1967", "1967-01", "1967-01-13", "1965/1970"):  # the forms the examples show
        answer = client.post("/api/v1/screen", json={"name": "Viktor Bout", "birth_date": birth_date}, headers=ana)
        assert answer.json()["hits"][0]["entity_id"] == "w1", birth_date
    assert refused_field(client.post("/api/v1/screen", json={"name": "x", "birth_date": "banana"},
                                     headers=ana)) == "body.birth_date"
    batch = {"queries": [{"id": "a", "name": "x"}, {"id": "b", "name": "x", "birth_date": "1967-13-45"}]}
    assert refused_field(client.post("/api/v1/screen/batch", json=batch, headers=ana)) == "body.queries.1.birth_date"
    for schema in ("Payment", "Nonsense"):  # a payment has no name to screen
        answer = client.post("/api/v1/screen", json={"name": "x", "schema": schema}, headers=ana)
        assert refused_field(answer) == "body.schema" and "Person" in answer.json()["detail"]
    person = client.post("/api/v1/screen", json={"name": "Viktor Bout", "schema": "Person"}, headers=ana)
    assert person.status_code == 200
    for threshold in ("nan", "inf"):
        answer = client.post("/api/v1/screen", json={"name": "x", "threshold": threshold}, headers=ana)
        assert refused_field(answer) == "body.threshold"
    unknown = client.post("/api/v1/screen", json={"name": "x", "lists": ["nope"]}, headers=ana)
    assert unknown.status_code == 404  # a list the caller may not screen against looks like one never registered


def test_the_purpose_is_required_and_at_most_500_characters(client, store, ana):
    assert client.get("/api/v1/alerts", headers={**ana, "X-Nexus-Purpose": "p" * 500}).status_code == 200
    answer = client.get("/api/v1/alerts", headers={**ana, "X-Nexus-Purpose": "p" * 60_000})
    assert refused_field(answer) == "header.x-nexus-purpose"
    answer = client.get("/api/v1/alerts", headers={**ana, "X-Nexus-Purpose": " "})
    assert refused_field(answer) == "header.x-nexus-purpose"


def test_an_alert_a_single_query_raises_names_and_cites_the_query(client, store, ana):
    """As the batch route's do: the single route's query has no id of its own."""
    asked = {"name": "Viktor Bout", "birth_date": "1967", "alerts": True}
    alert_id = client.post("/api/v1/screen", json=asked, headers=ana).json()["hits"][0]["alert_id"]
    alert = client.get(f"/api/v1/alerts/{alert_id}", headers=ana).json()
    assert alert["title"] == "Viktor Bout ↔ Viktor Bout (open-list)"
    assert alert["explanation"]["query"] == {"name": "Viktor Bout", "birth_date": "1967"}
    batch = {"queries": [{"id": "q7", "name": "Viktor Bout", "birth_date": "1967-01"}], "alerts": True}
    alert_id = client.post("/api/v1/screen/batch", json=batch, headers=ana).json()["results"][0]["hits"][0]["alert_id"]
    alert = client.get(f"/api/v1/alerts/{alert_id}", headers=ana).json()
    assert alert["title"].startswith("Viktor Bout ↔") and alert["explanation"]["query"]["id"] == "q7"
