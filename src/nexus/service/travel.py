"""The passenger information unit's intake: a carrier's API or PNR message, parsed, stored, screened and
checked against the approved targeting rules; every hit an alert of kind `travel` awaiting an officer.

`receive_message` is the push path (bytes in, measured against the 200 ms target); `ingest_travel`
loads a file or a folder through it. A file that cannot be read is rejected with the segment and
position at fault; the rest of a folder still loads. Messages are never kept as received: what is
stored is what the readers kept, after purging sensitive SSRs and remarks. A message already
loaded into the source is not loaded, screened or checked again; one whose travellers could not be screened (no
list to screen against) is held but counts as not received, so that pushing it again screens them.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Connection, and_, not_, or_, select, update

from nexus.detect.targeting import rule_hits
from nexus.engine import DuckDBEngine
from nexus.errors import Conflict, Forbidden, InvalidInput
from nexus.ingest import IngestResult, ingest, mark_run
from nexus.model.alerts import agency_subject, alert_key
from nexus.model.labels import Labels
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, cited_statements, dismissed_keys, raise_alerts, visible_alert_ids
from nexus.service.entities import S
from nexus.service.ingest import (
    LabelChanges, audit_relabel, check_labeller, check_statements_loadable, registration, source_visible,
)
from nexus.service.screening import IndexCache, best_hit_rows, build_index, screen
from nexus.service.screening_alerts import hit_alerts, listed_records
from nexus.service.targeting import active_rules
from nexus.sources import SourceError
from nexus.sources.limits import check_file
from nexus.sources.travel import TravelFile, parse_message
from nexus.sources.travel.entities import (
    Version, booking_version, flight_id, legs_travelled, manifest_scope, manifest_version, traveller_id,
)
from nexus.sources.travel.paxlst import removes
from nexus.sources.travel.features import Subject, feature_rows, subjects
from nexus.sources.travel.records import Manifest, Traveller
from nexus.store import Store, utc_now
from nexus.store.schema import statements

KIND = "travel"
FORMATS = ("paxlst", "pnrgov")
#: What a message whose travellers could not be screened counts as, and how they come to be screened.
NOT_RECEIVED = ("its travellers are held but the message counts as not received: push it again once a list is "
                "loaded to screen them (nexus screen, too, screens every traveller held)")
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
    if existing is not None:  # by the entities it states, which it restates or takes off: not a scan per message
        check_statements_loadable(store, viewer, source, {e.id for r in parsed.records for e in r.entities})
    registered = registration(existing, kind, source, labels, retention_days,
                              is_list=False if existing is None else None, defaults=defaults)
    intake.warnings = parsed.warnings
    intake.purged = sum(booking.purged for _, booking in parsed.bookings)
    with store.exclusive(_anchors(source, parsed)):  # what is held, read then replaced: by one message at a time
        replaced = _supersede(store, source, parsed)
        try:
            intake.result = ingest(store, source, Path(name), parsed.records, partial=True,
                                   sha=hashlib.sha256(data).hexdigest(), registration=registered,
                                   retire=lambda conn, _: sum(_retire_replaced(conn, source, held) for held in replaced)
                                   + _take_off(conn, source, parsed.manifests))
        finally:  # a relabel is written with the message's first batch
            audit_relabel(store, viewer, source, existing)
    found = subjects(parsed.manifests, parsed.bookings)
    intake.travellers = len({s.person_id for s in found})
    screened = intake.result.skipped_unchanged or not found  # when it was first received, or no one to screen
    if not screened:
        try:
            screened = _screen(store, viewer, found, index_cache, intake)
            intake.rule_alerts = _targeting(store, viewer, source, found)
        except BaseException:
            screened = False
            raise
        finally:
            if not screened:  # stored but not screened: the run must not count as received, so that a re-push screens it
                mark_run(store, intake.result.run_id, "failed")
    audit.log_event(store, viewer, "travel.receive", {
        "source": source, "name": name, "kind": kind, "run": intake.result.run_id, "purged": intake.purged,
        "travellers": intake.travellers, "screened": screened, "screening_alerts": len(intake.screening_alerts),
        "rule_alerts": len(intake.rule_alerts)}, sorted({s.person_id for s in found}))
    intake.seconds = time.perf_counter() - started
    return intake


@dataclass(frozen=True)
class _Held:
    """The version of a record the store holds: the runs that loaded it (whose statements of it are still live)
    and the travellers it put on its trips."""

    version: Version
    seen: tuple[str, ...]
    travellers: tuple[str, ...]


def _versions(parsed: TravelFile) -> list[Version | None]:
    return [manifest_version(m) for m in parsed.manifests] + [booking_version(b) for _, b in parsed.bookings]


def _anchors(source: str, parsed: TravelFile) -> list[str]:
    """The records of `source` a message restates or changes, by name, for `Store.exclusive`."""
    return [f"travel:{source}:{version.anchor}" for version in _versions(parsed) if version]


def _supersede(store: Store, source: str, parsed: TravelFile) -> list[_Held]:
    """Leave out of `parsed` each record older than the version of it the store holds (a warning names it), and
    say what the others replace. Two versions of one time: the one received later wins. A record that does not
    restate itself whole (a change to a passenger list, one part of a list split over messages) replaces nothing
    and is never left out: it adds to what is held. What the store holds is read for all the message's records
    at once (`_held`)."""
    replacing = [(position, v) for position, v in enumerate(_versions(parsed)) if v is not None and v.replaces]
    if not replacing:
        return []
    older, replaced = set(), []
    with store.engine.connect() as conn:
        found = _held(conn, source, [version for _, version in replacing])
    for (position, version), (held, times) in zip(replacing, found, strict=True):
        if not held.seen:
            continue
        newest = max(times, default=None)
        if version.at and newest and newest > version.at:
            parsed.warnings.append(f"{version.name} of {version.at} is older than the one held ({newest}): not loaded")
            older.add(position)
        else:
            replaced.append(held)
    if older:
        count = len(parsed.manifests)
        parsed.manifests = [m for i, m in enumerate(parsed.manifests) if i not in older]
        parsed.bookings = [b for i, b in enumerate(parsed.bookings, count) if i not in older]
        parsed.records = [r for i, r in enumerate(parsed.records) if i not in older]
    return replaced


def _held(conn: Connection, source: str, versions: list[Version]) -> list[tuple[_Held, list[str]]]:
    """For each version, the one the store holds and the times of its versions held, in three queries for all: the
    anchors' markers (a booking's anchor: all its statements), who is on their trips, and which of them are crew."""
    s = statements.c
    unmarked = sorted({v.anchor for v in versions if not v.prefix})
    markers = s.prop.in_(sorted({v.prop for v in versions}))
    rows = conn.execute(select(s.entity_id, s.prop, s.value, s.last_seen).where(
        s.entity_id.in_(sorted({v.anchor for v in versions})), s.source == source, s.retired_at.is_(None),
        or_(markers, s.entity_id.in_(unmarked)) if unmarked else markers)).all()
    by_anchor: dict[str, list] = {}
    for row in rows:
        by_anchor.setdefault(row.entity_id, []).append(row)
    seen: list[set[str]] = []
    times: list[list[str]] = []
    for version in versions:
        anchored = by_anchor.get(version.anchor, [])
        marked = [row for row in anchored if row.prop == version.prop and row.value.startswith(version.prefix)]
        seen.append({row.last_seen for row in (marked if version.prefix else anchored)})
        times.append([time for row in marked if (time := row.value[len(version.prefix):].strip())])
    trips = sorted({trip for version, runs in zip(versions, seen) if runs for trip in version.trips})
    runs_seen = sorted(set().union(*seen))
    involved = conn.execute(select(s.entity_id, s.value, s.last_seen).where(
        s.entity_id.in_(trips), s.source == source, s.prop == "involved", s.prop_type == "entity",
        s.last_seen.in_(runs_seen), s.retired_at.is_(None))).all() if trips else []
    travellers = [{row.value for row in involved if row.entity_id in version.trips and row.last_seen in runs}
                  for version, runs in zip(versions, seen)]
    asked = sorted({person for version, people in zip(versions, travellers) if version.crew is not None
                    for person in people})
    crew = set(conn.execute(select(s.entity_id).where(
        s.entity_id.in_(asked), s.source == source, s.prop == "position", s.value == "crew member",
        s.retired_at.is_(None))).scalars()) if asked else set()
    held = []
    for version, runs, people, held_times in zip(versions, seen, travellers, times, strict=True):
        if version.crew is not None:
            people = people & crew if version.crew else people - crew
        held.append((_Held(version, tuple(sorted(runs)), tuple(sorted(people))), held_times))
    return held


def _retire_replaced(conn: Connection, source: str, held: _Held) -> int:
    """Retire what the held version said and the one just written does not (its statements the run did not see
    again) of the trips it restates: their own statements (not another list's marker) and its travellers' places
    on them. A booking also retires its travellers' places on flights that only it said they were on
    (`_retire_flights`). Then a traveller the held version alone had on a trip (no live Trip of any source involves
    them any more) loses what it said of them and their documents; a traveller still on some trip keeps what any
    message said of them."""
    s, version, now = statements.c, held.version, utc_now()
    earlier = (s.source == source, s.last_seen.in_(held.seen), s.retired_at.is_(None))
    other_lists = [not_(and_(s.prop == version.prop, not_(s.value.startswith(version.prefix))))] if version.prefix else []
    on_trips = s.entity_id.in_(version.trips)
    retired = conn.execute(update(statements).where(
        *earlier, on_trips, s.prop != "involved", *other_lists).values(retired_at=now)).rowcount
    if not held.travellers:
        return retired
    retired += conn.execute(update(statements).where(
        *earlier, on_trips, s.prop == "involved", s.prop_type == "entity", s.value.in_(held.travellers)
    ).values(retired_at=now)).rowcount
    if version.elsewhere:
        retired += _retire_flights(conn, source, held, now)
    travelling = set(conn.execute(select(s.value).distinct().where(
        s.prop_type == "entity", s.value.in_(held.travellers), s.prop == "involved", s.schema == "Trip",
        s.retired_at.is_(None))).scalars())
    gone = sorted(set(held.travellers) - travelling)
    if not gone:
        return retired
    theirs = set(conn.execute(select(s.entity_id).distinct().where(
        *earlier, s.prop_type == "entity", s.value.in_(gone))).scalars())
    return retired + conn.execute(update(statements).where(
        *earlier, s.entity_id.in_(sorted(theirs | set(gone)))).values(retired_at=now)).rowcount


def _retire_flights(conn: Connection, source: str, held: _Held, now: str) -> int:
    """Retire the places on flights of the held booking's travellers that its version alone said and the new one does
    not: those last written by its runs and not again (a traveller dropped from the booking, a segment cancelled or
    gone). A traveller on another live booking of the source keeps theirs: which flights that booking put them on is
    not told apart, and a stale place is better kept than a true one lost."""
    s = statements.c
    live_here = (s.source == source, s.retired_at.is_(None))
    places = conn.execute(select(s.entity_id, s.value).where(
        *live_here, s.prop_type == "entity", s.value.in_(held.travellers), s.prop == "involved",
        s.entity_id.not_in(held.version.trips))).all()
    bookings = set(conn.execute(select(s.entity_id).where(  # a booking's Trip has its locator as recordId; a flight none
        *live_here, s.entity_id.in_(sorted({trip for trip, _ in places})), s.prop == "recordId")).scalars()
    ) if places else set()
    alone = sorted(set(held.travellers) - {person for trip, person in places if trip in bookings})
    if not alone:
        return 0
    return conn.execute(update(statements).where(
        s.source == source, s.last_seen.in_(held.seen), s.retired_at.is_(None), s.schema == "Trip",
        s.prop == "involved", s.prop_type == "entity", s.value.in_(alone)).values(retired_at=now)).rowcount


def _take_off(conn: Connection, source: str, manifests: list[Manifest]) -> int:
    """Retire the places on its flights that `source` holds of each traveller a cancellation names (`removes`). A
    traveller without a birth date has an id of the message that named them, and is found only by that one."""
    s, retired = statements.c, 0
    for manifest in filter(removes, manifests):
        scope = manifest_scope(manifest)
        people = sorted({traveller_id(traveller, scope) for traveller in manifest.travellers})
        retired += conn.execute(update(statements).where(
            s.source == source, s.entity_id.in_(sorted({flight_id(leg) for leg in manifest.legs})),
            s.prop == "involved", s.prop_type == "entity", s.value.in_(people), s.retired_at.is_(None),
        ).values(retired_at=utc_now())).rowcount
    return retired


def _check_source(store: Store, viewer: Viewer, source: str, existing: dict | None, kind: str, labels: LabelChanges,
                  defaults: Labels) -> None:
    """Refuse a message the caller may not load into `source`, or that `source` does not hold; which format a source
    holds is said only to those who may load into it or read it."""
    try:
        check_labeller(store, viewer, source, existing, labels, defaults, whole_source=False)
    except Forbidden:
        if existing is None or existing["format"] == kind or not source_visible(store, viewer, existing):
            raise
    if existing is not None and existing["format"] != kind:
        raise Conflict(f"source {source!r} holds {existing['format']} data, not {kind}: name another source")


def _screen(store: Store, viewer: Viewer, found: list[Subject], cache: IndexCache | None, intake: TravelIntake) -> bool:
    """Every traveller against the lists, with each document they carry; their best hit on each listed entity is a
    `travel` alert for each trip of theirs in the message, citing the traveller, the trip and the listing (on
    `intake.screening_alerts`). False, with a warning saying so, when there is no list to screen against."""
    people = {s.person_id: s.traveller for s in found}
    asked = [(person, traveller, number)
             for person, traveller in people.items() for number in _document_numbers(traveller)]
    try:
        # a kept cache for a service or a folder; a one-off message builds its index without keeping it
        index = cache.get(store, viewer) if cache is not None else build_index(store, viewer)
    except Conflict as exc:  # no list to screen against
        intake.warnings.append(f"not screened: {exc}; {NOT_RECEIVED}")
        return False
    # queries by row number, so that a hit tells which document it was asked with; the alerts are the trips', raised here
    queries = pa.table({
        "id": [str(row) for row in range(len(asked))],
        "name": [t.full_name or t.surname or "" for _, t, _ in asked],
        "birth_date": [t.birth_date for _, t, _ in asked],
        "nationality": [t.nationality for _, t, _ in asked],
        "gender": [t.gender for _, t, _ in asked],
        "document": pa.array([number for _, _, number in asked], pa.string()),
        "schema": ["Person"] * len(asked),
    })
    hits = screen(store, viewer, queries, index=index, kind=KIND)
    best = _best_hits(hits, queries, [person for person, _, _ in asked])
    if not best:
        return True
    alerts = _trip_alerts(store, viewer, found, best)
    dismissed = dismissed_keys(store, viewer, [alert.key for alert in alerts], "screen")
    raised = raise_alerts(store, viewer, [alert for alert in alerts if alert.key not in dismissed], "screen")
    intake.screening_alerts = sorted(visible_alert_ids(store, viewer, [alert_id for alert_id, _ in raised.values()],
                                                       "screen"))
    return True


def _document_numbers(traveller: Traveller) -> list[str | None]:
    """What the traveller is screened with, a query each (the matcher weighs one document a query): every document
    number they carry, or none."""
    return [*dict.fromkeys(d.number for d in traveller.documents)] or [None]


def _best_hits(hits: pa.Table, queries: pa.Table, people: list[str]) -> list[tuple[dict, dict]]:
    """(hit, query) for each traveller's best hit on each listed entity, whichever of their documents it was asked
    with (`people`: the person each query row is); its `query_id` is the person id, the record it cites."""
    owners = pa.array([people[int(row)] for row in hits.column("query_id").to_pylist()], pa.string())
    best = hits.take(best_hit_rows(hits, owners)).to_pylist()
    return [(hit | {"query_id": people[int(hit["query_id"])]},
             queries.slice(int(hit["query_id"]), 1).drop_columns("id").to_pylist()[0]) for hit in best]


def _trip_alerts(store: Store, viewer: Viewer, found: list[Subject], best: list[tuple[dict, dict]]) -> list[NewAlert]:
    """A hit on a traveller as an alert about them on each trip of theirs (a decision on one trip does not silence the
    next), citing the trip too: all its statements but who else was on it."""
    on_trips = [(trip, hit, query) for trip in {s.key: s for s in found}.values()
                for hit, query in best if hit["query_id"] == trip.person_id]
    listed = listed_records(store, viewer, [hit["entity_id"] for _, hit, _ in on_trips],
                            [hit["source"] for _, hit, _ in on_trips])
    alerts = hit_alerts(store, viewer, [
        (hit, query, agency_subject("record", viewer.agency, trip.person_id, f"{trip.trip_id}:{record}"))
        for (trip, hit, query), record in zip(on_trips, listed, strict=True)], holdings=True, kind=KIND)
    cited = cited_statements(store, viewer, "screen", S.entity_id, {trip.trip_id for trip, _, _ in on_trips},
                             S.prop != "involved")
    return [replace(alert, title=f"{_itinerary(trip)}: {alert.title}",
                    explanation=alert.explanation | {"person_id": trip.person_id, "trip_id": trip.trip_id,
                                                     "trip": _itinerary(trip)},
                    evidence=alert.evidence + tuple(Evidence("statement", sid, trip.trip_id, labels)
                                                    for sid, labels, _ in cited[trip.trip_id]))
            for alert, (trip, _, _) in zip(alerts, on_trips, strict=True)]


def _itinerary(trip: Subject) -> str:
    """The flights the traveller takes on this trip, with their dates, and the booking's locator."""
    legs = [trip.legs[i] for i in legs_travelled(trip.traveller, trip.legs)]
    flights = [" ".join(x for x in (leg.code, f"{leg.origin or '?'}-{leg.destination or '?'}", leg.day) if x)
               for leg in legs]
    return ", ".join(flights + ([f"booking {trip.booking.locator}"] if trip.booking else []))


def _targeting(store: Store, viewer: Viewer, source: str, found: list[Subject]) -> list[int]:
    """The approved targeting rules over this message's travellers; each hit a `travel` alert for review."""
    rules = active_rules(store, viewer.agency)
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
            kind=KIND,
            subject=agency_subject("rule", viewer.agency, hit["rule"].split("@")[0], subject.person_id, subject.trip_id),
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
