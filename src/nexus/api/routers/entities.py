"""Entities as the caller may see them: search, one entity with the provenance of every value, the sources."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from nexus.api.deps import PageDep, ReadingViewerDep, StoreDep, ViewerDep, page, page_of_all
from nexus.api.models import Page
from nexus.errors import NotFound
from nexus.service.entities import entity_record
from nexus.service.ingest import list_sources
from nexus.service.search import count_visible, search

router = APIRouter(tags=["entities"])


class Found(BaseModel):
    entity_id: str
    schema_: str = Field(alias="schema")
    caption: str
    names: list[str]
    topics: list[str]


class Value(BaseModel):
    value: str
    original_value: str | None
    lang: str | None
    source: str
    agency: str
    classification: str
    releasable_to: str
    compartment: str | None
    orcon: bool
    warrant: str | None
    legal_basis: str | None
    first_seen: str
    last_seen: str
    statement_id: str
    entity_id: str = Field(description="the source record this value came from (resolution merges records)")


class Entity(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    topics: list[str]
    properties: dict[str, list[Value]] = Field(description="every visible value, with its provenance and labels")
    records: list[str] = Field(description="the source records merged into this entity")
    withheld: int = Field(description="statements that exist but a warrant withholds from this caller now")


class Source(BaseModel):
    name: str
    format: str
    is_list: bool
    agency: str
    classification: str


class Stats(BaseModel):
    statements: int
    entities: dict[str, int]
    sources: dict[str, int]


@router.get("/entities", response_model=Page[Found], response_model_by_alias=True)
def search_entities(store: StoreDep, viewer: ReadingViewerDep, paging: PageDep,
                    q: Annotated[str, Query(min_length=1, max_length=500, description="words of a name")]) -> dict:
    """Entities whose names contain every word of `q`, among those the caller may see."""
    found = search(store, viewer, q, paging.offset + paging.limit + 1)[paging.offset:]
    return page([{"entity_id": r.entity_id, "schema": r.schema, "caption": r.caption, "names": r.names,
                  "topics": r.topics} for r in found], paging)


@router.get("/entities/{entity_id}", response_model=Entity, response_model_by_alias=True)
def entity(entity_id: str, store: StoreDep, viewer: ReadingViewerDep) -> dict:
    """One entity by its canonical id or any source record's id: each value with its source, agency,
    classification and dates. What the caller may not see is absent."""
    found = entity_record(store, viewer, entity_id)
    if found is None:
        raise NotFound(f"entity {entity_id!r} not found", audited=True)  # the read is in the trail, found nothing
    return found


@router.get("/sources", response_model=Page[Source], tags=["ingest"])
def sources(store: StoreDep, viewer: ViewerDep, paging: PageDep) -> dict:
    """The registered sources whose data the caller may read, with their default labels and whether each is a list
    to screen against."""
    return page_of_all(list_sources(store, viewer), paging)


@router.get("/stats", response_model=Stats)
def stats(store: StoreDep, viewer: ViewerDep) -> dict:
    """How many statements, entities by schema and statements by source the caller may see."""
    return count_visible(store, viewer)
