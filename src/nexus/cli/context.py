"""What every command needs besides the store (`nexus.service.workspace.open_store`): the viewer acting.

The acting user is, in order: the owner of the API token in NEXUS_TOKEN (a program),
the user of the login session in NEXUS_HOME (`nexus login`), or — in laptop mode —
the workspace's local owner. NEXUS_REQUIRE_LOGIN=1 turns laptop mode off.
"""

import os

from nexus.config import load_settings
from nexus.service.identity import Viewer, acting_viewer
from nexus.service.workspace import Store


def current_viewer(store: Store, purpose: str = "") -> Viewer:
    return acting_viewer(
        store, load_settings().home, purpose, token=os.environ.get("NEXUS_TOKEN"),
        require_login=os.environ.get("NEXUS_REQUIRE_LOGIN", "") not in ("", "0"),
        local_agency=os.environ.get("NEXUS_AGENCY", "LOCAL"),
    )
