"""Mounting the web application on the API's FastAPI app: static files, pages, headers."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from nexus.web import pages, session
from nexus.web.headers import SecurityHeaders

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(session.router)
    app.include_router(pages.router)

    app.add_middleware(SecurityHeaders, secure=app.state.secure_cookies)
