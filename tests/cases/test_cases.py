"""Cases on both databases: the joint investigation team decides who knows a case exists; what a member may not
see of it is absent and counted; the opener or the owning agency's supervisor runs the team and the state."""

import pytest
from sqlalchemy import select

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.labels import Labels
from nexus.security.policy import AccessDenied
from nexus.service.alerts import Evidence, NewAlert, raise_alerts
from nexus.service.cases import (
    add_agency, add_case_entity, add_note, add_task, custody_log, get_case, list_cases, open_case, remove_agency,
    set_case_state, set_task_done,
)
from nexus.store.schema import audit_log, statements

from .conftest import CHIEF, COLLEAGUE, CUSTOMS, INTEL, LEAD, OUTSIDER, OVERSIGHT


def actions(store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def test_a_joint_case_is_visible_to_its_team_and_does_not_exist_for_anyone_else(world):
    case = open_case(world, LEAD, "Acme smuggling ring", "cigarettes via Acme", agencies=["customs"],
                     entity_ids=["p-karim"])
    assert case["owner_agency"] == "POLICE" and case["agencies"] == ["POLICE", "CUSTOMS"] and case["state"] == "open"
    assert case["created_by"] == "lead" and [e["id"] for e in case["entities"]] == ["p-karim"]
    for member in (LEAD, COLLEAGUE, CUSTOMS):
        assert [c["id"] for c in list_cases(world, member)] == [case["id"]]
        assert get_case(world, member, case["id"])["title"] == "Acme smuggling ring"
    assert list_cases(world, OUTSIDER) == [] and list_cases(world, INTEL) == []
    for attempt in (lambda v: get_case(world, v, case["id"]), lambda v: add_note(world, v, case["id"], "hello"),
                    lambda v: custody_log(world, v, case["id"]), lambda v: add_agency(world, v, case["id"], "FIU")):
        with pytest.raises(NotFound, match=f"no case {case['id']}"):
            attempt(OUTSIDER)
    with pytest.raises(NotFound):  # an id never used looks the same
        get_case(world, OUTSIDER, case["id"] + 1000)

    remove_agency(world, LEAD, case["id"], "CUSTOMS")
    with pytest.raises(NotFound):
        get_case(world, CUSTOMS, case["id"])
    assert add_agency(world, CHIEF, case["id"], "intel")["agencies"] == ["POLICE", "INTEL"]
    assert get_case(world, INTEL, case["id"])["id"] == case["id"]
    assert {"cases.open", "cases.read", "cases.list", "cases.team"} <= set(actions(world))


def test_only_the_opener_or_a_supervisor_of_the_owning_agency_changes_team_and_state(world):
    case_id = open_case(world, LEAD, "Joint case", agencies=["CUSTOMS"])["id"]
    for outsider in (COLLEAGUE, CUSTOMS):
        with pytest.raises(AccessDenied, match="opener"):
            add_agency(world, outsider, case_id, "INTEL")
        with pytest.raises(Forbidden):
            set_case_state(world, outsider, case_id, "closed")
    with pytest.raises(InvalidInput, match="owns"):
        remove_agency(world, LEAD, case_id, "POLICE")
    with pytest.raises(InvalidInput, match="not on"):
        remove_agency(world, LEAD, case_id, "INTEL")
    with pytest.raises(InvalidInput, match="agency"):
        add_agency(world, LEAD, case_id, "a,b")
    with pytest.raises(InvalidInput, match="agency"):
        add_agency(world, LEAD, case_id, "*")
    assert set_case_state(world, CHIEF, case_id, "closed")["state"] == "closed"
    assert [c["id"] for c in list_cases(world, LEAD, state="closed")] == [case_id]
    assert list_cases(world, LEAD, state="open") == []
    with pytest.raises(Conflict, match="closed"):
        add_note(world, CUSTOMS, case_id, "too late")
    with pytest.raises(InvalidInput, match="state"):
        set_case_state(world, LEAD, case_id, "archived")
    assert set_case_state(world, LEAD, case_id, "open")["state"] == "open"
    add_note(world, CUSTOMS, case_id, "on time")


def test_bad_input_names_its_field(world):
    with pytest.raises(InvalidInput, match="title"):
        open_case(world, LEAD, "  ")
    with pytest.raises(InvalidInput, match="agencies"):
        open_case(world, LEAD, "x", agencies=["bad agency"])
    with pytest.raises(NotFound, match="no entity p-nobody"):
        open_case(world, LEAD, "x", entity_ids=["p-nobody"])
    with pytest.raises(NotFound, match="no entity p-sharif"):  # INTEL's, not releasable to CUSTOMS
        open_case(world, CUSTOMS, "x", entity_ids=["p-sharif"])
    with pytest.raises(InvalidInput, match="state"):
        list_cases(world, LEAD, state="pending")
    with pytest.raises(InvalidInput, match="limit"):
        list_cases(world, LEAD, limit=0)
    with pytest.raises(Forbidden):
        open_case(world, OVERSIGHT, "x")  # not an intelligence role
    case_id = open_case(world, LEAD, "x")["id"]
    with pytest.raises(InvalidInput, match="due"):
        add_task(world, LEAD, case_id, "interview", due="next week")
    with pytest.raises(InvalidInput, match="assignee"):
        add_task(world, LEAD, case_id, "interview", assignee="intel")  # INTEL is not on the team
    with pytest.raises(InvalidInput, match="text"):
        add_note(world, LEAD, case_id, "")
    with pytest.raises(NotFound, match="task"):
        set_task_done(world, LEAD, case_id, 999, True)


def test_entities_notes_and_tasks_and_what_a_member_may_not_see(world):
    case_id = open_case(world, LEAD, "Sharif and Karim", agencies=["CUSTOMS"], entity_ids=["p-karim", "p-sharif"])["id"]
    assert add_case_entity(world, COLLEAGUE, case_id, "c-acme")["added"] is True
    assert add_case_entity(world, LEAD, case_id, "c-acme")["added"] is False
    with pytest.raises(NotFound, match="no entity"):
        add_case_entity(world, CUSTOMS, case_id, "p-sharif")
    note = add_note(world, CUSTOMS, case_id, "seen at the port")
    task = add_task(world, LEAD, case_id, "check the manifests", assignee="customs", due="2030-01-31")
    assert task == task | {"assignee": "customs", "due": "2030-01-31", "done": False}
    assert set_task_done(world, CUSTOMS, case_id, task["id"], True)["done_by"] == "customs"

    police = get_case(world, LEAD, case_id)
    assert [e["caption"] for e in police["entities"]] == ["Acme Trading", "Karim Ahmed", "Sharif Partage"]
    customs = get_case(world, CUSTOMS, case_id)
    assert [e["id"] for e in customs["entities"]] == ["c-acme", "p-karim"]  # p-sharif is absent ...
    assert "withheld" not in customs  # ... and not counted
    assert customs["notes"] == [note] and customs["tasks"][0]["done"] is True
    assert customs["counts"] == customs["counts"] | {"entities": 2, "notes": 1, "tasks": 1, "open_tasks": 0}
    (listed,) = list_cases(world, CUSTOMS)
    assert listed["counts"]["entities"] == 2 and list_cases(world, LEAD)[0]["counts"]["entities"] == 3
    assert {"cases.entity", "cases.note", "cases.task", "cases.task_done"} <= set(actions(world))


def test_a_case_opened_from_an_alert_takes_the_entities_it_cites(world):
    with world.engine.connect() as conn:
        cited = conn.execute(select(statements).where(statements.c.entity_id.in_(["p-karim", "c-acme"]))).mappings().all()
    alert = NewAlert("nexus", "nexus/p-karim:c-acme", "f1", "Karim runs Acme", 0.9, {"why": "director"},
                     tuple(Evidence("statement", s["id"], s["entity_id"], Labels.from_row(s)) for s in cited))
    ((alert_id, _),) = raise_alerts(world, LEAD, [alert], "read").values()
    case = open_case(world, LEAD, "From the alert", alert_id=alert_id)
    assert case["alert_id"] == alert_id and sorted(e["id"] for e in case["entities"]) == ["c-acme", "p-karim"]
    with pytest.raises(NotFound):
        open_case(world, OUTSIDER, "not theirs", alert_id=alert_id)
