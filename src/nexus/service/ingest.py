"""Loading a file as a service action: register its source with labels, ingest it, audit it.

A format that is by nature a list (a sanctions list such as `un-sc`) registers its source
as a list unless told otherwise, so screening sees it without a flag.
"""

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sqlalchemy import Connection, and_, false, not_, or_, select, update

from nexus.errors import Forbidden, InvalidInput
from nexus.ingest import (
    Batch, IngestResult, RelabelRefused, complete_run, file_sha256, ingest, open_run, refuse_relabel,
    registration_changes, run_context, write_batch,
)
from nexus.model.labels import (
    ANY_AGENCY, Classification, Labels, agency_code, check_text, checked_agencies, checked_agency,
)
from nexus.model.statements import statement_values
from nexus.security import audit
from nexus.security.policy import acts_for_every_agency, decide, require, statement_clause
from nexus.security.viewer import Viewer
from nexus.security.warrants import warrant_usable
from nexus.sources import FORMATS, Record, RecordError, SourceError, get_format
from nexus.sources.goaml import Filing, filing_of
from nexus.sources.goaml.schema import load_schema
from nexus.sources.limits import check_file
from nexus.store import Store, utc_now
from nexus.store.schema import ingest_runs, statements, warrants
from nexus.store.store import source_row, write_source

__all__ = ["FORMATS", "IngestResult", "LabelChanges", "ReportResult", "format_is_list", "ingest_file", "ingest_reports",
           "list_sources"]


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

    def __post_init__(self) -> None:
        """Refuse at once (InvalidInput naming the field) a label that is given but could not be stored as given: an
        empty or malformed agency, no agency to release to, an unknown classification, a NUL character."""
        for name in ("agency", "classification", "releasable_to", "compartment", "warrant", "legal_basis"):
            check_text(getattr(self, name), name)
        if self.agency is not None:
            checked_agency(self.agency)
        if self.classification is not None:
            self._classification()
        if self.releasable_to is not None:
            checked_agencies(self.releasable_to)

    def _classification(self) -> Classification | None:
        if self.classification is None:
            return None
        try:
            return Classification.parse(self.classification)
        except InvalidInput as exc:
            raise InvalidInput(str(exc), field="classification") from None

    def applied_to(self, labels: Labels) -> Labels:
        return labels.with_overrides(
            agency=self.agency,
            classification=self._classification(),
            releasable_to=checked_agencies(self.releasable_to) if self.releasable_to is not None else None,
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
    name: str | None = None,
) -> IngestResult:
    """Register (or update) `source` and load `path` into it; `is_list` None keeps a registered source's
    setting and gives a new one its format's default. A file its reader rejects, or in which not one record is valid,
    is refused (InvalidInput naming the file and its first bad record) and leaves the registration as it was.
    `name` is what the run and the audit trail call the file (an upload's own name), `path` by default."""
    require(viewer, "ingest")
    check_text(source, "source")
    reader = _reader(format)
    existing = store.get_source(source)
    defaults = _new_source_labels(viewer)
    check_labeller(store, viewer, source, existing, labels, defaults)
    try:
        check_file(path)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    registered = registration(existing, format, source, labels, retention_days, is_list, defaults)
    try:
        options = {k: v for k, v in (("mapping", mapping), ("schema", schema)) if v is not None}
        records = reader.read(path, **options)
        result = ingest(store, source, Path(name or path), records, strict=strict, partial=partial, force=force,
                        progress=progress, sha=file_sha256(path), registration=registered, refuse_none_valid=True)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    finally:  # a relabel is written with the first batch: audited whether or not the rest of the load was
        audit_relabel(store, viewer, source, existing)
    audit.log_event(store, viewer, "ingest", {"source": source, "path": name or str(path), "format": format}, [])
    return result


def check_labeller(store: Store, viewer: Viewer, source: str, existing: dict | None, labels: LabelChanges,
                   defaults: Labels, holder: bool = True, whole_source: bool = True) -> None:
    """Only the agency holding a source loads into it or labels data in its name (`holder`), only someone who may read
    what it holds (`check_loadable`; with `whole_source` False its statements are the caller's to check, by the
    entities its load states: `check_statements_loadable`), and no one loads data labelled beyond their own clearance
    or compartments, as given or as the source already labels it (they could not read what they loaded); the
    workspace's owner acts for any (`acts_for_every_agency`), another agency's administrator for their own alone."""
    if existing is not None:
        check_loadable(store, viewer, source, existing, holder)
        if whole_source:
            check_statements_loadable(store, viewer, source)
    effective = labels.applied_to(store.source_labels(existing) if existing else defaults)
    if labels.warrant:
        _check_warrant(store, viewer, labels.warrant, effective.agency)
    if acts_for_every_agency(viewer):
        return
    if holder and labels.agency and agency_code(labels.agency) != viewer.agency:
        raise Forbidden(f"only the workspace's owner labels data as another agency's ({labels.agency}); yours is {viewer.agency}")
    if effective.classification > viewer.clearance:
        raise Forbidden(f"classification {effective.classification.name} is above your clearance ({viewer.clearance.name})")
    if effective.compartment and effective.compartment not in viewer.compartments:
        raise Forbidden(f"compartment {effective.compartment} is not one of yours")


def check_loadable(store: Store, viewer: Viewer, source: str, existing: dict, holder: bool = True) -> None:
    """Refuse (`_refuse_load`) a load into the registered `source` by anyone but the workspace's owner who may not read
    data labelled as it is registered, or who is not of the agency holding it (`holder`)."""
    if acts_for_every_agency(viewer):
        return
    labels = store.source_labels(existing)
    if holder and labels.agency != viewer.agency:
        _refuse_load(store, viewer, source, "held by another agency")
    if not source_visible(store, viewer, existing, "ingest") or (labels.orcon and labels.agency != viewer.agency):
        _refuse_load(store, viewer, source, "labelled beyond the loader")


def check_statements_loadable(store: Store, viewer: Viewer, source: str,
                              entity_ids: Collection[str] | None = None) -> None:
    """Refuse (`_refuse_load`) a load into `source` by anyone but the workspace's owner while it holds a live statement
    (of `entity_ids`, the entities the load states, or of any) that they may not read, or (ORCON) not act on as its
    originator: a load retires and relabels what the source holds, and a relabel a partial load writes leaves the
    statements it does not restate labelled as they were."""
    if acts_for_every_agency(viewer):
        return
    s = statements.c
    readable = and_(statement_clause(viewer, statements, "ingest"), or_(s.orcon == false(), s.agency == viewer.agency))
    held = select(s.id).where(s.source == source, s.retired_at.is_(None), not_(readable))
    if entity_ids is not None:
        held = held.where(s.entity_id.in_(sorted(entity_ids)))
    with store.engine.connect() as conn:
        hidden = conn.execute(held.limit(1)).first()
    if hidden is not None:
        _refuse_load(store, viewer, source, "holds statements the loader may not read")


def _refuse_load(store: Store, viewer: Viewer, source: str, reason: str) -> NoReturn:
    """One answer whatever the reason, audited with it: that the name is taken is all the loader learns."""
    audit.log_event(store, viewer, "ingest", {"source": source, "refused": reason}, [], outcome="denied")
    raise Forbidden(f"source {source!r} is not one you may load into: load into a source of your own (another name)",
                    audited=True)


def _check_warrant(store: Store, viewer: Viewer, warrant_id: str, agency: str) -> None:
    """Data is labelled only with a registered warrant of its own agency, and by anyone but the workspace's owner only
    with one of theirs, for their own agency's data. One answer whatever another agency holds: references are not
    to be probed."""
    owner = agency_code(agency) if acts_for_every_agency(viewer) else viewer.agency
    with store.engine.connect() as conn:
        held_by = conn.execute(select(warrants.c.agency).where(warrants.c.id == warrant_id)).scalar()
    if agency_code(agency) != owner or held_by is None or agency_code(held_by) != owner:
        raise InvalidInput(f"{warrant_id!r} is not a registered warrant of {owner} for {owner}'s data: data labelled "
                           "with it would be visible to no one; that agency's supervisor registers it first "
                           "(nexus warrants add)", field="warrant")


#: The longest retention a source may be given (a date beyond it is not one a database or Python keeps).
MAX_RETENTION_DAYS = 100 * 366


def audit_relabel(store: Store, viewer: Viewer, source: str, before: dict | None) -> None:
    """Audit (`sources.relabel`) what a load changed of `source`'s registration `before` it, if anything: each
    change, and which of them loosen who may see the data (`lowered`: a lower classification, more agencies it is
    releasable to, another agency, ORCON, a compartment or a warrant taken off or changed). Not for a new source."""
    if before is None:
        return
    after = store.get_source(source)
    changes = registration_changes(before, after) if after is not None else {}
    if changes:
        audit.log_event(store, viewer, "sources.relabel", {
            "source": source, "changes": {f: {"from": a, "to": b} for f, (a, b) in changes.items()},
            "lowered": _lowered(before, after)})


def _lowered(before: dict, after: dict) -> list[str]:
    """The dimensions in which `after`'s labels let more people see the data than `before`'s."""
    was, now = Labels.from_row(before), Labels.from_row(after)
    lowered = []
    if now.classification < was.classification:
        lowered.append("classification")
    if ANY_AGENCY not in was.releasable_to and set(now.releasable_to) - set(was.releasable_to):
        lowered.append("releasable_to")
    if now.agency != was.agency:
        lowered.append("agency")
    if was.orcon and not now.orcon:
        lowered.append("orcon")
    if was.compartment and now.compartment != was.compartment:
        lowered.append("compartment")
    if was.warrant and now.warrant != was.warrant:
        lowered.append("warrant")
    return lowered


def register_feed(store: Store, viewer: Viewer, path: Path, force: bool, registered: dict) -> None:
    """Write a transactions feed's registration (a `source_row`) before its load, as the ledger's runs need it
    (`service.ledger.ingest_transactions`), but not for a load that loads nothing: a file loaded already unchanged
    (unless `force`) leaves the registration as it is, and a relabel given with it is refused (`RelabelRefused`)."""
    source = registered["name"]
    check_text(source, "source")
    existing = store.get_source(source)
    changes = registration_changes(existing, registered) if existing is not None else None
    if existing is not None and not changes and existing["format"] == registered["format"]:
        return
    if existing is not None and not force:
        try:
            sha = file_sha256(path)
        except OSError as exc:
            raise InvalidInput(f"{path}: {exc.strerror or exc}") from None
        with store.engine.begin() as conn:
            loaded = complete_run(conn, source, sha)
            if loaded is not None:
                if changes:
                    raise RelabelRefused(source, loaded, changes)
                return
    with store.engine.begin() as conn:
        write_source(conn, registered)
    audit_relabel(store, viewer, source, existing)


def _new_source_labels(viewer: Viewer) -> Labels:
    """What a new source's data is labelled by default: the local owner's (any agency may read it, RESTRICTED), or
    for anyone else their own agency's alone, as a pushed travel message is."""
    if acts_for_every_agency(viewer):
        return Labels(agency="LOCAL")
    return Labels(agency=viewer.agency, releasable_to=(viewer.agency,))


def registration(existing: dict | None, format: str, source: str, labels: LabelChanges,
                 retention_days: int | None = None, is_list: bool | None = None,
                 defaults: Labels = Labels(agency="LOCAL")) -> dict:
    """`source`'s registry row once a load into it is written (`nexus.ingest.ingest` writes it with the load): the
    `existing` row with `labels` over it; None keeps what is registered (a new source: `defaults`)."""
    check_text(source, "source")
    if retention_days is not None and not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise InvalidInput(f"must be between 1 and {MAX_RETENTION_DAYS:,} days, not {retention_days}",
                           field="retention_days")
    if is_list is None:
        is_list = bool(existing["is_list"]) if existing else format_is_list(format)
    return source_row(
        source, format, labels.applied_to(Labels.from_row(existing) if existing else defaults),
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


@dataclass
class ReportResult(IngestResult):
    """A goAML report's run. `superseded_by` is the submission day of the same report that the store holds when
    this one, submitted before it, was not loaded (`run_id` is then the run that loaded the later one)."""

    superseded_by: str | None = None


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
    name: str | None = None,
) -> list[tuple[Path, IngestResult]]:
    """Load one goAML report or a folder of them (`*.xml`, in name order) into `source`, each file its own
    run: a report the FIU's schema (or without one, the reader's checks) rejects, or that cannot be read at all,
    is reported with its reasons and the rest of the folder still loads; the source is registered only with a report
    loaded. Without `schema` reports are read, not validated. `name` is what the run and the audit trail call a single
    report (an upload's own name), its path by default.

    A report counts as loaded once a run loaded it, unvalidated or validated by this schema: a rejected report
    is read again by the next run, one loaded unvalidated is validated once a schema is given. Reports of
    different references accumulate; a later submission of a report (same reporting entity and reference)
    replaces what the earlier one said, and an earlier one arriving after it is not loaded."""
    files = sorted(p for p in path.glob("*.xml") if p.is_file()) if path.is_dir() else [path]
    if not files:
        raise InvalidInput(f"{path}: no goAML reports (*.xml) in this folder")
    schema_sha = _schema_sha(schema)
    results = []
    for file in files:
        if progress:
            progress(file.name)
        try:
            result = _load_report(store, viewer, file, name or str(file), source, labels, schema, schema_sha, force)
        except InvalidInput as exc:
            if not path.is_dir():
                raise
            reason = str(exc).removeprefix(f"{file}: ")
            result = IngestResult(0, source, errors=[RecordError(str(file), "report", None, reason)])
        results.append((file, result))
    return results


def _schema_sha(schema: Path | None) -> str | None:
    """The schema's content hash, once it is known to load: a bad schema fails the whole folder once, not each
    report."""
    if schema is None:
        return None
    try:
        load_schema(schema)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    return file_sha256(schema)


def _load_report(store: Store, viewer: Viewer, file: Path, name: str, source: str, labels: LabelChanges,
                 schema: Path | None, schema_sha: str | None, force: bool) -> ReportResult:
    """One report as `ingest_file` loads a file (the same checks, labels and audit), in a run of its own
    (`_store_report`) that `name` names."""
    require(viewer, "ingest")
    check_text(source, "source")
    content_sha = _content_sha(file)
    existing = store.get_source(source)
    defaults = _new_source_labels(viewer)
    check_labeller(store, viewer, source, existing, labels, defaults)
    registered = registration(existing, "goaml", source, labels, defaults=defaults)
    key = _run_key(content_sha, schema_sha)
    loaded = None if force else _loaded_run(store, source, key)
    if loaded is not None:  # nothing loads, so nothing changes: a relabel given with it is refused
        with store.engine.connect() as conn:
            refuse_relabel(conn, registered, loaded)
        result = ReportResult(loaded, source, skipped_unchanged=True)
    else:
        try:
            result = _store_report(store, registered, Path(name), key, _read_report(file, schema))
        finally:
            audit_relabel(store, viewer, source, existing)
    audit.log_event(store, viewer, "ingest", {"source": source, "path": name, "format": "goaml"}, [])
    return result


def _content_sha(file: Path) -> str:
    try:
        check_file(file)
        return file_sha256(file)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot be read: {exc.strerror or exc}") from None


def _run_key(content_sha: str, schema_sha: str | None) -> str:
    """What a report's run is known by: its content, and the schema that validated it."""
    return content_sha if schema_sha is None else hashlib.sha256(f"{content_sha} {schema_sha}".encode()).hexdigest()


def _loaded_run(store: Store, source: str, key: str) -> int | None:
    """The latest run that loaded the report (not one that rejected it: a report is rejected whole)."""
    runs = ingest_runs.c
    with store.engine.connect() as conn:
        return conn.execute(select(runs.id).where(runs.source == source, runs.sha256 == key, runs.status == "complete",
                                                  runs.errors == 0).order_by(runs.id.desc()).limit(1)).scalar()


def _read_report(file: Path, schema: Path | None) -> list[Record]:
    try:
        return list(get_format("goaml").read(file, schema=schema))  # one report, as small as check_file allows
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None


def _store_report(store: Store, registered: dict, file: Path, key: str, records: list[Record]) -> ReportResult:
    """The report's run, written in one transaction: a rejected report's errors (status `rejected`, so that a
    re-run reads it again), or the source's registration and the report's statements, retiring what an earlier
    submission of the same report said and this one no longer does; nothing when a later submission is held already."""
    source = registered["name"]
    errors = [r.error for r in records if r.error is not None]
    entities = [e for r in records for e in r.entities]
    batch = Batch(done=len(records), rows={row[0]: row for e in entities for row in statement_values(e, source)},
                  errors=errors, entities=len(entities))
    started = utc_now()
    context = run_context(store, registered, started)
    filing = None if errors else filing_of(entities)
    # two submissions of one report at once: each reads what the other wrote, not what was held before both
    with store.exclusive([f"goaml:{source}:{filing.event_id}"] if filing else []), store.engine.begin() as conn:
        if filing is None:
            run_id = _write_run(conn, source, file, key, started, context, batch, "rejected")
            return ReportResult(run_id, source, records=len(records), errors=errors)
        later = _later_submission(conn, source, filing)
        if later is not None:  # nothing loads: the registration stays as it is
            return ReportResult(later[1], source, skipped_unchanged=True, superseded_by=later[0])
        write_source(conn, registered)
        earlier = _earlier_runs_seen(conn, source, filing)
        run_id = _write_run(conn, source, file, key, started, context, batch, "complete")
        retired = _retire_earlier(conn, source, run_id, earlier, filing.shared)
    return ReportResult(run_id, source, records=len(records), entities=len(entities), statements=len(batch.rows),
                        retired=retired)


def _write_run(conn: Connection, source: str, file: Path, key: str, started: str, context: dict, batch: Batch,
               status: str) -> int:
    """One report's run with its batch, written as it ends (in the transaction that is the whole run)."""
    run_id = open_run(conn, source, file, key, started, status, finished_at=utc_now())
    write_batch(conn, run_id, context, batch)
    return run_id


def _later_submission(conn: Connection, source: str, filing: Filing) -> tuple[str, int] | None:
    """The day and run of a later submission of this report that the store holds, if there is one."""
    s = statements.c
    held = conn.execute(select(s.value, s.last_seen).where(
        s.entity_id == filing.event_id, s.source == source, s.prop == "date", s.retired_at.is_(None),
    ).order_by(s.value.desc()).limit(1)).first()
    if held is None or filing.submitted is None or held.value <= filing.submitted:
        return None
    runs = ingest_runs.c
    run = conn.execute(select(runs.id).where(runs.source == source, runs.started_at == held.last_seen)).scalar()
    return held.value, run


def _earlier_runs_seen(conn: Connection, source: str, filing: Filing) -> list[str]:
    """When the runs that loaded earlier submissions of this report last saw it: every submission of a report has
    the same ids and restates its filing (the Event), and each retires what the one before said and it does not."""
    s = statements.c
    return sorted(conn.execute(select(s.last_seen).distinct().where(
        s.entity_id == filing.event_id, s.source == source, s.retired_at.is_(None))).scalars())


def _retire_earlier(conn: Connection, source: str, run_id: int, seen: list[str], shared: frozenset[str]) -> int:
    """Retire what the runs of earlier submissions saw last: what this submission no longer says (an amount it
    corrects, a transaction it drops). The reporting entity's statements stay: its other reports may say the same."""
    if not seen:
        return 0
    s = statements.c
    retired = conn.execute(update(statements).where(
        s.source == source, s.last_seen.in_(seen), s.retired_at.is_(None), s.entity_id.not_in(sorted(shared)),
    ).values(retired_at=utc_now())).rowcount
    conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(retired=retired))
    return retired


def _reader(format: str):
    try:
        return get_format(format)
    except SourceError as exc:
        raise InvalidInput(str(exc)) from None
