"""A package retention withdrew is fetched by no one: the case lists it apart, as withdrawn, with when, by whom and
why (its custody event), and counts it apart, so that nobody is offered a package that is not there (both
databases)."""

import orjson
import pytest

from nexus.errors import NotFound
from nexus.ingest import ingest
from nexus.model.labels import Classification, Labels
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.service.cases import custody_log, disseminate, get_case, list_cases, open_case, open_dissemination
from nexus.service.retention import run_retention
from nexus.sources import get_format

from .conftest import CUSTOMS, LEAD, R, person

ADMIN = Viewer("admin", "POLICE", frozenset({"administrator"}), Classification.TOP_SECRET)


@pytest.fixture
def withdrawn(world, tmp_path):
    """A case with two packages for CUSTOMS, the first of which holds data retention deleted: (case id, the
    withdrawn package, the one kept)."""
    users.ensure_user(world, ADMIN.user, agency=ADMIN.agency, roles=ADMIN.roles, clearance=ADMIN.clearance)
    path = tmp_path / "shortlived.ftm.json"
    path.write_bytes(orjson.dumps(person("p-brief", "Brief Moment")) + b"\n")
    world.register_source("shortlived", "ftm", Labels("POLICE", R, ("POLICE", "CUSTOMS")), retention_days=30)
    assert not ingest(world, "shortlived", path, get_format("ftm").read(path)).errors
    case_id = open_case(world, LEAD, "Brief", agencies=["CUSTOMS"], entity_ids=["p-brief", "p-karim"])["id"]
    gone = disseminate(world, LEAD, case_id, "CUSTOMS")
    run_retention(world, ADMIN, now="2099-01-01")
    kept = disseminate(world, LEAD, case_id, "CUSTOMS")  # after the run: only Karim
    return case_id, gone, kept


def test_a_withdrawn_package_is_listed_apart_with_when_and_why(world, withdrawn):
    case_id, gone, kept = withdrawn
    (event,) = [e for e in custody_log(world, LEAD, case_id) if e["action"] == "withdrawn"]
    for who in (LEAD, CUSTOMS):
        case = get_case(world, who, case_id)
        assert [d["id"] for d in case["disseminations"]] == [kept["id"]]
        (shown,) = case["withdrawn_disseminations"]
        assert shown["id"] == gone["id"] and shown["recipient"] == "CUSTOMS" and shown["sha256"] == gone["sha256"]
        assert shown["withdrawn"] == {"at": event["at"], "by": "admin", "why": event["detail"]}
        assert "retention run as of 2099-01-01" in shown["withdrawn"]["why"]
        assert case["counts"]["disseminations"] == 1 and case["counts"]["withdrawn_disseminations"] == 1
        with pytest.raises(NotFound):
            open_dissemination(world, who, case_id, gone["id"])
    (listed,) = list_cases(world, LEAD)
    assert listed["counts"]["disseminations"] == 1 and listed["counts"]["withdrawn_disseminations"] == 1
