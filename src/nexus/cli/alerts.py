"""`nexus alerts list|show|review|goaml|export`: the review queue every stage raises alerts into."""

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer, print_json_lines, write_output
from nexus.config import load_settings
from nexus.model.alerts import STATES
from nexus.service.alert_export import FORMATS, export_alert
from nexus.service.alerts import DECISIONS, get_alert, list_alerts, review_alert
from nexus.service.detect import goaml_report
from nexus.service.workspace import open_store

console = Console()
alerts_app = typer.Typer(help="Alerts raised for review (screening hits, nexus bridges, typologies).",
                         no_args_is_help=True)
PURPOSE = typer.Option("", "--purpose", help="why you are looking (recorded in the audit trail)")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")


def alerts_table(rows: list[dict]) -> Table:
    table = Table("alert", "kind", "state", "score", "title")
    for a in rows:
        table.add_row(str(a["id"]), a["kind"], a["state"], "" if a["score"] is None else f"{a['score']:.2f}", Text(a["title"]))
    return table


@alerts_app.command("list")
def list_command(
    kind: str | None = typer.Option(None, help="e.g. screening"),
    state: str | None = typer.Option(None, help=f"one of {', '.join(STATES)}"),
    min_score: float | None = typer.Option(None, "--min-score"),
    entity: str | None = typer.Option(None, "--entity", help="alerts citing this entity id"),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
    purpose: str = PURPOSE,
) -> None:
    """Alerts you may see (all of their evidence), best score first."""
    store = open_store()
    rows = list_alerts(store, current_viewer(store, purpose, reading=True), kind, state, min_score, entity, limit)
    if as_json:
        print_json_lines(rows)
        return
    console.print(alerts_table(rows))
    console.print(f"{len(rows)} alert(s)")


@alerts_app.command("show")
def show_command(
    alert_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    purpose: str = PURPOSE,
) -> None:
    """One alert: what it says, the evidence it cites, who decided what, when and why."""
    store = open_store()
    alert = get_alert(store, current_viewer(store, purpose, reading=True), alert_id)
    if as_json:
        print(json.dumps(alert))
        return
    labels = alert["labels"]
    caveats = ", ".join(x for x in (labels["compartments"], "ORCON" if labels["orcon"] else "", labels["warrants"]) if x)
    score = "" if alert["score"] is None else f", score {alert['score']:.2f}"
    console.print(Text(f"alert {alert['id']} ({alert['kind']}{score}): {alert['title']}", style="bold"))
    console.print(f"state: {alert['state']}; raised {alert['first_raised'][:16]}, last {alert['last_raised'][:16]} "
                  f"by {alert['raised_by']}; {labels['classification']}, releasable to {labels['releasable_to']}"
                  + (f"; {caveats}" if caveats else ""), highlight=False, markup=False)
    for reason in alert["explanation"].get("reasons", []):
        console.print(f"  - {reason}", highlight=False, markup=False)
    evidence = Table("cites", "id", "entity", "agency", "class.")
    for e in alert["evidence"]:
        evidence.add_row(e["ref_kind"], e["ref_id"], e["entity_id"] or "", e["agency"], str(e["classification"]))
    console.print(evidence)
    for h in alert["history"]:
        console.print(f"{h['at'][:16]} {h['username']} ({h['agency']}): {h['previous_state']} → {h['state']}"
                      + (f": {h['reason']}" if h["reason"] else ""), highlight=False, markup=False)


@alerts_app.command("review")
def review_command(
    alert_id: int = typer.Argument(...),
    decision: str = typer.Option(..., help=f"one of {', '.join(DECISIONS)}"),
    reason: str | None = typer.Option(None, help="why (required: recorded with the decision)"),
    expect: str | None = typer.Option(None, "--expect", help="refuse if the alert is no longer in this state"),
) -> None:
    """Decide on an alert; a confirmed or dismissed alert stays so when re-raised, until its data changes."""
    store = open_store()
    review_alert(store, current_viewer(store, otherwise="alert review"), alert_id, decision, reason, expect)
    console.print(f"alert {alert_id}: {decision}")


@alerts_app.command("goaml")
def goaml_command(
    alert_id: int = typer.Argument(..., help="a typology alert"),
    rentity_id: str = typer.Option(..., "--rentity-id", help="your reporting-entity id with the receiving FIU"),
    output: Path = typer.Option(..., "--output", "-o", help="the goAML XML file to write ('-' for standard output)"),
    profile: Path | None = typer.Option(None, "--profile", help="the FIU's code mappings (YAML; default goAML 5.0.2's)"),
    purpose: str = typer.Option("", "--purpose", help="why you are releasing it (recorded in the audit trail)"),
) -> None:
    """Write the transactions a typology alert cites as a goAML report, for dissemination to an FIU."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    report = goaml_report(store, viewer, load_settings().home, alert_id, rentity_id, profile)
    write_output(output, lambda out: out.write(report))


@alerts_app.command("export")
def export_command(
    alert_id: int = typer.Argument(..., help="an alert citing transactions (typology, rule, model, nexus)"),
    fmt: str = typer.Option("ftm", "--format", help=f"one of {', '.join(FORMATS)}"),
    output: Path = typer.Option(Path("-"), "--output", "-o",
                                help="the file to write ('-', the default: standard output)"),
    purpose: str = PURPOSE,
) -> None:
    """Write the transactions an alert cites as FtM JSON lines: each a Payment between its accounts (payer and
    beneficiary their holders where known), then the BankAccounts."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    written = write_output(output, lambda out: export_alert(store, viewer, load_settings().home, alert_id, out, fmt))
    if str(output) != "-":
        console.print(f"alert {alert_id}: {written['payments']} payment(s), {written['accounts']} account(s) "
                      f"({written['classification']}) written to {output}", highlight=False, markup=False)
