"""Who decides an alert: the viewer, or another agency alone (an alert about that agency's own holdings or question,
`model.alerts.subject_agency`), which the viewer may still read. The review queue lists by it."""

from sqlalchemy import ColumnElement, and_, false, not_, or_

from nexus.errors import InvalidInput
from nexus.model.alerts import AGENCY_KINDS, AGENCY_SUBJECTS, subject_agency
from nexus.security.policy import may
from nexus.security.viewer import Viewer
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


def decider_clause(viewer: Viewer, decider: str) -> ColumnElement[bool] | None:
    """The alerts `decider` decides: the viewer (`mine`: none without the judge role), another agency alone
    (`others`), or `anyone` (no condition)."""
    if decider not in DECIDERS:
        raise InvalidInput(f"decider must be one of {', '.join(DECIDERS)}, not {decider!r}", field="decider")
    if decider == ANYONE:
        return None
    if decider == OTHERS:
        return _another_agencys(viewer)
    return not_(_another_agencys(viewer)) if may(viewer, "judge") else false()


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
