"""The passenger information unit's intake: a carrier's API or PNR message, parsed, stored, screened and
checked against the approved targeting rules; every hit an alert of kind `travel` awaiting an officer.

`receive_message` is the push path (bytes in, measured against the 200 ms target); `ingest_travel`
loads a file or a folder through it. A file that cannot be read is rejected with the segment and
position at fault; the rest of a folder still loads. Messages are never kept as received: what is
stored is what the readers kept, after purging sensitive SSRs and remarks. A message already
loaded into the source is not loaded, screened or checked again.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from nexus.detect.targeting import rule_hits
from nexus.engine import DuckDBEngine
from nexus.errors import Conflict, Forbidden, InvalidInput
from nexus.ingest import IngestResult, ingest, mark_run
from nexus.model.alerts import alert_key
from nexus.model.labels import Labels
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, cited_statements, raise_alerts, visible_alert_ids
from nexus.service.entities import S
from nexus.service.ingest import LabelChanges, check_labeller, registration, source_visible
from nexus.service.screening import IndexCache, build_index, screen
from nexus.service.targeting import active_rules
from nexus.sources import SourceError
from nexus.sources.limits import check_file
from nexus.sources.travel import TravelFile, parse_message
from nexus.sources.travel.features import Subject, feature_rows, subjects
from nexus.store import Store

KIND = "travel"
FORMATS = ("paxlst", "pnrgov")
LEGAL_BASIS = {"paxlst": "API: Regulation (EU) 2025/13, UNSCR 2396", "pnrgov": "PNR Directive (EU) 2016/681 art. 8"}


@dataclass
class TravelIntake:
    name: str
    kind: str
    result: IngestResult | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    travellers: int = 0
    screening_alerts: list[int] = field(default_factory=list)
    rule_alerts: list[int] = field(default_factory=list)
    purged: int = 0  # sensitive SSRs and remarks dropped on reading
    seconds: float = 0.0


def ingest_travel(store: Store, viewer: Viewer, path: Path, kind: str, source: str,
                  labels: LabelChanges = LabelChanges(), *, index_cache: IndexCache | None = None,
                  retention_days: int | None = None, progress: Callable[[str], None] | None = None
                  ) -> list[TravelIntake]:
    """Load a message file or a folder of them (every file, in name order), each its own run."""
    _check_kind(kind)
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")) if path.is_dir() else [path]
    if not files:
        raise InvalidInput(f"{path}: no files in this folder")
    cache = index_cache or IndexCache()
    results = []
    for file in files:
        if progress:
            progress(file.name)
        try:
            check_file(file)
        except SourceError as exc:
            raise InvalidInput(str(exc)) from None
        results.append(receive_message(store, viewer, file.read_bytes(), str(file), kind, source, labels,
                                       index_cache=cache, retention_days=retention_days))
    return results


def receive_message(store: Store, viewer: Viewer, data: bytes, name: str, kind: str, source: str,
                    labels: LabelChanges = LabelChanges(), *, index_cache: IndexCache | None = None,
                    retention_days: int | None = None) -> TravelIntake:
    """One message as a carrier pushed it: parsed, stored, screened, checked against the rules. Only those who may
    load into the source push into it (`check_labeller`), and a source registered with another format (a sanctions
    list, a police file) is never taken over by a message; both are refused before the message is read."""
    require(viewer, "ingest")
    _check_kind(kind)
    started = time.perf_counter()
    intake = TravelIntake(name, kind)
    existing = store.get_source(source)
    defaults = Labels(agency=viewer.agency, releasable_to=(viewer.agency,), legal_basis=LEGAL_BASIS[kind])
    _check_source(store, viewer, source, existing, kind, labels, defaults)
    try:
        parsed = parse_message(data, kind)
    except SourceError as exc:
        intake.error = f"{name}: {exc}"
        audit.log_event(store, viewer, "travel.receive", {"source": source, "name": name, "kind": kind,
                                                          "error": intake.error}, [], outcome="rejected")
        intake.seconds = time.perf_counter() - started
        return intake
    registered = registration(existing, kind, source, labels, retention_days,
                              is_list=False if existing is None else None, defaults=defaults)
    intake.warnings = parsed.warnings
    intake.purged = sum(booking.purged for _, booking in parsed.bookings)
    intake.result = ingest(store, source, Path(name), parsed.records, partial=True,
                           sha=hashlib.sha256(data).hexdigest(), registration=registered)
    found = subjects(parsed.manifests, parsed.bookings)
    intake.travellers = len({s.person_id for s in found})
    if not intake.result.skipped_unchanged and found:
        try:
            intake.screening_alerts = _screen(store, viewer, found, index_cache, intake.warnings)
            intake.rule_alerts = _targeting(store, viewer, source, found)
        except BaseException:
            # stored but not screened: the run must not count as received, so that a re-push screens it
            mark_run(store, intake.result.run_id, "failed")
            raise
    audit.log_event(store, viewer, "travel.receive", {
        "source": source, "name": name, "kind": kind, "run": intake.result.run_id, "purged": intake.purged,
        "travellers": intake.travellers, "screening_alerts": len(intake.screening_alerts),
        "rule_alerts": len(intake.rule_alerts)}, sorted({s.person_id for s in found}))
    intake.seconds = time.perf_counter() - started
    return intake


def _check_source(store: Store, viewer: Viewer, source: str, existing: dict | None, kind: str, labels: LabelChanges,
                  defaults: Labels) -> None:
    """Refuse a message the caller may not load into `source`, or that `source` does not hold; which format a source
    holds is said only to those who may load into it or read it."""
    try:
        check_labeller(store, viewer, source, existing, labels, defaults)
    except Forbidden:
        if existing is None or existing["format"] == kind or not source_visible(store, viewer, existing):
            raise
    if existing is not None and existing["format"] != kind:
        raise Conflict(f"source {source!r} holds {existing['format']} data, not {kind}: name another source")


def _screen(store: Store, viewer: Viewer, found: list[Subject], cache: IndexCache | None, warnings: list[str]) -> list[int]:
    """Every traveller against the lists; each hit a `travel` alert citing the traveller's statements."""
    people = {s.person_id: s.traveller for s in found}
    queries = pa.table({
        "id": list(people),
        "name": [t.full_name or t.surname or "" for t in people.values()],
        "birth_date": [t.birth_date for t in people.values()],
        "nationality": [t.nationality for t in people.values()],
        "gender": [t.gender for t in people.values()],
        "document": [t.documents[0].number if t.documents else None for t in people.values()],
        "schema": ["Person"] * len(people),
    })
    try:
        # a kept cache for a service or a folder; a one-off message builds its index without keeping it
        index = cache.get(store, viewer) if cache is not None else build_index(store, viewer)
    except Conflict as exc:  # no list to screen against
        warnings.append(f"not screened: {exc}")
        return []
    hits = screen(store, viewer, queries, index=index, alerts=True, holdings=True, kind=KIND)
    return sorted({a for a in hits.column("alert_id").to_pylist() if a is not None})


def _targeting(store: Store, viewer: Viewer, source: str, found: list[Subject]) -> list[int]:
    """The approved targeting rules over this message's travellers; each hit a `travel` alert for review."""
    rules = active_rules(store)
    if not rules:
        return []
    engine = DuckDBEngine()
    try:
        features = feature_rows(found)
        hits = rule_hits(engine, rules, features).to_pylist()
    finally:
        engine.close()
    if not hits:
        return []
    by_key = {s.key: s for s in found}
    described = dict(rules)
    values: dict[str, dict[str, list]] = {}
    for row in features.to_pylist():
        shown = row["text_value"] if row["text_value"] is not None else row["number_value"]
        values.setdefault(row["subject"], {}).setdefault(row["feature"], []).append(shown)
    owners = {i for h in hits for i in (by_key[h["subject"]].person_id, by_key[h["subject"]].trip_id)}
    cited = cited_statements(store, viewer, "screen", S.entity_id, owners, S.source == source)
    alerts = []
    for hit in hits:
        subject, rule = by_key[hit["subject"]], described[hit["rule"]]
        evidence = tuple(Evidence("statement", sid, owner, labels)
                         for owner in (subject.person_id, subject.trip_id) for sid, labels, _ in cited.get(owner, []))
        if not evidence:
            continue
        used = {c.feature for c in rule.conditions}
        route = " ".join(f"{leg.code} {leg.origin}-{leg.destination}" for leg in subject.legs)
        alerts.append(NewAlert(
            kind=KIND, subject=f"rule/{hit['rule'].split('@')[0]}/{subject.person_id}/{subject.trip_id}",
            fingerprint=alert_key("rule", hit["rule"], subject.key)[:32],
            title=f"rule {hit['rule']}: {subject.traveller.full_name or subject.traveller.surname} ({route})",
            score=None, evidence=evidence,
            explanation={"rule": hit["rule"], "description": rule.description,
                         "conditions": [{"feature": c.feature, "op": c.op, "value": list(c.values)} for c in rule.conditions],
                         "traveller": {f: v for f, v in values.get(subject.key, {}).items() if f in used},
                         "person_id": subject.person_id, "trip_id": subject.trip_id},
        ))
    raised = raise_alerts(store, viewer, alerts, "screen")
    shown = visible_alert_ids(store, viewer, [alert_id for alert_id, _ in raised.values()], "screen")
    return sorted(shown)


def _check_kind(kind: str) -> None:
    if kind not in FORMATS:
        raise InvalidInput(f"travel data is {' or '.join(FORMATS)}, not {kind!r}")


__all__ = ["FORMATS", "KIND", "TravelFile", "TravelIntake", "ingest_travel", "receive_message"]
