"""`nexus model train|show`: the FIU's learned layer over the typologies, trained time-causally on labelled transactions."""

import json
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from nexus.cli.context import current_viewer
from nexus.config import load_settings
from nexus.service.detect import show_model, train_model
from nexus.service.workspace import open_store

console = Console()
model_app = typer.Typer(help="The learned layer: a gradient-boosted model of laundering per transaction, which "
                             "`nexus detect` scores with once it is trained.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")


@model_app.command("train")
def train_command(
    train_until: str = typer.Option("", "--train-until", help="last day trained on (ISO date; default: 60 % of the "
                                                               "ledger's days)"),
    validate_until: str = typer.Option("", "--validate-until", help="last day the threshold is chosen on; later days "
                                                                     "test (default: the next 20 %)"),
    as_json: bool = typer.Option(False, "--json"),
    purpose: str = typer.Option("training the learned layer", "--purpose"),
) -> None:
    """Train on the transactions you may see that the feeds label (AMLworld's Is Laundering), choose the threshold
    on the validation days, and report F1 on the later test days beside the rules-only baseline."""
    try:
        until = date.fromisoformat(train_until) if train_until else None
        validate = date.fromisoformat(validate_until) if validate_until else None
    except ValueError as exc:
        raise typer.BadParameter(f"dates are ISO dates (2024-03-01): {exc}") from None
    store = open_store()
    with console.status("computing the transactions' features and training the model"):
        report = train_model(store, current_viewer(store, purpose, reading=True), load_settings().home, until, validate)
    _print(report, as_json)


@model_app.command("show")
def show_command(as_json: bool = typer.Option(False, "--json"),
                 purpose: str = typer.Option("", "--purpose")) -> None:
    """The model trained on what you see: its days, threshold, figures and the features that weigh most."""
    store = open_store()
    report = show_model(store, current_viewer(store, purpose, reading=True), load_settings().home)
    if report is None:
        console.print("no model is trained on what you see: nexus model train")
        raise typer.Exit(1)
    _print(report, as_json)


def _print(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
        return
    table = Table("days", "transactions", "laundering", "model F1", "precision", "recall", "rules-only F1",
                  "precision", "recall")
    spans = {"train": f"… to {report['train_until']}",
             "validate": f"to {report['validate_until']}", "test": f"after {report['validate_until']}"}
    for part in ("train", "validate", "test"):
        model, rules = report[part]["model"], report[part]["rules"]
        table.add_row(f"{part} ({spans[part]})", f"{report['rows'][part]:,}", f"{model['positives']:,}",
                      f"{model['f1']:.3f}", f"{model['precision']:.3f}", f"{model['recall']:.3f}", f"{rules['f1']:.3f}",
                      f"{rules['precision']:.3f}", f"{rules['recall']:.3f}")
    console.print(table)
    console.print(f"threshold {report['threshold']:.3f} (best F1 on the validation days); weighs most: "
                  + ", ".join(f"{name} {share:.0%}" for name, share in report["importance"][:5]))
