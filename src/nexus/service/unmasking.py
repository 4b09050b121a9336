"""Unmasking depersonalised data: asked for with a reason, approved by a second, authorised person,
shown only to the person who asked, for a limited time; every step audited."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, union, update

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.retention import unpack_alert
from nexus.security import audit
from nexus.security.policy import may, require, statement_clause
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now, utc_stamp
from nexus.service.alerts import visible_alert_ids
from nexus.service.case_access import chunks
from nexus.store.schema import (
    alert_evidence, alert_reviews, masked_alerts, masked_statements, statements, unmask_requests,
)

U, M = unmask_requests.c, masked_statements.c
#: What masking takes with a person, held by entities of their own: their documents (whose holder they are) and the
#: cards they paid with (an Ownership's asset, they its owner). (property linking to the person, property onwards)
BELONGINGS = (("holder", None), ("owner", "asset"))
#: How long an approval lets its requester see the unmasked values.
APPROVAL_DAYS = 7


def request_unmask(store: Store, viewer: Viewer, entity_id: str, reason: str) -> int:
    require(viewer, "unmask.request")
    if not reason or not reason.strip():
        raise InvalidInput("an unmasking request needs its reason (the case, the threat, the legal ground)")
    with store.engine.begin() as conn:
        held = conn.execute(select(M.id).where(M.entity_id == entity_id,
                                               statement_clause(viewer, masked_statements, "read")).limit(1)).first()
        if held is None:
            raise NotFound(f"nothing masked about {entity_id} that you may see")
        request_id = conn.execute(insert(unmask_requests).values(
            entity_id=entity_id, requested_by=viewer.user, agency=viewer.agency, reason=reason.strip(),
            requested_at=utc_now(), state="pending")).inserted_primary_key[0]
        audit.append(conn, viewer, "unmask.request", {"entity_id": entity_id, "reason": reason}, [str(request_id)])
    return request_id


def decide_unmask(store: Store, viewer: Viewer, request_id: int, approve: bool, reason: str) -> dict:
    require(viewer, "unmask.approve")
    if not reason or not reason.strip():
        raise InvalidInput("a decision on unmasking needs its reason")
    with store.engine.begin() as conn:
        row = conn.execute(select(unmask_requests).where(U.id == request_id)).mappings().first()
        if row is None:
            raise NotFound(f"no unmasking request {request_id}")
        if row["requested_by"] == viewer.user:
            raise Forbidden("the person who asked to unmask may not approve it: a second person decides")
        if row["agency"] != viewer.agency and not viewer.has_role("oversight"):
            raise Forbidden(f"request {request_id} is {row['agency']}'s: decided within that agency, or by oversight")
        if row["state"] != "pending":
            raise Conflict(f"request {request_id} is already {row['state']}")
        expires = utc_stamp(datetime.now(UTC) + timedelta(days=APPROVAL_DAYS)) if approve else None
        values = dict(state="approved" if approve else "refused", decided_by=viewer.user, decided_at=utc_now(),
                      decision_reason=reason.strip(), expires_at=expires)
        conn.execute(update(unmask_requests).where(U.id == request_id).values(**values))
        audit.append(conn, viewer, "unmask.decide", {"request": request_id, **values}, [row["entity_id"]])
    return dict(row) | values


def list_unmask_requests(store: Store, viewer: Viewer, state: str | None = "pending") -> list[dict]:
    if not may(viewer, "unmask.approve"):
        require(viewer, "unmask.request")
    query = select(unmask_requests).order_by(U.id)
    if state:
        query = query.where(U.state == state)
    if not may(viewer, "unmask.approve"):
        query = query.where(U.requested_by == viewer.user)
    elif not viewer.has_role("oversight"):  # a supervisor decides their own agency's requests
        query = query.where(U.agency == viewer.agency)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    audit.log_event(store, viewer, "unmask.list", {"state": state}, [str(r["id"]) for r in rows])
    return rows


def unmasked(store: Store, viewer: Viewer, entity_id: str) -> dict[str, list[dict]]:
    """For the holder of an approved request: the masked statements about `entity_id` and its belongings (its
    documents, the cards it paid with) the viewer may see, and what masking took of the alerts about it (of alerts
    the viewer may see): their title and explanation, and their subject, score and the evidence that named what they
    matched."""
    require(viewer, "unmask.request")
    now = utc_now()
    with store.engine.connect() as conn:
        approved = conn.execute(select(U.id).where(
            U.entity_id == entity_id, U.requested_by == viewer.user, U.state == "approved", U.expires_at > now)).first()
    if approved is None:
        audit.log_event(store, viewer, "unmask.view", {"entity_id": entity_id}, [], outcome="denied")
        raise Forbidden(f"no approved unmasking request of yours for {entity_id} (nexus travel unmask request)")
    with store.engine.connect() as conn:
        about = [entity_id, *_belongings(conn, viewer, entity_id)]
        rows = [dict(r) for r in conn.execute(select(masked_statements).where(
            M.entity_id.in_(about), statement_clause(viewer, masked_statements, "read"))
            .order_by(M.entity_id != entity_id, M.entity_id, M.prop, M.value)).mappings()]
        citing = select(alert_evidence.c.alert_id).where(alert_evidence.c.entity_id == entity_id)
        texts = [_words(r) for r in conn.execute(select(masked_alerts).where(masked_alerts.c.alert_id.in_(citing))
                                                 .order_by(masked_alerts.c.alert_id)).mappings()]
        readable = _readable(conn, viewer, {e["ref_id"] for t in texts for e in t["evidence"]
                                            if e.get("ref_kind") == "statement"})
        texts = [_history(conn, t) if all(e["ref_id"] in readable for e in t["evidence"]
                                           if e.get("ref_kind") == "statement") else _withheld(t) for t in texts]
    shown = set(visible_alert_ids(store, viewer, [t["alert_id"] for t in texts]))
    texts = [t for t in texts if t["alert_id"] in shown]
    with store.engine.begin() as conn:
        audit.append(conn, viewer, "unmask.view", {"entity_id": entity_id, "request": approved.id},
                     [r["id"] for r in rows] + [f"alert:{t['alert_id']}" for t in texts])
    return {"statements": rows, "alerts": texts}


def _readable(conn: Connection, viewer: Viewer, ids: set[str]) -> set[str]:
    """Of these statement ids, those the viewer may read now, live or masked (one retired or deleted is not)."""
    found: set[str] = set()
    for chunk in chunks(sorted(ids)):
        for table in (statements, masked_statements):
            found |= set(conn.execute(select(table.c.id).where(
                table.c.id.in_(chunk), table.c.retired_at.is_(None), statement_clause(viewer, table, "read"))).scalars())
    return found


def _history(conn: Connection, text: dict) -> dict:
    """What masking kept of an alert, with its reviews as they were written (masking kept their reasons)."""
    reasons = {int(k): v for k, v in (text.pop("reviews", None) or {}).items()}
    rows = conn.execute(select(alert_reviews).where(alert_reviews.c.alert_id == text["alert_id"])
                        .order_by(alert_reviews.c.id)).mappings()
    history = [{k: v for k, v in dict(r).items() if k != "alert_id"} | (
        {"reason": reasons[r["id"]]} if r["id"] in reasons else {}) for r in rows]
    return text | {"fingerprint": text.get("fingerprint"), "history": history}


def _withheld(text: dict) -> dict:
    """What masking kept of an alert whose match the viewer may no longer read (relabelled, compartmented, retired or
    deleted since): that it is withheld, none of its words."""
    return {"alert_id": text["alert_id"], "source": text["source"], "masked_at": text["masked_at"], "title": None,
            "explanation": None, "subject": None, "score": None, "fingerprint": None, "evidence": [], "history": [],
            "withheld": "what it matched is no longer yours to read"}


def _belongings(conn: Connection, viewer: Viewer, entity_id: str) -> list[str]:
    """The entities masked with the person `entity_id`, as the viewer may see them tied to it (`BELONGINGS`)."""
    found: set[str] = set()
    for link, onwards in BELONGINGS:
        tied = union(*(select(t.c.entity_id).where(t.c.prop == link, t.c.prop_type == "entity", t.c.value == entity_id,
                                                   statement_clause(viewer, t, "read"))
                       for t in (statements, masked_statements)))
        ids = set(conn.execute(tied).scalars())
        if onwards:
            ids = set(conn.execute(union(*(select(t.c.value).where(t.c.entity_id.in_(sorted(ids)), t.c.prop == onwards,
                                                                   statement_clause(viewer, t, "read"))
                                           for t in (statements, masked_statements)))).scalars()) if ids else set()
        found |= ids
    return sorted(found - {entity_id})


def _words(row) -> dict:
    """A `masked_alerts` row as unmasking shows it: what `retention.pack_alert` kept, unpacked."""
    return {k: v for k, v in dict(row).items() if k != "explanation"} | unpack_alert(row["explanation"])
