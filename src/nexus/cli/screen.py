"""`nexus screen` and `nexus judge-hit`: watchlist and sanctions screening.

Without --input, screen every person record the workspace holds: each hit is raised as
an alert (`nexus alerts`). With --input, screen a file of names to a CSV of hits; with
--alerts those hits are raised as alerts too.
"""

import csv
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nexus.cli.alerts import alerts_table
from nexus.cli.context import current_viewer
from nexus.service.alerts import DECISIONS
from nexus.service.export_marks import csv_cell
from nexus.service.screening import (
    SCREEN_THRESHOLD, judge_hit, read_queries, records_asked, screen, screen_holdings,
)
from nexus.service.workspace import open_store

console = Console(stderr=True)
OUTPUT_COLUMNS = ("query_id", "entity_id", "score", "caption", "explanation")
DETAIL_COLUMNS = ("query_key", "fingerprint", "source", "schema")
ALERT_COLUMNS = ("alert_id", "alert_state")


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_command)
    app.command("judge-hit")(judge_command)


def screen_command(
    input: Path | None = typer.Option(None, "--input", "-i", help="CSV with id,name[,birth_date,nationality,gender,document,schema] [the records the workspace holds]"),
    output: Path | None = typer.Option(None, "--output", "-o", help="CSV of hits to write (required with --input)"),
    threshold: float = typer.Option(SCREEN_THRESHOLD, help="lowest score reported"),
    lists: list[str] = typer.Option([], "--list", help="screen against these list sources only (repeatable)"),
    details: bool = typer.Option(False, help="also write query_key, fingerprint, source, schema (for judge-hit)"),
    alerts: bool = typer.Option(False, "--alerts", help="with --input: also raise the hits as alerts to review"),
    purpose: str = typer.Option("", help="why (recorded in the audit trail; default NEXUS_PURPOSE, else \"screening\")"),
) -> None:
    """Screen names against every sanctions list and watchlist in the workspace."""
    if input is not None and output is None:
        raise typer.BadParameter("--output is required with --input", param_hint="--output")
    queries = read_queries(input) if input is not None else None
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True, otherwise="screening")
    columns = (TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("screening", total=queries.num_rows if queries is not None else None)

        def advance(done: int) -> None:
            bar.advance(task, done)

        if queries is None:
            queries, hits = screen_holdings(store, viewer, threshold, lists or None, progress=advance)
        else:
            hits = screen(store, viewer, queries, threshold, lists or None, progress=advance, alerts=alerts)
    raised = input is None or alerts
    if output is not None:
        write_hits(hits, output, OUTPUT_COLUMNS + (DETAIL_COLUMNS if details else ()) + (ALERT_COLUMNS if raised else ()))
    matched = len(set(hits.column("query_id").to_pylist()))
    asked = records_asked(queries)
    console.print(f"{asked:,} names screened: {hits.num_rows:,} hits for {matched:,} names"
                  + (f" → {output}" if output else ""))
    if raised and hits.num_rows:
        states = hits.column("alert_state").to_pylist()
        console.print("alerts: " + ", ".join(f"{states.count(s):,} {s}" for s in sorted(set(states))))
        top = hits.sort_by([("score", "descending")]).slice(0, 10).to_pylist()
        Console().print(alerts_table([{"id": h["alert_id"], "kind": "screening", "state": h["alert_state"],
                                       "score": h["score"], "title": f"{h['query_id']} ↔ {h['caption']} ({h['source']})"}
                                      for h in top]))


def write_hits(hits, output: Path, columns: tuple[str, ...]) -> None:
    tmp = output.with_name(output.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        data = [hits.column(c).to_pylist() for c in columns]
        score = columns.index("score")
        for row in zip(*data):
            row = [csv_cell(value) for value in row]  # a listed name is never run as a spreadsheet formula
            row[score] = f"{row[score]:.4f}"
            writer.writerow(row)
    tmp.replace(output)


def judge_command(
    query_key: str = typer.Argument(..., help="query_key of the hit (screen --details)"),
    entity_id: str = typer.Argument(..., help="entity_id of the hit"),
    fingerprint: str = typer.Argument(..., help="fingerprint of the hit (screen --details)"),
    decision: str = typer.Option(..., help=f"one of {', '.join(DECISIONS)}"),
    reason: str | None = typer.Option(None, help="why (required: recorded with the decision)"),
) -> None:
    """Review the alert a file screening raised (screen --alerts --details), by the hit's identity.
    The same as `nexus alerts review`; a dismissed hit is not raised again until its data changes."""
    store = open_store()
    alert = judge_hit(store, current_viewer(store, otherwise="screening"), query_key, entity_id, fingerprint, decision, reason)
    console.print(f"alert {alert['id']} {decision}: {entity_id} for query {query_key}")
