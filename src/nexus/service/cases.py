"""Cases: joint investigations across agencies, with their entities, notes and tasks.

A case belongs to the agency of the person who opened it; the agencies of its joint
investigation team are its members. For a user of any other agency it does not exist
(NotFound, as for an id never used). What a member may not see of a case (an entity none
of whose statements they may read, evidence labelled above them, the alert it was opened
from) is absent, not counted: nothing tells them it exists. The title, summary and notes are
the team's shared words, shown to every member.
The opener and the owning agency's supervisors decide the team (known agencies only: `service.agencies`) and the
state; a closed case takes nothing new until it is re-opened. Every change is one transaction with its audit record.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from followthemoney import EntityProxy
from sqlalchemy import Connection, case as when, delete, func, insert, not_, or_, select, update
from sqlalchemy.engine import RowMapping

from nexus.cases import fields
from nexus.cases.fields import MAX_TITLE, OPEN, STATES
from nexus.errors import InvalidInput, NotFound
from nexus.security import audit
from nexus.security.policy import require, statement_clause
from nexus.security.viewer import Viewer
from nexus.service.agencies import require_known_agencies
from nexus.service.alerts import get_alert, visible_alert_ids
from nexus.service.case_access import (
    CA, C, D, EV, canonical_ids, case_entity_ids, case_statements, check_id, chunks, dissemination_summary,
    evidence_summary, member_clause, open_for_changes, package_clause, require_lead, team, touch, visible_case,
)
from nexus.service.dissemination import disseminate, open_dissemination, withdrawals, withdrawn_clause
from nexus.service.entities import S, canonical_query, get_entity, group_entities, live
from nexus.service.evidence import add_evidence, custody_log, lift_evidence_orcon, open_evidence, visible_evidence
from nexus.store import Store, utc_now
from nexus.store.schema import (
    case_agencies, case_entities, case_evidence, case_notes, case_tasks, cases, disseminations, statements,
)
from nexus.store.schema import users as accounts

# The whole case API, for the interfaces: evidence and dissemination live in their own modules.
__all__ = ["STATES", "add_agency", "add_case_entity", "add_evidence", "add_note", "add_task", "custody_log",
           "disseminate", "get_case", "lift_evidence_orcon", "list_cases", "open_case", "open_dissemination",
           "open_evidence", "remove_agency", "set_case_state", "set_task_done"]

N, T = case_notes.c, case_tasks.c
MAX_PAGE = 5000


def _visible_canonical(conn: Connection, viewer: Viewer, canonical: Iterable[str]) -> set[str]:
    found = set()
    for chunk in chunks(sorted(set(canonical))):
        found.update(conn.execute(select(S.canonical_id).where(
            S.canonical_id.in_(chunk), live(), statement_clause(viewer, statements)).distinct()).scalars())
    return found


def _entity_ref(store: Store, viewer: Viewer, entity_id: str) -> tuple[str, EntityProxy] | None:
    """(a source id of the entity whose statements the viewer may read, the entity), or None when they may not
    see it. The source id stays the entity's across re-resolution; the canonical id may not."""
    view = get_entity(store, viewer, entity_id)
    if view is None:
        return None
    with store.engine.connect() as conn:
        ids = conn.execute(select(S.entity_id).where(S.canonical_id == view.entity.id, live(),
                                                     statement_clause(viewer, statements)).distinct()).scalars().all()
    return (entity_id if entity_id in ids else min(ids)), view.entity


def _entity_summary(entity: EntityProxy) -> dict:
    return {"id": entity.id, "caption": entity.caption, "schema": entity.schema.name}


# -- opening and listing ------------------------------------------------------------------------

def open_case(store: Store, viewer: Viewer, title: str, summary: str = "", agencies: Iterable[str] = (),
              alert_id: int | None = None, entity_ids: Iterable[str] = ()) -> dict:
    """Open a case of the viewer's agency, with a team of other agencies, from an alert (the entities it
    cites) and/or entities; every entity named must be one the viewer may see."""
    require(viewer, "cases.manage")
    title = fields.text("title", title, limit=MAX_TITLE)
    summary = fields.text("summary", summary, required=False)
    members = sorted({fields.agency(a, "agencies") for a in agencies} - {viewer.agency})
    refs: dict[str, EntityProxy] = {}
    for entity_id in dict.fromkeys(entity_ids):
        ref = _entity_ref(store, viewer, fields.text("entity_ids", entity_id, limit=255))
        if ref is None:
            raise NotFound(f"no entity {entity_id}")
        refs.setdefault(*ref)
    if alert_id is not None:
        cited = get_alert(store, viewer, alert_id)["evidence"]  # NotFound unless the viewer may see all of it
        for entity_id in dict.fromkeys(e["entity_id"] for e in cited if e["entity_id"]):
            ref = _entity_ref(store, viewer, entity_id)
            if ref is not None:  # retired since the alert was raised
                refs.setdefault(*ref)
    now = utc_now()
    with store.engine.begin() as conn:
        require_known_agencies(conn, members, "agencies")
        case_id = conn.execute(insert(cases).values(
            title=title, summary=summary, state=OPEN, owner_agency=viewer.agency, alert_id=alert_id,
            created_by=viewer.user, created_at=now, updated_at=now,
        )).inserted_primary_key[0]
        if members:
            conn.execute(insert(case_agencies), [{"case_id": case_id, "agency": a, "added_by": viewer.user,
                                                  "added_at": now} for a in members])
        if refs:
            conn.execute(insert(case_entities), [{"case_id": case_id, "entity_id": e, "added_by": viewer.user,
                                                  "added_at": now} for e in refs])
        audit.append(conn, viewer, "cases.open", {"id": case_id, "title": title, "agencies": members,
                                                  "alert": alert_id, "entities": sorted(refs)}, [str(case_id)])
        found = visible_case(conn, viewer, case_id)
        on_team = team(conn, found)
    return _summary(store, viewer, [found], {case_id: on_team})[0] \
        | {"entities": [_entity_summary(e) for e in refs.values()]}


def list_cases(store: Store, viewer: Viewer, state: str | None = None, limit: int = 50, offset: int = 0,
               entity_id: str | None = None) -> list[dict]:
    """The cases the viewer's agency is on (those holding `entity_id`, by any of its records, when given), most
    recently changed first, with counts of what the viewer sees."""
    require(viewer, "read")
    if state is not None:
        fields.state(state)
    if not 0 < limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, not {offset}")
    query = select(cases).where(member_clause(viewer))
    if state:
        query = query.where(C.state == state)
    if entity_id:  # an entity the viewer may not see is in no case of theirs
        canonical = canonical_query(viewer, entity_id)
        records = select(S.entity_id).where(or_(S.canonical_id == canonical, S.canonical_id == entity_id), live(),
                                            statement_clause(viewer, statements))
        query = query.where(C.id.in_(select(case_entities.c.case_id).where(case_entities.c.entity_id.in_(records))))
    query = query.order_by(C.updated_at.desc(), C.id.desc()).limit(limit).offset(offset)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        ids = [r["id"] for r in rows]
        teams = _teams(conn, rows)
        counts = _counts(conn, viewer, ids)
    result = [shown | {"counts": counts[shown["id"]]} for shown in _summary(store, viewer, rows, teams)]
    audit.log_event(store, viewer, "cases.list", {"state": state, "entity": entity_id, "limit": limit, "offset": offset},
                    [str(i) for i in ids])
    return result


def get_case(store: Store, viewer: Viewer, case_id: int) -> dict:
    """One case as the viewer may see it: entities, notes, tasks, evidence, disseminations (those withdrawn apart, with
    when and why: they are fetched no more); what they may not see is absent."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        found = visible_case(conn, viewer, case_id)
        entities = list(group_entities(case_statements(conn, viewer, case_id)))
        notes = conn.execute(select(case_notes).where(N.case_id == case_id).order_by(N.id)).mappings().all()
        tasks = conn.execute(select(case_tasks).where(T.case_id == case_id).order_by(T.id)).mappings().all()
        evidence = visible_evidence(conn, viewer, case_id)
        packages = conn.execute(select(disseminations).where(D.case_id == case_id, package_clause(viewer, "read"))
                                .order_by(D.id)).mappings().all()
        withdrawn = withdrawals(conn, [p["id"] for p in packages])
        members = team(conn, found)
    audit.log_event(store, viewer, "cases.read", {"id": case_id}, [str(case_id), *sorted(e.id for e in entities)])
    return _summary(store, viewer, [found], {case_id: members})[0] | {
        "entities": sorted((_entity_summary(e) for e in entities), key=lambda e: (e["caption"].casefold(), e["id"])),
        "notes": [_note(n) for n in notes],
        "tasks": [_task(t) for t in tasks],
        "evidence": [evidence_summary(e) for e in evidence],
        "disseminations": [dissemination_summary(p) for p in packages if p["id"] not in withdrawn],
        "withdrawn_disseminations": [dissemination_summary(p) | {"withdrawn": withdrawn[p["id"]]} for p in packages
                                     if p["id"] in withdrawn],
        "counts": {"entities": len(entities), "notes": len(notes), "tasks": len(tasks),
                   "open_tasks": sum(not t["done"] for t in tasks), "evidence": len(evidence),
                   "disseminations": len(packages) - len(withdrawn), "withdrawn_disseminations": len(withdrawn)},
    }


def _teams(conn: Connection, rows: list[RowMapping]) -> dict[int, list[str]]:
    members = defaultdict(list)
    for chunk in chunks([r["id"] for r in rows]):
        for case_id, agency in conn.execute(select(CA.case_id, CA.agency).where(CA.case_id.in_(chunk))
                                            .order_by(CA.agency)):
            members[case_id].append(agency)
    return {r["id"]: [r["owner_agency"], *(a for a in members[r["id"]] if a != r["owner_agency"])] for r in rows}


def _counts(conn: Connection, viewer: Viewer, ids: list[int]) -> dict[int, dict]:
    counts = {i: {"entities": 0, "notes": 0, "tasks": 0, "open_tasks": 0, "evidence": 0, "disseminations": 0,
                  "withdrawn_disseminations": 0} for i in ids}
    if not ids:
        return counts
    stored = case_entity_ids(conn, ids)
    mapped = canonical_ids(conn, viewer, [e for entities in stored.values() for e in entities])
    seen = _visible_canonical(conn, viewer, mapped.values())
    for case_id, entities in stored.items():
        counts[case_id]["entities"] = len({mapped[e] for e in entities if mapped.get(e) in seen})
    for name, query in (
        ("notes", select(N.case_id, func.count()).where(N.case_id.in_(ids)).group_by(N.case_id)),
        ("tasks", select(T.case_id, func.count()).where(T.case_id.in_(ids)).group_by(T.case_id)),
        ("open_tasks", select(T.case_id, func.sum(when((T.done, 0), else_=1))).where(T.case_id.in_(ids))
         .group_by(T.case_id)),
        ("evidence", select(EV.case_id, func.count()).where(EV.case_id.in_(ids), statement_clause(viewer, case_evidence))
         .group_by(EV.case_id)),
        ("disseminations", select(D.case_id, func.count()).where(D.case_id.in_(ids), package_clause(viewer, "read"),
                                                                 not_(withdrawn_clause())).group_by(D.case_id)),
        ("withdrawn_disseminations", select(D.case_id, func.count()).where(
            D.case_id.in_(ids), package_clause(viewer, "read"), withdrawn_clause()).group_by(D.case_id)),
    ):
        for case_id, count in conn.execute(query):
            counts[case_id][name] = int(count or 0)
    return counts


# -- changing a case ----------------------------------------------------------------------------

def add_case_entity(store: Store, viewer: Viewer, case_id: int, entity_id: str) -> dict:
    """Add an entity the viewer may see (by canonical or source id); adding it again changes nothing."""
    require(viewer, "cases.manage")
    with store.engine.connect() as conn:
        open_for_changes(visible_case(conn, viewer, case_id))
    ref = _entity_ref(store, viewer, fields.text("entity_id", entity_id, limit=255))
    if ref is None:
        raise NotFound(f"no entity {entity_id}")
    source_id, entity = ref
    with store.engine.begin() as conn:
        open_for_changes(visible_case(conn, viewer, case_id, lock=True))
        held = canonical_ids(conn, viewer, case_entity_ids(conn, [case_id])[case_id])
        added = entity.id not in held.values()
        if added:
            now = utc_now()
            conn.execute(insert(case_entities).values(case_id=case_id, entity_id=source_id, added_by=viewer.user,
                                                      added_at=now))
            touch(conn, case_id, now)
            audit.append(conn, viewer, "cases.entity", {"id": case_id, "entity": entity_id}, [str(case_id), entity.id])
    return _entity_summary(entity) | {"added": added}


def add_note(store: Store, viewer: Viewer, case_id: int, text: str) -> dict:
    require(viewer, "cases.manage")
    text = fields.text("text", text)
    now = utc_now()
    with store.engine.begin() as conn:
        open_for_changes(visible_case(conn, viewer, case_id, lock=True))
        note_id = conn.execute(insert(case_notes).values(case_id=case_id, text=text, author=viewer.user,
                                                         agency=viewer.agency, at=now)).inserted_primary_key[0]
        touch(conn, case_id, now)
        audit.append(conn, viewer, "cases.note", {"id": case_id, "note": note_id}, [str(case_id)])
        return _note(conn.execute(select(case_notes).where(N.id == note_id)).mappings().one())


def add_task(store: Store, viewer: Viewer, case_id: int, title: str, assignee: str | None = None,
             due: str | None = None) -> dict:
    """A task on the case, optionally for a user of an agency on its team, optionally due by a date."""
    require(viewer, "cases.manage")
    title = fields.text("title", title, limit=MAX_TITLE)
    due = fields.due_date(due)
    assignee = (assignee or "").strip() or None
    now = utc_now()
    with store.engine.begin() as conn:
        case = visible_case(conn, viewer, case_id, lock=True)
        open_for_changes(case)
        if assignee is not None:
            user = conn.execute(select(accounts).where(accounts.c.username == assignee)).mappings().first()
            if user is None or user["disabled"] or user["agency"] not in team(conn, case):
                raise InvalidInput(f"assignee {assignee!r} is not an active user of an agency on case {case_id}'s team")
        task_id = conn.execute(insert(case_tasks).values(
            case_id=case_id, title=title, assignee=assignee, due=due, done=False, created_by=viewer.user,
            created_at=now,
        )).inserted_primary_key[0]
        touch(conn, case_id, now)
        audit.append(conn, viewer, "cases.task", {"id": case_id, "task": task_id, "assignee": assignee, "due": due},
                     [str(case_id)])
        return _task(conn.execute(select(case_tasks).where(T.id == task_id)).mappings().one())


def set_task_done(store: Store, viewer: Viewer, case_id: int, task_id: int, done: bool) -> dict:
    require(viewer, "cases.manage")
    now = utc_now()
    with store.engine.begin() as conn:
        open_for_changes(visible_case(conn, viewer, case_id, lock=True))
        check_id(task_id, f"task {task_id} in case {case_id}")
        task = conn.execute(select(case_tasks).where(T.id == task_id, T.case_id == case_id)).mappings().first()
        if task is None:
            raise NotFound(f"no task {task_id} in case {case_id}")
        done = bool(done)
        conn.execute(update(case_tasks).where(T.id == task_id).values(
            done=done, done_by=viewer.user if done else None, done_at=now if done else None))
        touch(conn, case_id, now)
        audit.append(conn, viewer, "cases.task_done", {"id": case_id, "task": task_id, "done": done}, [str(case_id)])
        return _task(conn.execute(select(case_tasks).where(T.id == task_id)).mappings().one())


def add_agency(store: Store, viewer: Viewer, case_id: int, agency: str) -> dict:
    """Put an agency on the case's joint investigation team (the opener or a supervisor of the owning agency)."""
    return _change_team(store, viewer, case_id, fields.agency(agency), add=True)


def remove_agency(store: Store, viewer: Viewer, case_id: int, agency: str) -> dict:
    """Take an agency off the team; its users no longer see the case. The owning agency stays."""
    return _change_team(store, viewer, case_id, fields.agency(agency), add=False)


def _change_team(store: Store, viewer: Viewer, case_id: int, agency: str, add: bool) -> dict:
    require(viewer, "cases.manage")
    now = utc_now()
    with store.engine.begin() as conn:
        case = visible_case(conn, viewer, case_id, lock=True)
        require_lead(viewer, case)
        open_for_changes(case)
        members = team(conn, case)
        if not add and agency == case["owner_agency"]:
            raise InvalidInput(f"agency {agency} owns case {case_id} and stays on its team")
        if not add and agency not in members:
            raise InvalidInput(f"agency {agency} is not on case {case_id}'s team")
        if add and agency not in members:
            require_known_agencies(conn, [agency], "agency")
            conn.execute(insert(case_agencies).values(case_id=case_id, agency=agency, added_by=viewer.user,
                                                      added_at=now))
        elif not add:
            conn.execute(delete(case_agencies).where(CA.case_id == case_id, CA.agency == agency))
        changed = team(conn, case)
        if changed != members:
            touch(conn, case_id, now)
            audit.append(conn, viewer, "cases.team", {"id": case_id, "added" if add else "removed": agency,
                                                      "agencies": changed}, [str(case_id)])
    return {"id": case_id, "owner_agency": case["owner_agency"], "agencies": changed}


def set_case_state(store: Store, viewer: Viewer, case_id: int, state: str) -> dict:
    """Close or re-open a case (the opener or a supervisor of the owning agency)."""
    require(viewer, "cases.manage")
    state = fields.state(state)
    now = utc_now()
    with store.engine.begin() as conn:
        case = visible_case(conn, viewer, case_id, lock=True)
        require_lead(viewer, case)
        if case["state"] != state:
            conn.execute(update(cases).where(C.id == case_id).values(state=state, updated_at=now))
            audit.append(conn, viewer, "cases.state", {"id": case_id, "from": case["state"], "to": state},
                         [str(case_id)])
        found = visible_case(conn, viewer, case_id)
        members = team(conn, found)
    return _summary(store, viewer, [found], {case_id: members})[0]


# -- shapes returned --------------------------------------------------------------------------------

def _summary(store: Store, viewer: Viewer, rows: Sequence[RowMapping], teams: dict[int, list[str]]) -> list[dict]:
    """The cases' own fields and teams; the alert a case was opened from only to a viewer who may see that alert."""
    shown_alerts = visible_alert_ids(store, viewer, [r["alert_id"] for r in rows if r["alert_id"] is not None])
    return [{k: r[k] for k in ("id", "title", "summary", "state", "owner_agency", "created_by", "created_at",
                               "updated_at")}
            | {"alert_id": r["alert_id"] if r["alert_id"] in shown_alerts else None, "agencies": teams[r["id"]]}
            for r in rows]


def _note(row: RowMapping) -> dict:
    return {k: row[k] for k in ("id", "text", "author", "agency", "at")}


def _task(row: RowMapping) -> dict:
    return {k: row[k] for k in ("id", "title", "assignee", "due", "created_by", "created_at", "done_by", "done_at")} \
        | {"done": bool(row["done"])}
