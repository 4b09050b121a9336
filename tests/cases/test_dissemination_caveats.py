"""A package carries every caveat of what it holds (classification, compartments, warrants, legal bases, ORCON,
the originating agencies) on its banner, in its manifest and on each item; compartmented material goes to no
other agency; and a package whose data retention purged is withdrawn: nobody fetches it any more (both
databases)."""

import io
import zipfile

import orjson
import pytest
from sqlalchemy import select

from nexus.errors import Forbidden, NotFound
from nexus.ingest import ingest
from nexus.model.labels import Classification, Labels
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant
from nexus.service.cases import custody_log, disseminate, open_case, open_dissemination
from nexus.service.retention import retention_reports, run_retention
from nexus.sources import get_format
from nexus.store.schema import audit_log

from .conftest import CUSTOMS, LEAD, R, S, person

CT_LEAD = Viewer("dave", "POLICE", frozenset({"supervisor"}), S, frozenset({"CT"}))
INTEL_BOSS = Viewer("ivan", "INTEL", frozenset({"supervisor"}), S)
ADMIN = Viewer("admin", "POLICE", frozenset({"administrator"}), Classification.TOP_SECRET)


def _load(store, tmp_path, name: str, labels: Labels, entities: list[dict], retention_days: int | None = None):
    path = tmp_path / f"{name}.ftm.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source(name, "ftm", labels, retention_days=retention_days)
    assert not ingest(store, name, path, get_format("ftm").read(path)).errors


@pytest.fixture
def marked(world, tmp_path):
    for v in (CT_LEAD, INTEL_BOSS, ADMIN):
        users.ensure_user(world, v.user, agency=v.agency, roles=v.roles, clearance=v.clearance,
                          compartments=v.compartments)
    add_warrant(world, INTEL_BOSS, "WARRANT-1", agency="INTEL", kind="interception", expires_at="2099-01-01")
    _load(world, tmp_path, "ctpol", Labels("POLICE", S, ("POLICE", "CUSTOMS"), compartment="CT",
                                           legal_basis="TA2000 s.38B"), [person("p-ct", "Tariq Counter")])
    _load(world, tmp_path, "intercept", Labels("INTEL", S, ("INTEL", "POLICE"), warrant="WARRANT-1",
                                               legal_basis="IPA 2016 Part 2"), [person("p-wire", "Wira Tapp")])
    return world


def _archive(package) -> zipfile.ZipFile:
    with open(package["path"], "rb") as file:
        return zipfile.ZipFile(io.BytesIO(file.read()))


def _entities(archive) -> dict[str, dict]:
    return {e["id"]: e for e in (orjson.loads(line) for line in archive.read("entities.ftm.json").splitlines())}


def test_compartmented_material_goes_to_no_other_agency(marked):
    case_id = open_case(marked, CT_LEAD, "Cell", entity_ids=["p-ct"])["id"]
    with pytest.raises(Forbidden, match="entity p-ct \\(source ctpol\\) is in compartment CT of POLICE"):
        disseminate(marked, CT_LEAD, case_id, "CUSTOMS")
    assert not [e for e in custody_log(marked, CT_LEAD, case_id) if e["action"] == "disseminated"]

    package = disseminate(marked, CT_LEAD, case_id, "POLICE")  # within its own agency, marked as it is
    archive = _archive(package)
    html = archive.read("report.html").decode()
    assert "SECRET // COMPARTMENT CT // LEGAL BASIS TA2000 s.38B. Released by POLICE to POLICE only" in html
    manifest = orjson.loads(archive.read("manifest.json"))
    assert manifest["markings"] == {"classification": "SECRET", "compartments": ["CT"], "warrants": [],
                                    "legal_bases": ["TA2000 s.38B"], "orcon": [], "agencies": ["POLICE"]}
    assert "COMPARTMENT CT" in manifest["handling"]
    item = _entities(archive)["p-ct"]["markings"]
    assert item["compartments"] == ["CT"] and item["legal_bases"] == ["TA2000 s.38B"]


def test_the_banner_names_every_warrant_and_the_originators_not_the_releaser(marked):
    case_id = open_case(marked, LEAD, "Wire", entity_ids=["p-wire", "p-karim"])["id"]
    package = disseminate(marked, LEAD, case_id, "POLICE")
    archive = _archive(package)
    html = archive.read("report.html").decode()
    assert "SECRET // WARRANT WARRANT-1 // LEGAL BASIS IPA 2016 Part 2. Released by POLICE to POLICE only; " \
           "not to be passed on without the consent of INTEL, POLICE." in html  # INTEL's data, POLICE's words
    assert "Originating agencies: INTEL, POLICE" in html and "Warrants: WARRANT-1" in html
    manifest = orjson.loads(archive.read("manifest.json"))
    assert manifest["markings"]["warrants"] == ["WARRANT-1"] and manifest["markings"]["agencies"] == ["INTEL", "POLICE"]
    entities = _entities(archive)
    assert entities["p-wire"]["markings"]["warrants"] == ["WARRANT-1"]
    assert entities["p-wire"]["markings"]["agencies"] == ["INTEL"]
    assert entities["p-karim"]["markings"] == {"classification": "RESTRICTED", "compartments": [], "warrants": [],
                                               "legal_bases": [], "orcon": [], "agencies": ["POLICE"]}


def test_retention_withdraws_the_packages_holding_what_it_purged(world, tmp_path):
    users.ensure_user(world, ADMIN.user, agency=ADMIN.agency, roles=ADMIN.roles, clearance=ADMIN.clearance)
    _load(world, tmp_path, "shortlived", Labels("POLICE", R, ("POLICE", "CUSTOMS")),
          [person("p-brief", "Brief Moment")], retention_days=30)
    purged_case = open_case(world, LEAD, "Brief", agencies=["CUSTOMS"], entity_ids=["p-brief"])["id"]
    kept_case = open_case(world, LEAD, "Kept", agencies=["CUSTOMS"], entity_ids=["p-karim"])["id"]
    purged = disseminate(world, LEAD, purged_case, "CUSTOMS")
    kept = disseminate(world, LEAD, kept_case, "CUSTOMS")
    open_dissemination(world, CUSTOMS, purged_case, purged["id"])  # served while its data is held

    report = run_retention(world, ADMIN, now="2099-01-01")
    assert report["shortlived"]["deleted"] > 0
    for who in (CUSTOMS, LEAD):  # answered as a package one may not release: it does not exist for them
        with pytest.raises(NotFound):
            open_dissemination(world, who, purged_case, purged["id"])
    assert open_dissemination(world, CUSTOMS, kept_case, kept["id"])[0]["id"] == kept["id"]
    assert report["shortlived"]["withdrawn_packages"] == 1 and "police" not in report

    (withdrawn,) = [e for e in custody_log(world, Viewer("o", "POLICE", frozenset({"oversight"}), S),
                                           purged_case) if e["action"] == "withdrawn"]
    assert withdrawn["dissemination_id"] == purged["id"] and withdrawn["username"] == "admin"
    assert "retention run as of 2099-01-01" in withdrawn["detail"] and withdrawn["sha256"] == purged["sha256"]
    with world.engine.connect() as conn:
        (record,) = conn.execute(select(audit_log.c.query).where(audit_log.c.action == "retention.run")).scalars()
    assert orjson.loads(record)["withdrawn_disseminations"] == [purged["id"]]
    assert retention_reports(world, ADMIN)[0]["report"]["shortlived"]["withdrawn_packages"] == 1
    assert run_retention(world, ADMIN, now="2099-01-01") == {}  # withdrawn once
