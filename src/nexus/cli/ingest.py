"""`nexus init`, `nexus ingest`, `nexus sources`."""

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from nexus.cli.context import current_viewer
from nexus.config import load_settings
from nexus.errors import InvalidInput
from nexus.service.ingest import (
    FORMATS, IngestResult, LabelChanges, ReportResult, ingest_file, ingest_reports, list_sources,
)
from nexus.service.ledger import ingest_transactions
from nexus.service.travel import FORMATS as TRAVEL_FORMATS
from nexus.service.travel import ingest_travel
from nexus.service.workspace import open_store

console = Console()
FEEDS = ("amlworld", "transactions")  # transaction feeds: into the ledger


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("ingest")(ingest_command)
    app.command("sources")(sources_command)


def init() -> None:
    """Create the workspace (NEXUS_HOME) and bring the database schema up to date."""
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = open_store()
    current_viewer(store)
    console.print(f"workspace ready: {settings.home} ({store.dialect})")


def ingest_command(
    format: str = typer.Argument(..., help=f"input format: {', '.join([*FORMATS, *FEEDS])}"),
    path: Path = typer.Argument(..., help="file to load (goaml, paxlst, pnrgov: a file or a folder of them)"),
    source: str = typer.Option(..., "--source", help="registered source name (created if new)"),
    mapping: Path | None = typer.Option(None, help="FtM mapping YAML (csv format); the columns of a transactions feed"),
    schema: Path | None = typer.Option(None, envvar="NEXUS_GOAML_SCHEMA",
                                       help="your FIU's goAML XSD, which reports are validated against (goaml format)"),
    agency: str | None = typer.Option(None, help="agency that supplied the data [new source: LOCAL]"),
    classification: str | None = typer.Option(None, help="default classification [new source: RESTRICTED]"),
    releasable_to: str | None = typer.Option(None, help="agencies it may be shown to, comma-separated; * = any"),
    compartment: str | None = typer.Option(None, help="need-to-know compartment"),
    orcon: bool | None = typer.Option(None, "--orcon/--no-orcon", help="originator control"),
    warrant: str | None = typer.Option(None, help="warrant or authorization it was collected under"),
    legal_basis: str | None = typer.Option(None, help="legal basis for holding it"),
    retention_days: int | None = typer.Option(None, help="retention period in days"),
    is_list: bool | None = typer.Option(
        None, "--list/--not-list",
        help="a screening list (sanctions, watchlist) [new source: yes for list formats such as un-sc]"),
    strict: bool = typer.Option(False, help="load nothing if any record is bad"),
    partial: bool = typer.Option(False, help="a delta: do not retire what the file lacks"),
    force: bool = typer.Option(False, help="re-read a file already loaded unchanged"),
) -> None:
    """Load a file into the statement store (idempotent, resumable)."""
    store = open_store()
    viewer = current_viewer(store, otherwise="ingest")
    labels = LabelChanges(agency, classification, releasable_to, compartment, orcon, warrant, legal_basis)
    if format in FEEDS:
        # not --schema: it defaults to NEXUS_GOAML_SCHEMA, which a server sets for every load
        refused = [flag for flag, given in (("--mapping", mapping and format == "amlworld"), ("--list", is_list),
                                            ("--partial", partial)) if given]
        if refused:
            raise InvalidInput(f"{', '.join(refused)}: not for {format} feeds (they go to the ledger, never a list; a "
                               "feed always loads in part, its bad rows named, unless --strict; an amlworld feed's "
                               "columns are fixed: another layout is `transactions` with --mapping)")
        if format == "transactions" and mapping is None:
            raise InvalidInput("--mapping: a transactions feed needs the mapping of its columns onto the ledger's "
                               "(a YAML file with a `transactions` section; see ARCHITECTURE.md)")
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task(f"ingesting {path.name}")
            result = ingest_transactions(store, viewer, path, source, load_settings().home, labels, force=force,
                                         strict=strict, mapping=mapping,
                                         progress=lambda n: bar.update(task, description=f"ingesting {path.name}: "
                                                                                          f"{n:,} rows"))
        _report(result)
        _fail_on_rejected(result)
        return
    if format in TRAVEL_FORMATS:
        refused = [flag for flag, given in (("--mapping", mapping), ("--list", is_list), ("--strict", strict),
                                            ("--partial", partial), ("--force", force)) if given]
        if refused:
            raise InvalidInput(f"{', '.join(refused)}: not for {format} messages (each message is its own run, "
                               "received once; travel sources are never lists)")
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task(f"receiving {path.name}")
            intakes = ingest_travel(store, viewer, path, format, source, labels, retention_days=retention_days,
                                    progress=lambda name: bar.update(task, description=f"receiving {name}"))
        for intake in intakes:
            if intake.error:
                console.print(f"[red]rejected[/red] {intake.error}", highlight=False)
                continue
            console.print(f"{Path(intake.name).name}: {intake.travellers:,} traveller(s), "
                          f"{len(intake.screening_alerts):,} screening and {len(intake.rule_alerts):,} rule alert(s) "
                          f"for review, {intake.purged:,} sensitive element(s) purged", highlight=False)
            _report(intake.result)
            for warning in intake.warnings[:10]:
                console.print(f"  [yellow]warning:[/yellow] {warning}", highlight=False)
        rejected = sum(1 for i in intakes if i.error)
        console.print(f"{len(intakes) - rejected:,} file(s) loaded, {rejected:,} rejected")
        if rejected:
            raise typer.Exit(1)
        return
    if format == "goaml":
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task(f"ingesting {path.name}")
            results = ingest_reports(store, viewer, path, source, schema, labels, force=force,
                                     progress=lambda name: bar.update(task, description=f"ingesting {name}"))
        for file, result in results:
            _report_goaml(file, result)
        rejected = sum(1 for _, r in results if r.errors)
        superseded = sum(1 for _, r in results if _superseded(r))
        console.print(f"{len(results) - rejected - superseded:,} report(s) loaded, {rejected:,} rejected"
                      + (f", {superseded:,} superseded by a later submission" if superseded else ""))
        if schema is None:
            console.print("[yellow]warning:[/yellow] not validated: no FIU schema (--schema PATH or NEXUS_GOAML_SCHEMA)")
        if rejected:
            raise typer.Exit(1)
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"ingesting {path.name}")
        result = ingest_file(
            store, viewer, format, path, source, labels, mapping=mapping, retention_days=retention_days,
            is_list=is_list, strict=strict, partial=partial, force=force,
            progress=lambda n: bar.update(task, description=f"ingesting {path.name}: {n:,} records"),
        )
    _report(result)
    _fail_on_rejected(result)


def _fail_on_rejected(result: IngestResult) -> None:
    """Exit 1 when records were rejected, as goAML reports and travel messages do: the good ones are loaded,
    and a script must not take a partial load for a whole one."""
    if result.errors and not result.skipped_unchanged:
        raise typer.Exit(1)


def _report_goaml(file: Path, result: IngestResult) -> None:
    if _superseded(result):
        console.print(f"{file.name}: superseded: the later submission of its report ({result.superseded_by}, "
                      f"run {result.run_id}) is loaded; this earlier one is not", highlight=False)
        return
    console.print(f"{file.name}: {'rejected' if result.errors else 'loaded'}", highlight=False)
    _report(result)


def _superseded(result: IngestResult) -> bool:
    return isinstance(result, ReportResult) and result.superseded_by is not None


def _report(result: IngestResult) -> None:
    if result.skipped_unchanged:
        console.print(f"{result.source}: unchanged since run {result.run_id}; nothing to do (--force to re-read)")
        return
    resumed = f" (resumed after record {result.resumed_from:,})" if result.resumed_from else ""
    again = f", {result.redelivered:,} delivered before (not stored again)" if result.redelivered else ""
    console.print(
        f"{result.source}: {result.records:,} records, {result.entities:,} entities, "
        f"{result.statements:,} statements, {result.retired:,} retired, {len(result.errors):,} errors{again}{resumed}"
    )
    for error in result.errors[:20]:
        console.print(f"  [yellow]{escape(str(error))}[/yellow]", highlight=False, soft_wrap=True)  # whole: paths are searched for
    if len(result.errors) > 20:
        console.print(f"  … and {len(result.errors) - 20:,} more (table ingest_errors, run {result.run_id})")


def sources_command() -> None:
    """List the registered sources with their labels."""
    store = open_store()
    table = Table("name", "format", "agency", "classification", "releasable to", "caveats", "list")
    for s in list_sources(store, current_viewer(store)):
        caveats = ", ".join(x for x in ("ORCON" if s["orcon"] else "", s["compartment"] or "", s["warrant"] or "") if x)
        table.add_row(s["name"], s["format"], s["agency"], s["classification"],
                      s["releasable_to"], caveats, "yes" if s["is_list"] else "")
    console.print(table)
