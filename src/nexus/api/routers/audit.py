"""The audit trail for oversight officers: search it, verify its hash chain."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from nexus.api.deps import PageDep, StoreDep, ViewerDep, page
from nexus.api.models import Page
from nexus.service.oversight import search_audit, verify_audit

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditRecord(BaseModel):
    seq: int
    at: str
    username: str
    agency: str
    action: str
    purpose: str
    query: str
    result_ids: str
    outcome: str
    prev_hash: str
    hash: str


class Verification(BaseModel):
    ok: bool
    records: int
    first_bad: int | None
    problem: str | None


@router.get("", response_model=Page[AuditRecord])
def records(
    store: StoreDep, viewer: ViewerDep, paging: PageDep,
    user: str | None = None,
    action: Annotated[str | None, Query(examples=["entity.read", "alerts.review", "cases.disseminate"])] = None,
    since: Annotated[datetime | None, Query(description="at or after (ISO date or time; UTC unless it says)")] = None,
    until: Annotated[datetime | None, Query(description="before (ISO date or time; UTC unless it says)")] = None,
    entity: Annotated[str | None, Query(description="records that asked for or returned this id")] = None,
) -> dict:
    """Audit records matching every filter, oldest first: who read or did what, when, why (oversight only)."""
    found = search_audit(store, viewer, user=user, action=action, since=since, until=until, entity_id=entity,
                         limit=paging.limit + 1, offset=paging.offset)
    return page(found, paging)


@router.get("/verify", response_model=Verification)
def verify(store: StoreDep, viewer: ViewerDep) -> dict:
    """Check the hash chain, its head and its anchor file (oversight and administrators)."""
    report = verify_audit(store, viewer)
    return {"ok": report.ok, "records": report.records, "first_bad": report.first_bad, "problem": report.problem}
