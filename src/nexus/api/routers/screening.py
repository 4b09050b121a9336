"""Screening one query against the lists the caller may see."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, Json

from nexus.api.deps import StoreDep, ViewerDep
from nexus.service.screening import SCREEN_THRESHOLD, query_table, screen

router = APIRouter(prefix="/screen", tags=["screening"])


class ScreenRequest(BaseModel):
    name: str = Field(min_length=1, examples=["Ayman al-Zawahiri"])
    birth_date: str | None = Field(None, examples=["1951-06-19", "1951", "1950/1955"])
    nationality: str | None = Field(None, examples=["eg", "Egypt"])
    gender: str | None = Field(None, examples=["male"])
    document: str | None = Field(None, description="passport or identity document number")
    schema_: str | None = Field(None, alias="schema", examples=["Person", "Organization", "Company"])
    threshold: float = Field(SCREEN_THRESHOLD, ge=0.0, le=1.0)
    limit: int = Field(10, ge=1, le=100)
    lists: list[str] | None = Field(None, description="list sources to screen against (default: all)")
    alerts: bool = Field(False, description="raise each hit as an alert to review (GET /alerts)")


class ScreenHit(BaseModel):
    entity_id: str
    score: float
    name_score: float
    caption: str
    schema_: str = Field(alias="schema")
    source: str
    explanation: str
    features: Json[list[dict[str, Any]]] = Field(
        description="the explanation as data: each feature (name, birth_date, nationality, gender, document) with its "
                    "score, weight, the values compared and, for names, the aligned parts and whether a weak alias matched")
    fingerprint: str
    alert_id: int | None = Field(None, description="the alert raised for this hit, when asked for")
    alert_state: str | None = None


class ScreenResponse(BaseModel):
    query_key: str | None
    hits: list[ScreenHit]


@router.post("", response_model=ScreenResponse, response_model_by_alias=True)
def screen_query(body: ScreenRequest, request: Request, store: StoreDep, viewer: ViewerDep) -> ScreenResponse:
    """Hits for one query, best first, each with its score and explanation; review them as alerts
    (`alerts: true`, then POST /alerts/{id}/review)."""
    index = request.app.state.indexes.get(store, viewer, body.lists)
    query = query_table(body.model_dump(by_alias=True))
    hits = screen(store, viewer, query, body.threshold, body.lists, index, body.limit, alerts=body.alerts).to_pylist()
    return ScreenResponse(
        query_key=hits[0]["query_key"] if hits else None,
        hits=[ScreenHit.model_validate(hit) for hit in hits],
    )
