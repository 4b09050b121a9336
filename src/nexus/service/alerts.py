"""The alert queue: every stage that raises something for a human raises it here; analysts review it.

A viewer sees an alert only when they may see every piece of evidence it cites (the
statement policy, applied to each evidence row's labels). Re-raising an alert with the
same key updates it and keeps its review state, so a confirmed or dismissed alert stays
so across re-runs until the data it rests on changes (a new fingerprint, a new alert).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, ColumnElement, and_, bindparam, delete, exists, func, insert, not_, or_, select, update

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.alerts import DISMISSED, OPEN, STATES, AlertLabels, alert_key, subject_agency
from nexus.model.labels import Classification, Labels
from nexus.security import audit
from nexus.security.policy import require, statement_clause
from nexus.security.viewer import Viewer
from nexus.service import alert_evidence as alert_evidence_statements
from nexus.service.entities import S, canonical_query, live
from nexus.store import Store, utc_now
from nexus.store.schema import alert_evidence, alert_reviews, alerts, statements

A, E, R = alerts.c, alert_evidence.c, alert_reviews.c
DECISIONS = tuple(s for s in STATES if s != OPEN) + (OPEN,)  # OPEN re-opens
CHUNK = 1000
LABEL_COLUMNS = ("agency", "classification", "releasable_to", "compartment", "orcon", "warrant")


@dataclass(frozen=True)
class Evidence:
    ref_kind: str  # "statement", "transaction" or "query" (an ad-hoc question, held as its asker's)
    ref_id: str
    entity_id: str | None
    labels: Labels


@dataclass(frozen=True)
class NewAlert:
    kind: str
    subject: str  # what the alert is about; with the fingerprint, its identity across runs
    fingerprint: str  # of the data it rests on
    title: str
    score: float | None
    explanation: dict
    evidence: tuple[Evidence, ...]

    @property
    def key(self) -> str:
        return alert_key(self.kind, self.subject, self.fingerprint)


def visible_clause(viewer: Viewer, action: str = "read") -> ColumnElement[bool]:
    """Alerts that cite evidence, all of which the viewer may read (or use for `action`)."""
    cites = select(E.alert_id).where(E.alert_id == A.id)
    hidden = cites.where(not_(statement_clause(viewer, alert_evidence, action)))
    return and_(exists(cites), not_(exists(hidden)))


def dismissed_keys(store: Store, viewer: Viewer, keys: Iterable[str], action: str = "read") -> set[str]:
    """Which of these alert keys an analyst dismissed in an alert the viewer may see (for
    suppressing re-raised hits): a decision hidden from the viewer does not hide their hit."""
    # Most hits were never dismissed: a plain lookup by key first (a statement built once), and the viewer's
    # visibility, a much larger query to build, only for the keys it finds.
    keys, dismissed = sorted(set(keys)), []
    with store.reader.connect() as conn:
        for start in range(0, len(keys), CHUNK):
            dismissed.extend(conn.execute(_DISMISSED_AMONG, {"keys": keys[start : start + CHUNK]}).scalars())
    return set(_visible_values(store, viewer, action, A.key, dismissed, A.state == DISMISSED)) if dismissed else set()


_DISMISSED_AMONG = select(A.key).where(A.key.in_(bindparam("keys", expanding=True)), A.state == DISMISSED)


def visible_alert_ids(store: Store, viewer: Viewer, ids: Iterable[int], action: str = "read") -> set[int]:
    """Which of these alerts the viewer may see (the evidence of, for `action`)."""
    return set(_visible_values(store, viewer, action, A.id, ids))


def _visible_values(store: Store, viewer: Viewer, action: str, column, values: Iterable, *conditions) -> list:
    values, found = sorted(set(values)), []
    with store.reader.connect() as conn:
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            query = select(column).where(column.in_(chunk), visible_clause(viewer, action), *conditions)
            found.extend(conn.execute(query).scalars())
    return found


def raise_alerts(store: Store, viewer: Viewer, new: Iterable[NewAlert], action: str) -> dict[str, tuple[int, str]]:
    """Insert new alerts, refresh re-raised ones (their state and history kept); key -> (id, state)."""
    require(viewer, action)
    new = list({a.key: a for a in new}.values())
    if not new:
        return {}
    for alert in new:
        if not alert.evidence:
            raise InvalidInput(f"alert {alert.title!r} cites no evidence")
    now = utc_now()
    with store.engine.begin() as conn:
        existing = _existing(conn, [a.key for a in new])
        fresh = [a for a in new if a.key not in existing]
        if fresh:
            conn.execute(insert(alerts), [
                _row(a, now, a.evidence) | {"state": OPEN, "raised_by": viewer.user, "first_raised": now} for a in fresh
            ])
            existing |= _existing(conn, [a.key for a in fresh])
        fresh_keys = {a.key for a in fresh}
        again = [a for a in new if a.key not in fresh_keys]
        cited = _cited(conn, [existing[a.key][0] for a in again])
        # A re-raised alert keeps citing what it cited before, so its labels never drop below
        # what earlier raisers saw; an item cited again takes its current labels.
        evidence = {a.key: list(({(e.ref_kind, e.ref_id): e for e in cited.get(existing[a.key][0], [])}
                                 | {(e.ref_kind, e.ref_id): e for e in a.evidence}).values()) for a in new}
        if again:
            conn.execute(update(alerts).where(A.key == bindparam("k")),
                         [_row(a, now, evidence[a.key]) | {"k": a.key} for a in again])
        ids = [existing[a.key][0] for a in again]
        for start in range(0, len(ids), CHUNK):
            conn.execute(delete(alert_evidence).where(E.alert_id.in_(ids[start : start + CHUNK])))
        conn.execute(insert(alert_evidence), [_evidence_row(existing[a.key][0], e) for a in new for e in evidence[a.key]])
        result = {a.key: existing[a.key] for a in new}
        audit.append(conn, viewer, "alerts.raise", {"kinds": sorted({a.kind for a in new}), "new": len(fresh),
                                                    "again": len(again)}, [str(i) for i, _ in result.values()])
    return result


def _cited(conn: Connection, ids: list[int]) -> dict[int, list[Evidence]]:
    found: dict[int, list[Evidence]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in conn.execute(select(alert_evidence).where(E.alert_id.in_(ids[start : start + CHUNK]))).mappings():
            found.setdefault(row["alert_id"], []).append(
                Evidence(row["ref_kind"], row["ref_id"], row["entity_id"], Labels.from_row(row)))
    return found


def _existing(conn: Connection, keys: list[str]) -> dict[str, tuple[int, str]]:
    found = {}
    for start in range(0, len(keys), CHUNK):
        rows = conn.execute(select(A.key, A.id, A.state).where(A.key.in_(keys[start : start + CHUNK])))
        found.update({key: (id_, state) for key, id_, state in rows})
    return found


def _row(alert: NewAlert, now: str, evidence: Iterable[Evidence]) -> dict:
    labels = AlertLabels.combine(e.labels for e in evidence)
    return dict(
        key=alert.key, kind=alert.kind, subject=alert.subject, fingerprint=alert.fingerprint, title=alert.title,
        score=alert.score, explanation=orjson.dumps(alert.explanation).decode(),
        classification=int(labels.classification), releasable_to=",".join(labels.releasable_to),
        compartments=",".join(labels.compartments), orcon=labels.orcon, warrants=",".join(labels.warrants),
        last_raised=now,
    )


def _evidence_row(alert_id: int, evidence: Evidence) -> dict:
    labels = evidence.labels
    return dict(
        alert_id=alert_id, ref_kind=evidence.ref_kind, ref_id=evidence.ref_id, entity_id=evidence.entity_id,
        agency=labels.agency, classification=int(labels.classification), releasable_to=labels.releasable_text,
        compartment=labels.compartment, orcon=labels.orcon, warrant=labels.warrant,
    )


def list_alerts(
    store: Store,
    viewer: Viewer,
    kind: str | None = None,
    state: str | None = None,
    min_score: float | None = None,
    entity_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """The alerts the viewer may see, best score first, newest first among equals."""
    require(viewer, "read")
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}, not {state!r}")
    query = select(alerts).where(visible_clause(viewer))
    if kind:
        query = query.where(A.kind == kind)
    if state:
        query = query.where(A.state == state)
    if min_score is not None:
        query = query.where(A.score >= min_score)
    if entity_id:  # the entity by any of its records: alerts cite source records, resolution merges them
        canonical = canonical_query(viewer, entity_id)
        records = select(S.entity_id).where(or_(S.canonical_id == canonical, S.canonical_id == entity_id))
        query = query.where(exists(select(E.alert_id).where(
            E.alert_id == A.id, or_(E.entity_id == entity_id, E.entity_id.in_(records)))))
    query = query.order_by(A.score.desc().nulls_last(), A.last_raised.desc(), A.id).limit(limit).offset(offset)
    with store.engine.connect() as conn:
        rows = [_summary(r) for r in conn.execute(query).mappings()]
    audit.log_event(store, viewer, "alerts.list", {"kind": kind, "state": state, "min_score": min_score,
                                                   "entity": entity_id, "limit": limit, "offset": offset},
                    [str(r["id"]) for r in rows])
    return rows


def alert_counts(store: Store, viewer: Viewer, since: str | None = None) -> dict:
    """What the dashboard shows: the visible alerts by kind and state, and those first raised each day
    (from `since`, a date) by kind."""
    require(viewer, "read")
    day = func.substr(A.first_raised, 1, 10)
    with store.engine.connect() as conn:
        by_state = conn.execute(select(A.kind, A.state, func.count()).where(visible_clause(viewer))
                                .group_by(A.kind, A.state).order_by(A.kind, A.state)).all()
        daily = select(day, A.kind, func.count()).where(visible_clause(viewer))
        if since:
            daily = daily.where(A.first_raised >= since)
        by_day = conn.execute(daily.group_by(day, A.kind).order_by(day, A.kind)).all()
    audit.log_event(store, viewer, "alerts.counts", {"since": since}, [])
    return {"by_state": [{"kind": k, "state": s, "count": n} for k, s, n in by_state],
            "by_day": [{"day": d, "kind": k, "count": n} for d, k, n in by_day]}


def get_alert(store: Store, viewer: Viewer, alert_id: int) -> dict:
    """One alert with its evidence and review history; NotFound when it does not exist for this viewer."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        found = _visible(conn, viewer, alert_id)
        evidence = conn.execute(select(alert_evidence).where(E.alert_id == alert_id)
                                .order_by(E.ref_kind, E.entity_id, E.ref_id)).mappings().all()
        history = conn.execute(select(alert_reviews).where(R.alert_id == alert_id).order_by(R.id)).mappings().all()
    audit.log_event(store, viewer, "alerts.read", {"id": alert_id}, [str(alert_id)])
    return _summary(found) | {
        "explanation": orjson.loads(found["explanation"]),
        "evidence": [{k: v for k, v in dict(e).items() if k != "alert_id"} for e in evidence],
        "history": [{k: v for k, v in dict(h).items() if k != "alert_id"} for h in history],
    }


def review_alert(
    store: Store, viewer: Viewer, alert_id: int, decision: str, reason: str | None = None,
    expected_state: str | None = None,
) -> dict:
    """Record a decision on an alert with its reason (every decision needs one: nothing is confirmed, dismissed,
    escalated or reopened without the reviewer saying why). `expected_state` guards against overwriting a decision
    someone else made meanwhile (Conflict)."""
    require(viewer, "judge")
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    reason = (reason or "").strip() or None
    with store.engine.begin() as conn:
        found = _visible(conn, viewer, alert_id, lock=True)
        owner = subject_agency(found["kind"], found["subject"])
        if owner is not None and owner != viewer.agency:  # one agency's decisions never silence another's hits
            raise Forbidden(f"alert {alert_id} is about {owner}'s own holdings or question: only {owner} decides on it")
        if reason is None:
            raise InvalidInput(f"a decision ({decision}) needs its reason: it is recorded with the decision")
        if expected_state is not None and found["state"] != expected_state:
            raise Conflict(f"alert {alert_id} is {found['state']}, not {expected_state}: "
                           "someone reviewed it meanwhile; reload it and decide again")
        now = utc_now()
        conn.execute(update(alerts).where(A.id == alert_id).values(state=decision))
        conn.execute(insert(alert_reviews).values(
            alert_id=alert_id, previous_state=found["state"], state=decision, reason=reason,
            username=viewer.user, agency=viewer.agency, at=now,
        ))
        # a confirmed FIU alert's accounts become nexus evidence; a decision away from confirmed retires it
        evidence = alert_evidence_statements.apply_review(conn, viewer, found, decision, now)
        audit.append(conn, viewer, "alerts.review", {"id": alert_id, "from": found["state"], "decision": decision,
                                                     "reason": reason}
                     | ({"nexus_evidence": evidence} if evidence is not None else {}), [str(alert_id)])
    return _summary(found) | {"state": decision} | ({"nexus_evidence": evidence} if evidence is not None else {})


def find_alert(store: Store, viewer: Viewer, kind: str, subject: str, fingerprint: str) -> int:
    """The id of the alert with this identity, if the viewer may see it."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        found = conn.execute(select(A.id).where(A.key == alert_key(kind, subject, fingerprint),
                                                visible_clause(viewer))).scalar()
    if found is None:
        raise NotFound(f"no {kind} alert for {subject} with fingerprint {fingerprint}")
    return found


def _visible(conn: Connection, viewer: Viewer, alert_id: int, lock: bool = False):
    query = select(alerts).where(A.id == alert_id, visible_clause(viewer))
    found = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if found is None:
        raise NotFound(f"no alert {alert_id}")
    return found


def _summary(row) -> dict:
    return {
        "id": row["id"], "kind": row["kind"], "title": row["title"], "score": row["score"], "state": row["state"],
        "subject": row["subject"], "fingerprint": row["fingerprint"], "first_raised": row["first_raised"],
        "last_raised": row["last_raised"], "raised_by": row["raised_by"],
        "labels": {"classification": Classification(row["classification"]).name, "releasable_to": row["releasable_to"],
                   "compartments": row["compartments"], "orcon": bool(row["orcon"]), "warrants": row["warrants"]},
    }


def cited_statements(store: Store, viewer: Viewer, action: str, by, ids: Iterable[str],
                     *where) -> dict[str, list[tuple[str, Labels, str]]]:
    """Live statements the viewer may take ``action`` on whose column ``by`` is one of ``ids``, grouped by
    it: (statement id, labels, source) — what an alert cites, with the labels that decide who sees it."""
    ids, found = sorted(ids), defaultdict(list)
    columns = [S.id, by.label("owner"), S.source, *(S[c] for c in LABEL_COLUMNS)]
    with store.engine.connect() as conn:
        for start in range(0, len(ids), CHUNK):
            query = select(*columns).where(
                by.in_(ids[start : start + CHUNK]), live(), statement_clause(viewer, statements, action), *where
            )
            for row in conn.execute(query).mappings():
                found[row["owner"]].append((row["id"], Labels.from_row(row), row["source"]))
    return found


def fresh_alert_ids(store: Store, ids: Iterable[int]) -> set[int]:
    """Which of these alerts their latest raising raised first (new, not seen before)."""
    ids, found = sorted(set(ids)), set()
    with store.engine.connect() as conn:
        for start in range(0, len(ids), CHUNK):
            query = select(A.id).where(A.id.in_(ids[start : start + CHUNK]), A.first_raised == A.last_raised)
            found.update(conn.execute(query).scalars())
    return found
