"""What every endpoint depends on: the store, the authenticated caller and a page of results.

A program authenticates with an API token (`Authorization: Bearer …`); a person signed in
to the web application with the session cookie, and then every request that changes
something must carry the page's anti-forgery token (`X-CSRF-Token`).
"""

import asyncio
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from nexus.api.models import Offset
from nexus.errors import Forbidden, InvalidInput, NexusError, Unauthenticated
from nexus.service.identity import (
    IDLE_LIMIT, Viewer, csrf_token, session_viewer, settle_audit, unsettled, viewer_for_token,
)
from nexus.service.workspace import Store

SESSION_COOKIE = "nexus_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUDIT_QUEUED = "nexus.audit_queued"
VIEWER = "nexus.viewer"  # the caller as the request's credential names them, for whoever answers a refusal
PURPOSE_HEADER = "X-Nexus-Purpose"
PURPOSE_MAX = 500  # characters, as the web's sign-in form takes it: every audit record carries it


async def get_store(request: Request) -> Store:
    # Dependencies that do no I/O are coroutines: FastAPI runs a plain function in a worker thread, a hop each.
    return request.app.state.store


def _viewer_dependency(queue: bool):
    async def viewer(
        request: Request,
        store: Annotated[Store, Depends(get_store)],
        authorization: Annotated[str | None, Header()] = None,
        x_nexus_purpose: Annotated[str | None, Header(max_length=PURPOSE_MAX, description="why you ask: required with "
                                                      "a token, recorded with every read")] = None,
        x_csrf_token: Annotated[str | None, Header(description="the page's anti-forgery token (session cookie only)")] = None,
    ) -> Viewer:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            purpose = (x_nexus_purpose or "").strip()
            queued = request.scope.get(AUDIT_QUEUED) if queue else None
            found = None
            if queued is not None:  # answered from memory when the token was checked less than a second ago
                found = viewer_for_token(store, token, purpose, queued, memory_only=True)
            if found is None:
                found = await run_in_threadpool(viewer_for_token, store, token, purpose, queued)
            request.scope[VIEWER] = found
            if not purpose:  # after the token's check: without a valid credential the answer is 401 all the same
                raise InvalidInput(f"state why you ask in the {PURPOSE_HEADER} header (a case, an investigation, a "
                                   "screening duty): it is recorded with everything this request reads or does",
                                   field=f"header.{PURPOSE_HEADER.lower()}")
            return found
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            found = request.scope[VIEWER] = await run_in_threadpool(session_viewer, store, cookie, x_nexus_purpose,
                                                                     IDLE_LIMIT)
            if request.method not in SAFE_METHODS and not hmac.compare_digest(x_csrf_token or "", csrf_token(cookie)):
                raise Forbidden("this request lacks the page's anti-forgery token (X-CSRF-Token): reload the page")
            return found
        raise Unauthenticated("an API token is required: Authorization: Bearer <token> (nexus tokens create)")

    return viewer


get_viewer = _viewer_dependency(queue=False)
"""The token's owner narrowed to its scopes, or the signed-in person; every use of a token is audited, and its
record committed before the route runs."""

get_reading_viewer = _viewer_dependency(queue=True)
"""As `get_viewer`, for routes that only read (or settle the request's records before they write:
`settle_queued`): the token's use is queued (`AuditSettled` sees it committed, with the action's record, before
the answer goes out), and a token checked less than a second ago is checked again without a database read
(`security.recent`) and without a thread of its own."""


def settle_queued(request: Request, store: Store) -> None:
    """Wait until the records the request queued so far are committed (before a route that read starts to write)."""
    settle_audit(store, unsettled(request.scope.get(AUDIT_QUEUED) or []))


class AuditSettled:
    """Audit records a request queued (`audit.log_event_later`, under `AUDIT_QUEUED` in its scope) are committed
    before its answer starts, or before its failure reaches the server's error handler: no answer goes out, and
    no request ends, on a record that is not in the trail. When they cannot be committed for a reason the platform
    names (the database gone: 503), the answer is that refusal (``refuse``), not the route's."""

    def __init__(self, app, refuse: Callable[[dict, NexusError], Callable]) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        queued: list = []
        scope[AUDIT_QUEUED] = queued
        refused = False

        async def settle() -> None:
            pending = unsettled(queued)
            queued.clear()
            if pending:  # shielded: the commit goes on even when the request is cancelled meanwhile (its client gone)
                await asyncio.shield(run_in_threadpool(settle_audit, scope["app"].state.store, pending))

        async def settled_first(message) -> None:
            nonlocal refused
            if refused:  # the rest of the route's answer, which does not go out
                return
            if message["type"] == "http.response.start":
                try:
                    await settle()
                except NexusError as exc:
                    refused = True
                    await self.refuse(scope, exc)(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, settled_first)
        finally:
            await settle()


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int


async def page_request(
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many items")] = 50,
    offset: Offset = 0,
) -> PageRequest:
    return PageRequest(limit, offset)


def page(items: list, request: PageRequest) -> dict:
    """One page of results; `next_offset` is where the next page starts, null on the last page.
    The service was asked for one item more than the page holds, to know whether another page follows."""
    more = len(items) > request.limit
    return {"items": items[:request.limit], "limit": request.limit, "offset": request.offset,
            "next_offset": request.offset + request.limit if more else None}


def page_of_all(items: list, request: PageRequest) -> dict:
    """The requested page of every item a service returned (one that does not page itself)."""
    return page(items[request.offset:request.offset + request.limit + 1], request)


StoreDep = Annotated[Store, Depends(get_store)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
ReadingViewerDep = Annotated[Viewer, Depends(get_reading_viewer)]
PageDep = Annotated[PageRequest, Depends(page_request)]
