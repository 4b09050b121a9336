"""The synthetic world as a service for the demo: generate it, load it with its labels and warrants,
and score the stages on its ground truth."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from nexus.ingest import IngestResult
from nexus.model.labels import Classification
from nexus.security import audit, users, warrants
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions
from nexus.store import Store
from nexus.synth import generate
from nexus.synth.evaluate import resolution_quality, screening_quality, typology_quality
from nexus.synth.load import load_world as load_files
from nexus.synth.manifest import WorldManifest

__all__ = ["WorldManifest", "demo_lead", "generate_world", "load_world", "resolution_quality", "screening_quality",
           "typology_quality"]


def generate_world(folder: Path, seed: int, size: str) -> WorldManifest:
    """Write the world's files (agencies' records, watchlist, ground truth) to `folder`; the same seed, the same world."""
    return generate(folder, seed, size)


def load_world(
    store: Store, viewer: Viewer, folder: Path, manifest: WorldManifest, on_source: Callable[[str], None] | None = None,
    home: Path | None = None,
) -> list[IngestResult]:
    """Load the world's files with their labels; register the warrants they were collected under; with a
    workspace ``home``, load its transaction feeds into the ledger there too."""
    require(viewer, "ingest")
    known = {w["id"] for w in warrants.list_warrants(store, viewer)}

    def before_each(item) -> None:
        if item.labels.warrant and item.labels.warrant not in known:
            warrants.add_warrant(store, viewer, item.labels.warrant, agency=item.agency, kind="interception",
                                 expires_at=(date.today() + timedelta(days=90)).isoformat(),
                                 description=f"authorises {item.source} (synthetic world)")
            known.add(item.labels.warrant)
        if on_source:
            on_source(item.source)

    results = load_files(store, folder, manifest, before_each)
    for r in results:
        audit.log_event(store, viewer, "ingest", {"source": r.source, "run": r.run_id}, [])
    for feed in manifest.feeds if home is not None else ():  # audited by the ledger's own ingest
        if on_source:
            on_source(feed.source)
        results.append(ingest_transactions(store, viewer, folder / feed.path, feed.source, home, LabelChanges(
            agency=feed.agency, classification=feed.labels.classification,
            releasable_to=",".join(feed.labels.releasable_to), legal_basis=feed.labels.legal_basis)))
    return results


def demo_lead(store: Store, purpose: str) -> Viewer:
    """The demo's analyst: the intelligence service's lead in the joint cell, to whom every agency
    of the world releases its holdings (SECRET, compartment NIGHTJAR)."""
    users.ensure_user(store, "demo.lead", agency="INTEL", roles=("analyst", "supervisor"),
                      clearance=Classification.SECRET, compartments=("NIGHTJAR",))
    return users.viewer_for(store, "demo.lead", purpose)
