"""What every command needs besides the store (`nexus.service.workspace.open_store`): the viewer acting.

The acting user is, in order: the owner of the API token in NEXUS_TOKEN (a program),
the user of the login session in NEXUS_HOME (`nexus login`), or — in laptop mode —
the workspace's local owner. NEXUS_REQUIRE_LOGIN=1 turns laptop mode off.
"""

import os

from nexus.config import load_settings
from nexus.model.labels import Classification
from nexus.security import sessions, tokens, users
from nexus.security.auth import AuthenticationFailed
from nexus.security.viewer import Viewer
from nexus.store import Store

LOCAL_USER = "local"


def current_viewer(store: Store, purpose: str = "") -> Viewer:
    token = os.environ.get("NEXUS_TOKEN")
    if token:
        return tokens.viewer_for_token(store, token, purpose)
    session = sessions.load_token(load_settings().home)
    if session:
        return users.viewer_for(store, sessions.session_user(store, session), purpose)
    if os.environ.get("NEXUS_REQUIRE_LOGIN", "") not in ("", "0"):
        raise AuthenticationFailed("log in first (`nexus login USERNAME`) or set NEXUS_TOKEN")
    users.ensure_user(
        store,
        LOCAL_USER,
        agency=os.environ.get("NEXUS_AGENCY", "LOCAL"),
        roles=("analyst", "supervisor", "administrator", "oversight"),
        clearance=Classification.TOP_SECRET,
    )
    return users.viewer_for(store, LOCAL_USER, purpose)
