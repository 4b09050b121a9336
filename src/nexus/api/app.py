"""The FastAPI application: REST API v1 under /api/v1, the web application at /, one error body shape."""

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from nexus.api.deps import VIEWER, AuditSettled
from nexus.api.limits import NulGate, RequestGate
from nexus.api.models import ErrorBody, error_body
from nexus.api.routers import alerts, audit, cases, entities, graph, health, ingest, screening
from nexus.config import load_settings
from nexus.errors import Forbidden, InvalidInput, NexusError, NotFound, Unauthenticated
from nexus.service.identity import audit_refusal
from nexus.service.screening import IndexCache, warm_up
from nexus.service.workspace import Store, open_store
from nexus.web.headers import SECURITY_HEADERS
from nexus.web.mount import mount as mount_web
from nexus.web.render import error_page

API_PREFIX = "/api/v1"
ROUTERS = (health, screening, entities, graph, alerts, cases, ingest, audit)
ERROR_RESPONSES = {401: "no valid credential", 403: "not allowed for this caller", 404: "not found or not visible",
                   409: "conflicts with the current state", 422: "invalid input"}
log = logging.getLogger(__name__)


def create_app(store: Store | None = None) -> FastAPI:
    """The API and web application over `store`, or over the workspace the environment names (NEXUS_HOME, whose
    folder keeps evidence, packages and graphs), opened at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if store is None:
            app.state.store = open_store()
        # Rigour's name automaton takes seconds to build: built beside the first requests, not inside one.
        threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
        yield
        if store is None:
            app.state.store.close()

    app = FastAPI(
        title="Nexus", version="1", summary="Terrorism–organised crime nexus intelligence", lifespan=lifespan,
        # The spec is served; Swagger UI is not: it loads its scripts from a CDN, which the CSP (rightly) refuses.
        openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
        responses={code: {"model": ErrorBody, "description": text} for code, text in ERROR_RESPONSES.items()},
    )
    settings = load_settings()
    app.state.store = store
    app.state.home = settings.home
    app.state.secure_cookies = settings.secure_cookies
    app.state.indexes = IndexCache()
    api = APIRouter(prefix=API_PREFIX)
    for module in ROUTERS:
        api.include_router(module.router)
    app.include_router(api)
    # Inside the security headers (`mount_web` adds them): the refusal it answers with carries them too.
    app.add_middleware(AuditSettled, refuse=_refusal)
    app.add_middleware(NulGate, refuse=_refusal)
    mount_web(app)
    _handle_errors(app)
    # Outermost: a body without a credential, or over its route's ceiling, is refused before anything reads it.
    app.add_middleware(RequestGate, upload_limit=settings.evidence_max_bytes + (1 << 20))
    return app


def _handle_errors(app: FastAPI) -> None:
    """Every failure answers with the same body: status, error, detail and, for bad input, the fields at fault."""

    app.add_exception_handler(NexusError, _refused_recorded)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = [{"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
                  for error in exc.errors()]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        if not _is_api(request):
            return error_page(request, 422, detail)
        return JSONResponse(error_body(422, detail, fields), status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if not _is_api(request):
            return error_page(request, exc.status_code, str(exc.detail))
        return JSONResponse(error_body(exc.status_code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    # Anything else is a bug: logged with its traceback, answered without it. A refusal raised outside the routes
    # (the database gone while a request's audit records were committed, `AuditSettled`) keeps its own status.
    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NexusError):
            response = _refused(request, exc)
        else:
            log.exception("%s %s failed", request.method, request.url.path)
            detail = "internal error: the server log has the details"
            response = (JSONResponse(error_body(500, detail), status_code=500) if _is_api(request)
                        else error_page(request, 500, detail))
        response.headers.update(SECURITY_HEADERS)  # this answer bypasses the middleware that adds them
        response.headers["Cache-Control"] = "no-store"
        return response


def _refused_recorded(request: Request, exc: NexusError) -> Response:
    """A route's refusal, and when it refused an authenticated caller (403) or found nothing they may see (404), an
    audit record of what they asked, committed before the answer goes out (Starlette runs this in a worker thread).
    They are told no more than before: a hidden alert and a missing one still answer alike."""
    viewer = request.scope.get(VIEWER)
    if isinstance(exc, Forbidden | NotFound) and viewer is not None and not exc.audited and _is_api(request):
        asked = {"method": request.method, "path": request.url.path, "params": dict(request.query_params),
                 "reason": str(exc)}
        audit_refusal(request.app.state.store, viewer, "api.request", asked,
                      "denied" if isinstance(exc, Forbidden) else "not found")
    return _refused(request, exc)


def _refused(request: Request, exc: NexusError) -> Response:
    if not _is_api(request):
        return error_page(request, exc.status, str(exc))
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
    detail, fields = str(exc), None
    if isinstance(exc, InvalidInput) and exc.field:
        field = _located(request, exc.field)
        detail, fields = f"{field}: {exc.message}", [{"field": field, "message": exc.message}]
    return JSONResponse(error_body(exc.status, detail, fields), status_code=exc.status, headers=headers)


def _located(request: Request, field: str) -> str:
    """A field as the error bodies of request validation name it: where the request carried it, and its name."""
    if field.partition(".")[0] in ("path", "query", "header", "body"):  # located already
        return field
    where = "path" if field in request.path_params else "query" if field in request.query_params else "body"
    return f"{where}.{field}"


def _refusal(scope, exc: NexusError) -> Response:
    """The answer to a request refused after its route ran (`AuditSettled`)."""
    return _refused(Request(scope), exc)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)
