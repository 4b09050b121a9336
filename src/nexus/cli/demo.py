"""`nexus synth` and `nexus demo`: the synthetic world, end to end."""

import shlex
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nexus.cli.alerts import alerts_table
from nexus.cli.context import current_viewer
from nexus.config import load_settings
from nexus.service.alerts import get_alert, list_alerts, review_alert
from nexus.service.ingest import IngestResult, LabelChanges, ingest_file
from nexus.service.oversight import verify_audit
from nexus.service.resolution import merged_clusters, resolve_store
from nexus.service.screening import list_source_names, records_asked, screen_holdings
from nexus.service.search import count_visible
from nexus.service.workspace import Store, open_store

console = Console()
SHARED_UN_LIST = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sanctions" / "un_consolidated_2017.xml"
DISMISSAL = "demo review: a borderline name match, dismissed to show that the decision holds when screening runs again"


def register(app: typer.Typer) -> None:
    app.command("synth")(synth_command)
    app.command("demo")(demo_command)


def synth_command(
    seed: int = typer.Option(1, help="random seed; the same seed gives the same world"),
    size: str = typer.Option("small", help="small (~10k people), medium (~200k) or large (~2M)"),
    output: Path | None = typer.Option(None, help="folder to write [NEXUS_HOME/synth/SIZE-SEED]"),
    load: bool = typer.Option(False, "--ingest", help="also ingest every file into the workspace"),
) -> None:
    """Generate the synthetic world (agencies' records, watchlist, ground truth)."""
    from nexus.service.synthetic import generate_world

    folder = output or load_settings().home / "synth" / f"{size}-{seed}"
    started = time.perf_counter()
    with console.status(f"generating the {size} world (seed {seed})"):
        manifest = generate_world(folder, seed, size)
    console.print(
        f"world written to {folder} in {time.perf_counter() - started:.1f}s: "
        + ", ".join(f"{v:,} {k}" for k, v in manifest.counts.items())
    )
    if load:
        store = open_store()
        ingest_world(store, folder, manifest)


def ingest_world(store: Store, folder: Path, manifest) -> list[IngestResult]:
    """Load the world's files with their labels and warrants, with a progress bar."""
    from nexus.service.synthetic import load_world

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        schema = load_settings().goaml_schema
        task = bar.add_task("ingesting the world", total=len(manifest.files) + len(manifest.feeds)
                            + (len(manifest.reports) if schema else 0))

        def on_source(source: str) -> None:
            bar.update(task, description=f"ingesting {source}")
            bar.advance(task)

        results = load_world(store, current_viewer(store, otherwise="ingest"), folder, manifest, on_source,
                             load_settings().home, schema)
    if manifest.reports and not schema:
        console.print("  the banks' goAML reports were not loaded: set NEXUS_GOAML_SCHEMA to your FIU's goAML XSD")
    for r in results:
        state = "unchanged" if r.skipped_unchanged else f"{r.entities:,} entities, {r.statements:,} statements"
        console.print(f"  {r.source}: {state}" + (f", {len(r.errors)} errors" if r.errors else ""))
    return results


def screening_stage(store: Store, folder: Path) -> list[str]:
    """Screen every person record the agencies hold against the lists, raising alerts; score it on the truth;
    review one alert and show that the decision holds when screening runs again."""
    from nexus.service.synthetic import demo_lead, screening_quality

    console.rule("2. screening and the alert queue")
    viewer = demo_lead(store, "demo screening")
    started = time.perf_counter()
    queries, hits = screen_holdings(store, viewer)
    seconds = time.perf_counter() - started
    quality = screening_quality(folder, queries, hits)
    flagged = len(set(hits.column("query_id").to_pylist()))
    states = hits.column("alert_state").to_pylist()
    lines = [
        f"screened {records_asked(queries):,} person records against {', '.join(list_source_names(store))} "
        f"in {seconds:.1f}s: {hits.num_rows:,} hits on {flagged:,} records, raised as alerts ("
        + ", ".join(f"{states.count(s):,} {s}" for s in sorted(set(states))) + ")",
        f"against the ground truth: best-hit precision {quality.precision:.3f}, "
        f"recall {quality.recall:.3f} ({quality.correct:,} of {quality.on_list:,} records of listed people)",
    ]
    for line in lines:
        console.print(line)
    top = list_alerts(store, viewer, kind="screening", limit=8)
    console.print(f"the alert queue as {viewer.user} ({viewer.agency}, {viewer.clearance.name}, compartment "
                  f"{', '.join(sorted(viewer.compartments))}) sees it: only alerts whose evidence they may all see")
    console.print(alerts_table(top))
    lines += [f"alert {a['id']} [{a['state']}] {a['score']:.2f} {a['title']}" for a in top]
    lines += review_demo(store, viewer)
    return ["## Screening and the alert queue", "", *(f"- {line}" for line in lines), ""]


def review_demo(store: Store, viewer) -> list[str]:
    """Dismiss the weakest open screening alert with a reason, screen again, show it stays dismissed."""
    candidates = list_alerts(store, viewer, kind="screening", state="open", limit=10_000)
    if not candidates:
        return []
    weakest = min(candidates, key=lambda a: (a["score"], a["id"]))
    review_alert(store, viewer, weakest["id"], "dismissed", DISMISSAL)
    _, again = screen_holdings(store, viewer)
    shown = get_alert(store, viewer, weakest["id"])
    decided = shown["history"][-1]
    lines = [
        f"review: alert {weakest['id']} ({weakest['score']:.2f} {weakest['title']}) dismissed by {decided['username']}: "
        f"{decided['reason']}",
        f"screening again: {again.num_rows:,} hits; alert {weakest['id']} is still {shown['state']} "
        f"and {'not ' if weakest['id'] not in again.column('alert_id').to_pylist() else ''}raised again",
    ]
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return lines


def resolution_stage(store: Store, folder: Path) -> list[str]:
    """Resolve the agencies' records into entities; score the person clusters on the truth."""
    from nexus.service.synthetic import demo_lead, resolution_quality

    console.rule("3. entity resolution")
    started = time.perf_counter()
    resolution = resolve_store(store, demo_lead(store, "demo resolution"), snapshot_dir=load_settings().home)
    quality = resolution_quality(folder, resolution.mapping)
    lines = [
        f"resolved {resolution.records:,} person and organisation records in {time.perf_counter() - started:.1f}s "
        f"into {merged_clusters(resolution):,} entities held by more than one record",
        f"person clusters against the ground truth: pairwise precision {quality.precision:.3f}, "
        f"recall {quality.recall:.3f}",
    ]
    for line in lines:
        console.print(line)
    return ["## Entity resolution", "", *(f"- {line}" for line in lines), ""]


def security_stage(store: Store) -> list[str]:
    """Two users of different agencies and clearances ask the same question; the trail holds."""
    from nexus.service.security_demo import security_demo

    console.rule("4. who may see what")
    lines = security_demo(store)
    chain = verify_audit(store, current_viewer(store, otherwise="demo"))
    lines.append(f"audit trail: {chain.records:,} records, chain {'intact' if chain.ok else 'BROKEN at ' + str(chain.first_bad)}")
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return ["## Who may see what", "", *(f"    {line}" for line in lines), ""]


def links_stage(store: Store) -> list[str]:
    """The nexus paths and brokers the lead sees, and how the police and intelligence users' graphs differ."""
    from nexus.service.links import nexus_brokers, nexus_communities, nexus_paths
    from nexus.service.nexus_alerts import raise_nexus_alerts
    from nexus.service.security_demo import demo_viewers, describe
    from nexus.service.synthetic import demo_lead

    console.rule("5. links between terrorism and organised crime")
    home = load_settings().home
    lead = demo_lead(store, "demo link analysis")
    started = time.perf_counter()
    with console.status("building the link graph"):
        paths = nexus_paths(store, lead, home, limit=5)
    lines = [f"best paths from crime.terror to organised crime for {describe(lead)} "
             f"({time.perf_counter() - started:.1f}s, graph built and kept):"]
    lines += [f"  {p['score']:.3f} ({p['hops']} hop{'s' if p['hops'] > 1 else ''}) {p['words']}" for p in paths]
    alerts = raise_nexus_alerts(store, lead, home, limit=10)
    lines.append(f"nexus alerts raised for review ({sum(a['new'] for a in alerts)} new; `nexus links alerts`, "
                 "`nexus alerts review`), the strongest five with their evidence paths:")
    lines += [f"  #{a['alert_id']} {a['score']:.3f} [{a['state']}] {a['words']}" for a in alerts[:5]]
    communities = nexus_communities(store, lead, home, limit=1000)
    lines.append(f"communities holding both sides (Leiden): {len(communities)}; the first: " + "; ".join(
        f"{c['size']} members, {len(c['from_side'])} terror-side and {len(c['to_side'])} crime-side"
        for c in communities[:3]))
    brokers = nexus_brokers(store, lead, home, limit=3)
    lines.append("brokers between the two sides: " + "; ".join(
        f"{(b['node'] or {}).get('name') or b['id']} ({', '.join(f'{r} {n}' for r, n in b['roles'].items())})" for b in brokers))
    lines.append("the same question by the users of stage 4 (their 1,000 best paths):")
    viewers = demo_viewers(store, "demo link analysis")
    found = {v.user: nexus_paths(store, v, home, limit=1000) for v in viewers}
    for viewer in viewers:
        others = {tuple(p["entities"]) for user, paths in found.items() if user != viewer.user for p in paths}
        own = [p for p in found[viewer.user] if tuple(p["entities"]) not in others]
        example = f"; the best of those: {own[0]['words']} (via {', '.join(own[0]['edges'][0]['sources'])})" if own else ""
        lines.append(f"  {describe(viewer)}: {len(found[viewer.user])} path(s), {len(own)} the other does not get{example}")
    lines.append("Each user's graph holds only the ties their clearance, agency, compartments and warrants show "
                 "(`nexus links paths --json`; every question is in the audit trail).")
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return ["## Links between terrorism and organised crime", "", *(f"    {line}" for line in lines), ""]


def fiu_stage(store: Store, folder: Path, manifest) -> list[str]:
    """The typologies, red-flag rules and learned layer over the banks' feed, as the lead sees it, scored on the
    planted attempts."""
    from nexus.service.detect import detect, train_model
    from nexus.service.synthetic import demo_lead, typology_quality

    console.rule("6. financial intelligence: typologies, red flags and a learned layer over the banks' feed")
    with console.status("training the learned layer on the feed's earlier days"):
        model = train_model(store, demo_lead(store, "demo learned layer"), load_settings().home)
    started = time.perf_counter()
    with console.status("running the typologies, red-flag rules and learned layer over the ledger"):
        found = detect(store, demo_lead(store, "demo typologies"), load_settings().home)
    feed = manifest.feeds[0]
    typologies = [a for a in found if a["kind"] == "typology"]
    rules = [a for a in found if a["kind"] == "rule"]
    learned = [a for a in found if a["kind"] == "model"]
    quality = typology_quality(folder, feed.path, manifest.truth["patterns"], typologies + rules)
    lines = [f"{len(typologies):,} typology alerts from {feed.counts['records']:,} payments "
             f"({time.perf_counter() - started:.1f}s; `nexus detect`, `nexus alerts list --kind typology`); "
             "the strongest three:"]
    lines += [f"  #{a['id']} {a['score']:.2f} {a['name']}: {a['explanation']}" for a in typologies[:3]]
    lines.append(f"{len(rules):,} red-flag rule alerts (`nexus alerts list --kind rule`; back-test a rule with "
                 "`nexus rules test RULE.yml --from … --to …`)" + (f"; the first: #{rules[0]['id']} {rules[0]['name']}: "
                                                                  f"{rules[0]['explanation']}" if rules else ""))
    lines.append("planted laundering attempts found: " + ", ".join(
        f"{kind} {quality.found.get(kind, 0)}/{n}" for kind, n in sorted(quality.planted.items()))
        + f"; {quality.precision:.0%} of the alerts are on a planted attempt"
        + ("" if quality.precision == 1 else " (the rest: everyday payroll, rent and payments that fit a typology, "
                                                 "and the listed holders' own salaries and rent, which the sanctions "
                                                 "flags raise)"))
    test = model["test"]
    lines.append(f"the learned layer (`nexus model train`): trained on the days to {model['train_until']}, its threshold "
                 f"chosen on those to {model['validate_until']}; on the later days, which neither saw, laundering F1 "
                 f"{test['model']['f1']:.2f} (precision {test['model']['precision']:.2f}, recall "
                 f"{test['model']['recall']:.2f}) against {test['rules']['f1']:.2f} for the typologies and rules alone; "
                 f"{len(learned):,} model alerts (`nexus alerts list --kind model`)"
                 + (f", the strongest: #{learned[0]['id']} {learned[0]['explanation']}" if learned else ""))
    schema = load_settings().goaml_schema
    for reports in manifest.reports:
        lines.append(f"the banks' suspicious transaction reports (goAML, one per planted typology): {reports.counts['records']} "
                     + (f"loaded into {reports.source}, each validated against {schema.name}" if schema
                        else "not loaded (NEXUS_GOAML_SCHEMA names no XSD)"))
    lead = demo_lead(store, "demo typologies")
    lines.append(nexus_alerts_resting_on(store, lead, "money (payments reported to the FIU, or in the banks' feed)",
                                         lambda edge: edge["type"] == "Payment"))
    lines.append(nexus_alerts_resting_on(store, lead, "the banks' feed itself (the ledger's payments between accounts)",
                                         lambda edge: edge["type"] == "Payment" and feed.source in edge["sources"]))
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return ["## Financial intelligence", "", *(f"    {line}" for line in lines), ""]


def nexus_alerts_resting_on(store: Store, viewer, what: str, resting) -> str:
    """How many of the viewer's nexus alerts have a tie on their path that `resting(edge)` says rests on `what`."""
    nexus = [get_alert(store, viewer, a["id"]) for a in list_alerts(store, viewer, kind="nexus", limit=100)]
    found = [a for a in nexus if any(resting(e) for e in a["explanation"]["path"]["edges"])]
    return (f"nexus alerts whose evidence path rests on {what}: {len(found)} of {len(nexus)}"
            + (f"; e.g. #{found[0]['id']} {found[0]['explanation']['words']}" if found else ""))


def travel_stage(store: Store, folder: Path) -> list[str]:
    """The PIU: travel alerts from the carriers' messages, a rule under maker-checker, a late cash booking."""
    from nexus.service.synthetic import demo_lead, demo_travel

    console.rule("7. passenger information: API and PNR")
    lead = demo_lead(store, "demo travel")
    pushed = demo_travel(store, folder)
    travel = list_alerts(store, lead, kind="travel", limit=10_000)
    states = [a["state"] for a in travel]
    lines = [f"{len(travel):,} travel alerts (every traveller of the carriers' API and PNR messages screened on "
             "arrival; targeting-rule hits), " + ", ".join(f"{states.count(s):,} {s}" for s in sorted(set(states)))
             + ": nothing adverse is recorded without an officer's decision and reason (`nexus alerts review`)",
             "rule late-cash-booking proposed by demo.targeter, approved by demo.piu-lead, the PIU's supervisor "
             "(maker-checker; `nexus travel rules list`)",
             f"a carrier pushes a late cash booking for {pushed['travellers']} travellers: "
             f"{len(pushed['rule_alerts'])} rule and {len(pushed['screening_alerts'])} screening alert(s) raised in "
             f"{pushed['seconds'] * 1000:.0f} ms (a cold start: the screening index built first)"
             + (" (already received: nothing new)" if pushed["skipped"] else ""),
             "the travel alerts awaiting review, first five:"]
    lines += [f"  #{a['id']} [{a['state']}] {a['title']}" for a in travel[:5]]
    lines.append(nexus_alerts_resting_on(store, lead, "API/PNR data (a shared booking, its contact phone or card)",
                                         lambda edge: any(s.startswith("piu_") for s in edge["sources"])))
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return ["## Passenger information", "", *(f"    {line}" for line in lines), ""]


def web_stage(store: Store, home: Path) -> list[str]:
    """The web application over what the demo found: a case from the strongest bridge, a user to sign in as."""
    from nexus.service.synthetic import demo_web

    console.rule("8. in the browser")
    found = demo_web(store, home)
    lines = []
    if found["case_id"] is not None:
        lines.append(f"case {found['case_id']} opened from nexus alert {found['nexus_alert']}, shared with POLICE "
                     f"(a joint investigation team): /cases/{found['case_id']}")
    lines += ["serve the demo workspace:",
              f"  NEXUS_HOME={shlex.quote(str(home.resolve()))} {shlex.quote(_program())} serve --port 8000",
              "then open http://127.0.0.1:8000/ and sign in as "
              f"{found['username']} with password {found['password']} (any purpose, e.g. 'demo')"]
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return ["## In the browser", "", *(f"    {line}" for line in lines[:1]), ""]


def _program() -> str:
    """How this `nexus` was started, so that the printed command works without activating the venv."""
    return sys.argv[0] if Path(sys.argv[0]).name == "nexus" else "nexus"


def demo_command(
    seed: int = typer.Option(7, help="seed of the synthetic world"),
    size: str = typer.Option("small", help="world size"),
) -> None:
    """Run the whole job on the synthetic world and print what was found."""
    from nexus.service.synthetic import demo_lead, generate_world

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = open_store()
    lines = [f"# Nexus demo — {size} world, seed {seed}", ""]
    folder = settings.home / "synth" / f"{size}-{seed}"
    started = time.perf_counter()
    with console.status(f"generating the {size} world"):
        manifest = generate_world(folder, seed, size)
    console.rule("1. sources")
    console.print(f"world: {folder} ({time.perf_counter() - started:.1f}s)")
    ingest_world(store, folder, manifest)
    if SHARED_UN_LIST.is_file():  # a sanctions-list format: registered as a list without saying so
        result = ingest_file(store, current_viewer(store, otherwise="ingest"), "un-sc", SHARED_UN_LIST, "un-sc",
                             LabelChanges(agency="UNSC", classification="UNCLASSIFIED"))
        console.print(f"  un-sc: {'unchanged' if result.skipped_unchanged else f'{result.entities:,} entities'}")
    counts = count_visible(store, demo_lead(store, "demo"))
    console.print(f"store: {counts['statements']:,} statements, "
                  + ", ".join(f"{n:,} {schema}" for schema, n in counts["entities"].items() if n >= 100))
    lines += ["## Sources", "", *(f"- {s}: {n:,} statements" for s, n in counts["sources"].items()), ""]
    lines += screening_stage(store, folder)
    lines += resolution_stage(store, folder)
    lines += security_stage(store)
    lines += links_stage(store)
    lines += fiu_stage(store, folder, manifest)
    lines += travel_stage(store, folder)
    lines += web_stage(store, settings.home)
    report = settings.home / "reports" / f"demo-{size}-{seed}.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    console.rule("done")
    console.print(f"report: {report}")
