"""A small world for cases: sources of three agencies that differ in releasability and ORCON, and the people
working a joint investigation (both databases; NEXUS_HOME in a temporary folder)."""

import orjson
import pytest

from nexus.ingest import ingest
from nexus.model.labels import Classification, Labels
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.sources import get_format

R, C, S = Classification.RESTRICTED, Classification.CONFIDENTIAL, Classification.SECRET


def person(entity_id: str, name: str) -> dict:
    return {"id": entity_id, "schema": "Person", "properties": {"name": [name], "nationality": ["sy"]}}


SOURCES = {
    # entity -> what decides whether it may go to CUSTOMS
    "police": (Labels("POLICE", R, releasable_to=("POLICE", "CUSTOMS")),
               [person("p-karim", "Karim Ahmed"), {"id": "c-acme", "schema": "Company",
                                                    "properties": {"name": ["Acme Trading"]}}]),
    "intel": (Labels("INTEL", C, releasable_to=("INTEL", "POLICE")), [person("p-sharif", "Sharif Partage")]),
    "intel_orcon": (Labels("INTEL", C, releasable_to=("*",), orcon=True), [person("p-olga", "Olga Orconova")]),
}


def viewer(user: str, agency: str, role: str, clearance: Classification = S) -> Viewer:
    return Viewer(user, agency, frozenset({role}), clearance)


LEAD = viewer("lead", "POLICE", "investigator")  # opens the cases
CHIEF = viewer("chief", "POLICE", "supervisor")
COLLEAGUE = viewer("colleague", "POLICE", "analyst")
CUSTOMS = viewer("customs", "CUSTOMS", "analyst")
INTEL = viewer("intel", "INTEL", "analyst")
OUTSIDER = viewer("fiu", "FIU", "analyst", Classification.TOP_SECRET)
TARGETER = viewer("targeter", "POLICE", "targeter")
OVERSIGHT = viewer("oversight", "POLICE", "oversight", Classification.TOP_SECRET)
PEOPLE = (LEAD, CHIEF, COLLEAGUE, CUSTOMS, INTEL, OUTSIDER, TARGETER, OVERSIGHT)


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    monkeypatch.setenv("NEXUS_HOME", str(folder))
    return folder


@pytest.fixture
def world(store, tmp_path, home):
    for name, (labels, entities) in SOURCES.items():
        path = tmp_path / f"{name}.ftm.json"
        path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
        store.register_source(name, "ftm", labels)
        assert not ingest(store, name, path, get_format("ftm").read(path)).errors
    for v in PEOPLE:
        users.ensure_user(store, v.user, agency=v.agency, roles=v.roles, clearance=v.clearance)
    return store
