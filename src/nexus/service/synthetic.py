"""The synthetic world as a service for the demo: generate it, load it with its labels and warrants,
and score the stages on its ground truth."""

import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from nexus.errors import Forbidden
from nexus.ingest import IngestResult
from nexus.model.labels import Classification
from nexus.security import audit, users, warrants
from nexus.security.auth import set_password
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges, ingest_reports
from nexus.service.ledger import ingest_transactions
from nexus.service.travel import FORMATS as TRAVEL_FORMATS
from nexus.service.travel import ingest_travel
from nexus.store import Store
from nexus.synth import generate
from nexus.synth.evaluate import resolution_quality, screening_quality, typology_quality
from nexus.synth.load import load_world as load_files
from nexus.synth.manifest import ManifestFile, WorldManifest

__all__ = ["WorldManifest", "demo_lead", "demo_web", "generate_world", "load_world", "resolution_quality", "screening_quality",
           "typology_quality"]


def generate_world(folder: Path, seed: int, size: str) -> WorldManifest:
    """Write the world's files (agencies' records, watchlist, ground truth) to `folder`; the same seed, the same world."""
    return generate(folder, seed, size)


def load_world(
    store: Store, viewer: Viewer, folder: Path, manifest: WorldManifest, on_source: Callable[[str], None] | None = None,
    home: Path | None = None, goaml_schema: Path | None = None,
) -> list[IngestResult]:
    """Load the world's files with their labels; register the warrants they were collected under; with a
    workspace ``home``, load its transaction feeds into the ledger there too; with the FIU's goAML schema,
    the banks' reports (each validated against it). The files are every agency's, labelled in its name: an
    administrator loads them (`world_loader`, or the laptop's local owner)."""
    require(viewer, "ingest")
    if not viewer.has_role("administrator"):
        raise Forbidden("a synthetic world's files are every agency's: an administrator loads them")
    known = {w["id"] for w in warrants.list_warrants(store, viewer)}

    def before_each(item) -> None:
        if item.labels.warrant and item.labels.warrant not in known:
            warrants.add_warrant(store, viewer, item.labels.warrant, agency=item.agency, kind="interception",
                                 expires_at=(date.today() + timedelta(days=90)).isoformat(),
                                 description=f"authorises {item.source} (synthetic world)")
            known.add(item.labels.warrant)
        if on_source:
            on_source(item.source)

    travel = [item for item in manifest.files if item.format in TRAVEL_FORMATS]
    results = load_files(store, folder, replace(manifest, files=[f for f in manifest.files if f not in travel]),
                         before_each)
    for r in results:
        audit.log_event(store, viewer, "ingest", {"source": r.source, "run": r.run_id}, [])
    for item in travel:  # last, through the PIU's intake: every traveller screened against the lists just loaded
        before_each(item)
        intakes = ingest_travel(store, viewer, folder / item.path, item.format, item.source, _label_changes(item))
        results += [intake.result for intake in intakes if intake.result is not None]
    for item in manifest.reports if goaml_schema is not None else ():
        if on_source:
            on_source(item.source)
        results += [result for _, result in ingest_reports(store, viewer, folder / item.path, item.source, goaml_schema,
                                                           _label_changes(item))]
    for feed in manifest.feeds if home is not None else ():  # audited by the ledger's own ingest
        if on_source:
            on_source(feed.source)
        results.append(ingest_transactions(store, viewer, folder / feed.path, feed.source, home, _label_changes(feed)))
    return results


def _label_changes(item: ManifestFile) -> LabelChanges:
    """The labels a world's file suggests, as an ingest through the service takes them."""
    return LabelChanges(agency=item.agency, classification=item.labels.classification,
                        releasable_to=",".join(item.labels.releasable_to), legal_basis=item.labels.legal_basis)


def world_loader(purpose: str) -> Viewer:
    """Who loads a synthetic world outside a workspace's own set-up (benchmarks, tests): an administrator who
    screens (the travellers are screened as they arrive), as the laptop's local owner is."""
    return Viewer("world.loader", "LOCAL", frozenset({"administrator", "analyst"}), Classification.TOP_SECRET,
                  purpose=purpose)


def demo_lead(store: Store, purpose: str) -> Viewer:
    """The demo's analyst: the intelligence service's lead in the joint cell, to whom every agency
    of the world releases its holdings (SECRET, compartment NIGHTJAR)."""
    users.ensure_user(store, "demo.lead", agency="INTEL", roles=("analyst", "supervisor"),
                      clearance=Classification.SECRET, compartments=("NIGHTJAR",))
    return users.viewer_for(store, "demo.lead", purpose)


#: The demo's targeting rule: what a PIU might look for, written and approved by two different people.
DEMO_RULE = """
name: late-cash-booking
description: a ticket paid in cash and booked less than 72 hours before departure
conditions:
  - {feature: payment, op: in, value: [cash]}
  - {feature: booked_hours_before_departure, op: "<=", value: 72}
"""


def demo_travel(store: Store, folder: Path) -> dict:
    """The PIU's day in the demo: a targeter proposes a rule, the PIU's supervisor approves it, a carrier pushes a
    late cash booking for two of the world's travellers; what the intake raised awaits review."""
    from nexus.service.targeting import active_rules, decide_rule, propose_rule
    from nexus.service.travel import receive_message
    from nexus.sources.travel import parse_travel
    from nexus.sources.travel.write import write_pnrgov

    users.ensure_user(store, "demo.targeter", agency="PIU", roles=("targeter",), clearance=Classification.SECRET)
    users.ensure_user(store, "demo.piu-lead", agency="PIU", roles=("supervisor",), clearance=Classification.SECRET)
    targeter = users.viewer_for(store, "demo.targeter", "demo targeting")
    supervisor = users.viewer_for(store, "demo.piu-lead", "demo targeting")  # a rule is its own agency's to approve
    if not any(key.startswith("late-cash-booking@") for key, _ in active_rules(store, targeter.agency)):
        proposed = propose_rule(store, targeter, DEMO_RULE)
        decide_rule(store, supervisor, proposed["name"], proposed["version"], True,
                    "demo: proportionate, reviewed with legal")
    world = parse_travel(folder / "piu" / "pnr.edi", "pnrgov")
    flight, booking = next((f, b) for f, b in world.bookings if len(b.travellers) >= 2)
    departure = booking.legs[0].departure
    booking.locator, booking.payments = "DEMO01", [replace(booking.payments[0], kind="CA", card_vendor=None,
                                                          card_number=None, card_expiry=None, amount="1450.00")]
    booking.created = (datetime.fromisoformat(departure) - timedelta(hours=20)).isoformat(timespec="minutes")
    intake = receive_message(store, targeter, write_pnrgov(flight, [booking], "DEMOPUSH").encode(), "demo-push.edi",
                             "pnrgov", "piu_pnr")
    return {"rule_alerts": intake.rule_alerts, "screening_alerts": intake.screening_alerts,
            "travellers": intake.travellers, "seconds": intake.seconds, "skipped": intake.result.skipped_unchanged}


DEMO_CASE = "Demo: the strongest nexus bridge"
DEMO_CREDENTIALS = "demo-credentials"


def demo_web(store: Store, home: Path) -> dict:
    """What the demo leaves for the browser: a case opened from the strongest nexus alert (once), shared with the
    police in a joint team, and a password for the demo's lead, kept in NEXUS_HOME (mode 0600) so that re-runs
    print the same one."""
    from nexus.service.alerts import list_alerts
    from nexus.service.cases import list_cases, open_case

    lead = demo_lead(store, "demo case")
    case_id = next((c["id"] for c in list_cases(store, lead, None, 1000, 0) if c["title"] == DEMO_CASE), None)
    bridges = list_alerts(store, lead, kind="nexus", limit=1)
    if case_id is None and bridges:
        case_id = open_case(store, lead, DEMO_CASE, bridges[0]["title"], ("POLICE",), bridges[0]["id"])["id"]
    path = home / DEMO_CREDENTIALS
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(12))
    password = path.read_text().strip()
    set_password(store, lead.user, password)
    return {"username": lead.user, "password": password, "case_id": case_id,
            "nexus_alert": bridges[0]["id"] if bridges else None}
