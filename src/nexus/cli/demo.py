"""`nexus synth` and `nexus demo`: the synthetic world, end to end."""

import time
from datetime import date, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nexus.cli.context import current_viewer
from nexus.config import load_settings
from nexus.ingest import IngestResult, ingest
from nexus.model.labels import Classification, Labels
from nexus.security import audit, users
from nexus.security.audit import verify_chain
from nexus.security.viewer import Viewer
from nexus.security.warrants import add_warrant, list_warrants
from nexus.service.resolution import merged_clusters, resolve_store
from nexus.service.screening import holdings_queries, list_source_names, screen
from nexus.service.search import count_visible
from nexus.service.workspace import open_store
from nexus.sources import get_format
from nexus.store import Store

console = Console()
SHARED_UN_LIST = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sanctions" / "un_consolidated_2017.xml"


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
    from nexus.synth import generate

    folder = output or load_settings().home / "synth" / f"{size}-{seed}"
    started = time.perf_counter()
    with console.status(f"generating the {size} world (seed {seed})"):
        manifest = generate(folder, seed, size)
    console.print(
        f"world written to {folder} in {time.perf_counter() - started:.1f}s: "
        + ", ".join(f"{v:,} {k}" for k, v in manifest.counts.items())
    )
    if load:
        store = open_store()
        ingest_world(store, folder, manifest)


def ingest_world(store: Store, folder: Path, manifest) -> list[IngestResult]:
    """Load the world's files with their labels; register the warrants they were collected under."""
    from nexus.synth.load import load_world

    viewer = current_viewer(store, purpose="ingest")
    known_warrants = {w["id"] for w in list_warrants(store, viewer)}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("ingesting the world", total=len(manifest.files))

        def before_each(item) -> None:
            if item.labels.warrant and item.labels.warrant not in known_warrants:
                add_warrant(store, viewer, item.labels.warrant, agency=item.agency, kind="interception",
                            expires_at=(date.today() + timedelta(days=90)).isoformat(),
                            description=f"authorises {item.source} (synthetic world)")
                known_warrants.add(item.labels.warrant)
            bar.update(task, description=f"ingesting {item.source}")
            bar.advance(task)

        results = load_world(store, folder, manifest, before_each)
    for r in results:
        audit.log_event(store, viewer, "ingest", {"source": r.source, "run": r.run_id}, [])
        state = "unchanged" if r.skipped_unchanged else f"{r.entities:,} entities, {r.statements:,} statements"
        console.print(f"  {r.source}: {state}" + (f", {len(r.errors)} errors" if r.errors else ""))
    return results


def joint_cell_lead(store: Store, purpose: str) -> Viewer:
    """The demo's analyst: the intelligence service's lead in the joint cell, to whom
    every agency of the world releases its holdings (SECRET, compartment NIGHTJAR)."""
    users.ensure_user(store, "demo.lead", agency="INTEL", roles=("analyst", "supervisor"),
                      clearance=Classification.SECRET, compartments=("NIGHTJAR",))
    return users.viewer_for(store, "demo.lead", purpose)


def screening_stage(store: Store, folder: Path) -> list[str]:
    """Screen every person record the agencies hold against the lists; score it on the truth."""
    from nexus.synth.evaluate import screening_quality

    console.rule("2. screening")
    viewer = joint_cell_lead(store, "demo screening")
    started = time.perf_counter()
    queries = holdings_queries(store, viewer)
    hits = screen(store, viewer, queries)
    seconds = time.perf_counter() - started
    quality = screening_quality(folder, queries, hits)
    flagged = len(set(hits.column("query_id").to_pylist()))
    lines = [
        f"screened {queries.num_rows:,} person records against {', '.join(list_source_names(store))} "
        f"in {seconds:.1f}s: {hits.num_rows:,} hits on {flagged:,} records",
        f"against the ground truth: best-hit precision {quality.precision:.3f}, "
        f"recall {quality.recall:.3f} ({quality.correct:,} of {quality.on_list:,} records of listed people)",
    ]
    for line in lines:
        console.print(line)
    top = hits.sort_by([("score", "descending")]).slice(0, 5).to_pylist()
    for hit in top:
        console.print(f"  {hit['score']:.2f} {hit['query_id']} → {hit['caption']} ({hit['source']}): {hit['explanation'][:90]}")
    return ["## Screening", "", *(f"- {line}" for line in lines), ""]


def resolution_stage(store: Store, folder: Path) -> list[str]:
    """Resolve the agencies' records into entities; score the person clusters on the truth."""
    from nexus.synth.evaluate import resolution_quality

    console.rule("3. entity resolution")
    started = time.perf_counter()
    resolution = resolve_store(store, joint_cell_lead(store, "demo resolution"), snapshot_dir=load_settings().home)
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
    from nexus.security.demo import security_demo

    console.rule("4. who may see what")
    lines = security_demo(store)
    chain = verify_chain(store)
    lines.append(f"audit trail: {chain.records:,} records, chain {'intact' if chain.ok else 'BROKEN at ' + str(chain.first_bad)}")
    for line in lines:
        console.print(line, highlight=False)
    return ["## Who may see what", "", *(f"    {line}" for line in lines), ""]


def demo_command(
    seed: int = typer.Option(7, help="seed of the synthetic world"),
    size: str = typer.Option("small", help="world size"),
) -> None:
    """Run the whole job on the synthetic world and print what was found."""
    from nexus.synth import generate

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = open_store()
    lines = [f"# Nexus demo — {size} world, seed {seed}", ""]
    folder = settings.home / "synth" / f"{size}-{seed}"
    started = time.perf_counter()
    with console.status(f"generating the {size} world"):
        manifest = generate(folder, seed, size)
    console.rule("1. sources")
    console.print(f"world: {folder} ({time.perf_counter() - started:.1f}s)")
    ingest_world(store, folder, manifest)
    if SHARED_UN_LIST.is_file():
        store.register_source("un-sc", "un-sc", Labels(agency="UNSC", classification=Classification.UNCLASSIFIED),
                              is_list=True, description="UN Security Council Consolidated List")
        result = ingest(store, "un-sc", SHARED_UN_LIST, get_format("un-sc").read(SHARED_UN_LIST))
        console.print(f"  un-sc: {'unchanged' if result.skipped_unchanged else f'{result.entities:,} entities'}")
    counts = count_visible(store, joint_cell_lead(store, "demo"))
    console.print(f"store: {counts['statements']:,} statements, "
                  + ", ".join(f"{n:,} {schema}" for schema, n in counts["entities"].items() if n >= 100))
    lines += ["## Sources", "", *(f"- {s}: {n:,} statements" for s, n in counts["sources"].items()), ""]
    lines += screening_stage(store, folder)
    lines += resolution_stage(store, folder)
    lines += security_stage(store)
    report = settings.home / "reports" / f"demo-{size}-{seed}.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    console.rule("done")
    console.print(f"report: {report}")
