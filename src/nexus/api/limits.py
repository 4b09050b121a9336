"""What is refused before any handler reads a request body. FastAPI reads and parses a body (a JSON document,
a form, the files of an upload) before it authenticates, so a body comes in only with a credential, and only as
large as its route takes: files up to the evidence ceiling on the upload routes, a few MiB anywhere else."""

import re
from http.cookies import SimpleCookie

import orjson

from nexus.api.deps import SAFE_METHODS, SESSION_COOKIE
from nexus.api.models import error_body
from nexus.web.headers import ENCODED_HEADERS

SMALL_BODY = 16 << 20  # the largest JSON or form a route other than an upload takes (a batch of 1,000 queries)
UPLOADS = re.compile(r"^/api/v1/(ingest|travel)/[^/]+$|^/api/v1/cases/[0-9]+/evidence$|^/cases/[0-9]+/evidence$")
OPEN_FORMS = frozenset({"/login"})  # a body that comes before any credential can exist


class RequestGate:
    """Refuses (401) a body from a caller naming no credential (no Bearer token, no session cookie), and (413) a
    body over its route's ceiling, declared or as it streams in (chunked bodies declare no length). Whether the
    credential is valid is decided, as for any request, by the route."""

    def __init__(self, app, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        path = scope["path"]
        if path not in OPEN_FORMS and not self._credential(headers):
            await _refuse(send, 401, "an API token or a signed-in session is required", [(b"www-authenticate", b"Bearer")])
            return
        limit = self.upload_limit if UPLOADS.match(path) else SMALL_BODY
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, 413, f"the request body exceeds {limit:,} bytes")
            return
        seen, refused = 0, False

        async def counted():
            # Past the ceiling the 413 goes out at once and the app is told the client left: whatever it answers
            # to that is dropped (an exception raised here would reach the app as a mere parsing error).
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    await _refuse(send, 413, f"the request body exceeds {limit:,} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)

    def _credential(self, headers: dict[bytes, bytes]) -> bool:
        if headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            return True
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed cookie header names no session
            return False
        return bool(cookies.get(SESSION_COOKIE) and cookies[SESSION_COOKIE].value)


async def _refuse(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = orjson.dumps(error_body(status, detail))
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *ENCODED_HEADERS,
        *headers]})
    await send({"type": "http.response.body", "body": body})
