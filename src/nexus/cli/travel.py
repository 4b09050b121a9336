"""`nexus travel rules|unmask` and `nexus retention run|report`: the PIU's targeting rules under
maker–checker, unmasking depersonalised PNR data with a second person's approval, and retention."""

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer
from nexus.service.retention import retention_reports, run_retention
from nexus.service.targeting import decide_rule, lint_rule, list_rules, propose_rule, retire_rule
from nexus.service.unmasking import decide_unmask, list_unmask_requests, request_unmask, unmasked
from nexus.service.workspace import open_store

console = Console()
travel_app = typer.Typer(help="Passenger data: targeting rules and unmasking.", no_args_is_help=True)
rules_app = typer.Typer(help="Targeting rules (pre-determined criteria): lint, propose, approve, retire.",
                        no_args_is_help=True)
unmask_app = typer.Typer(help="Unmask depersonalised PNR data: request, decide (a second person), show.",
                         no_args_is_help=True)
retention_app = typer.Typer(help="Retention: mask and delete what is due; what went, for oversight.",
                            no_args_is_help=True)
REASON = typer.Option(..., "--reason", help="why (recorded with the decision and in the audit trail)")


def register(app: typer.Typer) -> None:
    travel_app.add_typer(rules_app, name="rules")
    travel_app.add_typer(unmask_app, name="unmask")
    app.add_typer(travel_app, name="travel")
    app.add_typer(retention_app, name="retention")


@rules_app.command("lint")
def lint_command(file: Path = typer.Argument(..., help="the rule, as YAML")) -> None:
    """Check a rule without storing it: features it may use, no sensitive data or proxies."""
    problems = lint_rule(file.read_text())
    for problem in problems:
        console.print(f"[red]✘[/red] {problem}", highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print("[green]✔[/green] the rule may be proposed")


@rules_app.command("propose")
def propose_command(file: Path = typer.Argument(..., help="the rule, as YAML")) -> None:
    """Store a new version of the rule, awaiting a second person's approval."""
    store = open_store()
    row = propose_rule(store, current_viewer(store, otherwise="targeting rules"), file.read_text())
    console.print(f"{row['name']} version {row['version']} proposed; it runs once someone else approves it "
                  f"(nexus travel rules approve {row['name']} {row['version']} --reason …)")


@rules_app.command("approve")
def approve_command(name: str, version: int, reason: str = REASON) -> None:
    """Approve a proposed version (not your own): it runs from now on, replacing the approved one."""
    store = open_store()
    decide_rule(store, current_viewer(store, otherwise="targeting rules"), name, version, True, reason)
    console.print(f"{name} version {version} approved; it runs on every message from now on")


@rules_app.command("reject")
def reject_command(name: str, version: int, reason: str = REASON) -> None:
    """Reject a proposed version."""
    store = open_store()
    decide_rule(store, current_viewer(store, otherwise="targeting rules"), name, version, False, reason)
    console.print(f"{name} version {version} rejected")


@rules_app.command("retire")
def retire_command(name: str, reason: str = REASON) -> None:
    """Stop a rule: nothing of that name runs until a new version is approved."""
    store = open_store()
    retire_rule(store, current_viewer(store, otherwise="targeting rules"), name, reason)
    console.print(f"{name} retired")


@rules_app.command("list")
def list_command() -> None:
    """Every version of every rule, with who proposed and who decided."""
    store = open_store()
    table = Table("rule", "version", "state", "author", "decided by", "reason")
    for row in list_rules(store, current_viewer(store, otherwise="targeting rules")):
        table.add_row(row["name"], str(row["version"]), row["state"], row["author"], row["decided_by"] or "",
                      Text(row["reason"] or ""))
    console.print(table)


@unmask_app.command("request")
def unmask_request_command(entity_id: str, reason: str = REASON) -> None:
    """Ask to see a person's masked PNR data; a supervisor or oversight officer decides."""
    store = open_store()
    request_id = request_unmask(store, current_viewer(store, purpose=reason), entity_id, reason)
    console.print(f"request {request_id} awaits a second person's decision (nexus travel unmask decide {request_id})")


@unmask_app.command("decide")
def unmask_decide_command(request_id: int, approve: bool = typer.Option(..., "--approve/--refuse"),
                          reason: str = REASON) -> None:
    """Approve or refuse an unmasking request (not your own)."""
    store = open_store()
    row = decide_unmask(store, current_viewer(store, otherwise="unmasking decision"), request_id, approve, reason)
    console.print(f"request {request_id} {row['state']}")


@unmask_app.command("list")
def unmask_list_command(state: str | None = typer.Option("pending", help="pending, approved, refused; '' for all")) -> None:
    """Unmasking requests (a decider sees all; others their own)."""
    store = open_store()
    table = Table("request", "entity", "by", "reason", "state", "decided by")
    for row in list_unmask_requests(store, current_viewer(store, otherwise="unmasking requests"), state or None):
        table.add_row(str(row["id"]), row["entity_id"], row["requested_by"], Text(row["reason"]), row["state"],
                      row["decided_by"] or "")
    console.print(table)


@unmask_app.command("show")
def unmask_show_command(entity_id: str, purpose: str = typer.Option(..., "--purpose")) -> None:
    """The masked values about a person, under your approved request."""
    store = open_store()
    found = unmasked(store, current_viewer(store, purpose, reading=True), entity_id)
    table = Table("property", "value", "source", "masked at")
    for row in found["statements"]:
        table.add_row(row["prop"], Text(row["value"]), row["source"], row["masked_at"])
    console.print(table)
    for alert in found["alerts"]:
        console.print(f"alert {alert['alert_id']} (masked {alert['masked_at']}): {alert['title']}", highlight=False)


@retention_app.command("run")
def retention_run_command(
    now: str | None = typer.Option(None, "--now", help="the date to run as of (ISO); default today"),
    jurisdiction: str | None = typer.Option(None, envvar="NEXUS_JURISDICTION", help="retention profile [eu]"),
) -> None:
    """Mask and delete what is due; safe to run any time (a scheduled job); reported to oversight."""
    store = open_store()
    report = run_retention(store, current_viewer(store, otherwise="retention"), now, jurisdiction)
    if not report:
        console.print("nothing due")
    columns = ("masked", "masked_alerts", "deleted", "deleted_masked", "deleted_alert_texts", "ledger_batches",
               "withheld_alerts")
    table = Table("source", "masked", "alerts redacted", "deleted", "deleted (masked)", "alert texts deleted",
                  "ledger batches", "alerts withheld")
    for source, counts in report.items():
        table.add_row(source, *(f"{counts.get(k, 0):,}" for k in columns))
    if report:
        console.print(table)


@retention_app.command("report")
def retention_report_command(limit: int = typer.Option(20), as_json: bool = typer.Option(False, "--json")) -> None:
    """What the latest retention runs masked and deleted (oversight)."""
    store = open_store()
    rows = retention_reports(store, current_viewer(store, otherwise="oversight"), limit)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for row in rows:
        console.print(f"run {row['id']} as of {row['as_of']} by {row['username']} ({row['jurisdiction']}): "
                      f"{json.dumps(row['report']) if row['report'] else 'nothing due'}", highlight=False)
