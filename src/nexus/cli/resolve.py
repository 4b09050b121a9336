"""`nexus resolve` and `nexus judge`: entity resolution across agencies."""

import time

import typer
from rich.console import Console
from rich.markup import escape

from nexus.cli.context import current_viewer
from nexus.config import load_settings
from nexus.errors import Unavailable
from nexus.service.resolution import DECISIONS, judge_pair, merged_clusters, resolve_store
from nexus.service.workspace import open_store

console = Console()


def register(app: typer.Typer) -> None:
    app.command("resolve")(resolve_command)
    app.command("judge")(judge_command)


def resolve_command(
    engine: str = typer.Option(None, help="duckdb or spark [NEXUS_ENGINE]"),
) -> None:
    """Find the records that are the same person or company, across every source."""
    settings = load_settings()
    store = open_store()
    viewer = current_viewer(store, otherwise="entity resolution")
    started = time.perf_counter()
    try:
        with console.status("resolving entities"):
            resolution = resolve_store(store, viewer, engine or settings.engine, settings.home)
    except Unavailable as exc:  # EngineError: the engine could not finish
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(
        f"{resolution.records:,} records resolved in {time.perf_counter() - started:.1f}s: "
        f"{resolution.edges.num_rows:,} scored pairs, {merged_clusters(resolution):,} merged entities"
    )


def judge_command(
    left_id: str = typer.Argument(..., help="a record's entity id"),
    right_id: str = typer.Argument(..., help="another record's entity id"),
    decision: str = typer.Argument(..., help=f"one of {', '.join(DECISIONS)}"),
    reason: str | None = typer.Option(None, help="why"),
    purpose: str = typer.Option("", "--purpose", help="why you judge (recorded in the audit trail; default "
                                "NEXUS_PURPOSE, else \"entity resolution\")"),
) -> None:
    """Say two records are (not) the same; the decision overrides the model, and can be changed later."""
    store = open_store()
    judge_pair(store, current_viewer(store, purpose, otherwise="entity resolution"), left_id, right_id, decision, reason)
    console.print(f"{left_id} / {right_id}: {decision}")
