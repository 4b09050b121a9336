"""Rendering pages: one Jinja environment with autoescaping, the signed-in person and their page token."""

from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nexus import __version__
from nexus.api.deps import SESSION_COOKIE
from nexus.model.labels import Classification
from nexus.service.identity import Viewer, csrf_token, may

TEMPLATES = Path(__file__).parent / "templates"
environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                          trim_blocks=True, lstrip_blocks=True)
environment.filters["classification"] = lambda level: Classification(int(level)).name
environment.globals["may"] = may  # what the navigation offers is what the viewer may do


def render(request: Request, template: str, context: dict, viewer: Viewer | None = None, status: int = 200) -> HTMLResponse:
    token = request.cookies.get(SESSION_COOKIE)
    page = environment.get_template(template).render(
        request=request, viewer=viewer, version=__version__, path=request.url.path,
        csrf=csrf_token(token) if token and viewer else "",
        purpose=viewer.purpose if viewer else "", **context)
    return HTMLResponse(page, status_code=status)


def error_page(request: Request, status: int, detail: str) -> Response:
    """What a person sees when a page is refused: the sign-in page when they are not signed in."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        reason = "ended" if request.cookies.get(SESSION_COOKIE) else "required"
        response = RedirectResponse(f"/login?{urlencode({'next': target, 'message': reason})}", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)
