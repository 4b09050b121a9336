"""Loading a generated world into a store: each file becomes a source with its agency's labels."""

from collections.abc import Callable
from pathlib import Path

from nexus.ingest import IngestResult, ingest
from nexus.model.labels import Classification, Labels
from nexus.sources import get_format
from nexus.store import Store
from nexus.synth.manifest import ManifestFile, WorldManifest


def manifest_labels(item: ManifestFile) -> Labels:
    return Labels(
        agency=item.agency,
        classification=Classification.parse(item.labels.classification),
        releasable_to=tuple(item.labels.releasable_to),
        compartment=item.labels.compartment,
        orcon=item.labels.orcon,
        warrant=item.labels.warrant,
        legal_basis=item.labels.legal_basis,
    )


def load_world(
    store: Store,
    folder: Path,
    manifest: WorldManifest,
    before_each: Callable[[ManifestFile], None] | None = None,
) -> list[IngestResult]:
    """Register every file of the world as a source and ingest it (idempotent)."""
    results = []
    for item in manifest.files:
        store.register_source(item.source, item.format, manifest_labels(item), is_list=item.labels.is_list,
                              description=item.description)
        if before_each:
            before_each(item)
        path = folder / item.path
        options = {"mapping": folder / item.mapping} if item.mapping else {}
        results.append(ingest(store, item.source, path, get_format(item.format).read(path, **options)))
    return results
