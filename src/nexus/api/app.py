"""The FastAPI application: routers, the shared store and the mapping of domain errors to HTTP."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from nexus.api.routers import alerts, screening
from nexus.errors import NexusError, Unauthenticated
from nexus.service.screening import IndexCache
from nexus.service.workspace import Store, open_store


def create_app(store: Store | None = None) -> FastAPI:
    """The API over `store`, or over the workspace the environment names, opened at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if store is None:
            app.state.store = open_store()
        yield
        if store is None:
            app.state.store.close()

    app = FastAPI(title="Nexus", summary="Terrorism–organised crime nexus intelligence", lifespan=lifespan)
    app.state.store = store
    app.state.indexes = IndexCache()
    app.include_router(screening.router)
    app.include_router(alerts.router)

    # Only domain errors are the caller's: anything else is a bug, a 500 with its traceback in the log.
    @app.exception_handler(NexusError)
    async def refused(request: Request, exc: NexusError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    return app
