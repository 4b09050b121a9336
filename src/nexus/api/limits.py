"""What is refused before any handler (or form parser) reads a request body: a body over the ceiling, and an
upload that carries no credential at all (FastAPI parses a form, spooling its files, before it authenticates)."""

import orjson

from nexus.api.models import error_body


class BodyLimit:
    """Refuses (413) a request whose declared length exceeds `limit`, and cuts off one whose body grows past it
    as it streams in (chunked uploads declare no length)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(send, self.limit)


class BodyTooLarge(Exception):
    pass


class UploadsNeedCredentials:
    """Refuses (401) a multipart upload that names no credential: no API token, no session cookie. Whether the
    credential is valid is decided as for any request, after the body is read."""

    def __init__(self, app, session_cookie: str) -> None:
        self.app = app
        self.cookie = session_cookie.encode() + b"="

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] != "GET":
            headers = dict(scope["headers"])
            if (headers.get(b"content-type", b"").startswith(b"multipart/")
                    and not headers.get(b"authorization", b"").lower().startswith(b"bearer ")
                    and self.cookie not in headers.get(b"cookie", b"")):
                await _refuse(send, 401, "an API token or a signed-in session is required",
                              [(b"www-authenticate", b"Bearer")])
                return
        await self.app(scope, receive, send)


async def _too_large(send, limit: int) -> None:
    await _refuse(send, 413, f"the request body exceeds {limit:,} bytes")


async def _refuse(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = orjson.dumps(error_body(status, detail))
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
