"""The review queue as one viewer works it: the alerts they may decide apart from those only another agency decides
(an alert about that agency's own holdings or question, `model.alerts.subject_agency`), which they may still read."""

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true

from nexus.errors import InvalidInput
from nexus.model.alerts import AGENCY_KINDS, AGENCY_SUBJECTS, OPEN, STATES, subject_agency
from nexus.security import audit
from nexus.security.policy import may, require
from nexus.security.viewer import Viewer
from nexus.service.alerts import alert_summary, follow_labels, visible_clause
from nexus.store import Store
from nexus.store.schema import alerts

A = alerts.c
MINE, OTHERS, ANYONE = "mine", "others", "anyone"
DECIDERS = (MINE, OTHERS, ANYONE)


def decided_by(viewer: Viewer, alert: dict) -> str | None:
    """The agency that alone decides this alert, when it is not the viewer's."""
    owner = subject_agency(alert["kind"], alert["subject"])
    return owner if owner not in (None, viewer.agency) else None


def may_decide(viewer: Viewer, alert: dict) -> bool:
    return may(viewer, "judge") and decided_by(viewer, alert) is None


def list_queue(store: Store, viewer: Viewer, kind: str | None = None, state: str | None = None,
               decider: str = MINE, limit: int = 50, offset: int = 0) -> list[dict]:
    """The alerts the viewer may see and that `decider` decides (the viewer: `mine`; another agency alone:
    `others`; `anyone`), best score first, newest first among equals."""
    require(viewer, "read")
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}, not {state!r}", field="state")
    follow_labels(store)
    query = select(alerts).where(visible_clause(viewer), _decided_by(viewer, decider))
    if kind:
        query = query.where(A.kind == kind)
    if state:
        query = query.where(A.state == state)
    query = query.order_by(A.score.desc().nulls_last(), A.last_raised.desc(), A.id).limit(limit).offset(offset)
    with store.engine.connect() as conn:
        rows = [alert_summary(r) for r in conn.execute(query).mappings()]
    audit.log_event(store, viewer, "alerts.list", {"kind": kind, "state": state, "decider": decider, "limit": limit,
                                                   "offset": offset}, [str(r["id"]) for r in rows])
    return rows


def open_to_decide(store: Store, viewer: Viewer) -> dict[str, int]:
    """By kind, how many open alerts the viewer may decide: what `list_queue` lists of them by default."""
    require(viewer, "read")
    follow_labels(store)
    query = (select(A.kind, func.count()).where(visible_clause(viewer), _decided_by(viewer, MINE), A.state == OPEN)
             .group_by(A.kind))
    with store.engine.connect() as conn:
        counts = dict(conn.execute(query).all())
    audit.log_event(store, viewer, "alerts.counts", {"state": OPEN, "decider": MINE}, [])
    return counts


def _decided_by(viewer: Viewer, decider: str) -> ColumnElement[bool]:
    if decider not in DECIDERS:
        raise InvalidInput(f"decider must be one of {', '.join(DECIDERS)}, not {decider!r}", field="decider")
    mine = not_(_another_agencys(viewer)) if may(viewer, "judge") else false()
    return {MINE: mine, OTHERS: not_(mine), ANYONE: true()}[decider]


def _another_agencys(viewer: Viewer) -> ColumnElement[bool]:
    """Alerts whose subject names an agency other than the viewer's, as `subject_agency` reads it: `<about>/<agency>`
    or `<about>/<agency>/…` with a non-empty agency."""
    named, own = [], []
    for about in AGENCY_SUBJECTS:
        named.append(and_(A.subject.startswith(f"{about}/", autoescape=True), A.subject != f"{about}/",
                          not_(A.subject.startswith(f"{about}//", autoescape=True))))
        own.append(or_(A.subject == f"{about}/{viewer.agency}",
                       A.subject.startswith(f"{about}/{viewer.agency}/", autoescape=True)))
    return and_(A.kind.in_(AGENCY_KINDS), or_(*named), not_(or_(*own)))
