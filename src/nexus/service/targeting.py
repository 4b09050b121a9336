"""Targeting rules under maker–checker: one person proposes a version, a second, authorised one
approves it before it runs; every version is kept and every step audited.

States of a version: proposed → approved (it runs; an earlier approved version is superseded) or
rejected; an approved version can be retired (nothing of that name runs until a new one is approved).

A rule is its author's agency's: only that agency's people list it and propose versions of it, only a
supervisor of that agency (not the author) approves, rejects or retires it, and it runs on that agency's
intake only (`active_rules(store, agency)`), its hits that agency's alerts. To anyone else it does not
exist: what they ask of it is answered "no such rule", and the refusal is audited as "not found" just as for
a rule that does not exist. A name is its agency's (the key is agency, name, version): two agencies may each
have a rule of the same name, and neither learns of the other's.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, and_, func, insert, select, update

from nexus.detect.targeting import Rule, RuleRefused, parse_rule
from nexus.errors import Conflict, Forbidden, InvalidInput, NotFound
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import targeting_rules

T = targeting_rules.c
log = logging.getLogger(__name__)

__all__ = ["RuleRefused", "active_rules", "decide_rule", "lint_rule", "list_rules", "propose_rule", "retire_rule"]


def lint_rule(text: str) -> list[str]:
    """The linter's objections to a rule (none: it may be proposed)."""
    try:
        parse_rule(text)
    except RuleRefused as exc:
        return exc.problems
    return []


def propose_rule(store: Store, viewer: Viewer, text: str) -> dict:
    """Store a new version of the rule the YAML names, as proposed; refused whole if the linter objects."""
    require(viewer, "rules.propose")
    try:
        rule = parse_rule(text)
    except RuleRefused as exc:
        audit.log_event(store, viewer, "rules.propose", {"refused": exc.problems}, [], outcome="refused")
        raise InvalidInput("rule refused: " + "; ".join(exc.problems)) from None
    with store.engine.begin() as conn:
        version = (conn.execute(select(func.max(T.version)).where(_own(viewer, rule.name))).scalar() or 0) + 1
        row = dict(name=rule.name, version=version, definition=text, state="proposed", author=viewer.user,
                   agency=viewer.agency, proposed_at=utc_now())
        conn.execute(insert(targeting_rules).values(**row))
        audit.append(conn, viewer, "rules.propose", {"name": rule.name, "version": version}, [f"{rule.name}@{version}"])
    return row


def decide_rule(store: Store, viewer: Viewer, name: str, version: int, approve: bool, reason: str) -> dict:
    """Approve or reject a proposed version of one of the viewer's agency's rules. A version that is not the
    agency's (absent, or another agency's) is refused NotFound, audited as "not found" the same either way."""
    require(viewer, "rules.approve")
    if not reason or not reason.strip():
        raise InvalidInput("a decision on a rule needs its reason")
    asked = {"name": name, "version": version, "approve": approve, "reason": reason}
    with _audited_not_found(store, viewer, "rules.decide", asked), store.engine.begin() as conn:
        row = conn.execute(select(targeting_rules).where(_own(viewer, name), T.version == version)).mappings().first()
        if row is None:
            raise NotFound(f"no rule {name} version {version}")
        if row["author"] == viewer.user:
            raise Forbidden("the author of a rule may not approve it: a second person checks it")
        if row["state"] != "proposed":
            raise Conflict(f"{name} version {version} is {row['state']}, not proposed")
        running = conn.execute(select(T.version).where(_own(viewer, name), T.state == "approved")).scalar()
        if approve and running is not None and running > version:
            raise Conflict(f"{name} version {running} is approved and newer than version {version}: "
                           "propose the change again on top of it")
        # linted when proposed; linted again, as the linter's word lists may since have grown
        problems = lint_rule(row["definition"]) if approve else []
        if problems:
            raise InvalidInput("rule no longer passes the linter: " + "; ".join(problems))
        if approve:
            conn.execute(update(targeting_rules).where(_own(viewer, name), T.state == "approved").values(
                state="superseded"))
        values = dict(state="approved" if approve else "rejected", decided_by=viewer.user, decided_at=utc_now(),
                      reason=reason.strip())
        conn.execute(update(targeting_rules).where(_own(viewer, name), T.version == version).values(**values))
        approved = conn.execute(select(func.count()).where(_own(viewer, name), T.state == "approved")).scalar()
        if approved > 1:  # another approval committed meanwhile: one version runs at a time
            raise Conflict(f"another version of {name} was approved meanwhile; decide again")
        audit.append(conn, viewer, "rules.decide", {"name": name, "version": version, **values}, [f"{name}@{version}"])
    return dict(row) | values


def retire_rule(store: Store, viewer: Viewer, name: str, reason: str) -> None:
    """Retire the approved version of one of the viewer's agency's rules; none (absent, or another agency's):
    NotFound, audited as "not found" the same either way."""
    require(viewer, "rules.approve")
    if not reason or not reason.strip():
        raise InvalidInput("retiring a rule needs its reason")
    with _audited_not_found(store, viewer, "rules.retire", {"name": name, "reason": reason}), \
            store.engine.begin() as conn:
        changed = conn.execute(update(targeting_rules).where(_own(viewer, name), T.state == "approved").values(
            state="retired", decided_by=viewer.user, decided_at=utc_now(), reason=reason.strip())).rowcount
        if not changed:
            raise NotFound(f"no approved rule {name}")
        audit.append(conn, viewer, "rules.retire", {"name": name, "reason": reason}, [name])


def list_rules(store: Store, viewer: Viewer) -> list[dict]:
    """Every version of the viewer's agency's rules."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(targeting_rules).where(T.agency == viewer.agency).order_by(
            T.name, T.version)).mappings()]
    audit.log_event(store, viewer, "rules.list", {}, [f"{r['name']}@{r['version']}" for r in rows])
    return rows


def active_rules(store: Store, agency: str) -> list[tuple[str, Rule]]:
    """The approved version of each of an agency's rules, keyed name@version: what runs on that agency's intake,
    raising that agency's alerts. A version the linter now refuses (its word lists grew since the approval) does
    not run; `nexus travel rules list` shows it."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(T.name, T.version, T.definition).where(T.state == "approved",
                                                                           T.agency == agency)).all()
    runnable = []
    for name, version, text in rows:
        try:
            runnable.append((f"{name}@{version}", parse_rule(text)))
        except RuleRefused as exc:
            log.warning("targeting rule %s@%s is approved but the linter now refuses it: %s", name, version, exc)
    return runnable


@contextmanager
def _audited_not_found(store: Store, viewer: Viewer, action: str, asked: dict) -> Iterator[None]:
    """A NotFound raised within (its transaction rolled back) is audited as "not found" in a record of its own,
    citing nothing: the same record whether the rule is absent or another agency's."""
    try:
        yield
    except NotFound as exc:
        if exc.audited:
            raise
        audit.log_event(store, viewer, action, asked, [], outcome="not found")
        raise NotFound(*exc.args, audited=True) from None


def _own(viewer: Viewer, name: str) -> ColumnElement[bool]:
    """The versions of the rule of that name that are the viewer's agency's: any other agency's are no rule to it."""
    return and_(T.name == name, T.agency == viewer.agency)
