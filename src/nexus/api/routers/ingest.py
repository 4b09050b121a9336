"""Loading data over HTTP: files uploaded by analysts, messages pushed by carriers and reporting entities."""

import re
import tempfile
from dataclasses import asdict
from pathlib import Path, PureWindowsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from nexus.api.deps import StoreDep, ViewerDep
from nexus.config import load_settings
from nexus.errors import InvalidInput, NexusError
from nexus.service.ingest import IngestResult, LabelChanges, ingest_file, ingest_reports
from nexus.service.travel import receive_message

router = APIRouter(tags=["ingest"])
UPLOAD_FORMATS = ("ftm", "un-sc", "goaml", "csv")
TRAVEL_KINDS = ("paxlst", "pnrgov")
MAX_MESSAGE = 16 << 20


class Problem(BaseModel):
    path: str
    location: str = Field(examples=["line 12", "report/transaction[3]"])
    field: str | None
    message: str


class Loaded(BaseModel):
    run_id: int
    source: str
    records: int
    entities: int
    statements: int
    retired: int
    skipped_unchanged: bool = Field(description="the same file was loaded before: nothing changed")
    superseded_by: str | None = Field(None, description="goAML: the day of a later submission of this report the "
                                                        "store holds; this earlier one was not loaded")
    errors: list[Problem] = Field(description="records refused, each naming its line or element and field")


class Received(BaseModel):
    name: str
    kind: str
    accepted: bool
    error: str | None = Field(description="why the message was refused, naming segment, line and field")
    warnings: list[str]
    travellers: int
    purged: int = Field(description="sensitive items (SSRs, remarks) dropped on reading")
    screening_alerts: list[int]
    rule_alerts: list[int]
    load: Loaded | None


def _loaded(result: IngestResult, names: dict[str, str] | None = None) -> dict:
    """The load's counts and refused records, each naming the file as the caller named it."""
    names = names or {}
    return {**asdict(result), "errors": [asdict(e) | {"path": names.get(e.path, e.path)} for e in result.errors]}


@router.post("/ingest/{format}", response_model=Loaded)
def upload(
    format: str, store: StoreDep, viewer: ViewerDep,
    file: Annotated[UploadFile, File(description="the file to load")],
    source: Annotated[str, Form(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._-]+$")],
    mapping: Annotated[UploadFile | None, File(description="csv only: the YAML mapping of columns to FtM")] = None,
    is_list: Annotated[bool | None, Form(description="screen against this source (default: by format)")] = None,
    classification: Annotated[str | None, Form()] = None,
    releasable_to: Annotated[str | None, Form(description="comma-separated agencies; * = any")] = None,
    compartment: Annotated[str | None, Form()] = None,
    orcon: Annotated[bool | None, Form()] = None,
    legal_basis: Annotated[str | None, Form()] = None,
) -> dict:
    """Load one file (FtM JSON lines, UN Security Council list XML, a goAML report, or CSV with a mapping) into
    `source`. Bad records are listed by line or element and field; a goAML report the FIU's schema rejects is
    refused as a whole with its violations."""
    if format not in UPLOAD_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(UPLOAD_FORMATS)}, not {format!r}")
    if format == "csv" and mapping is None:
        raise InvalidInput("mapping: a CSV file needs its YAML mapping")
    # a form's empty field is one left unset, as the CLI's absent option
    labels = LabelChanges(classification=classification or None, releasable_to=releasable_to or None,
                          compartment=compartment, orcon=orcon, legal_basis=legal_basis)
    options = {}
    if format == "goaml":  # a server validates every report: it says nothing in its answer of one read unvalidated
        options["schema"] = load_settings().goaml_schema
        if options["schema"] is None:
            raise InvalidInput("goAML reports are validated against your FIU's XSD, and this server has none: "
                               "start nexus serve with NEXUS_GOAML_SCHEMA=PATH")
    with tempfile.TemporaryDirectory(prefix="nexus-upload-") as folder:
        path = _save(file, Path(folder) / f"upload{_suffix(file.filename)}")
        name = _name(file.filename)
        names = {str(path): name}
        if mapping is not None:
            options["mapping"] = _save(mapping, Path(folder) / "mapping.yml")
            names[str(options["mapping"])] = _name(mapping.filename)
        try:
            if format == "goaml":  # as `nexus ingest goaml` loads it: a rejected report is read again, a correction replaces
                ((_, result),) = ingest_reports(store, viewer, path, source, options["schema"], labels, name=name)
            else:
                result = ingest_file(store, viewer, format, path, source, labels, is_list=is_list, name=name, **options)
        except NexusError as exc:  # named as the caller named the files, not where the server kept them
            if exc.args:  # its field and whether it is on the record already stay as they were
                exc.args = (_renamed(str(exc.args[0]), names), *exc.args[1:])
            raise
    return _loaded(result, names)


def _renamed(message: str, names: dict[str, str]) -> str:
    for kept, given in names.items():
        message = message.replace(kept, given)
    return message


@router.post("/travel/{kind}", response_model=Received, openapi_extra={
    "requestBody": {"required": True, "content": {"application/edifact": {"schema": {"type": "string"}},
                                                  "application/xml": {"schema": {"type": "string"}}}}})
async def push(kind: str, request: Request, store: StoreDep, viewer: ViewerDep,
               source: Annotated[str, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._-]+$")],
               name: Annotated[str, Query(max_length=255, description="the message's name in errors and audit")] = "message") -> dict:
    """A carrier pushes one PAXLST (API) or PNRGOV (PNR, EDIFACT or IATA XML) message as the request body: it is
    parsed, stored, screened and checked against the targeting rules at once. A refused message answers 200 with
    `accepted: false` and the reason, as the carrier's acknowledgement."""
    if kind not in TRAVEL_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(TRAVEL_KINDS)}, not {kind!r}")
    data = await request.body()
    if not data:
        raise InvalidInput("body: the message is empty")
    if len(data) > MAX_MESSAGE:
        raise InvalidInput(f"body: the message is {len(data):,} bytes; at most {MAX_MESSAGE:,}")
    intake = await run_in_threadpool(receive_message, store, viewer, data, name, kind, source,
                                     index_cache=request.app.state.indexes)
    return {"name": intake.name, "kind": intake.kind, "accepted": intake.error is None, "error": intake.error,
            "warnings": intake.warnings, "travellers": intake.travellers, "purged": intake.purged,
            "screening_alerts": intake.screening_alerts, "rule_alerts": intake.rule_alerts,
            "load": _loaded(intake.result) if intake.result else None}


def _save(upload: UploadFile, path: Path) -> Path:
    """The upload under a name of ours (the caller's name only lends its extension, which readers go by)."""
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            out.write(chunk)
    return path


def _name(filename: str | None) -> str:
    """The caller's name for a file, without its folders (either slash) or control characters: what is recorded."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", PureWindowsPath(filename or "").name)
    return name or "upload"


def _suffix(filename: str | None) -> str:
    suffix = Path(_name(filename)).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
