"""Refused loads change nothing (both databases): a push into another agency's travel source is refused as an upload
into it is, before the message is read, saying nothing of what the source holds; a rejected upload leaves the source
registry as it was and no run running; what is recorded of an upload is the caller's name for the file."""

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nexus.api import create_app
from nexus.errors import Forbidden
from nexus.model import Classification
from nexus.security import tokens, users
from nexus.security.policy import role_actions
from nexus.security.viewer import Viewer
from nexus.service.travel import ingest_travel
from nexus.store.schema import audit_log, ingest_runs, statements

PERSON = orjson.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Ada Obi"]}}) + b"\n"


def token(store, username, agency, roles=("analyst",), clearance=Classification.SECRET):
    users.create_user(store, username, agency=agency, roles=list(roles), clearance=clearance)
    owner = users.viewer_for(store, username)
    made = tokens.create_token(store, owner, username, frozenset(role_actions(frozenset(roles))))
    return {"Authorization": f"Bearer {made}", "X-Nexus-Purpose": "ingest test"}


@pytest.fixture
def client(store, workspace):
    return TestClient(create_app(store))


def runs(store, source=None) -> list[dict]:
    query = select(ingest_runs) if source is None else select(ingest_runs).where(ingest_runs.c.source == source)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(ingest_runs.c.id)).mappings()]


def statement_count(store, source) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(statements).where(statements.c.source == source)).scalar()


def test_a_push_into_another_agencys_travel_source_is_refused_before_it_is_read(client, store, shared_data):
    tina = token(store, "tina", "PIU", roles=("targeter",))
    carl = token(store, "carl", "CUSTOMS", clearance=Classification.UNCLASSIFIED)
    message = (shared_data / "travel" / "paxlst" / "apisMessage.txt").read_bytes()
    held = client.post("/api/v1/travel/paxlst", params={"source": "piu_api", "name": "m1"}, content=message,
                       headers=tina).json()
    assert held["accepted"] and held["load"]["statements"] > 0
    before = (statement_count(store, "piu_api"), runs(store, "piu_api"), store.get_source("piu_api"))
    other = (shared_data / "travel" / "paxlst" / "Test1.txt").read_bytes()
    pnr = (shared_data / "travel" / "pnrgov" / "pnrMessage.txt").read_bytes()
    for kind, body in (("paxlst", message), ("paxlst", other), ("pnrgov", pnr), ("paxlst", b"not a message")):
        refused = client.post(f"/api/v1/travel/{kind}", params={"source": "piu_api", "name": "forged"}, content=body,
                              headers=carl)
        assert refused.status_code == 403, refused.text
        assert "is not one you may load into" in refused.json()["detail"]  # as an upload into it is refused
        assert "run" not in refused.text and "skipped" not in refused.text and "paxlst" not in refused.text
    assert (statement_count(store, "piu_api"), runs(store, "piu_api"), store.get_source("piu_api")) == before
    customs = Viewer("carl", "CUSTOMS", frozenset({"analyst"}), Classification.UNCLASSIFIED)
    with pytest.raises(Forbidden, match="is not one you may load into"):  # `nexus ingest paxlst` takes the same path
        ingest_travel(store, customs, shared_data / "travel" / "paxlst", "paxlst", "piu_api")
    assert runs(store, "piu_api") == before[1]


def test_a_rejected_upload_leaves_an_existing_sources_registration_as_it_was(client, store):
    ana = token(store, "ana", "POLICE")
    assert client.post("/api/v1/ingest/ftm", files={"file": ("zala.json", PERSON)}, data={"source": "a12_customs"},
                       headers=ana).status_code == 200
    registered = store.get_source("a12_customs")
    refused = client.post("/api/v1/ingest/csv", files={"file": ("t.csv", b"a,b\n1,2\n"), "mapping": ("m.yml", b"::: [")},
                          data={"source": "a12_customs", "classification": "UNCLASSIFIED", "releasable_to": "*"},
                          headers=ana)
    assert refused.status_code == 422 and "m.yml" in refused.json()["detail"]
    assert store.get_source("a12_customs") == registered
    assert [r["status"] for r in runs(store, "a12_customs")] == ["complete", "failed"]  # not left to be resumed


def test_a_rejected_upload_registers_no_source_and_leaves_no_run_running(client, store, shared_data, monkeypatch):
    monkeypatch.setenv("NEXUS_GOAML_SCHEMA", str(shared_data / "goaml" / "goAMLSchema-5.0.2.xsd"))
    ana = token(store, "ana", "POLICE")
    listed = (shared_data / "sanctions" / "un_consolidated_2017.xml").read_bytes()
    report = (shared_data / "goaml" / "samples" / "STR.xml").read_bytes()
    external = (b"<?xml version='1.0'?><!DOCTYPE l [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><CONSOLIDATED_LIST>"
                b"<INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&x;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS>"
                b"</CONSOLIDATED_LIST>")
    rejected = [
        ("csv", {"file": ("t.csv", b"a,b\n1,2\n"), "mapping": ("m.yml", b"::: [")}),
        ("un-sc", {"file": ("x.xml", external)}),
        ("un-sc", {"file": ("un.xml", listed[: len(listed) // 2])}),
        ("un-sc", {"file": ("un.xml", b"PK\x03\x04 zip")}),
        ("goaml", {"file": ("STR.xml", report[: len(report) // 2])}),
    ]
    for number, (format, files) in enumerate(rejected):
        source = f"rejected{number}"
        answer = client.post(f"/api/v1/ingest/{format}", files=files, data={"source": source}, headers=ana)
        assert answer.status_code == 422, (format, answer.text)
        assert store.get_source(source) is None, format
        assert all(r["status"] != "running" for r in runs(store, source)), format
    assert client.get("/api/v1/sources", headers=ana).json()["items"] == []


def test_an_upload_is_recorded_under_the_callers_file_name(client, store, shared_data, monkeypatch):
    monkeypatch.setenv("NEXUS_GOAML_SCHEMA", str(shared_data / "goaml" / "goAMLSchema-5.0.2.xsd"))
    ana = token(store, "ana", "POLICE")
    report = (shared_data / "goaml" / "samples" / "SAR.xml").read_bytes()
    for format, name, body, source in (("ftm", "../../cases/people.json", PERSON, "police"),
                                       ("goaml", "C:\\reports\\SAR.xml", report, "fiu")):
        assert client.post(f"/api/v1/ingest/{format}", files={"file": (name, body)}, data={"source": source},
                           headers=ana).status_code == 200
    assert [(r["source"], r["path"]) for r in runs(store)] == [("police", "people.json"), ("fiu", "SAR.xml")]
    with store.engine.connect() as conn:
        recorded = [orjson.loads(q) for q in conn.execute(select(audit_log.c.query).where(
            audit_log.c.action == "ingest").order_by(audit_log.c.seq)).scalars()]
    assert [r["path"] for r in recorded] == ["people.json", "SAR.xml"]
