"""`nexus search`, `nexus entity`, `nexus export ftm`, `nexus stats`."""

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from nexus.cli.context import current_viewer, write_output
from nexus.errors import NotFound
from nexus.service.entities import entity_statements, get_entity
from nexus.service.export import export_ftm
from nexus.service.search import count_visible, search
from nexus.service.workspace import open_store

console = Console()
export_app = typer.Typer(help="Export data in open formats.", no_args_is_help=True)

PURPOSE = typer.Option("", "--purpose", help="why you are looking (recorded in the audit trail)")


def register(app: typer.Typer) -> None:
    app.command("search")(search_command)
    app.command("entity")(entity_command)
    app.command("stats")(stats_command)
    app.add_typer(export_app, name="export")


def search_command(
    query: str = typer.Argument(..., help="words of a name"),
    limit: int = typer.Option(20, help="most results to show"),
    purpose: str = PURPOSE,
) -> None:
    """Find entities by name, among what you may see."""
    store = open_store()
    results = search(store, current_viewer(store, purpose, reading=True), query, limit)
    table = Table("entity id", "schema", "name", "topics")
    for r in results:
        table.add_row(r.entity_id, r.schema, r.caption, ", ".join(r.topics))
    console.print(table)
    console.print(f"{len(results)} result(s)")


def entity_command(
    entity_id: str = typer.Argument(..., help="canonical or source entity id"),
    statements: bool = typer.Option(False, "--statements", help="show every statement with provenance"),
    purpose: str = PURPOSE,
) -> None:
    """Show one entity, merged across sources."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    view = get_entity(store, viewer, entity_id)
    if view is None:
        raise NotFound(f"no entity {entity_id!r}")
    console.print_json(json.dumps(view.entity.to_dict()))
    if view.withheld:
        console.print(f"[yellow]{view.withheld} statement(s) about this entity are withheld from you[/yellow]")
    if statements:
        table = Table("prop", "value", "source", "agency", "class.", "seen")
        for s in entity_statements(store, viewer, entity_id):
            table.add_row(s["prop"], s["value"], s["source"], s["agency"], str(s["classification"]),
                          f"{s['first_seen'][:10]} – {s['last_seen'][:10]}")
        console.print(table)


@export_app.command("ftm")
def export_ftm_command(
    output: Path = typer.Option(..., "--output", "-o", help="FtM JSON lines file to write ('-' for stdout)"),
    purpose: str = PURPOSE,
) -> None:
    """Write every entity you may release as FtM JSON lines, merged across sources."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    count = write_output(output, lambda out: export_ftm(store, viewer, out))
    print(f"exported {count:,} entities", file=sys.stderr)


def stats_command(
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    purpose: str = PURPOSE,
) -> None:
    """Counts of statements, entities by schema and sources (what you may see)."""
    store = open_store()
    counts = count_visible(store, current_viewer(store, purpose, reading=True))
    if as_json:
        print(json.dumps(counts, indent=2))
        return
    console.print(f"statements: {counts['statements']:,}")
    table = Table("schema", "entities")
    for schema, n in counts["entities"].items():
        table.add_row(schema, f"{n:,}")
    console.print(table)
    table = Table("source", "statements")
    for source, n in counts["sources"].items():
        table.add_row(source, f"{n:,}")
    console.print(table)
