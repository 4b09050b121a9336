"""Evidence files attached to cases, and their chain of custody.

The bytes are stored once by their SHA-256 under NEXUS_HOME/evidence and never overwritten;
each attachment is a row with the file's name, type, size, description and security labels,
which decide who sees it as a statement's do; only the agency that added a file lifts its ORCON
caveat (so that a dissemination package may carry it), with a reason. Every arrival, reading, release and refusal is
a custody event (append-only) written in the transaction of its audit record; a file whose
bytes no longer match their SHA-256 is refused, and the refusal recorded.
"""

from pathlib import Path

from sqlalchemy import Connection, insert, or_, select, update

from nexus.cases import fields
from nexus.cases.fields import ADDED, REFUSED, VIEWED
from nexus.cases.files import ContentStore, Tampered
from nexus.config import load_settings
from nexus.errors import Conflict, InvalidInput, NotFound
from nexus.model.labels import Classification, Labels
from nexus.security import audit
from nexus.security.policy import AccessDenied, may, require, statement_clause
from nexus.security.viewer import Viewer
from nexus.service.case_access import (
    EV, D, check_id, evidence_summary, open_for_changes, package_clause, team, touch, visible_case,
)
from nexus.store import Store, utc_now
from nexus.store.schema import case_evidence, cases, custody_events

__all__ = ["add_evidence", "custody_log", "lift_evidence_orcon", "open_evidence"]

K = custody_events.c


def evidence_files() -> ContentStore:
    return ContentStore(load_settings().evidence_dir)


def record_custody(conn: Connection, viewer: Viewer, case_id: int, action: str, sha256: str, detail: str = "",
                   evidence_id: int | None = None, dissemination_id: int | None = None) -> None:
    conn.execute(insert(custody_events).values(
        case_id=case_id, evidence_id=evidence_id, dissemination_id=dissemination_id, sha256=sha256, action=action,
        username=viewer.user, agency=viewer.agency, purpose=viewer.purpose, detail=detail, at=utc_now(),
    ))


def refuse_tampered(store: Store, viewer: Viewer, case_id: int, error: Tampered, sha256: str, audit_action: str,
                    evidence_id: int | None = None, dissemination_id: int | None = None) -> Tampered:
    """Record that a stored file was refused (custody and audit, one transaction); the error to raise."""
    with store.engine.begin() as conn:
        record_custody(conn, viewer, case_id, REFUSED, sha256, str(error), evidence_id, dissemination_id)
        audit.append(conn, viewer, audit_action, {"id": case_id, "evidence": evidence_id,
                                                  "dissemination": dissemination_id, "sha256": sha256,
                                                  "refused": str(error)}, [str(case_id)], outcome="refused")
    return error


def add_evidence(store: Store, viewer: Viewer, case_id: int, filename: str, data: bytes,
                 media_type: str = "application/octet-stream", description: str = "",
                 classification: str | int | None = None, releasable_to: str | list[str] | None = None,
                 orcon: bool = False) -> dict:
    """Attach a file to a case. Its labels are the viewer's agency's; the classification is RESTRICTED unless given
    (not above the viewer's clearance), and it is releasable to the case's team as it stands unless given."""
    require(viewer, "cases.manage")
    settings = load_settings()
    filename = fields.filename(filename)
    media_type = fields.media_type(media_type)
    description = fields.text("description", description, required=False)
    if not isinstance(data, bytes | bytearray | memoryview) or not len(data):
        raise InvalidInput("data: an evidence file must not be empty")
    if len(data) > settings.evidence_max_bytes:
        raise InvalidInput(f"data: {filename} is {len(data):,} bytes; evidence files are at most "
                           f"{settings.evidence_max_bytes:,} bytes (NEXUS_EVIDENCE_MAX_BYTES)")
    level = Classification.RESTRICTED if classification is None else _classification(classification)
    if level > viewer.clearance:
        raise InvalidInput(f"classification {level.name} is above your clearance ({viewer.clearance.name})")
    with store.engine.connect() as conn:
        case = visible_case(conn, viewer, case_id)
        open_for_changes(case)
        audience = fields.releasable(releasable_to) if releasable_to is not None else tuple(team(conn, case))
    labels = Labels(viewer.agency, level, audience, orcon=bool(orcon))
    sha256, _ = ContentStore(settings.evidence_dir).put(bytes(data))  # before the row: at worst an orphan file
    now = utc_now()
    with store.engine.begin() as conn:
        open_for_changes(visible_case(conn, viewer, case_id, lock=True))
        again = conn.execute(select(EV.id).where(EV.case_id == case_id, EV.sha256 == sha256,
                                                 statement_clause(viewer, case_evidence))).scalar()
        if again is not None:
            raise Conflict(f"case {case_id} holds this file already, as evidence {again}")
        evidence_id = conn.execute(insert(case_evidence).values(
            case_id=case_id, sha256=sha256, filename=filename, media_type=media_type, size=len(data),
            description=description, agency=labels.agency, classification=int(labels.classification),
            releasable_to=labels.releasable_text, compartment=None, orcon=labels.orcon, warrant=None,
            added_by=viewer.user, added_at=now,
        )).inserted_primary_key[0]
        # Whether another case (perhaps another agency's) holds the same bytes is not this case's to know.
        record_custody(conn, viewer, case_id, ADDED, sha256, f"{filename}, {len(data):,} bytes", evidence_id)
        touch(conn, case_id, now)
        audit.append(conn, viewer, "cases.evidence_add", {"id": case_id, "evidence": evidence_id, "filename": filename,
                                                          "sha256": sha256, "size": len(data)},
                     [str(case_id), str(evidence_id)])
        row = conn.execute(select(case_evidence).where(EV.id == evidence_id)).mappings().one()
    return evidence_summary(row)


def _classification(value: str | int) -> Classification:
    try:
        return Classification.parse(value)
    except ValueError:
        raise InvalidInput(f"classification {value!r} is not one of "
                           f"{', '.join(c.name for c in Classification)}") from None


def visible_evidence(conn: Connection, viewer: Viewer, case_id: int, action: str = "read") -> list:
    """The case's evidence rows the viewer may take ``action`` on."""
    query = select(case_evidence).where(EV.case_id == case_id, statement_clause(viewer, case_evidence, action))
    return conn.execute(query.order_by(EV.id)).mappings().all()


def lift_evidence_orcon(store: Store, viewer: Viewer, case_id: int, evidence_id: int, reason: str) -> dict:
    """Lift the ORCON caveat from a file the viewer's agency added: its release decision, with its reason, in the
    audit trail. A file without the caveat is left as it is."""
    require(viewer, "export")
    reason = fields.text("reason", reason, limit=fields.MAX_TITLE)
    with store.engine.begin() as conn:
        open_for_changes(visible_case(conn, viewer, case_id, lock=True))
        found = next((e for e in visible_evidence(conn, viewer, case_id) if e["id"] == evidence_id), None)
        if found is None:
            raise NotFound(f"no evidence {evidence_id} in case {case_id}")
        if found["agency"] != viewer.agency:
            raise AccessDenied(f"evidence {evidence_id} is {found['agency']}'s: only {found['agency']} may lift its "
                               f"ORCON caveat")
        if found["orcon"]:
            conn.execute(update(case_evidence).where(EV.id == evidence_id).values(orcon=False))
            touch(conn, case_id, utc_now())
            audit.append(conn, viewer, "cases.evidence_orcon", {"id": case_id, "evidence": evidence_id,
                                                                "orcon": False, "reason": reason},
                         [str(case_id), str(evidence_id)])
        row = conn.execute(select(case_evidence).where(EV.id == evidence_id)).mappings().one()
    return evidence_summary(row)


def open_evidence(store: Store, viewer: Viewer, case_id: int, evidence_id: int) -> tuple[dict, Path]:
    """An evidence file's metadata and its stored file, re-hashed first; the reading is a custody event."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        visible_case(conn, viewer, case_id)
        found = next((e for e in visible_evidence(conn, viewer, case_id) if e["id"] == evidence_id), None)
    if found is None:
        raise NotFound(f"no evidence {evidence_id} in case {case_id}")
    try:
        path = evidence_files().verified(found["sha256"])
    except Tampered as error:
        raise refuse_tampered(store, viewer, case_id, error, found["sha256"], "cases.evidence_read",
                              evidence_id=evidence_id) from None
    with store.engine.begin() as conn:
        record_custody(conn, viewer, case_id, VIEWED, found["sha256"], found["filename"], evidence_id)
        audit.append(conn, viewer, "cases.evidence_read", {"id": case_id, "evidence": evidence_id,
                                                           "sha256": found["sha256"]}, [str(case_id), str(evidence_id)])
    return evidence_summary(found), path


def custody_log(store: Store, viewer: Viewer, case_id: int) -> list[dict]:
    """The case's chain of custody, oldest first: to its team, the events about what they may see; to oversight,
    every event."""
    oversight = may(viewer, "audit.read")
    if not oversight:
        require(viewer, "read")
    query = (select(custody_events, EV.filename).outerjoin(case_evidence, EV.id == K.evidence_id)
             .where(K.case_id == case_id).order_by(K.id))
    with store.engine.connect() as conn:
        if oversight:
            check_id(case_id, f"case {case_id}")
            if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
                raise NotFound(f"no case {case_id}")
        else:
            visible_case(conn, viewer, case_id)
            query = query.where(
                or_(K.evidence_id.is_(None), K.evidence_id.in_(
                    select(EV.id).where(EV.case_id == case_id, statement_clause(viewer, case_evidence)))),
                or_(K.dissemination_id.is_(None), K.dissemination_id.in_(
                    select(D.id).where(D.case_id == case_id, package_clause(viewer, "read")))))
        rows = [dict(r) for r in conn.execute(query).mappings()]
    audit.log_event(store, viewer, "cases.custody", {"id": case_id, "events": len(rows)}, [str(case_id)])
    return rows
