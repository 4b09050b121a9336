"""Signing in and out of the web application."""

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nexus.api.deps import IDLE_LIMIT, SESSION_COOKIE, StoreDep
from nexus.errors import Forbidden, NexusError, Unauthenticated
from nexus.service.identity import (SESSION_LIFETIME, Viewer, csrf_token, session_viewer, set_purpose, sign_in,
                                    sign_out)
from nexus.service.workspace import Store
from nexus.web.render import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "nexus_login_csrf"
# What the sign-in page may say when sent there: fixed texts, never words taken from the address.
MESSAGES = {"signed-out": "You signed out.", "required": "Sign in to continue.",
            "ended": "Your session ended (expired, idle too long or closed): sign in again."}
CODE_NEEDED = "Enter the 6-digit code from your authenticator app: this account needs it to sign in."


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/", message: str = "") -> Response:
    return _sign_in_form(request, next, MESSAGES.get(message, ""), "", status=200)


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
    Secure over TLS. The purpose given here is kept with the session and recorded with every read until changed."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_csrf):
        return _sign_in_form(request, next, "the sign-in form expired; try again", username)
    if not purpose.strip():
        return _sign_in_form(request, next, "say what you are working on: it is recorded with what you read", username)
    try:
        token, _ = sign_in(store, username.strip(), password, code.strip() or None, purpose.strip())
    except NexusError as exc:
        return _sign_in_form(request, next, _in_web_words(str(exc), code), username, status=401)
    if request.cookies.get(SESSION_COOKIE):  # whoever was signed in on this browser is signed out
        sign_out(store, request.cookies[SESSION_COOKIE])
    response = RedirectResponse(safe_next(next), status_code=303)
    _cookie(request, response, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, store: StoreDep, csrf: Annotated[str, Form()] = "") -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        check_csrf(request, csrf)
        sign_out(store, token)
    response = RedirectResponse("/login?message=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/purpose")
def change_purpose(request: Request, store: StoreDep, purpose: Annotated[str, Form(max_length=500)],
                   csrf: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    signed_in(request, store)
    check_csrf(request, csrf)
    if purpose.strip():
        set_purpose(store, request.cookies[SESSION_COOKIE], purpose.strip())
    return RedirectResponse(safe_next(next), status_code=303)


def signed_in(request: Request, store: Store) -> Viewer:
    """The person whose session the cookie names, while it lives (not expired, closed or idle too long);
    otherwise Unauthenticated, which sends them to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated("sign in to continue")
    return session_viewer(store, token, None, IDLE_LIMIT)


def check_csrf(request: Request, csrf: str) -> None:
    """A form that changes something carries its page's anti-forgery token."""
    if not hmac.compare_digest(csrf, csrf_token(request.cookies.get(SESSION_COOKIE, ""))):
        raise Forbidden("this form lacks the page's anti-forgery token: reload the page and try again")


def _in_web_words(refusal: str, code: str) -> str:
    """A refusal as this page says it: without a code given, the only one naming the one-time code is that the
    account needs one, which the service words for the CLI (its --code option)."""
    return CODE_NEEDED if not code.strip() and "one-time code" in refusal else refusal


def _sign_in_form(request: Request, next: str, message: str, username: str, status: int = 400) -> Response:
    """The sign-in page with a fresh double-submit token (cookie and hidden field)."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": safe_next(next), "login_csrf": token, "message": message,
                                              "username": username}, status=status)
    _cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https" or request.app.state.secure_cookies, path="/")
