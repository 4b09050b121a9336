"""The FastAPI application: REST API v1 under /api/v1, the web application at /, one error body shape."""

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from nexus.api.deps import VIEWER, AuditSettled, ViewerDep
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
ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
log = logging.getLogger(__name__)


def create_app(store: Store | None = None) -> FastAPI:
    """The API and web application over `store`, or over the workspace the environment names (NEXUS_HOME, whose
    folder keeps evidence, packages and graphs), opened at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if store is None:
            app.state.store = open_store()
        # Rigour's name automaton takes 10–40 s of CPU to build, in a call that holds the GIL: built beside the first
        # requests, it froze the whole process (health included) while the socket already took connections. Built
        # here, before uvicorn listens: a worker that listens answers, and until then a connection is refused.
        await asyncio.to_thread(warm_up)
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
    _unknown_api_paths(app)
    # Inside the security headers (`mount_web` adds them): the refusal it answers with carries them too.
    app.add_middleware(AuditSettled, refuse=_refusal)
    app.add_middleware(NulGate, refuse=_refusal)
    mount_web(app)
    _handle_errors(app)
    # Outermost: a body without a credential, or over its route's ceiling, is refused before anything reads it.
    app.add_middleware(RequestGate, upload_limit=settings.evidence_max_bytes + (1 << 20))
    return app


def _unknown_api_paths(app: FastAPI) -> None:
    """A path under /api/v1 that no route serves (not even with another method, which answers 405) answers as a
    route would: 401 to a caller without a valid credential, else 404, on the record as any request that found
    nothing."""
    unknown = APIRoute(f"{API_PREFIX}/{{path:path}}", _no_route, methods=list(ANY_METHOD), include_in_schema=False)
    not_found = app.router.default

    async def default(scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            scope.update(unknown.matches(scope)[1])
            await unknown.handle(scope, receive, send)
        else:
            await not_found(scope, receive, send)

    app.router.default = default


def _no_route(request: Request, viewer: ViewerDep) -> None:
    """Reached once the caller is authenticated (`ViewerDep`), as on every route."""
    raise NotFound(f"no route answers {request.method} {request.url.path}")


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
