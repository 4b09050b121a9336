"""What is refused before any handler reads a request body. FastAPI reads and parses a body (a JSON document,
a form, the files of an upload) before it authenticates, so a body comes in only with a credential, and only as
large as its route takes: files up to the evidence ceiling on the upload routes, a few MiB anywhere else. Text
holding a NUL character is refused wherever a request carries it (`NulGate`)."""

import json
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

import orjson
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path

from nexus.api.deps import SAFE_METHODS, SESSION_COOKIE
from nexus.api.models import error_body
from nexus.errors import InvalidInput, NexusError
from nexus.web.headers import ENCODED_HEADERS

NUL_REFUSED = "a value may not contain a NUL character"  # as the engine says it of a value it is given
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
        seen = 0

        def past_ceiling(message: dict):
            nonlocal seen
            seen += len(message.get("body", b""))
            if seen > limit:
                return lambda: _refuse(send, 413, f"the request body exceeds {limit:,} bytes")
            return None

        await _refusing_mid_body(self.app, scope, receive, send, past_ceiling)

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


class NulGate:
    """Refuses (422, naming the field) a NUL character in any text a request carries: its path, query string, headers,
    a JSON body or a form's fields, though not an uploaded file's contents. PostgreSQL cannot store one and DuckDB's
    parser ends a query at one; checked here, every route is spared it. The bytes are searched as they pass, and parsed
    only where the search finds one (a form with files as it streams in); a body found out once the route has it is
    refused as `RequestGate` refuses one past its ceiling."""

    def __init__(self, app, refuse: Callable[[dict, NexusError], Callable]) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            field = _path_field(scope["path"], await run_in_threadpool(scope["app"].openapi))  # built once, in seconds
        else:
            field = _nul_in_query(scope["query_string"]) or _nul_in_headers(scope["headers"])
        if field is not None:
            await self._refusal(scope, field)(scope, receive, send)
            return
        body = None if scope["method"] in SAFE_METHODS else _body_scanner(scope["headers"])
        if body is None:
            await self.app(scope, receive, send)
            return

        def nul_found(message: dict):
            body.feed(message.get("body", b""))
            if not message.get("more_body", False) and (field := body.nul_field()) is not None:
                return lambda: self._refusal(scope, field)(scope, receive, send)
            return None

        await _refusing_mid_body(self.app, scope, receive, send, nul_found)

    def _refusal(self, scope, field: str):
        return self.refuse(scope, InvalidInput(NUL_REFUSED, field=field))


async def _refusing_mid_body(app, scope, receive, send, refusal_for: Callable[[dict], Callable | None]) -> None:
    """Run `app`, handing it the body as it arrives; once `refusal_for(message)` gives a refusal (an awaitable's
    maker), that goes out at once and the app is told the client left: whatever it answers to that is dropped (an
    exception raised here would reach the app as a mere parsing error)."""
    refused = False

    async def checked():
        nonlocal refused
        if refused:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request" and (refusal := refusal_for(message)) is not None:
            refused = True
            await refusal()
            return {"type": "http.disconnect"}
        return message

    async def unless_refused(message) -> None:
        if not refused:
            await send(message)

    await app(scope, checked, unless_refused)


def _nul_in_query(query: bytes) -> str | None:
    if query and (b"%00" in query or 0 in query):  # `0 in`: the NUL byte, found by memchr (a bytes operand is slower)
        return _nul_in_pairs("query", query)
    return None


def _path_field(path: str, spec: dict) -> str:
    """The path parameter holding the NUL, as the API's description names it; "path" off the API."""
    for template in spec["paths"]:
        matched = compile_path(template)[0].match(path)
        if matched:
            return next((f"path.{name}" for name, value in matched.groupdict().items() if "\x00" in value), "path")
    return "path"


def _nul_in_pairs(where: str, encoded: bytes) -> str | None:
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return f"{where}.{name}"
    return None  # "%00" was part of something else


def _nul_in_headers(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if 0 in value:
            return f"header.{name.decode('latin-1')}"
    return None


def _body_scanner(headers: list[tuple[bytes, bytes]]):
    """What looks for a NUL in a body of this content type (JSON, as FastAPI takes it also untyped, or a form); None
    for any other, which no route reads as text."""
    content_type = next((value for name, value in headers if name == b"content-type"), b"")  # the first, as Starlette
    kind = content_type.partition(b";")[0].strip().lower()
    if kind == b"multipart/form-data":
        return _FormFields(content_type)
    if kind == b"application/x-www-form-urlencoded":
        return _WholeBody(_nul_in_form)
    if not kind or kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json")):
        return _WholeBody(_nul_in_json)
    return None


class _WholeBody:
    """A body kept as it streams in (the route keeps it whole too), searched once it is all in."""

    def __init__(self, find: Callable[[bytes], str | None]) -> None:
        self.chunks: list[bytes] = []
        self.find = find

    def feed(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def nul_field(self) -> str | None:
        return self.find(b"".join(self.chunks))


def _nul_in_form(body: bytes) -> str | None:
    return _nul_in_pairs("body", body) if b"%00" in body or 0 in body else None


def _nul_in_json(body: bytes) -> str | None:
    if 0 in body:  # a bare NUL is no JSON; UTF-16 or UTF-32 JSON, which json.loads would take, has NUL bytes
        return "body"
    if body.find(b"\\u0000") < 0:  # the only way UTF-8 JSON writes a NUL in a string
        return None
    try:
        document = json.loads(body)  # as the routes read it
    except ValueError:
        return None  # the route says what is wrong with it
    found = [("body", document)]
    while found:
        at, value = found.pop()
        if isinstance(value, str) and "\x00" in value:
            return at
        if isinstance(value, dict):
            if any("\x00" in key for key in value):
                return at
            found.extend(reversed([(f"{at}.{key}", item) for key, item in value.items()]))
        elif isinstance(value, list):
            found.extend(reversed([(f"{at}.{n}", item) for n, item in enumerate(value)]))
    return None  # an escaped backslash before "u0000"


class _FormFields:
    """A multipart form as it streams in: the first field whose value, or whose part's headers (a file's name, its
    media type), hold a NUL. A file's contents are not looked at."""

    def __init__(self, content_type: bytes) -> None:
        self.found: str | None = None
        self.field: str | None = None  # the part under way, while it is a field (not a file)
        self.header, self.value = bytearray(), bytearray()
        self.disposition, self.nul_in_headers = b"", False
        boundary = parse_options_header(content_type)[1].get(b"boundary")
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._data}) if boundary else None

    def feed(self, chunk: bytes) -> None:
        if self.parser is None or self.found is not None:
            return
        try:
            self.parser.write(chunk)
        except FormParserError:
            self.parser = None  # the route says what is wrong with it

    def nul_field(self) -> str | None:
        return self.found

    def _part_begin(self) -> None:
        self.disposition, self.nul_in_headers = b"", False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        if self.header.lower() == b"content-disposition":
            self.disposition = bytes(self.value)
        self.nul_in_headers = self.nul_in_headers or 0 in self.value
        self.header.clear()
        self.value.clear()

    def _headers_finished(self) -> None:
        options = parse_options_header(self.disposition)[1]
        name = f"body.{options.get(b'name', b'').decode('utf-8', 'replace')}"
        if self.nul_in_headers:
            self.found = name
        self.field = None if b"filename" in options else name

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.field is not None and data.find(0, start, end) >= 0:
            self.found = self.field
