"""Warrants for special investigative techniques, and the audit of what they withhold.

Statements collected under a warrant are served while it is in force; after it expires
or is revoked, only for the purposes it still allows (``Viewer.purpose``). The rule
itself lives in ``policy.usable_warrants``; this module manages warrants and records
each refusal in the audit trail.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, insert, select, update

from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.model.labels import agency_code
from nexus.security import audit
from nexus.security.policy import acts_for_every_agency, require, usable_warrants, warrant_withheld_clause
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import sources, statements, warrants


def _timestamp(value: str, field: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not an ISO date or date-time") from None
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _require_own(viewer: Viewer, agency: str, warrant_id: str, verb: str) -> None:
    """A warrant is its agency's: only that agency's supervisors and administrators register or revoke it (another
    agency's could otherwise unlock what it collected under the warrant, or cut its own access)."""
    agency = agency_code(agency)
    if agency != viewer.agency and not acts_for_every_agency(viewer):
        raise Forbidden(f"warrant {warrant_id!r} is {agency}'s: only {agency} may {verb} it (you act for "
                        f"{viewer.agency})")


def add_warrant(
    store: Store,
    viewer: Viewer,
    warrant_id: str,
    *,
    agency: str,
    kind: str,
    expires_at: str,
    allowed_uses: Iterable[str] = (),
    issued_at: str | None = None,
    description: str | None = None,
) -> None:
    require(viewer, "warrants.manage")
    kind, agency = kind.strip(), agency_code(agency)
    for field, value in (("warrant", warrant_id.strip()), ("kind", kind), ("agency", agency)):
        if not value:
            raise InvalidInput(f"a warrant's {field} must not be empty", field=field)
    _require_own(viewer, agency, warrant_id, "register")
    issued = _timestamp(issued_at, "issued") if issued_at else utc_now()
    expires = _timestamp(expires_at, "expires")
    if expires <= issued:
        raise InvalidInput(f"warrant {warrant_id}: expires ({expires}) must be after issued ({issued})")
    uses = sorted({u.strip() for u in allowed_uses if u.strip()})
    if any("," in u for u in uses):
        raise InvalidInput("an allowed use must not contain a comma")
    with store.engine.begin() as conn:
        # One answer whether the reference is a warrant already (any agency's) or labels another agency's data (taking
        # it would unlock that data): which agency holds what is not told.
        taken = conn.execute(select(warrants.c.id).where(warrants.c.id == warrant_id)).first() is not None
        if not taken and not acts_for_every_agency(viewer):
            taken = any(conn.execute(select(table.c.agency).where(table.c.warrant == warrant_id,
                                                                  table.c.agency != agency).limit(1)).first()
                        for table in (sources, statements))
        if taken:
            raise Conflict(f"warrant reference {warrant_id!r} is already in use: register it under another")
        conn.execute(
            insert(warrants).values(
                id=warrant_id, agency=agency, kind=kind, issued_at=issued, expires_at=expires,
                allowed_uses=",".join(uses), description=description,
            )
        )
        audit.append(conn, viewer, "warrants.add", {"warrant": warrant_id, "agency": agency, "kind": kind,
                                                    "expires": expires, "allowed_uses": uses})


def revoke_warrant(store: Store, viewer: Viewer, warrant_id: str) -> None:
    require(viewer, "warrants.manage")
    with store.engine.begin() as conn:
        agency = conn.execute(select(warrants.c.agency).where(warrants.c.id == warrant_id)).scalar()
        # another agency's warrant is answered as one that does not exist: its references are not to be probed
        mine = agency is not None and (agency_code(agency) == viewer.agency or acts_for_every_agency(viewer))
        changed = mine and conn.execute(
            update(warrants).where(warrants.c.id == warrant_id, warrants.c.revoked_at.is_(None)).values(revoked_at=utc_now())
        ).rowcount
        if not changed:
            raise NotFound(f"no unrevoked warrant {warrant_id!r} of {viewer.agency}")
        audit.append(conn, viewer, "warrants.revoke", {"warrant": warrant_id})


def list_warrants(store: Store, viewer: Viewer) -> list[dict]:
    """The warrants of the viewer's agency (every agency's for the workspace's owner): another agency's
    interceptions are not its business."""
    require(viewer, "warrants.manage")
    query = select(warrants).order_by(warrants.c.id)
    if not acts_for_every_agency(viewer):
        query = query.where(func.upper(func.trim(warrants.c.agency)) == viewer.agency)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def warrant_usable(store: Store, viewer: Viewer, warrant_id: str | None) -> bool:
    """Whether statements under ``warrant_id`` may be used by ``viewer`` now (for ``policy.decide``)."""
    if warrant_id is None:
        return True
    with store.engine.connect() as conn:
        return conn.execute(usable_warrants(viewer).where(warrants.c.id == warrant_id)).first() is not None


def audit_refusals(
    store: Store,
    viewer: Viewer,
    audit_action: str,
    canonical_ids: Iterable[str] | Select,
    query: dict,
    action: str = "read",
) -> int:
    """Audit, one 'denied' record per warrant, the statements about these entities that
    the viewer would have seen for ``action`` but for a warrant no longer in force for
    their purpose. Call it from every read that filters statements, with the read's own
    audit action name and query. Returns the records written."""
    s = statements.c
    ids = canonical_ids if isinstance(canonical_ids, Select) else sorted(set(canonical_ids))
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(s.warrant, s.canonical_id, s.id)
            .where(s.retired_at.is_(None), s.canonical_id.in_(ids), warrant_withheld_clause(viewer, statements, action))
            .order_by(s.warrant, s.canonical_id, s.id)
        ).all()
    withheld: dict[str, list[str]] = {}
    for warrant, _, statement_id in rows:
        withheld.setdefault(warrant, []).append(statement_id)
    for warrant, statement_ids in withheld.items():
        detail = {**query, "warrant": warrant, "reason": "warrant not in force for this purpose"}
        audit.log_event(store, viewer, audit_action, detail, statement_ids, outcome="denied")
    return len(withheld)
