"""The one policy decision point.

A statement is visible to a viewer when every security dimension allows it:
- classification ≤ the viewer's clearance (ordered dimension);
- the viewer's agency originated it, or it is releasable to that agency (``*`` = any);
- it has no compartment, or the viewer is a member of that compartment (need-to-know);
- it was not collected under a warrant, or the warrant is in force (or, after expiry
  or revocation, the viewer's purpose is one of the uses the warrant still allows).
Roles decide which actions a viewer may take at all. Releasing data outside the
system (export, dissemination) also honours originator control (ORCON).

``decide`` answers for one record; ``statement_clause`` is the same rule as SQL, so
filtering happens in the database and counts never include what a viewer cannot see.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, false, literal, or_, select

from nexus.model.labels import ANY_AGENCY, Labels
from nexus.security.viewer import Viewer
from nexus.store import utc_now
from nexus.store.schema import warrants

INTEL_ROLES = ("analyst", "targeter", "investigator", "supervisor")

ACTIONS: dict[str, tuple[str, ...]] = {
    "read": INTEL_ROLES,
    "search": INTEL_ROLES,
    "export": ("analyst", "investigator", "supervisor"),
    "screen": INTEL_ROLES,
    "ingest": ("analyst", "supervisor", "administrator"),
    "judge": INTEL_ROLES,
    "audit.read": ("oversight",),
    "audit.verify": ("oversight", "administrator"),
    "users.manage": ("administrator",),
    "warrants.manage": ("supervisor", "administrator"),
}

RELEASE_ACTIONS = frozenset({"export"})


class AccessDenied(PermissionError):
    pass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def may(viewer: Viewer, action: str) -> bool:
    return viewer.has_role(*ACTIONS[action])


def require(viewer: Viewer, action: str) -> None:
    if not may(viewer, action):
        raise AccessDenied(f"{viewer.user} ({', '.join(sorted(viewer.roles))}) may not {action}")


def decide(viewer: Viewer, labels: Labels, action: str, warrant_in_force: bool = True) -> Decision:
    """Whether ``viewer`` may take ``action`` on a record carrying ``labels``."""
    if not may(viewer, action):
        return Decision(False, f"role does not permit {action}")
    if labels.classification > viewer.clearance:
        return Decision(False, "classification above clearance")
    if labels.agency != viewer.agency and ANY_AGENCY not in labels.releasable_to and viewer.agency not in labels.releasable_to:
        return Decision(False, "not releasable to the viewer's agency")
    if labels.compartment and labels.compartment not in viewer.compartments:
        return Decision(False, "need-to-know compartment")
    if labels.warrant and not warrant_in_force:
        return Decision(False, f"warrant {labels.warrant} not in force for purpose {viewer.purpose!r}")
    if action in RELEASE_ACTIONS and labels.orcon and labels.agency != viewer.agency:
        return Decision(False, "originator control: only the originating agency may release it")
    return Decision(True, "allowed")


def statement_clause(viewer: Viewer, table: Table, action: str = "read", now: str | None = None) -> ColumnElement[bool]:
    """SQL predicate over a table with label columns: rows the viewer may act on."""
    if not may(viewer, action):
        return false()
    c = table.c
    releasable = or_(
        c.agency == viewer.agency,
        c.releasable_to == ANY_AGENCY,
        (literal(",") + c.releasable_to + literal(",")).contains(f",{viewer.agency},"),
    )
    compartment = c.compartment.is_(None)
    if viewer.compartments:
        compartment = or_(compartment, c.compartment.in_(sorted(viewer.compartments)))
    clause = and_(
        c.classification <= int(viewer.clearance),
        releasable,
        compartment,
        or_(c.warrant.is_(None), c.warrant.in_(usable_warrants(viewer, now))),
    )
    if action in RELEASE_ACTIONS:
        clause = and_(clause, or_(c.orcon == false(), c.agency == viewer.agency))
    return clause


def usable_warrants(viewer: Viewer, now: str | None = None):
    """Warrants whose statements the viewer may use now: in force, or allowing the purpose."""
    now = now or utc_now()
    in_force = and_(warrants.c.revoked_at.is_(None), warrants.c.expires_at > now)
    purpose_allowed = (
        (literal(",") + warrants.c.allowed_uses + literal(",")).contains(f",{viewer.purpose},")
        if viewer.purpose
        else false()
    )
    return select(warrants.c.id).where(or_(in_force, purpose_allowed))
