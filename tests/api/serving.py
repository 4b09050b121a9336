"""The app over a store holding one open watchlist, for the API tests."""

import orjson
from fastapi.testclient import TestClient

from nexus.api import create_app
from nexus.ingest import ingest
from nexus.model import Labels
from nexus.sources import get_format


def serving_list(store, folder, listed: list[dict]) -> TestClient:
    """The app over `store`, with `listed` (FtM entities) loaded as the watchlist `open-list`, which every agency
    may screen against."""
    path = folder / "list.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in listed))
    store.register_source("open-list", "ftm", Labels(agency="POLICE", releasable_to=("*",)), is_list=True)
    ingest(store, "open-list", path, get_format("ftm").read(path))
    return TestClient(create_app(store))
