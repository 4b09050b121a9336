"""A small labelled world: FtM entities in sources that differ in every security dimension.

Entity ``p-ahmed`` is reported by several sources, so one entity mixes statements a
viewer may and may not see.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nexus.ingest import ingest
from nexus.model.labels import Classification, Labels
from nexus.security import users, warrants
from nexus.security.viewer import Viewer
from nexus.sources import get_format
from nexus.store import Store

R, C, S = Classification.RESTRICTED, Classification.CONFIDENTIAL, Classification.SECRET


def person(entity_id: str, *names: str, **props: str) -> dict:
    properties = {"name": list(names), **{k: [v] for k, v in props.items()}}
    return {"id": entity_id, "schema": "Person", "properties": properties}


# source name -> (labels, entities)
SOURCES: dict[str, tuple[Labels, list[dict]]] = {
    "police_open": (
        Labels("POLICE", R),
        [person("p-ahmed", "Karim Ahmed"), {"id": "c-acme", "schema": "Company", "properties": {"name": ["Acme Trading"]}}],
    ),
    "police_orcon": (Labels("POLICE", C, orcon=True), [person("p-ahmed", "Karim Al-Ahmedi"), person("p-olga", "Olga Orconova")]),
    "intel_secret": (Labels("INTEL", S, releasable_to=("INTEL",)), [person("p-ahmed", "Kareem Sekretov"), person("p-sergei", "Sergei Sekretov")]),
    "intel_shared": (Labels("INTEL", C, releasable_to=("INTEL", "POLICE")), [person("p-shared", "Sharif Partage")]),
    "intel_falcon": (Labels("INTEL", S, compartment="OP-FALCON"), [person("p-ahmed", "Karim Falconi"), person("p-falcon", "Farid Falconi")]),
    "police_wiretap": (Labels("POLICE", R, warrant="W-LIVE"), [person("p-wire", "Wilma Wiretap")]),
    "police_expired": (Labels("POLICE", R, warrant="W-OLD"), [person("p-ahmed", "Karim Expirado"), person("p-expired", "Ernesto Expirado")]),
    "police_unknown": (Labels("POLICE", R, warrant="W-NONE"), [person("p-ghost", "Gaspard Ghost")]),
}

ENTITY_SOURCES: dict[str, set[str]] = {}
for _source, (_labels, _entities) in SOURCES.items():
    for _e in _entities:
        ENTITY_SOURCES.setdefault(_e["id"], set()).add(_source)


def viewer(user: str, agency: str, roles: str, clearance: Classification, compartments: str = "", purpose: str = "") -> Viewer:
    return Viewer(user, agency, frozenset(roles.split(",")), clearance,
                  frozenset(c for c in compartments.split(",") if c), purpose)


VIEWERS = {
    "police_analyst": viewer("police_analyst", "POLICE", "analyst", R),
    "police_prosecutor": viewer("police_prosecutor", "POLICE", "investigator", C, purpose="prosecution"),
    "police_targeter": viewer("police_targeter", "POLICE", "targeter", S),
    "intel_analyst": viewer("intel_analyst", "INTEL", "analyst", S),
    "intel_falcon": viewer("intel_falcon", "INTEL", "analyst", S, "OP-FALCON"),
    "customs_analyst": viewer("customs_analyst", "CUSTOMS", "analyst", Classification.TOP_SECRET),
    "oversight": viewer("oversight", "POLICE", "oversight", Classification.TOP_SECRET),
    "administrator": viewer("administrator", "POLICE", "administrator", Classification.TOP_SECRET),
}

# The sources each viewer may read (hand-derived from the labels above, not from the code).
READABLE = {
    "police_analyst": {"police_open", "police_wiretap"},
    "police_prosecutor": {"police_open", "police_orcon", "intel_shared", "police_wiretap", "police_expired"},
    "police_targeter": {"police_open", "police_orcon", "intel_shared", "police_wiretap"},
    "intel_analyst": {"police_open", "police_orcon", "intel_secret", "intel_shared", "police_wiretap"},
    "intel_falcon": {"police_open", "police_orcon", "intel_secret", "intel_shared", "intel_falcon", "police_wiretap"},
    "customs_analyst": {"police_open", "police_orcon", "police_wiretap"},
    "oversight": set(),
    "administrator": set(),
}
# Export is a release: ORCON statements leave only with their originating agency.
EXPORTABLE = {
    "police_analyst": {"police_open", "police_wiretap"},
    "police_prosecutor": READABLE["police_prosecutor"],
    "police_targeter": set(),  # targeters may not export at all
    "intel_analyst": READABLE["intel_analyst"] - {"police_orcon"},
    "intel_falcon": READABLE["intel_falcon"] - {"police_orcon"},
    "customs_analyst": READABLE["customs_analyst"] - {"police_orcon"},
    "oversight": set(),
    "administrator": set(),
}


def visible_entities(sources: set[str]) -> set[str]:
    return {e for e, srcs in ENTITY_SOURCES.items() if srcs & sources}


@dataclass
class World:
    store: Store
    statements_by_source: dict[str, int]


def build(store: Store, tmp: Path) -> World:
    now = datetime.now(UTC)
    supervisor = viewer("sup", "POLICE", "supervisor", R)
    warrants.add_warrant(store, supervisor, "W-LIVE", agency="POLICE", kind="interception",
                         expires_at=(now + timedelta(days=30)).isoformat())
    warrants.add_warrant(store, supervisor, "W-OLD", agency="POLICE", kind="interception",
                         issued_at=(now - timedelta(days=60)).date().isoformat(),
                         expires_at=(now - timedelta(days=1)).date().isoformat(), allowed_uses=["prosecution"])
    counts = {}
    for name, (labels, entities) in SOURCES.items():
        path = tmp / f"{name}.ftm.json"
        path.write_text("".join(json.dumps(e) + "\n" for e in entities))
        store.register_source(name, "ftm", labels)
        result = ingest(store, name, path, get_format("ftm").read(path))
        assert not result.errors
        counts[name] = result.statements
    for v in VIEWERS.values():
        users.ensure_user(store, v.user, agency=v.agency, roles=v.roles, clearance=v.clearance, compartments=v.compartments)
    return World(store, counts)
