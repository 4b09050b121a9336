"""Loading a file as a service action: register its source with labels, ingest it, audit it.

A format that is by nature a list (a sanctions list such as `un-sc`) registers its source
as a list unless told otherwise, so screening sees it without a flag.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nexus.errors import Forbidden, InvalidInput
from nexus.ingest import IngestResult, ingest
from nexus.model.labels import Classification, Labels, agency_code
from nexus.security import audit
from nexus.security.policy import decide, require
from nexus.security.viewer import Viewer
from nexus.security.warrants import warrant_usable
from nexus.sources import FORMATS, RecordError, SourceError, get_format
from nexus.sources.goaml.schema import load_schema
from nexus.sources.limits import check_file
from nexus.store import Store

__all__ = ["FORMATS", "IngestResult", "LabelChanges", "format_is_list", "ingest_file", "ingest_reports", "list_sources"]


@dataclass(frozen=True)
class LabelChanges:
    """Labels to set on the source; None keeps the registered value (or the default for a new source)."""

    agency: str | None = None
    classification: str | None = None
    releasable_to: str | None = None  # comma-separated agencies; * = any
    compartment: str | None = None
    orcon: bool | None = None
    warrant: str | None = None
    legal_basis: str | None = None

    def applied_to(self, labels: Labels) -> Labels:
        return labels.with_overrides(
            agency=self.agency,
            classification=Classification.parse(self.classification) if self.classification else None,
            releasable_to=tuple(x.strip() for x in self.releasable_to.split(",") if x.strip()) if self.releasable_to else None,
            compartment=self.compartment, orcon=self.orcon, warrant=self.warrant, legal_basis=self.legal_basis,
        )


def format_is_list(format: str) -> bool:
    """Whether sources in this format are lists to screen against unless registered otherwise."""
    return bool(getattr(_reader(format), "is_list", False))


def ingest_file(
    store: Store,
    viewer: Viewer,
    format: str,
    path: Path,
    source: str,
    labels: LabelChanges = LabelChanges(),
    *,
    mapping: Path | None = None,
    schema: Path | None = None,
    retention_days: int | None = None,
    is_list: bool | None = None,
    strict: bool = False,
    partial: bool = False,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Register (or update) `source` and load `path` into it; `is_list` None keeps a registered source's
    setting and gives a new one its format's default."""
    require(viewer, "ingest")
    reader = _reader(format)
    try:
        check_file(path)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    existing = store.get_source(source)
    check_labeller(store, viewer, source, existing, labels, _new_source_labels(viewer))
    register(store, format, source, labels, retention_days, is_list, defaults=_new_source_labels(viewer))
    try:
        options = {k: v for k, v in (("mapping", mapping), ("schema", schema)) if v is not None}
        records = reader.read(path, **options)
        result = ingest(store, source, path, records, strict=strict, partial=partial, force=force, progress=progress)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    audit.log_event(store, viewer, "ingest", {"source": source, "path": str(path), "format": format}, [])
    return result


def check_labeller(store: Store, viewer: Viewer, source: str, existing: dict | None, labels: LabelChanges,
                   defaults: Labels, holder: bool = True) -> None:
    """Only the agency holding a source loads into it or labels data in its name (`holder`), and no one loads data
    labelled beyond their own clearance or compartments, as given or as the source already labels it (they could
    not read what they loaded); an administrator acts for any."""
    if viewer.has_role("administrator"):
        return
    if holder and existing is not None and existing["agency"] != viewer.agency:
        raise Forbidden(f"source {source!r} is held by another agency: load into a source of {viewer.agency}")
    if holder and labels.agency and agency_code(labels.agency) != viewer.agency:
        raise Forbidden(f"only an administrator labels data as another agency's ({labels.agency}); yours is {viewer.agency}")
    effective = labels.applied_to(store.source_labels(existing) if existing else defaults)
    if effective.classification > viewer.clearance:
        raise Forbidden(f"classification {effective.classification.name} is above your clearance ({viewer.clearance.name})")
    if effective.compartment and effective.compartment not in viewer.compartments:
        raise Forbidden(f"compartment {effective.compartment} is not one of yours")


def _new_source_labels(viewer: Viewer) -> Labels:
    """What a new source's data is labelled by default: the local owner's (any agency may read it, RESTRICTED), or
    for anyone else their own agency's alone, as a pushed travel message is."""
    if viewer.has_role("administrator"):
        return Labels(agency="LOCAL")
    return Labels(agency=viewer.agency, releasable_to=(viewer.agency,))


def register(store: Store, format: str, source: str, labels: LabelChanges, retention_days: int | None = None,
             is_list: bool | None = None, defaults: Labels = Labels(agency="LOCAL")) -> None:
    """Register `source` or update its labels; None keeps what is registered (a new source: `defaults`)."""
    existing = store.get_source(source)
    if is_list is None:
        is_list = bool(existing["is_list"]) if existing else format_is_list(format)
    store.register_source(
        source, format, labels.applied_to(store.source_labels(existing) if existing else defaults),
        retention_days=retention_days if retention_days is not None else (existing or {}).get("retention_days"),
        is_list=is_list,
    )


def list_sources(store: Store, viewer: Viewer) -> list[dict]:
    """The registered sources whose data the viewer may read (a source's name and holder say something too), with
    their default labels and whether each is a list."""
    require(viewer, "read")
    sources = [s for s in store.list_sources() if source_visible(store, viewer, s)]
    audit.log_event(store, viewer, "sources.list", {}, [s["name"] for s in sources])
    return [s | {"classification": Classification(s["classification"]).name} for s in sources]


def source_visible(store: Store, viewer: Viewer, source: dict, action: str = "read") -> bool:
    """Whether the viewer may take `action` on data labelled as the registered `source`'s defaults: only then may
    they learn that it exists."""
    labels = store.source_labels(source)
    return decide(viewer, labels, action, warrant_usable(store, viewer, labels.warrant)).allowed


def ingest_reports(
    store: Store,
    viewer: Viewer,
    path: Path,
    source: str,
    schema: Path | None,
    labels: LabelChanges = LabelChanges(),
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[tuple[Path, IngestResult]]:
    """Load one goAML report or a folder of them (`*.xml`, in name order) into `source`, each file its own
    run: a report the FIU's schema rejects, or that cannot be read at all, is reported with its reasons and the
    rest of the folder still loads. Without `schema` reports are read, not validated.
    Reports accumulate, so no run retires what an earlier report said."""
    files = sorted(p for p in path.glob("*.xml") if p.is_file()) if path.is_dir() else [path]
    if not files:
        raise InvalidInput(f"{path}: no goAML reports (*.xml) in this folder")
    if schema is not None:
        try:
            load_schema(schema)  # a bad schema fails the whole folder once, not each report
        except SourceError as exc:
            raise InvalidInput(str(exc)) from None
    results = []
    for file in files:
        if progress:
            progress(file.name)
        try:
            result = ingest_file(store, viewer, "goaml", file, source, labels, schema=schema, partial=True, force=force)
        except InvalidInput as exc:
            if not path.is_dir():
                raise
            reason = str(exc).removeprefix(f"{file}: ")
            result = IngestResult(0, source, errors=[RecordError(str(file), "report", None, reason)])
        results.append((file, result))
    return results


def _reader(format: str):
    try:
        return get_format(format)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
