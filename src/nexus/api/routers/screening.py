"""Screening one query against the lists the caller may see, and judging its hits."""

import pyarrow as pa
from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from nexus.api.deps import StoreDep, ViewerDep
from nexus.screen import SCREEN_THRESHOLD
from nexus.screen.query import QUERY_FIELDS
from nexus.service.screening import DECISIONS, judge_hit, screen

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


class ScreenHit(BaseModel):
    entity_id: str
    score: float
    name_score: float
    caption: str
    schema_: str = Field(alias="schema")
    source: str
    explanation: str
    fingerprint: str


class ScreenResponse(BaseModel):
    query_key: str | None
    hits: list[ScreenHit]


class HitJudgement(BaseModel):
    query_key: str
    entity_id: str
    fingerprint: str
    decision: str = Field(examples=list(DECISIONS))
    reason: str | None = None


@router.post("", response_model=ScreenResponse, response_model_by_alias=True)
def screen_query(body: ScreenRequest, request: Request, store: StoreDep, viewer: ViewerDep) -> ScreenResponse:
    """Hits for one query, best first, each with its score, explanation and the fingerprint to judge it by."""
    index = request.app.state.indexes.get(store, viewer, body.lists)
    fields = body.model_dump(by_alias=True)
    query = pa.table({name: pa.array([fields.get(name)], pa.string()) for name in QUERY_FIELDS if name != "id"})
    hits = screen(store, viewer, query, body.threshold, body.lists, index, body.limit).to_pylist()
    return ScreenResponse(
        query_key=hits[0]["query_key"] if hits else None,
        hits=[ScreenHit.model_validate(hit) for hit in hits],
    )


@router.post("/judgements", status_code=status.HTTP_204_NO_CONTENT)
def judge(body: HitJudgement, store: StoreDep, viewer: ViewerDep) -> None:
    """Record a decision on a hit; a dismissed hit is not raised again for that query until the listed data changes."""
    judge_hit(store, viewer, body.query_key, body.entity_id, body.fingerprint, body.decision, body.reason)
