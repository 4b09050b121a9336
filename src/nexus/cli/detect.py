"""`nexus detect`: money-laundering typologies and terrorist-financing red-flag rules over the ledger, raised as alerts."""

import json
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer, write_output
from nexus.config import load_settings
from nexus.errors import InvalidInput
from nexus.service.detect import detect, typology_config
from nexus.service.workspace import open_store

console = Console()


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_command)


def detect_command(
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (this machine) or spark"),
    output: Path | None = typer.Option(None, "--output", help="also write the alerts as JSON lines to this file"),
    purpose: str = typer.Option("", "--purpose", help="why you are looking (recorded in the audit trail)"),
    typologies: Path | None = typer.Option(
        None, "--typologies", help="a YAML file of typology parameters (thresholds per currency, windows, degrees); "
                                   "default: the file NEXUS_TYPOLOGIES_FILE names, else the built-in ones"),
) -> None:
    """Run the typologies (fan-out, fan-in, cycles, scatter-gather, gather-scatter, structuring, pass-through,
    bipartite, stack), the red-flag rules (`nexus rules list`) and, once trained (`nexus model train`), the learned
    layer over the transactions you may see, and raise each finding as an alert (review with `nexus alerts review`)."""
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("engine must be duckdb or spark")
    if output is not None:
        writable_output(output)  # before anything runs: a run that cannot write its alerts raises none
    config = typology_config(typologies)
    store = open_store()
    with console.status("running the typologies, red-flag rules and learned layer over the ledger"):
        found = detect(store, current_viewer(store, purpose, reading=True), load_settings().home, engine, config)
    if output is not None:
        write_output(output, lambda out: out.write(b"".join(json.dumps(a).encode() + b"\n" for a in found)))
    table = Table("alert", "typology or rule", "score", "state", "finding")
    for alert in found[:50]:
        table.add_row(str(alert["id"]), alert["name"], f"{alert['score']:.2f}", alert["state"], Text(alert["explanation"]))
    console.print(table if found else "no typology or rule matched the transactions you may see")
    if len(found) > 50:
        console.print(f"… and {len(found) - 50:,} more (`nexus alerts list --kind typology`, `--kind rule`)")
    thresholds = ", ".join(f"{amount:,.0f} {currency}" for currency, amount in sorted(config.thresholds().items()))
    console.print(f"structuring sought below the reporting thresholds {thresholds} "
                  f"(typology parameters: {typologies or os.environ.get('NEXUS_TYPOLOGIES_FILE') or 'built in'})",
                  highlight=False)


def writable_output(output: Path) -> None:
    """Refuse an output whose folder is missing, not a folder or not writable (or that is itself a folder)."""
    if str(output) == "-":
        return
    folder = output.parent
    if not folder.exists():
        raise InvalidInput(f"--output {output}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise InvalidInput(f"--output {output}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(f"--output {output}: the folder {folder} is not writable")
    if output.is_dir():
        raise InvalidInput(f"--output {output} is a folder, not a file")
