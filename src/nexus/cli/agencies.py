"""`nexus agencies`: the agencies a case's team and a package's recipient are checked against."""

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer, print_json_lines
from nexus.service.agencies import list_agencies, register_agency
from nexus.service.workspace import open_store

console = Console()
agencies_app = typer.Typer(help="Agencies: those registered by an administrator, and those of users and sources.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(agencies_app, name="agencies")


@agencies_app.command("add")
def add_command(code: str = typer.Argument(..., help="the agency's code, as FIU-NL"),
                name: str = typer.Option(..., "--name", help="its full name")) -> None:
    """Register an agency (administrators), so that it may join a case's team or receive its packages."""
    store = open_store()
    agency = register_agency(store, current_viewer(store), code, name)
    console.print(f"agency {agency['code']} registered: {agency['name']}", highlight=False, markup=False)


@agencies_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """Every known agency, with its name and what makes it known."""
    store = open_store()
    rows = list_agencies(store, current_viewer(store))
    if as_json:
        print_json_lines(rows)
        return
    table = Table("agency", "name", "known from", "registered")
    for a in rows:
        registered = f"{a['registered_at'][:16]} by {a['registered_by']}" if a["registered_at"] else ""
        table.add_row(a["code"], Text(a["name"] or ""), ", ".join(a["known_from"]), registered)
    console.print(table)
