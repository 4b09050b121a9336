"""The alert review queue: list, count, show and review the alerts the caller may see."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from nexus.api.deps import PageDep, StoreDep, ViewerDep, page
from nexus.api.models import Id, Page
from nexus.model.alerts import STATES
from nexus.model.labels import Classification
from nexus.service.alert_deciders import ANYONE, DECIDERS
from nexus.service.alerts import DECISIONS, alert_counts, get_alert, list_alerts, review_alert

router = APIRouter(prefix="/alerts", tags=["alerts"])
Decider = Literal[DECIDERS]  # one of alert_deciders.DECIDERS


class AlertLabels(BaseModel):
    classification: str
    releasable_to: str
    compartments: str
    orcon: bool
    warrants: str


class Alert(BaseModel):
    id: int
    kind: str
    title: str
    score: float | None
    state: str = Field(examples=list(STATES))
    subject: str
    fingerprint: str
    first_raised: str
    last_raised: str
    raised_by: str
    labels: AlertLabels


class Review(BaseModel):
    previous_state: str
    state: str
    reason: str | None
    username: str
    agency: str
    at: str


class CitedEvidence(BaseModel):
    ref_kind: str = Field(examples=["statement", "transaction", "query"])
    ref_id: str
    entity_id: str | None
    agency: str
    classification: str = Field(examples=["RESTRICTED"])
    releasable_to: str
    compartment: str | None
    orcon: bool
    warrant: str | None


class AlertDetail(Alert):
    explanation: dict[str, Any]
    evidence: list[CitedEvidence]
    history: list[Review]


class ReviewRequest(BaseModel):
    decision: str = Field(examples=list(DECISIONS))
    reason: str = Field(min_length=1, max_length=4000, description="why: every decision is recorded with its reason")
    expected_state: str | None = Field(None, description="refuse (409) if someone changed the state meanwhile")


class KindState(BaseModel):
    kind: str
    state: str
    count: int


class KindDay(BaseModel):
    day: str
    kind: str
    count: int


class Counts(BaseModel):
    by_state: list[KindState]
    by_day: list[KindDay]


@router.get("", response_model=Page[Alert])
def alerts(
    store: StoreDep,
    viewer: ViewerDep,
    paging: PageDep,
    kind: str | None = None,
    state: Annotated[str | None, Query(description=f"one of {', '.join(STATES)}")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
    entity: str | None = Query(None, description="alerts citing this entity id"),
    decider: Annotated[Decider, Query(description="who decides them: the caller (mine), another agency alone "
                                                  "(others: alerts about its own holdings or question), anyone")]
    = ANYONE,
) -> dict:
    """Alerts the caller may see all the evidence of, best score first."""
    return page(list_alerts(store, viewer, kind, state, min_score, entity, paging.limit + 1, paging.offset, decider),
                paging)


@router.get("/counts", response_model=Counts)
def counts(store: StoreDep, viewer: ViewerDep,
           since: Annotated[date | None, Query(description="first raised on or after this date (YYYY-MM-DD)")] = None,
           ) -> dict:
    """The visible alerts by kind and state, and how many were first raised each day, by kind."""
    return alert_counts(store, viewer, since.isoformat() if since else None)


@router.get("/{alert_id}", response_model=AlertDetail)
def alert(alert_id: Id, store: StoreDep, viewer: ViewerDep) -> dict:
    """One alert with its structured explanation, the evidence it cites (each with its labels) and its review
    history."""
    found = get_alert(store, viewer, alert_id)
    return found | {"evidence": [_named(e) for e in found["evidence"]]}


def _named(evidence: dict) -> dict:
    """A piece of evidence with its classification by name, as every label is shown."""
    return evidence | {"classification": Classification(evidence["classification"]).name}


@router.post("/{alert_id}/review", response_model=Alert)
def review(alert_id: Id, body: ReviewRequest, store: StoreDep, viewer: ViewerDep) -> dict:
    """Confirm, dismiss, mark unsure, escalate or re-open an alert, with the reason for the decision."""
    return review_alert(store, viewer, alert_id, body.decision, body.reason, body.expected_state)
