"""The FastAPI application: routers, the shared store and the errors every domain raises."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from nexus.api.routers import screening
from nexus.security.auth import AuthenticationFailed
from nexus.security.policy import AccessDenied
from nexus.service.screening import IndexCache
from nexus.service.workspace import open_store
from nexus.store import Store


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

    @app.exception_handler(AuthenticationFailed)
    async def unauthenticated(request: Request, exc: AuthenticationFailed) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(AccessDenied)
    async def forbidden(request: Request, exc: AccessDenied) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(ValueError)
    async def invalid(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(KeyError)
    async def unknown(request: Request, exc: KeyError) -> JSONResponse:
        return JSONResponse({"detail": exc.args[0] if exc.args else str(exc)}, status_code=404)

    return app
