"""Retention that is enforced: masking and deletion as the jurisdiction's profile and each source say.

`run_retention` is safe to run at any time and any number of times (a scheduled job):
- **masks** statements of formats with a masking period (PNR six months after it was last received):
  they move out of `statements` into `masked_statements`, so no query, graph, screening or export
  sees them, and the alerts citing the people masked are redacted (their words into `masked_alerts`);
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

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow.parquet as pq
from sqlalchemy import Connection, and_, delete, func, insert, literal, or_, select, tuple_, update

from nexus.config import load_settings
from nexus.errors import InvalidInput
from nexus.model.retention import retention_profile
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alert_export import TRANSACTION
from nexus.service.alerts import withhold_transactions
from nexus.service.dissemination import withdraw, withdraw_holding
from nexus.store import Store, utc_now, utc_stamp
from nexus.store.schema import (
    alert_evidence, alerts, dissemination_items, ledger_batches, masked_alerts, masked_statements, retention_runs,
    sources, statements,
)

S, M, A, E, MA = statements.c, masked_statements.c, alerts.c, alert_evidence.c, masked_alerts.c


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
    with store.engine.begin() as conn:
        for source in conn.execute(select(sources)).mappings():
            name, policy = source["name"], profile.policy(source["format"])
            counts = report.setdefault(name, {"masked": 0, "deleted": 0, "deleted_masked": 0, "ledger_batches": 0,
                                              "masked_alerts": 0, "deleted_alert_texts": 0, "withdrawn_packages": 0})
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
                counts["masked_alerts"] = _mask_alerts(conn, name, stamp)
            counts["deleted_alert_texts"] = _drop_alert_texts(conn, name)
            if cutoff:  # a transaction's own time ("YYYY-MM-DD HH:MM:SS"): AML records run from it
                batches = conn.execute(select(ledger_batches.c.id, ledger_batches.c.path).where(
                    ledger_batches.c.source == name, ledger_batches.c.last_time < cutoff.replace("T", " ")[:19])).all()
                if batches:
                    packages = _withdraw_transactions(conn, viewer, folder, [Path(b.path) for b in batches],
                                                      f"retention run as of {stamp} deleted {name}'s transactions "
                                                      "it holds")
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


def _withdraw_transactions(conn: Connection, viewer: Viewer, folder: Path, files: list[Path], reason: str) -> list[int]:
    """Withdraw the packages holding a transaction of the ledger ``files`` about to be deleted, and hide the alerts
    citing one (their ids read only when some package or alert cites a transaction at all)."""
    held = set(conn.execute(select(dissemination_items.c.ref_id)
                            .where(dissemination_items.c.ref_kind == TRANSACTION)).scalars())
    cited = set(conn.execute(select(alert_evidence.c.ref_id).where(alert_evidence.c.ref_kind == TRANSACTION)
                             .distinct()).scalars())
    if not held and not cited:
        return []
    gone: set[str] = set()
    for file in files:
        try:
            gone |= (held | cited).intersection(pq.read_table(folder / file, columns=["id"]).column("id").to_pylist())
        except FileNotFoundError:
            continue
    withhold_transactions(conn, gone & cited)
    return withdraw(conn, viewer, TRANSACTION, gone & held, reason)


def _mask(conn: Connection, source: str, since: str, masked: dict[str, tuple[str, ...]], stamp: str) -> int:
    due = _due_for_masking(source, since, masked)
    keys = select(S.entity_id, S.id).where(due)
    conn.execute(delete(masked_statements).where(tuple_(M.entity_id, M.id).in_(keys)))
    columns = [c.name for c in statements.columns]
    conn.execute(insert(masked_statements).from_select(
        [*columns, "masked_at"], select(*(S[c] for c in columns), literal(stamp)).where(due)))
    return conn.execute(delete(statements).where(due)).rowcount


def _mask_alerts(conn: Connection, source: str, stamp: str) -> int:
    """Redact the alerts that cite anyone masked in this run: their words move to `masked_alerts`."""
    citing = select(E.alert_id).where(E.entity_id.in_(
        select(M.entity_id).where(M.source == source, M.masked_at == stamp).distinct()))
    fresh = select(A.id, literal(source), A.title, A.explanation, literal(stamp)).where(
        A.id.in_(citing), A.id.not_in(select(MA.alert_id)))
    conn.execute(insert(masked_alerts).from_select(["alert_id", "source", "title", "explanation", "masked_at"], fresh))
    return conn.execute(update(alerts).where(A.id.in_(select(MA.alert_id).where(MA.masked_at == stamp,
                                                                                    MA.source == source))).values(
        title="[masked] " + A.kind + " alert: its people's data is masked (nexus travel unmask request)",
        explanation=orjson.dumps({"masked": stamp, "source": source}).decode())).rowcount


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
