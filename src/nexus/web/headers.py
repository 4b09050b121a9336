"""The headers every answer carries: a strict Content-Security-Policy and its companions."""

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

#: The same as ASGI header pairs.
ENCODED_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
_HSTS = (b"strict-transport-security", b"max-age=31536000")
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the headers above to every answer (an answer's own, such as a download's stricter policy, stays), HSTS
    over TLS or where cookies are marked Secure, and `Cache-Control: no-store` outside /static/. Plain ASGI: the
    answer passes through as it is sent, not re-streamed through a task of its own as an `@app.middleware`'s is."""

    def __init__(self, app, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        hsts = self.secure or scope.get("scheme") == "https"

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in ENCODED_HEADERS if header[0] not in present]
                for wanted, set_here in ((_HSTS, hsts), (_NO_STORE, not static)):
                    if set_here:  # this value, whatever the answer set
                        headers = [header for header in headers if header[0].lower() != wanted[0]] + [wanted]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
