"""The HTTP API: one FastAPI router per domain, dependencies for the store and the caller.

    app = create_app()            # the workspace from the environment (NEXUS_HOME, NEXUS_DATABASE_URL)
    nexus serve --port 8000       # uvicorn on 127.0.0.1

Every request authenticates with an API token (`Authorization: Bearer nexus_…`, made
with `nexus tokens create`) and may say why (`X-Nexus-Purpose`); the token's scopes can
only narrow its owner's rights, and every read is audited by the service layer.
Endpoints (OpenAPI at /docs):

- POST /screen                one query: name and optional birth_date, nationality, gender, document, schema;
                               `alerts: true` raises its hits as alerts
- GET  /alerts                 alerts the caller may see (kind, state, min_score, entity filters)
- GET  /alerts/{id}            one alert: explanation, evidence, review history
- POST /alerts/{id}/review     confirm, dismiss (with a reason), mark unsure, escalate or re-open

Domain errors map to 401/403/404/409/422/503 (nexus.errors); anything else is a 500.
"""

from nexus.api.app import create_app

__all__ = ["create_app"]
