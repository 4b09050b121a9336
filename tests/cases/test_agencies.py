"""A case's team member and a package's recipient must be a known agency: one an administrator registered (a
foreign partner with no users here), or one users, sources or a source's releasability name; a typo is refused
naming the field and the code, with the close known code (both databases)."""

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import Conflict, Forbidden, InvalidInput
from nexus.model.labels import Labels
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.service.agencies import list_agencies, register_agency
from nexus.service.cases import add_agency, disseminate, get_case, list_cases, open_case
from nexus.store.schema import audit_log, custody_events, disseminations

from .conftest import CUSTOMS, LEAD, R, S

ADMIN = Viewer("admin", "POLICE", frozenset({"administrator"}), S)
runner = CliRunner()


def test_a_mistyped_team_member_is_refused_with_the_close_known_code(world):
    case_id = open_case(world, LEAD, "Port case", agencies=["CUSTOMS"])["id"]
    with pytest.raises(InvalidInput) as refused:
        add_agency(world, LEAD, case_id, "CUSTMS")
    assert refused.value.field == "agency"
    assert refused.value.message == "CUSTMS is not a known agency; did you mean CUSTOMS?"
    assert get_case(world, LEAD, case_id)["agencies"] == ["POLICE", "CUSTOMS"]
    with pytest.raises(InvalidInput, match="MARS-AGENCY is not a known agency; an administrator registers") as refused:
        open_case(world, LEAD, "Joint case", agencies=["CUSTOMS", "MARS-AGENCY"])
    assert refused.value.field == "agencies"
    assert [c["title"] for c in list_cases(world, LEAD)] == ["Port case"]  # nothing opened


def test_a_package_for_an_unknown_agency_is_refused_and_none_is_made(world):
    case_id = open_case(world, LEAD, "Acme", agencies=["CUSTOMS"], entity_ids=["p-karim"])["id"]
    with pytest.raises(InvalidInput, match="MARS-AGENCY is not a known agency") as refused:
        disseminate(world, LEAD, case_id, "MARS-AGENCY")
    assert refused.value.field == "recipient"
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(disseminations)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(custody_events)).scalar() == 0
    assert disseminate(world, LEAD, case_id, "customs")["recipient"] == "CUSTOMS"


def test_a_registered_partner_with_no_users_joins_teams_and_receives_packages(world):
    users.ensure_user(world, ADMIN.user, agency=ADMIN.agency, roles=ADMIN.roles, clearance=ADMIN.clearance)
    case_id = open_case(world, LEAD, "Wire transfers", "shared with the Dutch FIU")["id"]
    with pytest.raises(InvalidInput, match="FIU-NL is not a known agency"):
        disseminate(world, LEAD, case_id, "FIU-NL")
    registered = register_agency(world, ADMIN, " fiu-nl ", "Financial Intelligence Unit of the Netherlands")
    assert registered["code"] == "FIU-NL" and registered["registered_by"] == "admin"
    assert add_agency(world, LEAD, case_id, "FIU-NL")["agencies"] == ["POLICE", "FIU-NL"]
    assert disseminate(world, LEAD, case_id, "FIU-NL")["recipient"] == "FIU-NL"
    with world.engine.connect() as conn:
        (record,) = conn.execute(select(audit_log.c.query, audit_log.c.username)
                                 .where(audit_log.c.action == "agencies.add")).all()
    assert json.loads(record.query) == {"agency": "FIU-NL", "name": "Financial Intelligence Unit of the Netherlands"}
    assert record.username == "admin"


def test_only_an_administrator_registers_an_agency_and_each_code_once(world):
    with pytest.raises(Forbidden):
        register_agency(world, LEAD, "FIU-NL", "Dutch FIU")
    register_agency(world, ADMIN, "FIU-NL", "Dutch FIU")
    with pytest.raises(Conflict, match="FIU-NL is registered already"):
        register_agency(world, ADMIN, "fiu-nl", "Dutch FIU again")
    with pytest.raises(InvalidInput) as bad:
        register_agency(world, ADMIN, "*", "any agency")
    assert bad.value.field == "code"
    with pytest.raises(InvalidInput) as unnamed:
        register_agency(world, ADMIN, "FIU-BE", " ")
    assert unnamed.value.field == "name"


def test_agencies_are_known_from_the_registry_users_and_sources(world):
    world.register_source("partner", "ftm", Labels("INTEL", R, releasable_to=("INTEL", "LIAISON")))
    register_agency(world, ADMIN, "FIU-NL", "Dutch FIU")
    register_agency(world, ADMIN, "CUSTOMS", "HM Customs")
    known = {a["code"]: a for a in list_agencies(world, ADMIN)}
    assert set(known) == {"CUSTOMS", "FIU", "FIU-NL", "INTEL", "POLICE"}
    assert known["FIU-NL"]["known_from"] == ["registered"] and known["FIU-NL"]["name"] == "Dutch FIU"
    assert known["CUSTOMS"]["known_from"] == ["registered", "users"] and known["INTEL"]["known_from"] == ["users", "sources"]
    # a reader is not told who registered an agency, nor the agencies known only from sources
    shown = {a["code"]: a for a in list_agencies(world, CUSTOMS)}
    assert shown["FIU-NL"]["registered_by"] is None and all(a["known_from"] != ["sources"] for a in shown.values())
    # a code a source's data is releasable to is no agency: anyone who loads data writes that list
    with pytest.raises(InvalidInput, match="LIAISON is not a known agency"):
        add_agency(world, LEAD, open_case(world, LEAD, "x")["id"], "LIAISON")


def test_nexus_agencies_add_and_list(workspace):
    def nexus(*args: str):
        return runner.invoke(app, list(args))

    assert "agency FIU-NL registered: Dutch FIU" in nexus("agencies", "add", "fiu-nl", "--name", "Dutch FIU").output
    assert "FIU-NL is registered already" in str(nexus("agencies", "add", "FIU-NL", "--name", "again").exception)
    listed = [json.loads(line) for line in nexus("agencies", "list", "--json").output.splitlines()]
    assert [(a["code"], a["known_from"]) for a in listed] == [("FIU-NL", ["registered"]), ("LOCAL", ["users"])]
    refused = nexus("cases", "open", "Port case", "--agency", "FIU-N")
    assert str(refused.exception) == "agencies: FIU-N is not a known agency; did you mean FIU-NL?"
