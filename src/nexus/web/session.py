"""Signing in and out of the web application."""

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nexus.api.deps import PURPOSE_COOKIE, SESSION_COOKIE, StoreDep
from nexus.errors import NexusError
from nexus.service.identity import SESSION_LIFETIME, csrf_token, sign_in, sign_out
from nexus.web.render import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "nexus_login_csrf"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/", message: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": safe_next(next), "login_csrf": token, "message": message})
    _cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request, store: StoreDep,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    purpose: Annotated[str, Form(max_length=500)],
    login_csrf: Annotated[str, Form()],
    code: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (and one-time code), then open a session: an HttpOnly, SameSite=Strict cookie,
    Secure over TLS. The purpose given here is recorded with every read until changed."""
    if not hmac.compare_digest(request.cookies.get(LOGIN_CSRF_COOKIE, ""), login_csrf):
        return _again(request, next, "the sign-in form expired; try again", username)
    if not purpose.strip():
        return _again(request, next, "say what you are working on: it is recorded with what you read", username)
    try:
        token, _ = sign_in(store, username.strip(), password, code.strip() or None)
    except NexusError as exc:
        return _again(request, next, str(exc), username, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    _cookie(request, response, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))
    _cookie(request, response, PURPOSE_COOKIE, purpose.strip(), max_age=int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, store: StoreDep, csrf: Annotated[str, Form()] = "") -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and hmac.compare_digest(csrf, csrf_token(token)):
        sign_out(store, token)
    response = RedirectResponse("/login?message=signed+out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(PURPOSE_COOKIE)
    return response


@router.post("/purpose")
def change_purpose(request: Request, purpose: Annotated[str, Form(max_length=500)], csrf: Annotated[str, Form()],
                   next: Annotated[str, Form()] = "/") -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    response = RedirectResponse(safe_next(next), status_code=303)
    if token and purpose.strip() and hmac.compare_digest(csrf, csrf_token(token)):
        _cookie(request, response, PURPOSE_COOKIE, purpose.strip(), max_age=int(SESSION_LIFETIME.total_seconds()))
    return response


def _again(request: Request, next: str, message: str, username: str, status: int = 400) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": safe_next(next), "login_csrf": token, "message": message,
                                              "username": username}, status=status)
    _cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
