"""`nexus rules list|test`: the FIU's red-flag rules, and what one would have raised over a period."""

import json
from datetime import date

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer
from nexus.config import load_settings
from nexus.service.detect import backtest_rule, list_red_flag_rules
from nexus.service.workspace import open_store

console = Console()
rules_app = typer.Typer(help="Red-flag rules for terrorist financing and trafficking proceeds (`nexus detect` runs "
                             "them; your own go in NEXUS_HOME/rules/*.yml).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


@rules_app.command("list")
def list_command() -> None:
    """The rules `nexus detect` runs: the built-in ones and the workspace's."""
    table = Table("rule", "window", "conditions", "description")
    store = open_store()
    for key, rule in list_red_flag_rules(store, current_viewer(store, otherwise="red-flag rules"), load_settings().home):
        conditions = "; ".join(f"{c.feature} {c.op} {', '.join(map(str, c.values))}" for c in rule.conditions)
        table.add_row(key, f"{rule.window_days} days", conditions, Text(rule.description))
    console.print(table)


@rules_app.command("test")
def test_command(
    rule: str = typer.Argument(..., help="a rule's name as `nexus rules list` shows it, or a rule file (YAML)"),
    start: str = typer.Option(..., "--from", help="first day (ISO date)"),
    end: str = typer.Option(..., "--to", help="last day (ISO date), included"),
    as_json: bool = typer.Option(False, "--json"),
    purpose: str = typer.Option("back-testing a red-flag rule", "--purpose"),
) -> None:
    """Back-test a rule over a period: which accounts it would have flagged, with what; raises nothing."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise typer.BadParameter(f"dates are ISO dates (2024-03-01): {exc}") from None
    store = open_store()
    hits = backtest_rule(store, current_viewer(store, purpose, reading=True), load_settings().home, rule, first, last)
    if as_json:
        print(json.dumps(hits))
        return
    table = Table("account", "currency", "window", "transactions", "why")
    for hit in hits:
        table.add_row(hit["account"], hit["currency"], f"{hit['window_start'][:10]} – {hit['last_day']}",
                      str(hit["transactions"]), Text(hit["explanation"]))
    console.print(table if hits else "the rule would have raised nothing in that period")
    console.print(f"{len(hits):,} hit(s) from {first} to {last}")
