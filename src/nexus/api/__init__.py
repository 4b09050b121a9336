"""The HTTP API, REST v1 under /api/v1: one FastAPI router per domain (`api/routers/`), dependencies for the
store, the caller and a page of results (`api/deps.py`); the web application (`nexus.web`) is served by the
same app.

    app = create_app()            # the workspace from the environment (NEXUS_HOME, NEXUS_DATABASE_URL)
    nexus serve --port 8000       # uvicorn on 127.0.0.1; --workers N on PostgreSQL

A program authenticates with an API token (`Authorization: Bearer …`, made with `nexus tokens create`) and
says why it asks (`X-Nexus-Purpose`); the token's scopes only narrow its owner's rights. A person signed in to
the web application uses the session cookie and the page's anti-forgery token. Every read is audited by the
service layer. The spec is at /api/v1/openapi.json; GET /api/v1/health is the one route open to anyone.
Domain errors map to 401/403/404/409/413/422/503 with one body shape ({status, error, detail, fields});
anything else is a 500 with the same shape and the traceback only in the log.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    # The app is imported on first use, not with the package: the web pages import `nexus.api.deps`, and the
    # app imports the web pages.
    if name == "create_app":
        from nexus.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
