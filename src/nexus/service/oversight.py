"""Oversight: the audit trail (verify, search) and warrants for special investigative techniques."""

from datetime import UTC, datetime

from nexus.security import audit, warrants
from nexus.security.audit import ChainReport
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_stamp

__all__ = ["ChainReport", "add_warrant", "list_warrants", "revoke_warrant", "search_audit", "verify_audit"]


def verify_audit(store: Store, viewer: Viewer) -> ChainReport:
    """Check the hash chain, its head and the anchor file; the check itself is audited."""
    require(viewer, "audit.verify")
    report = audit.verify_chain(store)
    audit.log_event(store, viewer, "audit.verify", {}, outcome="ok" if report.ok else "failed")
    return report


def search_audit(store: Store, viewer: Viewer, **filters) -> list[dict]:
    """Audit records by user, action, time range (`since`, `until`: text as the trail writes times, or datetimes,
    naive ones in UTC), entity (oversight role; read-only)."""
    for bound in ("since", "until"):
        moment = filters.get(bound)
        if isinstance(moment, datetime):
            filters[bound] = utc_stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return audit.search_audit(store, viewer, **filters)


def add_warrant(store: Store, viewer: Viewer, warrant_id: str, **fields) -> None:
    warrants.add_warrant(store, viewer, warrant_id, **fields)


def revoke_warrant(store: Store, viewer: Viewer, warrant_id: str) -> None:
    warrants.revoke_warrant(store, viewer, warrant_id)


def list_warrants(store: Store, viewer: Viewer) -> list[dict]:
    return warrants.list_warrants(store, viewer)
