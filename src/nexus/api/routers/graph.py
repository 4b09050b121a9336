"""The link graph as the caller may see it: an entity's neighbourhood, nexus paths, brokers, communities, exports."""

from datetime import date
from io import BytesIO
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nexus.api.deps import ReadingViewerDep, StoreDep, ViewerDep
from nexus.service.links import (
    CRIME_SIDE, LINKS, TERROR_SIDE, Side, neighbours, nexus_brokers, nexus_communities, nexus_paths,
)
from nexus.service.links_export import FORMATS, export_graph

router = APIRouter(prefix="/graph", tags=["graph"])
MEDIA_TYPES = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "ftm": "application/x-ndjson",
               "csv": "text/csv", "anx": "application/xml"}

FromTopic = Annotated[list[str], Query(description="one side: entities with these topics (prefixes match); "
                                                   "default crime.terror and terror sanctions")]
FromEntity = Annotated[list[str], Query(description="one side: these entities")]
ToTopic = Annotated[list[str], Query(description="the other side: topics; default crime.traffick, crime.boss, crime …")]
ToEntity = Annotated[list[str], Query(description="the other side: these entities")]
Hops = Annotated[int, Query(ge=1, le=LINKS.max_hops)]


async def question(from_topic: FromTopic = [], from_entity: FromEntity = [], to_topic: ToTopic = [],  # noqa: B006
                   to_entity: ToEntity = []) -> tuple[Side, Side]:  # noqa: B006
    """The two sides of a nexus question; by default terrorism on one, organised crime on the other."""
    source, target = Side(tuple(from_topic), tuple(from_entity)), Side(tuple(to_topic), tuple(to_entity))
    return TERROR_SIDE if source.empty else source, CRIME_SIDE if target.empty else target


Question = Annotated[tuple[Side, Side], Depends(question)]


@router.get("/neighbourhood/{entity_id}")
def neighbourhood(
    entity_id: str, request: Request, store: StoreDep, viewer: ReadingViewerDep,
    per_type: Annotated[int, Query(ge=1, le=500, description="ties per type at most; the rest are counted")] = 25,
    type: Annotated[list[str], Query(description="only ties of these types")] = [],  # noqa: B006 (FastAPI copies it)
    since: Annotated[date | None, Query(description="evidence on or after (YYYY-MM-DD)")] = None,
    until: Annotated[date | None, Query(description="evidence before (YYYY-MM-DD)")] = None,
    source: Annotated[str, Query(description="only evidence from this source")] = "",
    max_classification: Annotated[str, Query(description="only evidence classified at most this")] = "",
) -> dict[str, Any]:
    """An entity's ties in the caller's graph, capped per type with how many more there are."""
    return neighbours(store, viewer, request.app.state.home, entity_id, per_type, tuple(type),
                      since.isoformat() if since else "", until.isoformat() if until else "", source, max_classification)


@router.get("/paths")
def paths(request: Request, store: StoreDep, viewer: ViewerDep, sides: Question, max_hops: Hops = 4,
          limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    """The best paths between the two sides, each with its entities, ties, evidence and a sentence."""
    source, target = sides
    return nexus_paths(store, viewer, request.app.state.home, source, target, max_hops, limit)


@router.get("/brokers")
def brokers(request: Request, store: StoreDep, viewer: ViewerDep, sides: Question, max_hops: Hops = 4,
            limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict[str, Any]]:
    """Entities bridging the two sides, ranked, with their Gould–Fernandez brokerage roles and the best paths that
    make them brokers."""
    source, target = sides
    return nexus_brokers(store, viewer, request.app.state.home, source, target, max_hops, limit)


@router.get("/communities")
def communities(request: Request, store: StoreDep, viewer: ViewerDep, sides: Question, both_sides: bool = True,
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict[str, Any]]:
    """Leiden communities of the caller's graph; only those holding both sides unless `both_sides=false`."""
    source, target = sides
    return nexus_communities(store, viewer, request.app.state.home, source, target, both_sides, limit)


@router.get("/export", response_class=Response,
            responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "the graph file"}})
def export(request: Request, store: StoreDep, viewer: ViewerDep,
           format: Annotated[str, Query(description=f"one of {', '.join(FORMATS)}")],
           entity: Annotated[list[str], Query(description="only the ties of these entities")] = []) -> Response:  # noqa: B006
    """The caller's exportable graph (ORCON withheld) for Gephi, Aleph, a spreadsheet or i2."""
    out = BytesIO()
    export_graph(store, viewer, request.app.state.home, format, out, tuple(entity))
    return Response(out.getvalue(), media_type=MEDIA_TYPES.get(format, "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="nexus-graph.{format}"'})
