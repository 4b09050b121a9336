"""The alert queue: every stage that raises something for a human raises it here; analysts review it.

A viewer sees an alert only when they may see every piece of evidence it cites (the
statement policy, applied to each evidence row's labels). Those labels follow the statements
cited: a raising takes them from the statements as they are when it commits, and every read
first brings them to the statements' current labels once per data version (`follow_labels`),
so a relabelled statement hides or shows its alerts at once, and one retired or deleted hides
them from everyone (the alert's words may tell of it). Re-raising an alert with the
same key updates it and keeps its review state, so a confirmed or dismissed alert stays
so across re-runs until the data it rests on changes (a new fingerprint, a new alert).
"""

import functools
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import orjson
from sqlalchemy import (
    Connection, ColumnElement, Table, and_, bindparam, delete, exists, func, insert, not_, or_, select, update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.alerts import DISMISSED, OPEN, STATES, AlertLabels, alert_key, subject_agency
from nexus.model.labels import ANY_AGENCY, Classification, Labels
from nexus.security import audit
from nexus.security.policy import require, statement_clause
from nexus.security.viewer import Viewer
from nexus.service import alert_evidence as alert_evidence_statements
from nexus.service.alert_deciders import ANYONE, MINE, decider_clause
from nexus.service.data_version import data_version
from nexus.service.entities import S, canonical_query, live
from nexus.store import Store, utc_now
from nexus.store.schema import (
    LABEL_COLUMNS, alert_evidence, alert_reviews, alerts, masked_statements, statements, users,
)

A, E, R = alerts.c, alert_evidence.c, alert_reviews.c
DECISIONS = tuple(s for s in STATES if s != OPEN) + (OPEN,)  # OPEN re-opens
CHUNK = 1000
SCAN_CHUNK = 20000  # statements looked up by id alone, which no index leads to: a scan each
#: The agency of evidence no one may see any more (what it cites is retired or deleted, or relabelled beyond what its
#: row can say): no viewer's, so no one sees the alert citing it.
WITHHELD = ""
#: The kind of evidence row that stands, while an alert's people are masked (`retention`), for what it cited that
#: names its match: one row per set of labels, so that who may see the alert does not change; a raising citing live
#: data again drops them.
WITHHELD_KIND = "withheld"


@dataclass(frozen=True)
class Evidence:
    ref_kind: str  # "statement", "transaction", "query" (an ad-hoc question, held as its asker's) or WITHHELD_KIND
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
    follow_labels(store)
    values, found = sorted(set(values)), []
    with store.reader.connect() as conn:
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            query = select(column).where(column.in_(chunk), visible_clause(viewer, action), *conditions)
            found.extend(conn.execute(query).scalars())
    return found


def raise_alerts(store: Store, viewer: Viewer, new: Iterable[NewAlert], action: str,
                 grow: bool = False) -> dict[str, tuple[int, str]]:
    """Insert new alerts, refresh re-raised ones (their state and history kept); key -> (id, state). Of two raisings
    of one alert at once the second waits for the first, finds its alert and keeps its evidence. With `grow`, an
    alert on a subject whose open, unreviewed alert cites less of what it cites (a pattern that grew) is that alert,
    updated, rather than a second one to review (`_grown`)."""
    require(viewer, action)
    new = sorted({a.key: a for a in new}.values(), key=lambda a: a.key)
    if not new:
        return {}
    for alert in new:
        if not alert.evidence:
            raise InvalidInput(f"alert {alert.title!r} cites no evidence")
    now = utc_now()
    # raisings that grow alerts take one at a time: each locks alerts found by subject after those found by key
    with store.exclusive(["alerts:grow"] if grow else []), store.engine.begin() as conn:
        existing = _existing(conn, [a.key for a in new])
        grown = _grown(conn, [a for a in new if a.key not in existing]) if grow else []
        existing |= _existing(conn, grown)
        inserted = _insert(conn, viewer, [a for a in new if a.key not in existing], now)
        existing |= _existing(conn, [a.key for a in new if a.key not in existing and a.key not in inserted])
        found = existing | inserted
        evidence = _evidence_now(conn, new, _cited(conn, [found[key][0] for key in existing]), found)
        conn.execute(update(alerts).where(A.key == bindparam("k")),
                     [_row(a, now, evidence[a.key]) | {"k": a.key} for a in new])
        ids = sorted(found[key][0] for key in existing)
        for start in range(0, len(ids), CHUNK):
            conn.execute(delete(alert_evidence).where(E.alert_id.in_(ids[start : start + CHUNK])))
        conn.execute(insert(alert_evidence), [_evidence_row(found[a.key][0], e) for a in new for e in evidence[a.key]])
        result = {a.key: found[a.key] for a in new}
        audit.append(conn, viewer, "alerts.raise", {"kinds": sorted({a.kind for a in new}), "new": len(inserted),
                                                    "again": len(existing)} | ({"grown": len(grown)} if grow else {}),
                     [str(i) for i, _ in result.values()])
    return result


def _existing(conn: Connection, keys: list[str]) -> dict[str, tuple[int, str]]:
    """The alerts with these keys, locked until the transaction ends (in the order of their ids, as everything that
    writes an alert's evidence locks them)."""
    found = {}
    for start in range(0, len(keys), CHUNK):
        rows = conn.execute(select(A.key, A.id, A.state).where(A.key.in_(keys[start : start + CHUNK]))
                            .order_by(A.id).with_for_update())
        found.update({key: (id_, state) for key, id_, state in rows})
    return found


def _grown(conn: Connection, fresh: list[NewAlert]) -> list[str]:
    """Of these alerts, raised for the first time, each that an open alert on its subject, never reviewed, grew into:
    it cites all that alert cites and more. That alert takes the grown one's key and fingerprint (the largest of
    several), so the raising updates it; an alert someone reviewed stays as it was decided, and the grown pattern is
    a new alert. The keys taken."""
    by_subject = {(a.kind, a.subject): a for a in fresh}
    subjects = sorted({a.subject for a in fresh})
    candidates: dict[tuple[str, str], list[int]] = {}
    for start in range(0, len(subjects), CHUNK):
        rows = conn.execute(select(A.id, A.kind, A.subject).where(
            A.subject.in_(subjects[start : start + CHUNK]), A.kind.in_(sorted({a.kind for a in fresh})),
            A.state == OPEN, not_(exists(select(R.alert_id).where(R.alert_id == A.id)))).order_by(A.id)
            .with_for_update())
        for id_, kind, subject in rows:
            if (kind, subject) in by_subject:
                candidates.setdefault((kind, subject), []).append(id_)
    cited = _cited(conn, sorted(i for ids in candidates.values() for i in ids))
    taken = []
    for about, ids in candidates.items():
        alert = by_subject[about]
        wanted = {(e.ref_kind, e.ref_id) for e in alert.evidence}
        grew = [(len(had), i) for i in ids if (had := {(e.ref_kind, e.ref_id) for e in cited.get(i, ())}) < wanted]
        if grew:
            try:
                with conn.begin_nested():  # another raising (not growing) may have inserted the grown key meanwhile
                    conn.execute(update(alerts).where(A.id == max(grew)[1])
                                 .values(key=alert.key, fingerprint=alert.fingerprint))
            except IntegrityError:
                continue
            taken.append(alert.key)
    return taken


def _insert(conn: Connection, viewer: Viewer, fresh: list[NewAlert], now: str) -> dict[str, tuple[int, str]]:
    """Insert these alerts but those another raising inserted meanwhile; key -> (id, state) of those inserted."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = [_row(a, now, a.evidence) | {"state": OPEN, "raised_by": viewer.user, "first_raised": now} for a in fresh]
    inserted = {}
    for start in range(0, len(rows), CHUNK):
        query = dialect.insert(alerts).values(rows[start : start + CHUNK])
        query = query.on_conflict_do_nothing(index_elements=["key"]).returning(A.key, A.id)
        inserted.update({key: (id_, OPEN) for key, id_ in conn.execute(query)})
    return inserted


def _evidence_now(conn: Connection, new: list[NewAlert], cited: dict[int, list[Evidence]],
                  found: dict[str, tuple[int, str]]) -> dict[str, list[Evidence]]:
    """Each alert's evidence with its labels as the store holds it now: what this raising cites (withheld if gone
    meanwhile), and what the alert cited before that is still held, so that its labels never drop below what earlier
    raisers saw (what is gone is dropped: the alert's words are this raising's)."""
    before = {a.key: cited.get(found[a.key][0], []) for a in new}
    held = _held_for(conn, [e for a in new for e in (*before[a.key], *a.evidence)])
    result = {}
    for alert in new:
        kept = {(e.ref_kind, e.ref_id): replace(e, labels=labels) for e in before[alert.key]
                if e.ref_kind != WITHHELD_KIND and (labels := held.now(e)) is not None}
        result[alert.key] = list((kept | {(e.ref_kind, e.ref_id): replace(e, labels=held.now_or_withheld(e))
                                          for e in alert.evidence}).values())
    return result


def _cited(conn: Connection, ids: list[int]) -> dict[int, list[Evidence]]:
    found: dict[int, list[Evidence]] = {}
    for start in range(0, len(ids), CHUNK):
        found |= _by_alert(conn.execute(select(alert_evidence).where(E.alert_id.in_(ids[start : start + CHUNK])))
                           .mappings())
    return found


def _by_alert(rows) -> dict[int, list[Evidence]]:
    """Evidence rows (mappings) as evidence, by alert."""
    found: dict[int, list[Evidence]] = {}
    for row in rows:
        found.setdefault(row["alert_id"], []).append(
            Evidence(row["ref_kind"], row["ref_id"], row["entity_id"], _labels(row)))
    return found


def _row(alert: NewAlert, now: str, evidence: Iterable[Evidence]) -> dict:
    return dict(
        key=alert.key, kind=alert.kind, subject=alert.subject, fingerprint=alert.fingerprint, title=alert.title,
        score=alert.score, explanation=orjson.dumps(alert.explanation).decode(), last_raised=now,
        **_summary_labels(evidence),
    )


def _summary_labels(evidence: Iterable[Evidence]) -> dict:
    labels = AlertLabels.combine(e.labels for e in evidence)
    return dict(classification=int(labels.classification), releasable_to=",".join(labels.releasable_to),
                compartments=",".join(labels.compartments), orcon=labels.orcon, warrants=",".join(labels.warrants))


def _evidence_row(alert_id: int, evidence: Evidence) -> dict:
    return dict(alert_id=alert_id, ref_kind=evidence.ref_kind, ref_id=evidence.ref_id, entity_id=evidence.entity_id,
                **_label_values(evidence.labels))


def _label_values(labels: Labels) -> dict:
    return dict(agency=labels.agency, classification=int(labels.classification), releasable_to=labels.releasable_text,
                compartment=labels.compartment, orcon=labels.orcon, warrant=labels.warrant)


# -- following the labels of what alerts cite ---------------------------------------------------------------------

_FOLLOWED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # engine -> the data version its alerts follow
_FOLLOWING = threading.Lock()


def follow_labels(store: Store) -> None:
    """Bring every alert's evidence labels, and so who sees it, to the current labels of what it cites, once per data
    version (which every change to statements moves): what each read of alerts does first."""
    version = data_version(store)
    with _FOLLOWING:  # one thread of the process follows a new version; the others wait for it
        if _FOLLOWED.get(store.engine) == version:
            return
        with store.engine.connect() as conn:
            changes = _changes(*_maybe_changed(conn))
        if changes:
            with store.engine.begin() as conn:
                _relabel(conn, changes)
        _FOLLOWED[store.engine] = version


def _changes(cited: dict[int, list[Evidence]], held: "_Held") -> dict[int, list[Evidence]]:
    """By alert, its evidence whose labels are not those it has now (with those)."""
    changes: dict[int, list[Evidence]] = {}
    for alert_id, evidence in cited.items():
        for e in evidence:
            labels = held.now_or_withheld(e)
            if _label_values(labels) != _label_values(e.labels):
                changes.setdefault(alert_id, []).append(replace(e, labels=labels))
    return changes


def _relabel(conn: Connection, changes: dict[int, list[Evidence]]) -> None:
    """Write the evidence's new labels, and its alerts' labels from all they cite, as a raising does: alerts locked
    first, in the order of their ids."""
    ids = sorted(changes)
    for start in range(0, len(ids), CHUNK):
        conn.execute(select(A.id).where(A.id.in_(ids[start : start + CHUNK])).order_by(A.id).with_for_update())
    evidence_key = and_(E.alert_id == bindparam("a"), E.ref_kind == bindparam("k"), E.ref_id == bindparam("r"))
    conn.execute(update(alert_evidence).where(evidence_key),
                 [{"a": i, "k": e.ref_kind, "r": e.ref_id, **_label_values(e.labels)} for i in ids for e in changes[i]])
    cited = _cited(conn, ids)
    conn.execute(update(alerts).where(A.id == bindparam("i")), [{"i": i, **_summary_labels(cited[i])} for i in ids])


def withhold_transactions(conn: Connection, ids: set[str]) -> int:
    """In a transaction deleting these ledger transactions (retention): the evidence citing them is withheld, so
    the alerts resting on them are hidden from everyone, as those citing a deleted statement are. How many alerts."""
    ids, changes = sorted(ids), {}
    for start in range(0, len(ids), CHUNK):
        citing = and_(E.ref_kind == "transaction", E.agency != WITHHELD, E.ref_id.in_(ids[start : start + CHUNK]))
        # locked before their evidence is read, as raisings lock them before writing it
        conn.execute(select(A.id).where(A.id.in_(select(E.alert_id).where(citing))).order_by(A.id).with_for_update())
        rows = conn.execute(select(alert_evidence).where(citing)).mappings()
        for alert_id, evidence in _by_alert(rows).items():
            changes.setdefault(alert_id, []).extend(replace(e, labels=_withheld(e.labels)) for e in evidence)
    if changes:
        _relabel(conn, changes)
    return len(changes)


def follow_ledger_relabel(conn: Connection, prefixes: list[str], labels: Labels) -> int:
    """In a transaction relabelling a ledger source's deliveries (`relabelled_copies`): the evidence citing its
    transactions (ids starting with one of ``prefixes``, `transaction_prefix`, all of one length) takes ``labels``,
    and its alerts are relabelled from all they cite, so who sees an alert follows who sees the money it rests on.
    How many alerts."""
    changes: dict[int, list[Evidence]] = {}
    width = len(prefixes[0]) if prefixes else 0
    for start in range(0, len(prefixes), CHUNK):
        citing = and_(E.ref_kind == "transaction", E.agency != WITHHELD,
                      func.substr(E.ref_id, 1, width).in_(prefixes[start : start + CHUNK]))
        # locked before their evidence is read, as raisings lock them before writing it
        conn.execute(select(A.id).where(A.id.in_(select(E.alert_id).where(citing))).order_by(A.id).with_for_update())
        for alert_id, evidence in _by_alert(conn.execute(select(alert_evidence).where(citing)).mappings()).items():
            moved = [replace(e, labels=labels) for e in evidence if _label_values(e.labels) != _label_values(labels)]
            if moved:
                changes.setdefault(alert_id, []).extend(moved)
    if changes:
        _relabel(conn, changes)
    return len(changes)


@dataclass(frozen=True)
class _Held:
    """What evidence rests on as the store holds it now: cited statements by id, live or masked (their labels), or
    retired (None); and the labels of the live statements of each cited transaction that is an FtM Payment among the
    statements (a ledger row's evidence is relabelled with its source: `follow_ledger_relabel`)."""

    statements: dict[str, Labels | None]
    payments: dict[str, list[Labels]]

    def now(self, evidence: Evidence) -> Labels | None:
        """The evidence's labels now; None when what it cites is no longer held."""
        if evidence.ref_kind == "statement":
            return self.statements.get(evidence.ref_id)
        if evidence.ref_kind == "transaction" and evidence.ref_id in self.payments:
            live = self.payments[evidence.ref_id]
            if not live:
                return None
            # a payment's row combines its statements' labels with those of its ends: kept while it covers them
            return evidence.labels if all(_covers(evidence.labels, s) for s in live) else _withheld(evidence.labels)
        return evidence.labels

    def now_or_withheld(self, evidence: Evidence) -> Labels:
        labels = self.now(evidence)
        return labels if labels is not None else _withheld(evidence.labels)


def _withheld(labels: Labels) -> Labels:
    return replace(labels, agency=WITHHELD, releasable_to=())


def _covers(shown: Labels, held: Labels) -> bool:
    """Whether everyone ``shown`` lets see something may see what is labelled ``held``."""
    shown_to, held_for = {shown.agency, *shown.releasable_to}, {held.agency, *held.releasable_to}
    agencies = ANY_AGENCY in held.releasable_to or (ANY_AGENCY not in shown.releasable_to and shown_to <= held_for)
    return (agencies and held.classification <= shown.classification and (shown.orcon or not held.orcon)
            and held.compartment in (None, shown.compartment) and held.warrant in (None, shown.warrant))


#: Where a statement evidence cites is found through the entity it is cited under, each by an index: a live or
#: retired one by its own entity id or its canonical id, a masked one by its own entity id.
THROUGH = ((statements, "entity_id"), (statements, "canonical_id"), (masked_statements, "entity_id"))


def _maybe_changed(conn: Connection) -> tuple[dict[int, list[Evidence]], _Held]:
    """Of all alerts' evidence, what may no longer have the labels it has, by alert, with what it rests on: the
    statements found `THROUGH` its entity whose labels differ from the evidence's or that retired; those found through
    none (cited by id alone, or gone, unless withheld already) looked up by id; and the payments among the
    statements."""
    rows, found = {}, {}
    in_statements = or_(*(_through(table, column) for table, column in THROUGH if table is statements))
    for table, column in THROUGH:
        t = table.c
        same = and_(t.retired_at.is_(None), *(t[c].is_not_distinct_from(E[c]) for c in LABEL_COLUMNS))
        masked_only = [not_(in_statements)] if table is masked_statements else []  # not a copy of one live again
        query = (select(alert_evidence, t.retired_at, *(t[c].label(f"held_{c}") for c in LABEL_COLUMNS))
                 .select_from(alert_evidence.join(table, and_(t.id == E.ref_id, t[column] == E.entity_id)))
                 .where(E.ref_kind == "statement", not_(same), *masked_only))
        for row in conn.execute(query).mappings():
            rows[(row["alert_id"], row["ref_kind"], row["ref_id"])] = row
            found[row["ref_id"]] = None if row["retired_at"] else _labels({c: row[f"held_{c}"] for c in LABEL_COLUMNS})
    unfound = [*conn.execute(select(alert_evidence).where(
        E.ref_kind == "statement", E.agency != WITHHELD, *(not_(_through(t, c)) for t, c in THROUGH))).mappings()]
    payments = [*conn.execute(select(alert_evidence).where(E.ref_kind == "transaction", exists(
        select(S.id).where(S.entity_id == E.ref_id, S.schema == "Payment")))).mappings()]
    held = _Held(found | _by_id(conn, {r["ref_id"] for r in unfound}), _payments(conn, {r["ref_id"] for r in payments}))
    return _by_alert([*rows.values(), *unfound, *payments]), held


def _through(table: Table, column: str) -> ColumnElement[bool]:
    """The evidence row's statement is in ``table``, found through its entity by ``column``."""
    t = table.c
    return exists(select(t.id).where(t.id == E.ref_id, t[column] == E.entity_id))


def _held_for(conn: Connection, evidence: list[Evidence]) -> _Held:
    """What this evidence rests on: its statements found as `_maybe_changed` finds them, the rest by id."""
    cited = [e for e in evidence if e.ref_kind == "statement"]
    found: dict[str, Labels | None] = {}
    for table, column in THROUGH:  # the first found is the statement: one live again is not its masked copy
        wanted = [e for e in cited if e.entity_id and e.ref_id not in found]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            found |= _statements(conn, table, table.c.id.in_(sorted({e.ref_id for e in chunk})),
                                 table.c[column].in_(sorted({e.entity_id for e in chunk})), table=table)
    rest = {e.ref_id for e in cited} - found.keys()
    transactions = {e.ref_id for e in evidence if e.ref_kind == "transaction"}
    return _Held(found | _by_id(conn, rest), _payments(conn, transactions))


def _by_id(conn: Connection, ids: set[str]) -> dict[str, Labels | None]:
    """These statements looked up by id alone, which no index leads to (a scan each chunk), masked or not (a
    statement loaded again since it was masked is live)."""
    ids, found = sorted(ids), {}
    for start in range(0, len(ids), SCAN_CHUNK):
        for table in (masked_statements, statements):
            found |= _statements(conn, table, table.c.id.in_(ids[start : start + SCAN_CHUNK]), table=table)
    return found


def _statements(conn: Connection, joined, *where, table: Table = statements) -> dict[str, Labels | None]:
    """Statement id -> its labels (None: retired), of the rows of `table` in `joined` that `where` picks."""
    c = table.c
    rows = conn.execute(select(c.id, c.retired_at, *(c[x] for x in LABEL_COLUMNS)).select_from(joined).where(*where))
    return {row["id"]: None if row["retired_at"] else _labels(row) for row in rows.mappings()}


def _payments(conn: Connection, refs: Iterable[str]) -> dict[str, list[Labels]]:
    """Of these transaction ids, those of FtM Payments among the statements: the labels of each one's live
    statements."""
    refs, found = sorted(refs), {}
    for start in range(0, len(refs), CHUNK):
        query = select(S.entity_id, S.retired_at, *(S[c] for c in LABEL_COLUMNS)).where(
            S.entity_id.in_(refs[start : start + CHUNK]), S.schema == "Payment")
        for row in conn.execute(query).mappings():
            live = found.setdefault(row["entity_id"], [])
            if row["retired_at"] is None:
                live.append(_labels(row))
    return found


def _labels(row) -> Labels:
    return _labels_of(*(row[c] for c in LABEL_COLUMNS))


@functools.lru_cache(maxsize=4096)
def _labels_of(*values) -> Labels:  # rows share few sets of labels: each read once
    return Labels.from_row(dict(zip(LABEL_COLUMNS, values, strict=True)))


def list_alerts(
    store: Store,
    viewer: Viewer,
    kind: str | None = None,
    state: str | None = None,
    min_score: float | None = None,
    entity_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
    decider: str = ANYONE,
) -> list[dict]:
    """The alerts the viewer may see (and that `decider` decides: `alert_deciders`), best score first, newest first
    among equals."""
    require(viewer, "read")
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}, not {state!r}", field="state")
    decided = decider_clause(viewer, decider)
    follow_labels(store)
    query = select(alerts, _RAISERS_AGENCY).where(visible_clause(viewer))
    if decided is not None:
        query = query.where(decided)
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
        rows = [alert_summary(r, viewer) for r in conn.execute(query).mappings()]
    audit.log_event(store, viewer, "alerts.list", {"kind": kind, "state": state, "min_score": min_score,
                                                   "entity": entity_id, "limit": limit, "offset": offset}
                    | ({"decider": decider} if decider != ANYONE else {}), [str(r["id"]) for r in rows])
    return rows


def open_to_decide(store: Store, viewer: Viewer) -> dict[str, int]:
    """By kind, how many open alerts the viewer may decide: what the review queue lists by default."""
    require(viewer, "read")
    follow_labels(store)
    query = (select(A.kind, func.count()).where(visible_clause(viewer), decider_clause(viewer, MINE), A.state == OPEN)
             .group_by(A.kind))
    with store.engine.connect() as conn:
        counts = dict(conn.execute(query).all())
    audit.log_event(store, viewer, "alerts.counts", {"state": OPEN, "decider": MINE}, [])
    return counts


def alert_counts(store: Store, viewer: Viewer, since: str | None = None) -> dict:
    """What the dashboard shows: the visible alerts by kind and state, and those first raised each day
    (from `since`, a date) by kind."""
    require(viewer, "read")
    follow_labels(store)
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
    follow_labels(store)
    with store.engine.connect() as conn:
        found = _visible(conn, viewer, alert_id)
        evidence = conn.execute(select(alert_evidence).where(E.alert_id == alert_id)
                                .order_by(E.ref_kind, E.entity_id, E.ref_id)).mappings().all()
        history = conn.execute(select(alert_reviews).where(R.alert_id == alert_id).order_by(R.id)).mappings().all()
    audit.log_event(store, viewer, "alerts.read", {"id": alert_id}, [str(alert_id)])
    return alert_summary(found, viewer) | {
        "explanation": orjson.loads(found["explanation"]),
        "evidence": [{k: v for k, v in dict(e).items() if k != "alert_id"} for e in evidence],
        "history": [_review_as_seen(h, viewer) for h in history],
    }


def _review_as_seen(review, viewer: Viewer) -> dict:
    """A review as a viewer sees it: one by another agency's staff names the agency, not the person."""
    seen = {k: v for k, v in dict(review).items() if k != "alert_id"}
    return seen if review["agency"] == viewer.agency else seen | {"username": review["agency"]}


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
    follow_labels(store)
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
    return alert_summary(found, viewer) | {"state": decision} | ({"nexus_evidence": evidence} if evidence is not None else {})


def find_alert(store: Store, viewer: Viewer, kind: str, subject: str, fingerprint: str) -> int:
    """The id of the alert with this identity, if the viewer may see it."""
    require(viewer, "read")
    follow_labels(store)
    with store.engine.connect() as conn:
        found = conn.execute(select(A.id).where(A.key == alert_key(kind, subject, fingerprint),
                                                visible_clause(viewer))).scalar()
    if found is None:
        raise NotFound(f"no {kind} alert for {subject} with fingerprint {fingerprint}")
    return found


def _visible(conn: Connection, viewer: Viewer, alert_id: int, lock: bool = False):
    query = select(alerts, _RAISERS_AGENCY).where(A.id == alert_id, visible_clause(viewer))
    found = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if found is None:
        raise NotFound(f"no alert {alert_id}")
    return found


#: The agency of the user who raised an alert, read with it (`alert_summary`).
_RAISERS_AGENCY = select(users.c.agency).where(users.c.username == A.raised_by).scalar_subquery().label("raisers_agency")


def alert_summary(row, viewer: Viewer) -> dict:
    """An alert as a viewer may see it (a row read with `_RAISERS_AGENCY`): one that is another agency's own
    (`subject_agency`), or that another agency's staff raised, names that agency as who raised it, not the person."""
    owner = subject_agency(row["kind"], row["subject"]) or row["raisers_agency"]
    return {
        "id": row["id"], "kind": row["kind"], "title": row["title"], "score": row["score"], "state": row["state"],
        "subject": row["subject"], "fingerprint": row["fingerprint"], "first_raised": row["first_raised"],
        "last_raised": row["last_raised"], "raised_by": row["raised_by"] if owner in (None, viewer.agency) else owner,
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
