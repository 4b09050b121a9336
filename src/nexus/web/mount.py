"""Mounting the web application on the API's FastAPI app: static files, pages, headers."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from nexus.web import pages, session
from nexus.web.headers import SecurityHeaders

STATIC = Path(__file__).parent / "static"
FAVICON = STATIC / "favicon.svg"


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(session.router)
    app.include_router(pages.router)
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)

    app.add_middleware(SecurityHeaders, secure=app.state.secure_cookies)


async def favicon() -> FileResponse:
    """What a browser asks for at /favicon.ico whatever a page links (a JSON answer links nothing): the same icon."""
    return FileResponse(FAVICON, media_type="image/svg+xml")
