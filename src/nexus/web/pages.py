"""The pages people work in: dashboard, review queue, entities, graph explorer, cases, audit."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from nexus.api.deps import StoreDep
from nexus.api.models import MAX_ID, Id, Offset
from nexus.errors import Forbidden, InvalidInput, NotFound
from nexus.model.labels import ANY_AGENCY, Classification
from nexus.service import cases as case_service
from nexus.service.alert_deciders import MINE, decided_by, may_decide
from nexus.service.alerts import DECISIONS, STATES, alert_counts, get_alert, list_alerts, open_to_decide, review_alert
from nexus.service.detect import alert_transactions
from nexus.service.entities import entity_record
from nexus.service.identity import Viewer, audit_refusal, may
from nexus.service.itinerary import itinerary
from nexus.service.links import money_flows, neighbours
from nexus.service.oversight import search_audit
from nexus.service.search import search
from nexus.service.workspace import Store
from nexus.web.charts import alerts_over_time, money_sankey
from nexus.web.geo import route_map
from nexus.web.render import render
from nexus.web.session import check_csrf, signed_in

router = APIRouter(include_in_schema=False)
PAGE = 50


def page_viewer(request: Request, store: StoreDep) -> Iterator[Viewer]:
    """The signed-in person; without a live session the page asks them to sign in. A page refused them, or holding
    nothing they may see, is audited with what they asked (the page shows them no more than before)."""
    viewer = signed_in(request, store)
    try:
        yield viewer
    except (Forbidden, NotFound) as exc:
        if not exc.audited:  # the service put the refusal on the record itself
            asked = {"method": request.method, "path": request.url.path, "params": dict(request.query_params),
                     "reason": str(exc)}
            audit_refusal(store, viewer, "web.page", asked, "denied" if isinstance(exc, Forbidden) else "not found")
        raise


PageViewer = Annotated[Viewer, Depends(page_viewer)]
Csrf = Annotated[str, Form()]


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def dashboard(request: Request, store: StoreDep, viewer: PageViewer) -> Response:
    if not may(viewer, "read"):  # oversight and administrators read no intelligence: their work is the trail
        return render(request, "dashboard.html", {"intelligence": False}, viewer)
    since = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%d")
    counts = alert_counts(store, viewer, since)
    recent = case_service.list_cases(store, viewer, "open", 10, 0)
    return render(request, "dashboard.html", {"intelligence": True, "open_for_you": open_to_decide(store, viewer),
                                              "by_state": counts["by_state"], "chart": alerts_over_time(counts["by_day"]),
                                              "cases": recent}, viewer)


@router.get("/alerts")
def alert_queue(request: Request, store: StoreDep, viewer: PageViewer, kind: str = "", state: str = "open",
                decider: str = MINE, offset: Offset = 0) -> Response:
    """By default the alerts the viewer may decide; those another agency alone decides on request, read-only."""
    found = list_alerts(store, viewer, kind or None, state or None, limit=PAGE + 1, offset=max(offset, 0),
                        decider=decider)
    shown = [a | {"decided_by": decided_by(viewer, a)} for a in found[:PAGE]]
    return render(request, "alerts.html", {"alerts": shown, "kind": kind, "state": state, "states": STATES,
                                           "decider": decider, "offset": offset,
                                           "more": len(found) > PAGE, "page": PAGE}, viewer)


@router.get("/alerts/{alert_id}")
def alert_page(alert_id: Id, request: Request, store: StoreDep, viewer: PageViewer) -> Response:
    alert = get_alert(store, viewer, alert_id)
    transactions = alert_transactions(store, viewer, request.app.state.home, alert)
    return render(request, "alert.html", {"alert": alert, "decisions": DECISIONS, "transactions": transactions,
                                          "may_decide": may_decide(viewer, alert),
                                          "decided_by": decided_by(viewer, alert),
                                          "caveats": team_caveats(alert["labels"])}, viewer)


def team_caveats(labels: dict) -> list[str]:
    """What of an alert's labels an agency on a case's team may not see past: a case's own words (its title) are
    read by its whole team, so a case opened from such an alert should not repeat what the alert names."""
    caveats = [labels["classification"]] if Classification[labels["classification"]] > Classification.RESTRICTED else []
    if labels["compartments"]:
        caveats.append(f"compartment {labels['compartments']}")
    if labels["orcon"]:
        caveats.append("ORCON")
    if labels["releasable_to"] != ANY_AGENCY:
        caveats.append(f"releasable to {labels['releasable_to']} only")
    if labels["warrants"]:
        caveats.append(f"under warrant {labels['warrants']}")
    return caveats


@router.post("/alerts/{alert_id}/review")
def alert_review(alert_id: Id, request: Request, store: StoreDep, viewer: PageViewer, csrf: Csrf,
                 decision: Annotated[str, Form()], expected_state: Annotated[str, Form()],
                 reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    check_csrf(request, csrf)
    review_alert(store, viewer, alert_id, decision, reason, expected_state)
    return back(f"/alerts/{alert_id}")


@router.get("/search")
def search_page(request: Request, store: StoreDep, viewer: PageViewer, q: str = "") -> Response:
    found = search(store, viewer, q, 100) if q.strip() else []
    return render(request, "search.html", {"q": q, "results": found}, viewer)


@router.get("/entities/{entity_id}")
def entity_page(entity_id: str, request: Request, store: StoreDep, viewer: PageViewer) -> Response:
    entity = entity_record(store, viewer, entity_id)
    if entity is None:
        raise NotFound(f"entity {entity_id!r} not found")
    cited = list_alerts(store, viewer, None, None, None, entity["id"], 100, 0)
    try:
        ties = neighbours(store, viewer, request.app.state.home, entity["id"], per_type=10)["ties"]
    except NotFound:  # in no tie the viewer may see
        ties = []
    legs = itinerary(store, viewer, entity["id"]) if entity["schema"] == "Person" else []
    return render(request, "entity.html", {"entity": entity, "alerts": cited, "ties": ties, "legs": legs,
                                           "route_map": route_map(legs),
                                           "cases": case_service.list_cases(store, viewer, None, 100, 0, entity["id"])}, viewer)


@router.get("/graph")
def graph_page(request: Request, viewer: PageViewer, entity: str = "", alert: int | None = None) -> Response:
    return render(request, "graph.html", {"entity": entity, "alert": alert}, viewer)


@router.get("/cases")
def case_list(request: Request, store: StoreDep, viewer: PageViewer, state: str = "", offset: Offset = 0) -> Response:
    found = case_service.list_cases(store, viewer, state or None, PAGE + 1, max(offset, 0))
    return render(request, "cases.html", {"cases": found[:PAGE], "state": state, "offset": offset,
                                          "more": len(found) > PAGE, "page": PAGE}, viewer)


@router.post("/cases")
def case_open(request: Request, store: StoreDep, viewer: PageViewer, csrf: Csrf,
              title: Annotated[str, Form(max_length=500)], summary: Annotated[str, Form(max_length=20_000)] = "",
              agencies: Annotated[str, Form(max_length=1000)] = "", alert_id: Annotated[str, Form()] = "",
              entity_id: Annotated[str, Form(max_length=255)] = "") -> Response:
    check_csrf(request, csrf)
    case = case_service.open_case(store, viewer, title, summary, _agencies(agencies),
                                  _number(alert_id, "alert_id") if alert_id.strip() else None,
                                  (entity_id,) if entity_id.strip() else ())
    return back(f"/cases/{case['id']}")


@router.get("/cases/{case_id}")
def case_page(case_id: Id, request: Request, store: StoreDep, viewer: PageViewer) -> Response:
    case = case_service.get_case(store, viewer, case_id)
    custody = case_service.custody_log(store, viewer, case_id)
    ids = [e["id"] for e in case["entities"]]
    flows = money_flows(store, viewer, request.app.state.home, ids) if ids else []
    return render(request, "case.html", {"case": case, "custody": custody, "may_export": may(viewer, "export"),
                                         "money": money_sankey(flows) if flows else ""}, viewer)


@router.post("/cases/{case_id}/{action}")
async def case_action(case_id: Id, action: str, request: Request, store: StoreDep, viewer: PageViewer) -> Response:
    """One form per change to a case; each names its action in the path and returns to its part of the page."""
    form = await request.form()
    check_csrf(request, _field(form, "csrf"))
    handler = CASE_ACTIONS.get(action)
    if handler is None:
        raise NotFound(f"no case action {action!r}")
    anchor = await run_in_threadpool(handler, store, viewer, case_id, form)
    return back(f"/cases/{case_id}#{anchor}")


def _number(text: str, field: str) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text.strip()) or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput(f"{field}: a number is required, not {text[:20]!r}")
    return int(text)


def _field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _note(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.add_note(store, viewer, case_id, _field(form, "text"))
    return "notes"


def _task(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.add_task(store, viewer, case_id, _field(form, "title"), _field(form, "assignee") or None,
                          _field(form, "due") or None)
    return "tasks"


def _task_done(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.set_task_done(store, viewer, case_id, _number(_field(form, "task_id"), "task_id"),
                               _field(form, "done") == "1")
    return "tasks"


def _entity(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.add_case_entity(store, viewer, case_id, _field(form, "entity_id").strip())
    return "entities"


def _agency(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.add_agency(store, viewer, case_id, _field(form, "agency").strip())
    return "team"


def _state(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.set_case_state(store, viewer, case_id, _field(form, "state"))
    return "top"


def _evidence(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("file: choose a file to attach")
    case_service.add_evidence(store, viewer, case_id, upload.filename, upload.file.read(),
                              upload.content_type or "application/octet-stream", _field(form, "description"),
                              _field(form, "classification") or None, _field(form, "releasable_to") or None,
                              _field(form, "orcon") == "on")
    return "evidence"


def _disseminate(store: Store, viewer: Viewer, case_id: int, form: FormData) -> str:
    case_service.disseminate(store, viewer, case_id, _field(form, "recipient").strip())
    return "disseminations"


CASE_ACTIONS = {"notes": _note, "tasks": _task, "task-done": _task_done, "entities": _entity, "agencies": _agency,
                "state": _state, "evidence": _evidence, "disseminate": _disseminate}


@router.get("/audit")
def audit_page(request: Request, store: StoreDep, viewer: PageViewer, user: str = "", action: str = "",
               since: str = "", until: str = "", entity: str = "", offset: Offset = 0) -> Response:
    found = search_audit(store, viewer, user=user or None, action=action or None, since=since or None,
                         until=until or None, entity_id=entity or None, limit=PAGE + 1, offset=max(offset, 0))
    return render(request, "audit.html", {"records": found[:PAGE], "more": len(found) > PAGE, "offset": offset,
                                          "page": PAGE, "filters": {"user": user, "action": action, "since": since,
                                                                    "until": until, "entity": entity}}, viewer)


def _agencies(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.replace(";", ",").split(",") if a.strip())
