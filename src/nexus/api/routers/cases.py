"""Cases: open from an alert or entities, work them with notes, tasks and evidence under chain of custody,
share them with a joint investigation team and disseminate a package to a named agency."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from nexus.api.deps import PageDep, StoreDep, ViewerDep, page, page_of_all
from nexus.api.models import MAX_ID, Id, Page
from nexus.service.cases import (
    add_agency, add_case_entity, add_evidence, add_note, add_task, custody_log, disseminate, get_case,
    lift_evidence_orcon, list_cases, open_case, open_dissemination, open_evidence, remove_agency, set_case_state,
    set_task_done,
)

router = APIRouter(prefix="/cases", tags=["cases"])
Json = dict[str, Any]


class NewCase(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    summary: str = Field("", max_length=20_000)
    agencies: list[str] = Field([], description="agencies of the joint investigation team besides yours")
    alert_id: int | None = Field(None, ge=1, le=MAX_ID, description="open it from this alert: its entities join the case")
    entity_ids: list[str] = Field([], max_length=1000)


class State(BaseModel):
    state: str = Field(examples=["open", "closed"])


class CaseEntity(BaseModel):
    entity_id: str = Field(min_length=1, max_length=255)


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class Task(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    assignee: str | None = Field(None, max_length=128)
    due: str | None = Field(None, description="YYYY-MM-DD")


class TaskDone(BaseModel):
    done: bool


class Agency(BaseModel):
    agency: str = Field(min_length=1, max_length=64)


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class Recipient(BaseModel):
    recipient: str = Field(min_length=1, max_length=64, description="the agency the package is for")


@router.get("", response_model=Page[Json])
def cases(store: StoreDep, viewer: ViewerDep, paging: PageDep, state: str | None = None,
          entity: str | None = None) -> dict:
    """The cases of the caller's agency and of the joint teams it belongs to (those holding `entity` when given),
    latest activity first."""
    return page(list_cases(store, viewer, state, paging.limit + 1, paging.offset, entity), paging)


@router.post("", status_code=201)
def create(body: NewCase, store: StoreDep, viewer: ViewerDep) -> Json:
    """Open a case, from an alert or from entities."""
    return open_case(store, viewer, body.title, body.summary, tuple(body.agencies), body.alert_id, tuple(body.entity_ids))


@router.get("/{case_id}")
def case(case_id: Id, store: StoreDep, viewer: ViewerDep) -> Json:
    """One case: its team, notes and tasks, and what the caller may see of its entities, evidence, disseminations
    and the alert it was opened from; the rest is absent."""
    return get_case(store, viewer, case_id)


@router.post("/{case_id}/state")
def state(case_id: Id, body: State, store: StoreDep, viewer: ViewerDep) -> Json:
    """Close or re-open a case."""
    return set_case_state(store, viewer, case_id, body.state)


@router.post("/{case_id}/entities", status_code=201)
def entity(case_id: Id, body: CaseEntity, store: StoreDep, viewer: ViewerDep) -> Json:
    """Add an entity the caller may see."""
    return add_case_entity(store, viewer, case_id, body.entity_id)


@router.post("/{case_id}/notes", status_code=201)
def note(case_id: Id, body: Note, store: StoreDep, viewer: ViewerDep) -> Json:
    return add_note(store, viewer, case_id, body.text)


@router.post("/{case_id}/tasks", status_code=201)
def task(case_id: Id, body: Task, store: StoreDep, viewer: ViewerDep) -> Json:
    return add_task(store, viewer, case_id, body.title, body.assignee, body.due)


@router.post("/{case_id}/tasks/{task_id}")
def task_done(case_id: Id, task_id: Id, body: TaskDone, store: StoreDep, viewer: ViewerDep) -> Json:
    return set_task_done(store, viewer, case_id, task_id, body.done)


@router.post("/{case_id}/agencies", status_code=201)
def agency(case_id: Id, body: Agency, store: StoreDep, viewer: ViewerDep) -> Json:
    """Add an agency to the case's joint investigation team: its users may then see the case."""
    return add_agency(store, viewer, case_id, body.agency)


@router.delete("/{case_id}/agencies/{agency}")
def agency_removed(case_id: Id, agency: str, store: StoreDep, viewer: ViewerDep) -> Json:
    return remove_agency(store, viewer, case_id, agency)


@router.post("/{case_id}/evidence", status_code=201)
def evidence(
    case_id: Id, store: StoreDep, viewer: ViewerDep,
    file: Annotated[UploadFile, File(description="the evidence file; kept by its SHA-256")],
    description: Annotated[str, Form(max_length=4000)] = "",
    classification: Annotated[str | None, Form()] = None,
    releasable_to: Annotated[str | None, Form(description="comma-separated agencies; * = any")] = None,
    orcon: Annotated[bool, Form()] = False,
) -> Json:
    """Attach a file: stored content-addressed, its addition logged in the chain of custody."""
    return add_evidence(store, viewer, case_id, file.filename or "evidence", file.file.read(),
                        file.content_type or "application/octet-stream", description, classification, releasable_to,
                        orcon)


@router.get("/{case_id}/evidence/{evidence_id}", response_class=FileResponse)
def evidence_file(case_id: Id, evidence_id: Id, store: StoreDep, viewer: ViewerDep) -> FileResponse:
    """The file, checked against its SHA-256; the viewing is logged in the chain of custody."""
    meta, path = open_evidence(store, viewer, case_id, evidence_id)
    # Whatever the uploader called it, an evidence file never runs as a page or script of this site.
    return FileResponse(path, media_type=meta["media_type"], filename=meta["filename"],
                        headers={"Content-Security-Policy": "sandbox; default-src 'none'"})


@router.post("/{case_id}/evidence/{evidence_id}/lift-orcon")
def evidence_orcon_lifted(case_id: Id, evidence_id: Id, body: Reason, store: StoreDep, viewer: ViewerDep) -> Json:
    """Lift the ORCON caveat from a file your agency added, so that a dissemination package may carry it; the
    reason is kept in the audit trail."""
    return lift_evidence_orcon(store, viewer, case_id, evidence_id, body.reason)


@router.get("/{case_id}/custody", response_model=Page[Json])
def custody(case_id: Id, store: StoreDep, viewer: ViewerDep, paging: PageDep) -> dict:
    """The chain of custody, oldest first: who added, viewed, exported or disseminated what, when."""
    return page_of_all(custody_log(store, viewer, case_id), paging)


@router.post("/{case_id}/disseminations", status_code=201)
def dissemination(case_id: Id, body: Recipient, store: StoreDep, viewer: ViewerDep) -> Json:
    """Produce the dissemination package (HTML and PDF report, FtM export, manifest) for a named agency;
    refused, and the refusal logged, when anything in it is ORCON (whoever asks: the originator lifts the caveat
    first) or not releasable to that agency."""
    return {k: v for k, v in disseminate(store, viewer, case_id, body.recipient).items() if k != "path"}


@router.get("/{case_id}/disseminations/{dissemination_id}", response_class=FileResponse)
def dissemination_file(case_id: Id, dissemination_id: Id, store: StoreDep, viewer: ViewerDep) -> FileResponse:
    meta, path = open_dissemination(store, viewer, case_id, dissemination_id)
    return FileResponse(path, media_type="application/zip", filename=meta["filename"])
