"""The workspace the environment names (NEXUS_HOME, NEXUS_DATABASE_URL), opened for the CLI and the API alike."""

from nexus.config import load_settings
from nexus.security import anchor
from nexus.store import Store

__all__ = ["Store", "open_store"]

ANCHOR_FILE = "audit.anchor"


def open_store() -> Store:
    """The store, with the audit trail's anchor file in NEXUS_HOME attached."""
    settings = load_settings()
    store = Store.open(settings)
    anchor.attach(store.engine, settings.home / ANCHOR_FILE)
    return store
