"""Who sees a case and who leads it, the case's entities as they stand, and the shapes of what is returned:
the ground `service.cases`, `service.evidence` and `service.dissemination` share."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, ColumnElement, exists, not_, or_, select, update
from sqlalchemy.engine import RowMapping

from nexus.cases.fields import CLOSED
from nexus.errors import Conflict, NotFound
from nexus.model.labels import Classification, Labels
from nexus.security.policy import AccessDenied, statement_clause
from nexus.security.viewer import Viewer
from nexus.service.entities import S, visible_statements
from nexus.store.schema import (
    case_agencies, case_entities, case_evidence, cases, dissemination_items, disseminations, statements,
)

C, CA, CE = cases.c, case_agencies.c, case_entities.c
EV, D, DI = case_evidence.c, disseminations.c, dissemination_items.c
CHUNK = 1000
LEAD_ROLE = "supervisor"
MAX_ID = 2**31 - 1  # the store's integer ids end here: a larger one names nothing


def member_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Cases of the viewer's agency or whose team it is on."""
    return or_(C.owner_agency == viewer.agency,
               exists(select(CA.case_id).where(CA.case_id == C.id, CA.agency == viewer.agency)))


def check_id(value: int, what: str) -> int:
    """An id as the tables hold them; any other value names nothing (NotFound, ``what`` saying what)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound(f"no {what}")
    return value


def visible_case(conn: Connection, viewer: Viewer, case_id: int, lock: bool = False) -> RowMapping:
    """The case row, when the viewer's agency is on its team; NotFound otherwise."""
    check_id(case_id, f"case {case_id}")
    query = select(cases).where(C.id == case_id, member_clause(viewer))
    found = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if found is None:
        raise NotFound(f"no case {case_id}")
    return found


def open_for_changes(case: RowMapping) -> None:
    if case["state"] == CLOSED:
        raise Conflict(f"case {case['id']} is closed: re-open it to change it")


def require_lead(viewer: Viewer, case: RowMapping) -> None:
    if viewer.user != case["created_by"] and not (viewer.agency == case["owner_agency"] and viewer.has_role(LEAD_ROLE)):
        raise AccessDenied(f"only case {case['id']}'s opener ({case['created_by']}) or a supervisor of "
                           f"{case['owner_agency']} may change its team or state")


def team(conn: Connection, case: RowMapping) -> list[str]:
    """The owning agency first, then the member agencies."""
    members = conn.execute(select(CA.agency).where(CA.case_id == case["id"]).order_by(CA.agency)).scalars()
    return [case["owner_agency"], *(a for a in members if a != case["owner_agency"])]


def touch(conn: Connection, case_id: int, now: str) -> None:
    conn.execute(update(cases).where(C.id == case_id).values(updated_at=now))


# -- entities: stored by a source id, shown under their current canonical id ------------------

def chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def canonical_ids(conn: Connection, viewer: Viewer, source_ids: Iterable[str]) -> dict[str, str]:
    """Source entity id -> its canonical id now (resolution may have moved it since), for the records the viewer
    may read: a record hidden from them must not lead them to the entity it was merged into."""
    found = {}
    for chunk in chunks(sorted(set(source_ids))):
        found.update(conn.execute(select(S.entity_id, S.canonical_id).where(
            S.entity_id.in_(chunk), S.retired_at.is_(None), statement_clause(viewer, statements)).distinct()).all())
    return found


def case_entity_ids(conn: Connection, case_ids: Iterable[int]) -> dict[int, list[str]]:
    found = defaultdict(list)
    for chunk in chunks(sorted(set(case_ids))):
        for case_id, entity_id in conn.execute(select(CE.case_id, CE.entity_id).where(CE.case_id.in_(chunk))):
            found[case_id].append(entity_id)
    return found


def case_statements(conn: Connection, viewer: Viewer, case_id: int) -> list:
    """The live statements the viewer may read of the case's entities, ordered by canonical id."""
    canonical = sorted(set(canonical_ids(conn, viewer, case_entity_ids(conn, [case_id])[case_id]).values()))
    rows = []
    for chunk in chunks(canonical):
        rows += conn.execute(visible_statements(viewer).where(S.canonical_id.in_(chunk))).all()
    return sorted(rows, key=lambda r: (r.canonical_id, r.prop, r.value, r.id))


def package_clause(viewer: Viewer, action: str = "export") -> ColumnElement[bool]:
    """Dissemination packages every item of which the viewer may take ``action`` on."""
    hidden = select(DI.dissemination_id).where(DI.dissemination_id == D.id,
                                               not_(statement_clause(viewer, dissemination_items, action)))
    return not_(exists(hidden))


def evidence_summary(row: RowMapping) -> dict:
    labels = Labels.from_row(row)
    return {k: row[k] for k in ("id", "case_id", "filename", "media_type", "size", "sha256", "description",
                                "added_by", "added_at")} | {"labels": label_summary(labels)}


def dissemination_summary(row: RowMapping) -> dict:
    return {k: row[k] for k in ("id", "case_id", "filename", "sha256", "size", "created_by", "agency", "purpose",
                                "created_at")} \
        | {"recipient": row["recipient_agency"], "classification": Classification(row["classification"]).name}


def label_summary(labels: Labels) -> dict:
    return {"agency": labels.agency, "classification": labels.classification.name,
            "releasable_to": list(labels.releasable_to), "orcon": labels.orcon}

