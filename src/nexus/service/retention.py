"""Retention that is enforced: masking and deletion as the jurisdiction's profile and each source say.

`run_retention` is safe to run at any time and any number of times (a scheduled job):
- **masks** statements of formats with a masking period (PNR six months after it was last received):
  they move out of `statements` into `masked_statements`, so no query, graph, screening or export
  sees them, and the alerts citing the people masked are redacted (`_mask_alerts`): their words, their subject
  and score, and the evidence that names what they matched (a list entry, another source's record) go into
  `masked_alerts`, so that nothing left readable tells who the masked person is;
  `nexus.service.unmasking` shows both again to a named person on an approved request;
- **deletes** what has expired: statements and masked statements whose `retention_until` has
  passed, or that were last received longer ago than the shorter of the source's retention days
  and its format's `delete_after_days`; the kept words of alerts whose people are all gone; and the
  ledger's transaction batches whose transactions are all older than that;
- **withdraws** the dissemination packages holding anything it masks or deletes (a statement, a ledger
  transaction): each gets a `withdrawn` custody event and is fetched by no one any more
  (`service.dissemination.withdraw`); counted per source (`withdrawn_packages`), their ids in the audit record;
- keeps the audit trail, and records what went, per source, for oversight (`retention_runs`,
  `nexus retention report`) and in the audit trail itself.
`now` moves the clock (tests, and a run that catches up).
"""

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow.parquet as pq
from sqlalchemy import Connection, Select, and_, delete, func, insert, literal, not_, or_, select, tuple_, update

from nexus.config import load_settings
from nexus.errors import InvalidInput
from nexus.model.retention import pack_alert, retention_profile, unpack_alert
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alert_export import TRANSACTION
from nexus.service.alerts import LABEL_COLUMNS, WITHHELD_KIND, withhold_transactions
from nexus.service.case_access import chunks
from nexus.service.dissemination import withdraw, withdraw_holding
from nexus.store import Store, utc_now, utc_stamp
from nexus.store.schema import (
    alert_evidence, alert_reviews, alerts, dissemination_items, ledger_batches, masked_alerts, masked_statements,
    retention_runs, sources, statements,
)

S, M, A, E, MA, R = (statements.c, masked_statements.c, alerts.c, alert_evidence.c, masked_alerts.c,
                     alert_reviews.c)


def run_retention(store: Store, viewer: Viewer, now: str | None = None, jurisdiction: str | None = None,
                  ledger_dir: Path | None = None) -> dict:
    """Mask and delete what is due at `now` (ISO date or date-time; default: the present). Returns the report."""
    require(viewer, "retention.run")
    moment = _moment(now)
    profile = retention_profile(jurisdiction)
    today = moment.date().isoformat()
    stamp = utc_stamp(moment)
    report: dict[str, dict[str, int]] = {}
    ledger_files: list[Path] = []
    withdrawn: list[int] = []
    folder = ledger_dir or load_settings().home / "ledger"
    # the passenger data masking depersonalises: what an alert cites of it is not what names a match
    passenger = select(sources.c.name).where(sources.c.format.in_(
        sorted(f for f, p in profile.formats.items() if p.mask_after_days and p.masked)))
    with store.engine.begin() as conn:
        for source in conn.execute(select(sources)).mappings():
            name, policy = source["name"], profile.policy(source["format"])
            counts = report.setdefault(name, {"masked": 0, "deleted": 0, "deleted_masked": 0, "ledger_batches": 0,
                                              "masked_alerts": 0, "deleted_alert_texts": 0, "withdrawn_packages": 0,
                                              "withheld_alerts": 0})
            # the shorter of the source's own period and the law's
            periods = [d for d in (source["retention_days"], policy.delete_after_days) if d]
            cutoff = utc_stamp(moment - timedelta(days=min(periods))) if periods else None
            for table in (statements, masked_statements):
                columns = table.c
                expired = [and_(columns.retention_until.is_not(None), columns.retention_until < today)]
                if cutoff:  # counted from when the data was last received, not first
                    expired.append(columns.last_seen < cutoff)
                due = and_(columns.source == name, or_(*expired))
                packages = withdraw_holding(conn, viewer, select(columns.id).where(due),
                                            f"retention run as of {stamp} deleted {name}'s data it holds")
                gone = conn.execute(delete(table).where(due)).rowcount
                counts["deleted" if table is statements else "deleted_masked"] += gone
                counts["withdrawn_packages"] += len(packages)
                withdrawn += packages
            if policy.mask_after_days and policy.masked:
                since = utc_stamp(moment - timedelta(days=policy.mask_after_days))
                due = _due_for_masking(name, since, policy.masked)
                packages = withdraw_holding(conn, viewer, select(S.id).where(due),
                                            f"retention run as of {stamp} masked {name}'s data it holds")
                counts["withdrawn_packages"] += len(packages)
                withdrawn += packages
                counts["masked"] += _mask(conn, name, since, policy.masked, stamp)
                counts["masked_alerts"] = _mask_alerts(conn, name, stamp, passenger)
            counts["deleted_alert_texts"] = _drop_alert_texts(conn, name)
            if cutoff:  # a transaction's own time ("YYYY-MM-DD HH:MM:SS"): AML records run from it
                batches = conn.execute(select(ledger_batches.c.id, ledger_batches.c.path).where(
                    ledger_batches.c.source == name, ledger_batches.c.last_time < cutoff.replace("T", " ")[:19])).all()
                if batches:
                    packages, counts["withheld_alerts"] = _withdraw_transactions(
                        conn, viewer, folder, [Path(b.path) for b in batches],
                        f"retention run as of {stamp} deleted {name}'s transactions it holds")
                    counts["withdrawn_packages"] += len(packages)
                    withdrawn += packages
                    conn.execute(delete(ledger_batches).where(ledger_batches.c.id.in_([b.id for b in batches])))
                    ledger_files += [Path(b.path) for b in batches]
                    counts["ledger_batches"] += len(batches)
        report = {name: counts for name, counts in report.items() if any(counts.values())}
        conn.execute(insert(retention_runs).values(at=utc_now(), as_of=stamp, username=viewer.user,
                                                   jurisdiction=profile.jurisdiction,
                                                   report=orjson.dumps(report).decode()))
        audit.append(conn, viewer, "retention.run", {"as_of": stamp, "jurisdiction": profile.jurisdiction,
                                                     "report": report}
                     | ({"withdrawn_disseminations": sorted(withdrawn)} if withdrawn else {}), sorted(report))
    for file in ledger_files:  # after the commit: a crash leaves an orphan file, never a listed batch without one
        (folder / file).unlink(missing_ok=True)
    return report


def _due_for_masking(source: str, since: str, masked: dict[str, tuple[str, ...]]):
    return and_(S.source == source, S.last_seen < since,
                or_(*(and_(S.schema == schema, S.prop.in_(props)) for schema, props in masked.items())))


def _withdraw_transactions(conn: Connection, viewer: Viewer, folder: Path, files: list[Path],
                           reason: str) -> tuple[list[int], int]:
    """Withdraw the packages holding a transaction of the ledger ``files`` about to be deleted, and hide the alerts
    citing one (their ids read only when some package or alert cites a transaction at all): the packages withdrawn,
    and how many alerts were hidden."""
    held = set(conn.execute(select(dissemination_items.c.ref_id)
                            .where(dissemination_items.c.ref_kind == TRANSACTION)).scalars())
    cited = set(conn.execute(select(alert_evidence.c.ref_id).where(alert_evidence.c.ref_kind == TRANSACTION)
                             .distinct()).scalars())
    if not held and not cited:
        return [], 0
    gone: set[str] = set()
    for file in files:
        try:
            gone |= (held | cited).intersection(pq.read_table(folder / file, columns=["id"]).column("id").to_pylist())
        except FileNotFoundError:
            continue
    withheld = withhold_transactions(conn, gone & cited)
    return withdraw(conn, viewer, TRANSACTION, gone & held, reason), withheld


def _mask(conn: Connection, source: str, since: str, masked: dict[str, tuple[str, ...]], stamp: str) -> int:
    due = _due_for_masking(source, since, masked)
    keys = select(S.entity_id, S.id).where(due)
    conn.execute(delete(masked_statements).where(tuple_(M.entity_id, M.id).in_(keys)))
    columns = [c.name for c in statements.columns]
    conn.execute(insert(masked_statements).from_select(
        [*columns, "masked_at"], select(*(S[c] for c in columns), literal(stamp)).where(due)))
    return conn.execute(delete(statements).where(due)).rowcount


#: How a redacted alert's title begins, and what it says instead of its words.
MASKED_TITLE = "[masked] "
#: What a redacted alert's reviews say instead of their reasons (kept in `masked_alerts` with the rest).
MASKED_REASON = "[masked]"
#: What a redacted alert's fingerprint is instead of its own, which for a screening alert is the hash of the list
#: entry's facts that screening shows anyone (its key, a hash of its subject and own fingerprint, stays as it is,
#: so that raising it again finds it).
WITHHELD_FINGERPRINT = "withheld-{}"
_SUBJECT_PARTS = re.compile(r"([/:|])")


def _mask_alerts(conn: Connection, source: str, stamp: str, passenger: Select) -> int:
    """Redact the alerts that cite anyone masked in this run and are not redacted yet: their title, explanation,
    subject, score and fingerprint, the reasons of their reviews, and the evidence that names what they matched, go
    to `masked_alerts` (`_redact`). One an older run redacted less of (its words only; or not its fingerprint and
    reviews) is completed. A re-run redacts nothing again; how many it redacted."""
    masked_now = select(M.entity_id).where(M.source == source, M.masked_at == stamp).distinct()
    masked_ever = select(M.entity_id).where(M.source == source).distinct()
    redacted = A.title.startswith(MASKED_TITLE, autoescape=True)
    # whether a redacted alert is complete is what `masked_alerts` kept of it (`_redact`), not its score or title
    due = or_(and_(not_(redacted), A.id.in_(select(E.alert_id).where(E.entity_id.in_(masked_now)))),
              and_(redacted, A.id.in_(select(MA.alert_id)),
                   A.id.in_(select(E.alert_id).where(E.entity_id.in_(masked_ever)))))
    rows = conn.execute(select(alerts).where(due).order_by(A.id).with_for_update()).mappings().all()
    if not rows:
        return 0
    ids = [row["id"] for row in rows]
    kept = {}
    for chunk in chunks(ids):
        kept |= {i: (title, words) for i, title, words in conn.execute(
            select(MA.alert_id, MA.title, MA.explanation).where(MA.alert_id.in_(chunk)))}
    rows = [row for row in rows if _due(row, kept.get(row["id"]))]
    if not rows:
        return 0
    ids = [row["id"] for row in rows]
    cited, reviews = defaultdict(list), defaultdict(dict)
    for chunk in chunks(ids):
        for row in conn.execute(select(alert_evidence).where(E.alert_id.in_(chunk))).mappings():
            cited[row["alert_id"]].append({str(k): v for k, v in row.items()})  # plain keys: kept as JSON
        for alert_id, review_id, reason in conn.execute(select(R.alert_id, R.id, R.reason).where(
                R.alert_id.in_(chunk), R.reason.is_not(None)).order_by(R.id)):
            reviews[alert_id][review_id] = reason
    naming = _naming(conn, [e for evidence in cited.values() for e in evidence], passenger)
    for row in rows:
        _redact(conn, row, source, stamp, cited[row["id"]], naming, kept.get(row["id"]), reviews[row["id"]])
    return len(rows)


def _packed(kept: tuple[str, str] | None) -> dict | None:
    """What `_redact` packed of an alert, unpacked; None when nothing is kept or an older run kept its words alone."""
    if kept is None:
        return None
    unpacked = unpack_alert(kept[1])
    return unpacked if unpacked["explanation"] != kept[1] else None


def _due(row, kept: tuple[str, str] | None) -> bool:
    """Whether this alert, picked by `_mask_alerts`, is to be redacted now: one not redacted (raised again since it
    was); or one redacted whose record is of an older run (its words alone, or without its fingerprint and reviews).
    One redacted with nothing kept of it has nothing left to take."""
    if not row["title"].startswith(MASKED_TITLE):
        return True
    if kept is None:
        return False
    packed = _packed(kept)
    return packed is None or "fingerprint" not in packed


def _naming(conn: Connection, evidence: list[dict], passenger: Select) -> set[tuple[int, str]]:
    """Of these evidence rows, (alert, statement id) of those that name what the alert matched: a statement of a
    source other than the passenger data masking depersonalises (a list entry, another agency's record). The
    masked people's own statements and their trips stay cited: they keep following their labels, and their deletion
    withholds the alert. A statement found nowhere is left as cited (the alert is withheld from everyone already)."""
    wanted = {(e["ref_id"], e["entity_id"]) for e in evidence if e["ref_kind"] == "statement" and e["entity_id"]}
    masked, held = set(), {}
    for chunk in chunks(sorted(wanted)):
        refs = sorted({r for r, _ in chunk})
        entities = sorted({x for _, x in chunk})
        masked |= set(conn.execute(select(M.id, M.entity_id).where(M.id.in_(refs), M.entity_id.in_(entities))).all())
        for column in (S.entity_id, S.canonical_id):
            for ref, entity, source in conn.execute(select(S.id, column, S.source).where(
                    S.id.in_(refs), column.in_(entities))):
                held[(ref, entity)] = source
    unfound = sorted({e["ref_id"] for e in evidence if e["ref_kind"] == "statement"}
                     - {r for r, _ in masked} - {r for r, _ in held})
    by_id = {}
    for chunk in chunks(unfound):  # cited under an entity it no longer has (resolution): by its id alone
        by_id |= dict(conn.execute(select(S.id, S.source).where(S.id.in_(chunk))).all())
    ours = set(conn.execute(passenger).scalars())
    naming = set()
    for e in evidence:
        if e["ref_kind"] != "statement" or (e["ref_id"], e["entity_id"]) in masked:
            continue
        source = held.get((e["ref_id"], e["entity_id"]), by_id.get(e["ref_id"]))
        if source is not None and source not in ours:
            naming.add((e["alert_id"], e["ref_id"]))
    return naming


def _redact(conn: Connection, row, source: str, stamp: str, evidence: list[dict], naming: set[tuple[int, str]],
            kept: tuple[str, str] | None, reasons: dict[int, str]) -> None:
    """Redact one alert: its words, subject, score, fingerprint, its reviews' reasons and its naming evidence into
    `masked_alerts` (completing what an older run kept of it), and in the queue a title that says it is masked, no
    score, a fingerprint that is no list entry's, a subject without the ids of what it matched, reviews whose reason
    says it is masked, and one `withheld` row per set of labels of the evidence taken."""
    alert_id = row["id"]
    packed = _packed(kept)
    taken = [e for e in evidence if (alert_id, e["ref_id"]) in naming and e["ref_kind"] == "statement"]
    hidden = [{k: v for k, v in e.items() if k != "alert_id"} for e in taken]
    if row["title"].startswith(MASKED_TITLE) and kept is not None:  # redacted by an older run: its record is the alert
        title = kept[0]
        if packed is None:  # in words only: the alert kept its subject and score
            words, subject, score = kept[1], row["subject"], row["score"]
        else:  # without its fingerprint and reviews
            words, subject, score, hidden = packed["explanation"], packed["subject"], packed["score"], \
                packed["evidence"] + hidden
    else:  # not redacted, or raised again since it was: its words are the alert's
        title, words, subject, score = row["title"], row["explanation"], row["subject"], row["score"]
    fingerprint = row["fingerprint"]
    if packed is not None and fingerprint == WITHHELD_FINGERPRINT.format(alert_id):
        fingerprint = packed.get("fingerprint")
    # the reasons an earlier redaction took stay as it kept them; those written since are taken now
    before = {int(k): v for k, v in ((packed or {}).get("reviews") or {}).items()}
    taken_reasons = {i: r for i, r in reasons.items() if i not in before and r != MASKED_REASON}
    record = orjson.loads(pack_alert(words, subject, score, hidden))
    record["redacted"] |= {"fingerprint": fingerprint,
                           "reviews": {str(i): r for i, r in sorted((before | taken_reasons).items())}}
    conn.execute(delete(masked_alerts).where(MA.alert_id == alert_id))
    conn.execute(insert(masked_alerts).values(alert_id=alert_id, source=source, title=title, masked_at=stamp,
                                              explanation=orjson.dumps(record).decode()))
    names = {e["entity_id"] for e in taken}
    subject = "".join(WITHHELD_KIND if part in names else part for part in _SUBJECT_PARTS.split(row["subject"]))
    conn.execute(update(alerts).where(A.id == alert_id).values(
        title=MASKED_TITLE + row["kind"] + " alert: its people's data is masked (nexus travel unmask request)",
        explanation=orjson.dumps({"masked": stamp, "source": source}).decode(), subject=subject, score=None,
        fingerprint=WITHHELD_FINGERPRINT.format(alert_id)))
    if taken_reasons:  # the reviews stay, and the audit trail keeps what each said
        conn.execute(update(alert_reviews).where(R.alert_id == alert_id, R.id.in_(sorted(taken_reasons)))
                     .values(reason=MASKED_REASON))
    if not taken:
        return
    for e in taken:
        conn.execute(delete(alert_evidence).where(E.alert_id == alert_id, E.ref_kind == e["ref_kind"],
                                                  E.ref_id == e["ref_id"]))
    withheld = conn.execute(select(E.ref_id, *(E[c] for c in LABEL_COLUMNS)).where(
        E.alert_id == alert_id, E.ref_kind == WITHHELD_KIND)).all()
    had = {w[0] for w in withheld}
    labels = sorted({tuple(e[c] for c in LABEL_COLUMNS) for e in taken} - {tuple(w[1:]) for w in withheld}, key=repr)
    fresh = [str(n) for n in range(1, len(labels) + len(had) + 1) if str(n) not in had][: len(labels)]
    if labels:
        conn.execute(insert(alert_evidence), [
            {"alert_id": alert_id, "ref_kind": WITHHELD_KIND, "ref_id": ref, "entity_id": None,
             **dict(zip(LABEL_COLUMNS, values, strict=True))} for ref, values in zip(fresh, labels, strict=True)])


def _drop_alert_texts(conn: Connection, source: str) -> int:
    """Delete the kept words of alerts whose people's data from `source` is all gone."""
    held = [select(E.alert_id).join(table, and_(table.c.entity_id == E.entity_id, table.c.source == source))
            for table in (statements, masked_statements)]
    return conn.execute(delete(masked_alerts).where(MA.source == source, MA.alert_id.not_in(held[0]),
                                                    MA.alert_id.not_in(held[1]))).rowcount


def retention_reports(store: Store, viewer: Viewer, limit: int = 20) -> list[dict]:
    """The latest retention runs and what each masked and deleted, for oversight."""
    require(viewer, "retention.report")
    with store.engine.connect() as conn:
        rows = conn.execute(select(retention_runs).order_by(retention_runs.c.id.desc()).limit(limit)).mappings().all()
        masked = dict(conn.execute(select(M.source, func.count()).group_by(M.source)).all())
    audit.log_event(store, viewer, "retention.report", {"limit": limit}, [str(r["id"]) for r in rows])
    return [dict(r) | {"report": orjson.loads(r["report"]), "masked_now": masked} for r in rows]


def _moment(now: str | None) -> datetime:
    if not now:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(now)
    except ValueError:
        raise InvalidInput(f"--now {now!r} is not an ISO date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
