"""Oversight: the audit trail (verify, search) and warrants for special investigative techniques."""

from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from nexus.errors import InvalidInput
from nexus.security import audit, warrants
from nexus.security.audit import ChainReport
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_stamp

__all__ = ["ChainReport", "add_warrant", "adopt_anchor", "list_warrants", "revoke_warrant", "search_audit",
           "verify_audit"]

_MOMENT = TypeAdapter(datetime)  # what FastAPI reads a date-time query parameter with: the API's reading


def verify_audit(store: Store, viewer: Viewer) -> ChainReport:
    """Check the hash chain, its head and the anchor file; the check itself is audited."""
    require(viewer, "audit.verify")
    report = audit.verify_chain(store)
    audit.log_event(store, viewer, "audit.verify", {}, outcome="ok" if report.ok else "failed")
    return report


def adopt_anchor(store: Store, viewer: Viewer) -> ChainReport:
    """Re-establish a missing anchor file at the head row's record, once the chain reaches the head row (a lost
    file, or a NEXUS_HOME joining a trail another began). Never quiet: the act and where the file is are audited,
    and a missing file is otherwise reported by every `verify_audit` (`audit.verify_chain`)."""
    require(viewer, "audit.verify")
    report, path = audit.adopt_anchor(store)
    audit.log_event(store, viewer, "audit.anchor.adopt", {"file": str(path) if path else None, "records": report.records},
                    outcome="ok" if report.ok else "failed")
    return report


def search_audit(store: Store, viewer: Viewer, **filters) -> list[dict]:
    """Audit records by user, action, time range (`since` inclusive, `until` exclusive: datetimes, or text as the
    API reads it), entity (oversight role; read-only); `limit` at least 1, `offset` at least 0."""
    if filters.get("limit") is not None and filters["limit"] < 1:
        raise InvalidInput(f"must be at least 1, not {filters['limit']}", field="limit")
    if filters.get("offset") is not None and filters["offset"] < 0:
        raise InvalidInput(f"must be at least 0, not {filters['offset']}", field="offset")
    for name in ("user", "action", "entity_id"):
        if isinstance(filters.get(name), str) and "\x00" in filters[name]:
            raise InvalidInput("must not contain a NUL character", field=name)
    for bound in ("since", "until"):
        if filters.get(bound) is not None:
            filters[bound] = utc_stamp(_moment(filters[bound], bound))
    return audit.search_audit(store, viewer, **filters)


def _moment(value: str | datetime, field: str) -> datetime:
    """A bound of a search of the trail in UTC: an ISO date (its midnight) or date-time, with an offset or in UTC;
    anything else is InvalidInput naming `field`."""
    try:
        moment = _MOMENT.validate_python(value)
    except ValidationError:
        raise InvalidInput(f"{field}: an ISO date or date-time is required (2026-12-01, 2026-12-01T07:30:00+02:00), "
                           f"not {str(value)[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_warrant(store: Store, viewer: Viewer, warrant_id: str, **fields) -> None:
    warrants.add_warrant(store, viewer, warrant_id, **fields)


def revoke_warrant(store: Store, viewer: Viewer, warrant_id: str) -> None:
    warrants.revoke_warrant(store, viewer, warrant_id)


def list_warrants(store: Store, viewer: Viewer) -> list[dict]:
    return warrants.list_warrants(store, viewer)
