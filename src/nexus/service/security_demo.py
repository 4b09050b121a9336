"""The security demo: one query, two users, two different — correctly filtered — answers."""

import tempfile
from pathlib import Path

import orjson

from nexus.ingest import ingest
from nexus.model.labels import Classification, Labels
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.service.search import count_visible, search
from nexus.sources import get_format
from nexus.store import Store

QUERY = "Qaraman"
COMPARTMENT = "OP-CEDAR"

# Two agencies' holdings about the same family, labelled as each agency would.
DEMO_SOURCES = {
    "demo_police_records": (
        Labels("POLICE", Classification.RESTRICTED, legal_basis="Police Act s.12"),
        [{"id": "demo-samir-qaraman", "schema": "Person",
          "properties": {"name": ["Samir Qaraman"], "nationality": ["lb"], "topics": ["crime"]}}],
    ),
    "demo_intel_reporting": (
        Labels("INTEL", Classification.SECRET, releasable_to=("INTEL",), compartment=COMPARTMENT,
               legal_basis="Intelligence Services Act s.7"),
        [{"id": "demo-samir-qaraman", "schema": "Person", "properties": {"alias": ["Abu Rami"], "topics": ["crime.terror"]}},
         {"id": "demo-rami-qaraman", "schema": "Person", "properties": {"name": ["Rami Qaraman"], "topics": ["crime.terror"]}}],
    ),
}

DEMO_USERS = {
    "demo.police": dict(agency="POLICE", roles=("analyst",), clearance=Classification.RESTRICTED),
    "demo.intel": dict(agency="INTEL", roles=("analyst",), clearance=Classification.SECRET, compartments=(COMPARTMENT,)),
}


def load_demo_sources(store: Store) -> None:
    """Register and ingest the labelled demo holdings (a no-op once loaded)."""
    with tempfile.TemporaryDirectory(prefix="nexus-security-demo-") as tmp:
        for name, (labels, entities) in DEMO_SOURCES.items():
            path = Path(tmp) / f"{name}.ftm.json"
            path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
            store.register_source(name, "ftm", labels, description="security demo")
            ingest(store, name, path, get_format("ftm").read(path))


def describe(viewer: Viewer) -> str:
    compartments = f", compartment {', '.join(sorted(viewer.compartments))}" if viewer.compartments else ""
    return f"{viewer.user} ({viewer.agency}, {viewer.clearance.name}{compartments})"


def demo_viewers(store: Store, purpose: str) -> list[Viewer]:
    """The demo's police and intelligence users (created by `security_demo`), acting for ``purpose``."""
    return [users.viewer_for(store, username, purpose=purpose) for username in DEMO_USERS]


def security_demo(store: Store) -> list[str]:
    """Create two demo users and show what the same search and counts return for each."""
    load_demo_sources(store)
    for username, fields in DEMO_USERS.items():
        users.ensure_user(store, username, **fields)
    lines = [f"The same search for {QUERY!r}, by users of two agencies:"]
    for viewer in demo_viewers(store, "security demo"):
        results = search(store, viewer, QUERY)
        counts = count_visible(store, viewer)
        demo_counts = {s: n for s, n in counts["sources"].items() if s in DEMO_SOURCES}
        lines.append(f"  {describe(viewer)}: {len(results)} result(s)")
        for r in results:
            lines.append(f"    - {r.caption} [{r.entity_id}] names: {', '.join(sorted(r.names))}; topics: {', '.join(sorted(r.topics)) or '-'}")
        lines.append(f"    statements visible: {counts['statements']:,} in all; demo sources: "
                     + (", ".join(f"{s} {n}" for s, n in sorted(demo_counts.items())) or "none"))
    lines.append("What a user may not see does not exist for them: not in results, not in counts. "
                 "Both searches are in the audit trail (`nexus audit search --action search`).")
    return lines
