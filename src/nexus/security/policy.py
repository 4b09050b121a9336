"""The one policy decision point.

A statement is visible to a viewer when every security dimension allows it:
- classification ≤ the viewer's clearance (ordered dimension);
- the viewer's agency originated it, or it is releasable to that agency (``*`` = any);
- it has no compartment, or the viewer is a member of that compartment (need-to-know);
- it was not collected under a warrant, or the warrant is in force (issued, not yet
  expired, not revoked), or — after expiry or revocation — the viewer's purpose is one
  of the uses the warrant still allows. A warrant the store does not know is never usable.
Roles decide which actions a viewer may take at all; an API token narrows that further
to its scopes. Releasing data outside the system (export, dissemination) also honours
originator control (ORCON).

``decide`` answers for one record; ``statement_clause`` is the same rule as SQL, so
filtering happens in the database and counts never include what a viewer cannot see.
"""

import functools
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, Select, String, Table, and_, bindparam, false, literal, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from nexus.errors import Forbidden
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
    "ingest": ("analyst", "targeter", "supervisor", "administrator"),
    "judge": INTEL_ROLES,
    "resolve": ("analyst", "supervisor"),
    "audit.read": ("oversight",),
    "audit.verify": ("oversight", "administrator"),
    "users.manage": ("administrator",),
    "warrants.manage": ("supervisor", "administrator"),
    "rules.propose": ("targeter", "analyst", "supervisor"),
    "rules.approve": ("supervisor",),  # never the rule's own author: maker-checker
    "unmask.request": INTEL_ROLES,
    "unmask.approve": ("supervisor", "oversight"),  # never the requester
    "retention.run": ("administrator", "oversight"),
    "retention.report": ("oversight", "administrator"),
    "cases.manage": INTEL_ROLES,  # open cases, add to them; their team and state: the opener or a supervisor
}

RELEASE_ACTIONS = frozenset({"export"})

WORKSPACE_AGENCY = "LOCAL"  # the workspace's own owner (a laptop's local owner, a synthetic world's loader): no agency


def acts_for_every_agency(viewer: Viewer) -> bool:
    """The workspace's owner: an administrator of no agency (`WORKSPACE_AGENCY`), who loads every agency's files
    (a synthetic world's) and manages every agency's users and warrants. Only they make such an account: another
    administrator manages their own agency's users alone."""
    return viewer.agency == WORKSPACE_AGENCY and viewer.has_role("administrator")


class AccessDenied(Forbidden):
    pass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def role_actions(roles: frozenset[str] | set[str]) -> set[str]:
    """Every action some role in ``roles`` permits."""
    return {action for action, allowed in ACTIONS.items() if set(allowed) & set(roles)}


def may(viewer: Viewer, action: str) -> bool:
    if viewer.scopes is not None and action not in viewer.scopes:
        return False
    return viewer.has_role(*ACTIONS[action])


def require(viewer: Viewer, action: str) -> None:
    if not may(viewer, action):
        if viewer.scopes is not None and action not in viewer.scopes:
            raise AccessDenied(f"{viewer.user}: this API token is not scoped for {action}")
        raise AccessDenied(f"{viewer.user} ({', '.join(sorted(viewer.roles))}) may not {action}")


def decide(viewer: Viewer, labels: Labels, action: str, warrant_in_force: bool = True) -> Decision:
    """Whether ``viewer`` may take ``action`` on a record carrying ``labels``.

    ``warrant_in_force`` is whether ``labels.warrant`` is usable by this viewer now
    (see ``nexus.security.warrants.warrant_usable``).
    """
    if not may(viewer, action):
        return Decision(False, f"role or token scope does not permit {action}")
    if labels.classification > viewer.clearance:
        return Decision(False, "classification above clearance")
    if (
        labels.agency != viewer.agency
        and ANY_AGENCY not in labels.releasable_to
        and viewer.agency not in labels.releasable_to
    ):
        return Decision(False, "not releasable to the viewer's agency")
    if labels.compartment and labels.compartment not in viewer.compartments:
        return Decision(False, "need-to-know compartment")
    if labels.warrant and not warrant_in_force:
        return Decision(False, f"warrant {labels.warrant} not in force for purpose {viewer.purpose!r}")
    if action in RELEASE_ACTIONS and labels.orcon and labels.agency != viewer.agency:
        return Decision(False, "originator control: only the originating agency may release it")
    return Decision(True, "allowed")


class _position(FunctionElement):
    """1-based position of a substring, 0 when absent: exact and case-sensitive on
    every dialect (LIKE is case-insensitive on SQLite and treats % and _ as wildcards)."""

    type = Integer()
    inherit_cache = True


@compiles(_position)
def _position_default(element, compiler, **kw):
    needle, haystack = list(element.clauses)
    return f"instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


@compiles(_position, "postgresql")
def _position_postgresql(element, compiler, **kw):
    needle, haystack = list(element.clauses)
    return f"strpos({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


def _in_list(column: ColumnElement, item: str) -> ColumnElement[bool]:
    """``item`` is one element of a comma-separated list column."""
    if "," in item:
        return false()
    return _position(literal(f",{item},"), literal(",") + column + literal(",")) > 0


def label_clause(viewer: Viewer, table: Table, action: str = "read") -> ColumnElement[bool]:
    """Every dimension except the warrant: what the viewer's clearance, agency,
    compartments and (for releases) ORCON allow."""
    c = table.c
    releasable = or_(c.agency == viewer.agency, _in_list(c.releasable_to, ANY_AGENCY), _in_list(c.releasable_to, viewer.agency))
    compartment: ColumnElement[bool] = c.compartment.is_(None)
    if viewer.compartments:
        compartment = or_(compartment, c.compartment.in_(sorted(viewer.compartments)))
    clause = and_(c.classification <= int(viewer.clearance), releasable, compartment)
    if action in RELEASE_ACTIONS:
        clause = and_(clause, or_(c.orcon == false(), c.agency == viewer.agency))
    return clause


def statement_clause(viewer: Viewer, table: Table, action: str = "read", now: str | None = None) -> ColumnElement[bool]:
    """SQL predicate over a table with label columns: rows the viewer may act on (with warrants judged at `now`,
    by default when the query runs)."""
    if now is None:
        return _statement_clause_now(viewer, table, action)
    return _statement_clause(viewer, table, action, now)


@functools.lru_cache(maxsize=1024)
def _statement_clause_now(viewer: Viewer, table: Table, action: str) -> ColumnElement[bool]:
    # Building the predicate costs more than running it on a small query (a millisecond and more of Python per
    # read); it is the same for the same viewer until the query runs, where `usable_warrants` reads the clock.
    return _statement_clause(viewer, table, action, None)


def _statement_clause(viewer: Viewer, table: Table, action: str, now: str | None) -> ColumnElement[bool]:
    if not may(viewer, action):
        return false()
    c = table.c
    return and_(
        label_clause(viewer, table, action),
        or_(c.warrant.is_(None), c.warrant.in_(usable_warrants(viewer, now))),
    )


def warrant_withheld_clause(viewer: Viewer, table: Table, action: str = "read", now: str | None = None) -> ColumnElement[bool]:
    """Rows the viewer would see were it not for their warrant: the refusals to audit."""
    if not may(viewer, action):
        return false()
    c = table.c
    return and_(
        label_clause(viewer, table, action),
        c.warrant.is_not(None),
        not_(c.warrant.in_(usable_warrants(viewer, now))),
    )


def usable_warrants(viewer: Viewer, now: str | None = None) -> Select:
    """Warrants whose statements the viewer may use at `now` (by default: when the query runs): in force, or
    allowing the purpose."""
    # A callable either way: statements that differ only in the time share one compiled form, which evaluates
    # the callable of the statement being run (a plain value there would be taken for the first one's).
    at = bindparam(None, callable_=(lambda: now) if now else utc_now, type_=String())
    w = warrants.c
    in_force = and_(w.revoked_at.is_(None), w.expires_at > at)
    purpose_allowed = _in_list(w.allowed_uses, viewer.purpose) if viewer.purpose.strip() else false()
    return select(w.id).where(w.issued_at <= at, or_(in_force, purpose_allowed))
