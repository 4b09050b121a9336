"""Dissemination packages on both databases: refused whole, naming what blocks it, when anything in it is ORCON
(whoever asks) or not releasable to the recipient; otherwise one zip with both reports, the FtM entities, the
evidence and a manifest of SHA-256s, recorded in the chain of custody and the audit trail."""

import hashlib
import io
import zipfile

import orjson
import pytest
from sqlalchemy import select

from nexus.errors import Forbidden, InvalidInput, NotFound
from nexus.service.cases import (
    add_agency, add_case_entity, add_evidence, add_note, custody_log, disseminate, get_case, lift_evidence_orcon, open_case,
    open_dissemination,
)
from nexus.store.schema import audit_log, disseminations

from .conftest import CHIEF, COLLEAGUE, CUSTOMS, INTEL, LEAD, OUTSIDER, TARGETER


def audited(store, action: str) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).where(audit_log.c.action == action)).mappings()]


@pytest.fixture
def case_id(world):
    case_id = open_case(world, LEAD, "Acme", "Cigarettes through the port", agencies=["CUSTOMS"],
                        entity_ids=["p-karim", "c-acme"])["id"]
    add_note(world, LEAD, case_id, "Karim directs Acme <b>not bold</b>")
    return case_id


def test_a_package_holds_both_reports_the_entities_the_evidence_and_a_true_manifest(world, home, case_id):
    photo = add_evidence(world, LEAD, case_id, "port photo.png", b"\x89PNG port", "image/png", "the port")
    package = disseminate(world, LEAD, case_id, "customs")
    assert package["recipient"] == "CUSTOMS" and package["filename"].startswith(f"case-{case_id}-to-customs-")
    path = home / "disseminations" / package["sha256"][:2] / package["sha256"]
    assert package["path"] == str(path) and hashlib.sha256(path.read_bytes()).hexdigest() == package["sha256"]
    assert package["size"] == path.stat().st_size and package["classification"] == "RESTRICTED"

    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    names = set(archive.namelist())
    assert {"report.html", "report.pdf", "entities.ftm.json", "manifest.json", "SHA256SUMS"} <= names
    manifest = orjson.loads(archive.read("manifest.json"))
    assert manifest["recipient"] == "CUSTOMS" and manifest["issuing_agency"] == "POLICE"
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json", "SHA256SUMS"}
    for file in manifest["files"]:
        assert hashlib.sha256(archive.read(file["path"])).hexdigest() == file["sha256"]
    assert archive.read("report.pdf").startswith(b"%PDF")
    html = archive.read("report.html").decode()
    assert "Karim Ahmed" in html and "Acme Trading" in html and "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert "RESTRICTED. Released by POLICE to CUSTOMS only" in html
    entities = [orjson.loads(line) for line in archive.read("entities.ftm.json").splitlines()]
    assert sorted(e["id"] for e in entities) == ["c-acme", "p-karim"]
    assert {e["schema"] for e in entities} == {"Company", "Person"}
    (evidence,) = [f for f in manifest["files"] if f["path"].startswith("evidence/")]
    assert evidence["path"] == f"evidence/{photo['id']}-port_photo.png" and evidence["sha256"] == photo["sha256"]

    custody = custody_log(world, LEAD, case_id)
    assert [(e["action"], e["evidence_id"], e["dissemination_id"]) for e in custody] == [
        ("added", photo["id"], None), ("disseminated", photo["id"], package["id"]),
        ("disseminated", None, package["id"])]
    assert "to CUSTOMS" in custody[1]["detail"] and custody[2]["sha256"] == package["sha256"]
    (record,) = audited(world, "cases.disseminate")
    assert record["outcome"] == "ok" and orjson.loads(record["query"])["recipient"] == "CUSTOMS"
    with world.engine.connect() as conn:
        assert conn.execute(select(disseminations.c.sha256)).scalar() == package["sha256"]

    meta, fetched = open_dissemination(world, CUSTOMS, case_id, package["id"])
    assert fetched == path and meta["sha256"] == package["sha256"]
    assert custody_log(world, LEAD, case_id)[-1]["action"] == "exported"
    assert [d["id"] for d in get_case(world, CUSTOMS, case_id)["disseminations"]] == [package["id"]]
    with pytest.raises(NotFound):
        open_dissemination(world, OUTSIDER, case_id, package["id"])


def test_orcon_blocks_the_package(world, case_id):
    add_case_entity(world, LEAD, case_id, "p-olga")  # INTEL's, ORCON, readable by anyone
    with pytest.raises(Forbidden, match="entity p-olga \\(source intel_orcon\\) is ORCON of INTEL") as refused:
        disseminate(world, LEAD, case_id, "CUSTOMS")
    assert refused.value.audited  # on the record once: the API and the web need not add theirs
    (record,) = audited(world, "cases.disseminate")
    assert record["outcome"] == "refused" and "ORCON" in record["query"]
    add_agency(world, LEAD, case_id, "INTEL")  # the case's words are POLICE's to release
    with pytest.raises(Forbidden, match="the case's title, summary and 1 note\\(s\\) are POLICE's words"):
        disseminate(world, INTEL, case_id, "CUSTOMS")


def test_statements_not_releasable_to_the_recipient_block_the_package(world, case_id):
    add_case_entity(world, LEAD, case_id, "p-sharif")  # INTEL's, releasable to INTEL and POLICE
    with pytest.raises(Forbidden, match="entity p-sharif \\(source intel\\) is not releasable to CUSTOMS"):
        disseminate(world, LEAD, case_id, "CUSTOMS")
    assert disseminate(world, LEAD, case_id, "POLICE")["recipient"] == "POLICE"


def test_evidence_not_releasable_to_the_recipient_blocks_the_package(world, case_id):
    secret = add_evidence(world, LEAD, case_id, "informant.txt", b"report", "text/plain", releasable_to="POLICE")
    with pytest.raises(Forbidden, match=f"evidence {secret['id']} \\(informant.txt\\) is not releasable to CUSTOMS"):
        disseminate(world, COLLEAGUE, case_id, "CUSTOMS")
    orcon = add_evidence(world, LEAD, case_id, "wire.txt", b"intercept", "text/plain", releasable_to="*", orcon=True)
    with pytest.raises(Forbidden, match="is not releasable to FIU"):  # one refusal names every blocker
        disseminate(world, CHIEF, case_id, "FIU")
    assert [e["action"] for e in custody_log(world, LEAD, case_id)] == ["added", "added"]  # refusals release nothing
    with pytest.raises(Forbidden, match=f"evidence {orcon['id']} \\(wire.txt\\) is ORCON of POLICE"):
        disseminate(world, LEAD, case_id, "POLICE")
    lift_evidence_orcon(world, LEAD, case_id, orcon["id"], "cleared for the team")
    package = disseminate(world, LEAD, case_id, "POLICE")
    released = {e["evidence_id"] for e in custody_log(world, LEAD, case_id) if e["action"] == "disseminated"}
    assert released == {secret["id"], orcon["id"], None} and package["classification"] == "RESTRICTED"


def test_dissemination_needs_the_export_role_and_a_place_on_the_team(world, case_id):
    with pytest.raises(Forbidden, match="export"):
        disseminate(world, TARGETER, case_id, "CUSTOMS")
    with pytest.raises(NotFound):
        disseminate(world, OUTSIDER, case_id, "CUSTOMS")
    with pytest.raises(InvalidInput, match="recipient_agency"):
        disseminate(world, LEAD, case_id, "*")
