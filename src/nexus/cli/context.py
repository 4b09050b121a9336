"""What every command needs: the settings, the store and the viewer acting."""

import os

from nexus.config import load_settings
from nexus.model.labels import Classification
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.store import Store

LOCAL_USER = "local"


def open_store() -> Store:
    return Store.open(load_settings())


def current_viewer(store: Store, purpose: str = "") -> Viewer:
    """The acting user: NEXUS_USER if set, else the workspace's local owner."""
    username = os.environ.get("NEXUS_USER")
    if username:
        return users.viewer_for(store, username, purpose)
    users.ensure_user(
        store,
        LOCAL_USER,
        agency=os.environ.get("NEXUS_AGENCY", "LOCAL"),
        roles=("analyst", "supervisor", "administrator", "oversight"),
        clearance=Classification.TOP_SECRET,
    )
    return users.viewer_for(store, LOCAL_USER, purpose)
