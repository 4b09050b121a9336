"""Disseminating a case to another agency: one package (reports, FtM entities, evidence files, manifest).

A release: it needs the export role, and it is refused whole, naming what blocks it, when
anything it would hold is ORCON (whoever asks: the originating agency lifts the caveat first,
an audited act of its own) or not releasable to the recipient (the statements of the case's
entities the viewer reads, and its evidence files the viewer sees), and when someone outside
the owning agency would release the case's own words (title, summary, notes). Each refusal is
in the audit trail. The package is stored by its SHA-256 under
NEXUS_HOME/disseminations and listed in `disseminations` with every item it holds and their
labels, so only those who may release all of it fetch it again. Each package and each
evidence file in it is a custody event, in the transaction of the audit record.
"""

from pathlib import Path

from sqlalchemy import insert, select

from nexus.cases import fields, release
from nexus.cases.fields import DISSEMINATED, EXPORTED
from nexus.cases.files import ContentStore, Tampered
from nexus.config import load_settings
from nexus.errors import NotFound
from nexus.model.alerts import AlertLabels
from nexus.model.labels import Labels
from nexus.security import audit
from nexus.security.policy import AccessDenied, require
from nexus.security.viewer import Viewer
from nexus.service.case_access import (
    D, case_statements, check_id, dissemination_summary, package_clause, team, visible_case,
)
from nexus.service.entities import group_entities
from nexus.service.evidence import evidence_files, record_custody, refuse_tampered, visible_evidence
from nexus.share import EvidenceFile, Package, write_package
from nexus.store import Store, utc_now
from nexus.store.schema import case_notes, dissemination_items, disseminations

__all__ = ["ReleaseRefused", "disseminate", "open_dissemination"]

SHOWN_BLOCKERS = 10


class ReleaseRefused(AccessDenied):
    """Something the package would hold may not go to its recipient."""


def disseminate(store: Store, viewer: Viewer, case_id: int, recipient_agency: str) -> dict:
    """Build, store and record the case's package for ``recipient_agency``; its id, SHA-256, path and filename."""
    require(viewer, "export")
    recipient = fields.agency(recipient_agency, "recipient_agency")
    with store.engine.connect() as conn:
        case = visible_case(conn, viewer, case_id)
        members = team(conn, case)
        rows = case_statements(conn, viewer, case_id)
        evidence = visible_evidence(conn, viewer, case_id)
        notes = conn.execute(select(case_notes).where(case_notes.c.case_id == case_id)
                             .order_by(case_notes.c.id)).mappings().all()
    items = [release.Item(f"entity {r.canonical_id} (source {r.source})", Labels.from_row(r._mapping)) for r in rows]
    items += [release.Item(f"evidence {e['id']} ({e['filename']})", Labels.from_row(e)) for e in evidence]
    items.append(release.Item(f"the case's title, summary and {len(notes)} note(s)", Labels(case["owner_agency"]),
                              own_words=True))
    blockers = release.blockers(viewer, items, recipient)
    if blockers:
        audit.log_event(store, viewer, "cases.disseminate", {"id": case_id, "recipient": recipient,
                                                             "refused": blockers[:SHOWN_BLOCKERS]},
                        [str(case_id)], outcome="refused")
        more = f"; and {len(blockers) - SHOWN_BLOCKERS} more" if len(blockers) > SHOWN_BLOCKERS else ""
        raise ReleaseRefused(f"case {case_id} may not be disseminated to {recipient}: "
                             + "; ".join(blockers[:SHOWN_BLOCKERS]) + more, audited=True)
    files = []
    for e in evidence:
        try:
            files.append(EvidenceFile(e["id"], e["filename"], e["media_type"], e["size"], e["sha256"],
                                      e["description"], _labels_text(Labels.from_row(e)),
                                      evidence_files().verified(e["sha256"])))
        except Tampered as error:
            raise refuse_tampered(store, viewer, case_id, error, e["sha256"], "cases.disseminate",
                                  evidence_id=e["id"]) from None
    labels = AlertLabels.combine(item.labels for item in items)
    package = Package(
        case=dict(case) | {"agencies": members}, recipient=recipient, issued_by=viewer.user,
        issuing_agency=viewer.agency, issued_at=utc_now(), purpose=viewer.purpose,
        classification=labels.classification, entities=list(group_entities(rows)),
        notes=[dict(n) for n in notes], evidence=files,
    )
    packages = ContentStore(load_settings().dissemination_dir)
    scratch = packages.scratch()
    try:
        with scratch.open("wb") as out:
            manifest = write_package(package, out)
        copied = {f["path"]: f["sha256"] for f in manifest["files"]}
        for file in files:
            if copied[file.member] != file.sha256:  # changed between its check and its copy
                error = Tampered(f"evidence {file.id} ({file.filename}) changed while it was packaged: refused")
                raise refuse_tampered(store, viewer, case_id, error, file.sha256, "cases.disseminate",
                                      evidence_id=file.id)
        size = scratch.stat().st_size
        sha256, _ = packages.adopt(scratch)
    finally:
        scratch.unlink(missing_ok=True)
    with store.engine.begin() as conn:
        visible_case(conn, viewer, case_id, lock=True)
        dissemination_id = conn.execute(insert(disseminations).values(
            case_id=case_id, recipient_agency=recipient, filename=package.filename, sha256=sha256, size=size,
            classification=int(labels.classification), created_by=viewer.user, agency=viewer.agency,
            purpose=viewer.purpose, created_at=package.issued_at,
        )).inserted_primary_key[0]
        held = {("statement", r.id): Labels.from_row(r._mapping) for r in rows}
        held |= {("evidence", str(e["id"])): Labels.from_row(e) for e in evidence}
        if held:
            conn.execute(insert(dissemination_items), [
                {"dissemination_id": dissemination_id, "ref_kind": kind, "ref_id": ref, "agency": l.agency,
                 "classification": int(l.classification), "releasable_to": l.releasable_text,
                 "compartment": l.compartment, "orcon": l.orcon, "warrant": l.warrant}
                for (kind, ref), l in held.items()])
        for file in files:
            record_custody(conn, viewer, case_id, DISSEMINATED, file.sha256,
                           f"to {recipient} in dissemination {dissemination_id}", file.id, dissemination_id)
        record_custody(conn, viewer, case_id, DISSEMINATED, sha256, f"package {package.filename} to {recipient}",
                       dissemination_id=dissemination_id)
        audit.append(conn, viewer, "cases.disseminate", {
            "id": case_id, "recipient": recipient, "dissemination": dissemination_id, "sha256": sha256,
            "entities": len(package.entities), "evidence": [f.id for f in files],
        }, [str(case_id), *(e.id for e in package.entities)])
        row = conn.execute(select(disseminations).where(D.id == dissemination_id)).mappings().one()
    return dissemination_summary(row) | {"path": str(packages.path(sha256))}


def open_dissemination(store: Store, viewer: Viewer, case_id: int, dissemination_id: int) -> tuple[dict, Path]:
    """A package's record and its stored file, re-hashed first; for those who may release all it holds.
    Fetching it is a custody event (exported)."""
    require(viewer, "export")
    check_id(dissemination_id, f"dissemination {dissemination_id} of case {case_id}")
    with store.engine.connect() as conn:
        visible_case(conn, viewer, case_id)
        found = conn.execute(select(disseminations).where(D.id == dissemination_id, D.case_id == case_id,
                                                          package_clause(viewer))).mappings().first()
    if found is None:
        raise NotFound(f"no dissemination {dissemination_id} of case {case_id}")
    packages = ContentStore(load_settings().dissemination_dir)
    try:
        path = packages.verified(found["sha256"])
    except Tampered as error:
        raise refuse_tampered(store, viewer, case_id, error, found["sha256"], "cases.dissemination_read",
                              dissemination_id=dissemination_id) from None
    with store.engine.begin() as conn:
        record_custody(conn, viewer, case_id, EXPORTED, found["sha256"],
                       f"package {found['filename']} for {found['recipient_agency']}", dissemination_id=dissemination_id)
        audit.append(conn, viewer, "cases.dissemination_read", {"id": case_id, "dissemination": dissemination_id,
                                                                "sha256": found["sha256"]}, [str(case_id)])
    return dissemination_summary(found) | {"path": str(path)}, path


def _labels_text(labels: Labels) -> str:
    return f"{labels.classification.name} of {labels.agency}, releasable to {labels.releasable_text}" \
        + (", ORCON" if labels.orcon else "")
