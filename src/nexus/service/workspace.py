"""The workspace the environment names (NEXUS_HOME, NEXUS_DATABASE_URL), opened for the CLI and the API alike."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from nexus.config import load_settings
from nexus.security import anchor
from nexus.store import Store

__all__ = ["Store", "open_store", "store_answers"]

ANCHOR_FILE = "audit.anchor"


def open_store() -> Store:
    """The store, with the audit trail's anchor file in NEXUS_HOME attached."""
    settings = load_settings()
    store = Store.open(settings)
    anchor.attach(store.engine, settings.home / ANCHOR_FILE)
    return store


def store_answers(store: Store) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with store.reader.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
