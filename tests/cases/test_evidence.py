"""Evidence on both databases: stored once by SHA-256, labelled, re-hashed on every reading, every step in the
append-only chain of custody and the audit trail."""

import hashlib
import os

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from nexus.cases.files import Tampered
from nexus.errors import Conflict, InvalidInput, NotFound
from nexus.service.cases import add_evidence, custody_log, get_case, open_case, open_evidence
from nexus.store.schema import audit_log, custody_events

from .conftest import COLLEAGUE, CUSTOMS, LEAD, OUTSIDER, OVERSIGHT

PHOTO = b"\x89PNG\r\n\x1a\n surveillance photo of the port"


@pytest.fixture
def case_id(world):
    return open_case(world, LEAD, "Port case", agencies=["CUSTOMS"])["id"]


def test_evidence_round_trip_keeps_its_sha256_and_is_stored_once(world, home, case_id):
    sha = hashlib.sha256(PHOTO).hexdigest()
    added = add_evidence(world, LEAD, case_id, "C:\\photos\\port.png", PHOTO, "image/png", "the port at night")
    assert added == added | {"filename": "port.png", "sha256": sha, "size": len(PHOTO), "media_type": "image/png",
                             "added_by": "lead"}
    assert added["labels"] == {"agency": "POLICE", "classification": "RESTRICTED",
                               "releasable_to": ["CUSTOMS", "POLICE"], "orcon": False}  # the team, by default
    stored = home / "evidence" / sha[:2] / sha
    assert stored.read_bytes() == PHOTO
    meta, path = open_evidence(world, CUSTOMS, case_id, added["id"])
    assert path == stored and hashlib.sha256(path.read_bytes()).hexdigest() == sha and meta["id"] == added["id"]

    with pytest.raises(Conflict, match="already"):
        add_evidence(world, LEAD, case_id, "again.png", PHOTO)
    other = open_case(world, LEAD, "Another case")["id"]
    add_evidence(world, LEAD, other, "copy.png", PHOTO)
    assert [p.name for p in (home / "evidence").rglob("*") if p.is_file()] == [sha]  # deduplicated

    events = custody_log(world, LEAD, case_id)
    assert [(e["action"], e["username"], e["agency"], e["filename"]) for e in events] == [
        ("added", "lead", "POLICE", "port.png"), ("viewed", "customs", "CUSTOMS", "port.png")]
    assert all(e["sha256"] == sha for e in events)
    assert "held already" not in custody_log(world, LEAD, other)[0]["detail"]  # nothing about other cases
    with world.engine.connect() as conn:
        audited = set(conn.execute(select(audit_log.c.action)).scalars())
    assert {"cases.evidence_add", "cases.evidence_read", "cases.custody"} <= audited


def test_a_tampered_file_is_refused_and_the_refusal_recorded(world, home, case_id):
    added = add_evidence(world, LEAD, case_id, "ledger.csv", b"date,amount\n2024-01-01,9900\n", "text/csv")
    stored = home / "evidence" / added["sha256"][:2] / added["sha256"]
    os.chmod(stored, 0o644)
    stored.write_bytes(b"date,amount\n2024-01-01,99\n")
    with pytest.raises(Tampered, match="no longer matches"):
        open_evidence(world, COLLEAGUE, case_id, added["id"])
    stored.unlink()
    with pytest.raises(Tampered, match="missing"):
        open_evidence(world, COLLEAGUE, case_id, added["id"])
    assert [e["action"] for e in custody_log(world, LEAD, case_id)] == ["added", "refused", "refused"]
    with world.engine.connect() as conn:
        outcomes = conn.execute(select(audit_log.c.outcome).where(audit_log.c.action == "cases.evidence_read")).scalars()
        assert set(outcomes) == {"refused"}


def test_labels_decide_who_sees_evidence(world, case_id):
    mine = add_evidence(world, LEAD, case_id, "informant.txt", b"source report", "text/plain",
                        classification="confidential", releasable_to="POLICE", orcon=True)
    shared = add_evidence(world, LEAD, case_id, "manifest.txt", b"cargo manifest", "text/plain", releasable_to=["*"])
    assert mine["labels"] == {"agency": "POLICE", "classification": "CONFIDENTIAL", "releasable_to": ["POLICE"],
                              "orcon": True}
    customs = get_case(world, CUSTOMS, case_id)
    assert [e["id"] for e in customs["evidence"]] == [shared["id"]] and customs["counts"]["evidence"] == 1
    with pytest.raises(NotFound):
        open_evidence(world, CUSTOMS, case_id, mine["id"])
    assert [e["filename"] for e in custody_log(world, CUSTOMS, case_id)] == ["manifest.txt"]
    assert len(custody_log(world, OVERSIGHT, case_id)) == 2  # oversight sees every event, of any case
    with pytest.raises(NotFound):
        custody_log(world, OUTSIDER, case_id)
    with pytest.raises(NotFound):
        custody_log(world, OVERSIGHT, case_id + 1000)


def test_bad_evidence_is_refused_naming_the_field(world, case_id, monkeypatch):
    monkeypatch.setenv("NEXUS_EVIDENCE_MAX_BYTES", "10")
    with pytest.raises(InvalidInput, match="data: big.bin is 11 bytes; evidence files are at most 10"):
        add_evidence(world, LEAD, case_id, "big.bin", b"x" * 11)
    with pytest.raises(InvalidInput, match="data"):
        add_evidence(world, LEAD, case_id, "empty.bin", b"")
    with pytest.raises(InvalidInput, match="filename"):
        add_evidence(world, LEAD, case_id, "", b"x")
    with pytest.raises(InvalidInput, match="media_type"):
        add_evidence(world, LEAD, case_id, "a.bin", b"x", media_type="not a type")
    with pytest.raises(InvalidInput, match="classification"):
        add_evidence(world, LEAD, case_id, "a.bin", b"x", classification="cosmic")
    with pytest.raises(InvalidInput, match="clearance"):
        add_evidence(world, LEAD, case_id, "a.bin", b"x", classification="TOP SECRET")
    with pytest.raises(InvalidInput, match="releasable_to"):
        add_evidence(world, LEAD, case_id, "a.bin", b"x", releasable_to="POLICE;CUSTOMS")
    with pytest.raises(NotFound):
        add_evidence(world, OUTSIDER, case_id, "a.bin", b"x")


def test_the_chain_of_custody_is_append_only(world, case_id):
    add_evidence(world, LEAD, case_id, "a.txt", b"a", "text/plain")
    for statement in (update(custody_events).values(username="someone else"), custody_events.delete()):
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
            conn.execute(statement)
    if world.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
            conn.execute(text("TRUNCATE custody_events"))
    assert len(custody_log(world, LEAD, case_id)) == 1
