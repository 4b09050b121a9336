"""A server's start: rigour's name automaton is built before the application is started (before uvicorn listens),
not beside the first requests, whose process it would freeze, since its build holds the GIL (both databases)."""

import threading
import time

from fastapi.testclient import TestClient

from nexus.api import app as app_module


def test_the_application_starts_once_warm(store, workspace, monkeypatch):
    warm = threading.Event()

    def slow_warm_up() -> None:
        time.sleep(0.5)
        warm.set()

    monkeypatch.setattr(app_module, "warm_up", slow_warm_up)
    with TestClient(app_module.create_app(store)) as client:  # runs the start-up
        assert warm.is_set()
        assert client.get("/api/v1/health").json()["status"] == "ok"
