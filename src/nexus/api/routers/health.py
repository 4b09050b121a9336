"""Liveness for load balancers and monitoring: the one route that needs no credential."""

from fastapi import APIRouter
from pydantic import BaseModel

from nexus import __version__
from nexus.api.deps import StoreDep
from nexus.errors import Unavailable
from nexus.service.workspace import store_answers

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


@router.get("/health", response_model=Health)
def health(store: StoreDep) -> dict:
    """200 while the store answers; 503 when it does not."""
    if not store_answers(store):
        raise Unavailable("the store does not answer")
    return {"status": "ok", "version": __version__}
