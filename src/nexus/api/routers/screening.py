"""Screening names against the lists the caller may see: one query, or a batch."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, Json, field_validator

from nexus.api.deps import ReadingViewerDep, StoreDep, settle_queued
from nexus.errors import InvalidInput
from nexus.service.identity import Viewer
from nexus.service.screening import (
    MAX_NAME_LENGTH, SCREEN_THRESHOLD, check_birth_date, check_schemata, query_table, screen,
)
from nexus.service.workspace import Store

router = APIRouter(prefix="/screen", tags=["screening"])
MAX_BATCH = 1000


class Query(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Ayman al-Zawahiri"])
    birth_date: str | None = Field(None, max_length=64, examples=["1951-06-19", "1951", "1950/1955"])
    nationality: str | None = Field(None, max_length=64, examples=["eg", "Egypt"])
    gender: str | None = Field(None, max_length=16, examples=["male"])
    document: str | None = Field(None, max_length=64, description="passport or identity document number")
    schema_: str | None = Field(None, alias="schema", max_length=64, examples=["Person", "Organization", "Company"])

    @field_validator("birth_date")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        if value is not None:
            check_birth_date(value)
        return value

    @field_validator("schema_")
    @classmethod
    def _screenable(cls, value: str | None) -> str | None:
        if value is not None:
            check_schemata([value])
        return value


class Options(BaseModel):
    threshold: float = Field(SCREEN_THRESHOLD, ge=0.0, le=1.0)
    limit: int = Field(10, ge=1, le=100, description="hits per query at most")
    lists: list[str] | None = Field(None, description="list sources to screen against (default: all)")
    alerts: bool = Field(False, description="raise each hit as an alert to review (GET /api/v1/alerts)")


class ScreenRequest(Query, Options):
    pass


class BatchQuery(Query):
    id: str = Field(min_length=1, max_length=256, description="your reference for this query")


class BatchRequest(Options):
    queries: list[BatchQuery] = Field(min_length=1, max_length=MAX_BATCH)


class ScreenHit(BaseModel):
    entity_id: str
    score: float
    name_score: float
    caption: str
    schema_: str = Field(alias="schema")
    source: str
    explanation: str
    features: Json[list[dict[str, Any]]] = Field(
        description="the explanation as data: each feature (name, birth_date, nationality, gender, document, and "
                    "document_identity where the query carries a listed person's document number and birth date) with "
                    "its score, weight, the values compared and, for names, the aligned parts and whether a weak alias "
                    "matched")
    fingerprint: str
    alert_id: int | None = Field(None, description="the alert raised for this hit, when asked for")
    alert_state: str | None = None


class ScreenResponse(BaseModel):
    query_key: str | None
    hits: list[ScreenHit]


class BatchResult(ScreenResponse):
    id: str


class BatchResponse(BaseModel):
    results: list[BatchResult] = Field(description="one per query, in the order given")


@router.post("", response_model=ScreenResponse, response_model_by_alias=True)
def screen_one(body: ScreenRequest, request: Request, store: StoreDep, viewer: ReadingViewerDep) -> dict:
    """Hits for one query, best first, each with its score and explanation; review them as alerts
    (`alerts: true`, then POST /api/v1/alerts/{id}/review)."""
    hits = _screen(request, store, viewer, body, [body.model_dump(by_alias=True)])
    # A dict: FastAPI validates it against the response model once (a model would be dumped and validated again).
    return {"query_key": hits[0]["query_key"] if hits else None, "hits": hits}


@router.post("/batch", response_model=BatchResponse, response_model_by_alias=True)
def screen_many(body: BatchRequest, request: Request, store: StoreDep, viewer: ReadingViewerDep) -> dict:
    """Hits for up to 1,000 queries in one request, grouped per query in the order given."""
    ids = [q.id for q in body.queries]
    if len(set(ids)) != len(ids):
        raise InvalidInput("queries: every query needs its own id")
    hits = _screen(request, store, viewer, body, [q.model_dump(by_alias=True) for q in body.queries])
    by_query: dict[str, list[dict]] = {}
    for hit in hits:
        by_query.setdefault(hit["query_id"], []).append(hit)
    return {"results": [{"id": i, "query_key": by_query[i][0]["query_key"] if i in by_query else None,
                         "hits": by_query.get(i, [])} for i in ids]}


def _screen(request: Request, store: Store, viewer: Viewer, options: Options, queries: list[dict]) -> list[dict]:
    if options.alerts:  # raising alerts writes: the token's use goes into the trail first
        settle_queued(request, store)
    index = request.app.state.indexes.get(store, viewer, options.lists)
    return screen(store, viewer, query_table(*queries), options.threshold, options.lists, index, options.limit,
                  alerts=options.alerts).to_pylist()
