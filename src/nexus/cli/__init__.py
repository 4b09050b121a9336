"""The `nexus` command: one command group per domain, thin over the service layer."""

import sys

import typer
from rich.console import Console
from rich.markup import escape

from nexus.cli import (
    alerts, cases, data, demo, detect, ingest, links, model, resolve, rules, screen, security, serve, travel,
)
from nexus.errors import NexusError, Unavailable

app = typer.Typer(
    name="nexus",
    help="Nexus: find and investigate links between terrorism and organized crime.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ingest.register(app)
data.register(app)
demo.register(app)
security.register(app)
screen.register(app)
alerts.register(app)
links.register(app)
detect.register(app)
resolve.register(app)
serve.register(app)
travel.register(app)
rules.register(app)
model.register(app)
cases.register(app)

err = Console(stderr=True)


def main() -> None:
    """Run the command; a refusal the user can act on is one line on stderr and a non-zero exit."""
    try:
        app()
    except Unavailable as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(3)
    except (NexusError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
