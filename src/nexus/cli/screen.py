"""`nexus screen` and `nexus judge-hit`: watchlist and sanctions screening."""

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nexus.cli.context import current_viewer
from nexus.screen import SCREEN_THRESHOLD
from nexus.screen.query import QUERY_FIELDS
from nexus.service.screening import DECISIONS, judge_hit, screen
from nexus.service.workspace import open_store
from nexus.sources import SourceError
from nexus.sources.limits import check_file

console = Console(stderr=True)
OUTPUT_COLUMNS = ("query_id", "entity_id", "score", "caption", "explanation")
DETAIL_COLUMNS = ("query_key", "fingerprint", "source", "schema")


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_command)
    app.command("judge-hit")(judge_command)


def read_queries(path: Path) -> pa.Table:
    check_file(path)
    try:
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in QUERY_FIELDS}, strings_can_be_null=True))
    except pa.ArrowInvalid as exc:
        raise SourceError(f"{path}: {exc}") from None
    missing = [c for c in ("id", "name") if c not in table.column_names]
    if missing:
        raise SourceError(f"{path}: missing column(s) {', '.join(missing)} (needs id,name[,birth_date,nationality,gender,document,schema])")
    return table.select([c for c in QUERY_FIELDS if c in table.column_names])


def screen_command(
    input: Path = typer.Option(..., "--input", "-i", help="CSV with id,name[,birth_date,nationality,gender,document,schema]"),
    output: Path = typer.Option(..., "--output", "-o", help="CSV of hits to write"),
    threshold: float = typer.Option(SCREEN_THRESHOLD, help="lowest score reported"),
    lists: list[str] = typer.Option([], "--list", help="screen against these list sources only (repeatable)"),
    details: bool = typer.Option(False, help="also write query_key, fingerprint, source, schema (for judge-hit)"),
    purpose: str = typer.Option("screening", help="why (recorded in the audit trail)"),
) -> None:
    """Screen names against every sanctions list and watchlist in the workspace."""
    queries = read_queries(input)
    store = open_store()
    viewer = current_viewer(store, purpose)
    columns = (TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("screening", total=queries.num_rows)
        hits = screen(store, viewer, queries, threshold, lists or None, progress=lambda done: bar.advance(task, done))
    columns = OUTPUT_COLUMNS + (DETAIL_COLUMNS if details else ())
    tmp = output.with_name(output.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        data = [hits.column(c).to_pylist() for c in columns]
        score = columns.index("score")
        for row in zip(*data):
            row = list(row)
            row[score] = f"{row[score]:.4f}"
            writer.writerow(row)
    tmp.replace(output)
    matched = len(set(hits.column("query_id").to_pylist()))
    console.print(f"{queries.num_rows:,} names screened: {hits.num_rows:,} hits for {matched:,} names → {output}")


def judge_command(
    query_key: str = typer.Argument(..., help="query_key of the hit (screen --details)"),
    entity_id: str = typer.Argument(..., help="entity_id of the hit"),
    fingerprint: str = typer.Argument(..., help="fingerprint of the hit (screen --details)"),
    decision: str = typer.Option(..., help=f"one of {', '.join(DECISIONS)}"),
    reason: str | None = typer.Option(None, help="why (required to dismiss)"),
) -> None:
    """Confirm, dismiss or mark unsure a screening hit; a dismissed hit is not raised again."""
    store = open_store()
    judge_hit(store, current_viewer(store, "screening"), query_key, entity_id, fingerprint, decision, reason)
    console.print(f"{decision}: {entity_id} for query {query_key}")
