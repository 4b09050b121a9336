"""Disseminating a case to another agency: one package (reports, FtM entities, evidence files, manifest), for a
known agency only (`service.agencies`: a typo names nobody).

A release: it needs the export role, and it is refused whole, naming what blocks it, when
anything it would hold is ORCON (whoever asks: the originating agency lifts the caveat first,
an audited act of its own) or not releasable to the recipient (the statements of the case's
entities the viewer reads, and its evidence files the viewer sees), and when someone outside
the owning agency would release the case's own words (title, summary, notes). Each refusal is
in the audit trail. A case opened from an alert citing ledger transactions (an FIU's typology, rule, model or nexus
alert) that the viewer may see carries those transactions as FtM Payments with the BankAccounts they name
(`service.alert_export`) and the alert's explanation as the first note of its report; each transaction and each
piece of evidence the explanation rests on is an item of the package under the same release rules, and an
account's holder is named on a Payment only where the Ownership saying so may go too. The package is stored by
its SHA-256 under
NEXUS_HOME/disseminations and listed in `disseminations` with every item it holds and their
labels, so only those who may release all of it fetch it again. Each package and each
evidence file in it is a custody event, in the transaction of the audit record.
"""

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import ColumnElement, Connection, Select, exists, insert, not_, select

from nexus.cases import fields, release
from nexus.cases.fields import DISSEMINATED, EXPORTED
from nexus.cases.files import ContentStore, Tampered
from nexus.config import load_settings
from nexus.errors import NotFound
from nexus.service.agencies import require_known_agencies
from nexus.service.alert_export import (
    TRANSACTION, Holding, alert_words, cited_ids, cited_transactions, holdings, payments, row_accounts,
)
from nexus.service.alerts import get_alert
from nexus.model.alerts import AlertLabels
from nexus.model.labels import Labels
from nexus.security import audit
from nexus.security.policy import AccessDenied, require
from nexus.security.viewer import Viewer
from nexus.service.case_access import (
    D, DI, case_statements, check_id, chunks, dissemination_summary, package_clause, team, visible_case,
)
from nexus.service.entities import group_entities
from nexus.service.evidence import evidence_files, record_custody, refuse_tampered, visible_evidence
from nexus.share import EvidenceFile, Markings, Package, write_package
from nexus.store import Store, utc_now
from nexus.store.schema import case_notes, custody_events, dissemination_items, disseminations

__all__ = ["ReleaseRefused", "disseminate", "open_dissemination", "withdraw", "withdraw_holding", "withdrawals",
           "withdrawn_clause"]

SHOWN_BLOCKERS = 10
WITHDRAWN = "withdrawn"  # a custody event: the package may no longer be fetched (its data was purged)
K = custody_events.c


class ReleaseRefused(AccessDenied):
    """Something the package would hold may not go to its recipient."""


def disseminate(store: Store, viewer: Viewer, case_id: int, recipient_agency: str) -> dict:
    """Build, store and record the case's package for ``recipient_agency``; its id, SHA-256, path and filename."""
    require(viewer, "export")
    recipient = fields.agency(recipient_agency, "recipient_agency")
    with store.engine.connect() as conn:
        case = visible_case(conn, viewer, case_id)
        require_known_agencies(conn, [recipient], "recipient")
        members = team(conn, case)
        rows = case_statements(conn, viewer, case_id)
        evidence = visible_evidence(conn, viewer, case_id)
        notes = conn.execute(select(case_notes).where(case_notes.c.case_id == case_id)
                             .order_by(case_notes.c.id)).mappings().all()
    items = [release.Item(f"entity {r.canonical_id} (source {r.source})", Labels.from_row(r._mapping)) for r in rows]
    items += [release.Item(f"evidence {e['id']} ({e['filename']})", Labels.from_row(e)) for e in evidence]
    items.append(release.Item(f"the case's title, summary and {len(notes)} note(s)", Labels(case["owner_agency"]),
                              own_words=True))
    alert, transactions, owned = _alert_payments(store, viewer, case, recipient)
    if alert is not None:
        items += [release.Item(f"transaction {t['id']} (source {t['source']}) cited by alert {alert['id']}",
                               Labels.from_row(t)) for t in transactions]
        items += [release.Item(f"alert {alert['id']}'s evidence {e['ref_kind']} {e['ref_id']}", Labels.from_row(e))
                  for e in alert["evidence"] if e["ref_kind"] != TRANSACTION]
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
                                      evidence_files().verified(e["sha256"]), Markings.of([Labels.from_row(e)])))
        except Tampered as error:
            raise refuse_tampered(store, viewer, case_id, error, e["sha256"], "cases.disseminate",
                                  evidence_id=e["id"]) from None
    labels = AlertLabels.combine([*(item.labels for item in items),
                                  *(label for h in owned for _, label in h.statements)])
    entities = list(group_entities(rows))
    held_ids = {e.id for e in entities}
    entities += payments(transactions, owned)
    entities += [a for a in row_accounts(transactions) if a.id not in held_ids]
    marks = _entity_labels(rows, transactions, owned, held_ids)
    for entity in entities:  # each item carries its own caveats (in its context, which FtM writes into its JSON)
        entity.context["markings"] = Markings.of(marks.get(entity.id, ())).as_dict()
    explained = [{"at": alert["first_raised"], "author": f"alert {alert['id']} raised by {alert['raised_by']}",
                  "agency": ", ".join(sorted({e["agency"] for e in alert["evidence"]})), "text": alert_words(alert)}
                 ] if alert is not None else []
    package = Package(
        case=dict(case) | {"agencies": members}, recipient=recipient, issued_by=viewer.user,
        issuing_agency=viewer.agency, issued_at=utc_now(), purpose=viewer.purpose,
        classification=labels.classification, entities=entities,
        notes=explained + [dict(n) for n in notes], evidence=files,
        markings=Markings.of([*(item.labels for item in items), *(label for h in owned for _, label in h.statements)]),
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
        held |= {(TRANSACTION, t["id"]): Labels.from_row(t) for t in transactions}
        held |= {(e["ref_kind"], e["ref_id"]): Labels.from_row(e) for e in (alert or {}).get("evidence", ())
                 if e["ref_kind"] != TRANSACTION}
        held |= {("statement", sid): label for h in owned for sid, label in h.statements}
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
        } | ({"alert": alert["id"], "payments": len(transactions)} if alert is not None else {}),
            [str(case_id), *(e.id for e in package.entities)])
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
                                                          package_clause(viewer), not_(withdrawn_clause())
                                                          )).mappings().first()
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


def _alert_payments(store: Store, viewer: Viewer, case, recipient: str) -> tuple[dict | None, list[dict],
                                                                                list[Holding]]:
    """The alert the case was opened from, when it cites ledger transactions and the viewer may see it (else
    None: for whoever may not, it is absent); the transactions of it the viewer sees; and who holds their accounts,
    as far as the Ownerships saying so may go to ``recipient`` (a holder whose may not is left off the Payment,
    not a reason to refuse the package)."""
    if case["alert_id"] is None:
        return None, [], []
    try:
        alert = get_alert(store, viewer, case["alert_id"])
    except NotFound:
        return None, [], []
    if not cited_ids(alert):
        return None, [], []
    transactions = cited_transactions(store, viewer, load_settings().home, alert)
    owned = holdings(store, viewer, [t[f"{side}_account_id"] for t in transactions for side in ("from", "to")])
    releasable = [h for h in owned if not release.blockers(
        viewer, [release.Item(f"statement {sid}", label) for sid, label in h.statements], recipient)]
    return alert, transactions, releasable


def withdrawn_clause() -> ColumnElement[bool]:
    """Packages withdrawn (a `withdrawn` custody event): data they hold was purged under retention."""
    return exists(select(K.id).where(K.dissemination_id == D.id, K.action == WITHDRAWN))


def withdrawals(conn: Connection, ids: Iterable[int]) -> dict[int, dict]:
    """Of the packages ``ids``, those withdrawn: when, by whom and why (their `withdrawn` custody event)."""
    found = {}
    for chunk in chunks(sorted(set(ids))):
        for row in conn.execute(select(K.dissemination_id, K.at, K.username, K.detail)
                                .where(K.dissemination_id.in_(chunk), K.action == WITHDRAWN)).mappings():
            found[row["dissemination_id"]] = {"at": row["at"], "by": row["username"], "why": row["detail"]}
    return found


def withdraw(conn: Connection, viewer: Viewer, kind: str, ref_ids: Iterable[str], reason: str) -> list[int]:
    """Withdraw, in ``conn``'s transaction, the packages holding any item ``ref_ids`` of ``kind`` (statement,
    transaction): each one not withdrawn already gets a `withdrawn` custody event saying why, and is no longer
    fetched by anyone (`open_dissemination` answers as for a package they may not release). The ids withdrawn."""
    ids: set[int] = set()
    for chunk in chunks(sorted(set(ref_ids))):
        ids.update(conn.execute(select(DI.dissemination_id).where(DI.ref_kind == kind, DI.ref_id.in_(chunk))
                                .distinct()).scalars())
    return _withdraw(conn, viewer, ids, reason)


def withdraw_holding(conn: Connection, viewer: Viewer, held: Select, reason: str) -> list[int]:
    """`withdraw` for the packages holding any statement whose id ``held`` (a one-column select) gives: as SQL, so
    the statements about to be purged need not be read."""
    ids = conn.execute(select(DI.dissemination_id).where(DI.ref_kind == "statement", DI.ref_id.in_(held))
                       .distinct()).scalars().all()
    return _withdraw(conn, viewer, ids, reason)


def _withdraw(conn: Connection, viewer: Viewer, ids: Iterable[int], reason: str) -> list[int]:
    done = []
    for chunk in chunks(sorted(set(ids))):
        for row in conn.execute(select(D.id, D.case_id, D.sha256, D.filename, D.recipient_agency)
                                .where(D.id.in_(chunk), not_(withdrawn_clause())).order_by(D.id)).mappings():
            record_custody(conn, viewer, row["case_id"], WITHDRAWN, row["sha256"],
                           f"package {row['filename']} for {row['recipient_agency']} withdrawn: {reason}",
                           dissemination_id=row["id"])
            done.append(row["id"])
    return done


def _entity_labels(rows: list, transactions: list[dict], owned: list[Holding],
                   held_ids: set[str]) -> dict[str, list[Labels]]:
    """The labels each entity of the package rests on, by its id: an entity's statements; a Payment's transaction
    and the Ownerships naming its payer and beneficiary; an account the ledger alone names, the transactions
    naming it."""
    found: dict[str, list[Labels]] = {}
    for r in rows:
        found.setdefault(r.canonical_id, []).append(Labels.from_row(r._mapping))
    holders: dict[str, list[Labels]] = {}
    for h in owned:
        holders.setdefault(h.account_id, []).extend(label for _, label in h.statements)
    for t in transactions:
        labels = Labels.from_row(t)
        found.setdefault(t["id"], []).append(labels)
        for side in ("from", "to"):
            account = t[f"{side}_account_id"]
            found[t["id"]] += holders.get(account, [])
            if account not in held_ids:
                found.setdefault(account, []).append(labels)
    return found


def _labels_text(labels: Labels) -> str:
    return f"{labels.classification.name} of {labels.agency}, releasable to {labels.releasable_text}" \
        + (", ORCON" if labels.orcon else "") + (f", compartment {labels.compartment}" if labels.compartment else "") \
        + (f", warrant {labels.warrant}" if labels.warrant else "") \
        + (f", legal basis {labels.legal_basis}" if labels.legal_basis else "")
