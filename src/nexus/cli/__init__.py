"""The `nexus` command: one command group per domain, thin over the service layer."""

import sys

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError

from nexus.cli import data, demo, ingest, resolve, screen, security, serve
from nexus.ingest import IngestFailed
from nexus.security.policy import AccessDenied
from nexus.sources import SourceError

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
resolve.register(app)
serve.register(app)

err = Console(stderr=True)


def main() -> None:
    try:
        app()
    except (SourceError, AccessDenied, IngestFailed, ValueError, KeyError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        err.print(f"[red]error:[/red] {message}", highlight=False)
        sys.exit(1)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        err.print(f"[red]error:[/red] the database is unavailable ({reason}); retry when it is back",
                  highlight=False, soft_wrap=True)
        sys.exit(3)
