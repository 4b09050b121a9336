"""The `nexus` command: one command group per domain, thin over the service layer."""

import os
import sys
from enum import Enum

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from nexus.cli import (
    agencies, alerts, cases, data, demo, detect, ingest, links, model, resolve, rules, screen, security, serve, travel,
)
from nexus.cli.context import ACTING
from nexus.errors import Forbidden, NexusError, NotFound, Unavailable
from nexus.service.identity import audit_clock, audit_refusal, refused_since
from nexus.service.workspace import PRIVATE_UMASK

_SECRET_WORDS = ("password", "passwd", "secret", "token", "code", "otp")


class AuditedCommands(TyperGroup):
    """Every command, whose refusal for want of permission (Forbidden) or of anything the user may see (NotFound) is
    recorded in the audit trail as the API records its refusals (`api.request`): as `cli.command`, with the user
    the command acted as, their purpose, the command, its arguments (secrets left out) and the reason, unless the
    service recorded a refusal of its own meanwhile."""

    def invoke(self, ctx: typer.Context):
        started, acting = audit_clock(), ACTING.set(None)
        try:
            return super().invoke(ctx)
        except (Forbidden, NotFound) as exc:
            _record_refusal(exc, started)
            raise
        finally:
            ACTING.reset(acting)


def _record_refusal(exc: Forbidden | NotFound, started: str) -> None:
    resolved = ACTING.get()
    if resolved is None or exc.audited:
        return  # refused before anyone was known to act (nothing to record them as), or recorded already
    store, viewer, leaf = resolved
    try:
        if refused_since(store, viewer, started):
            return  # the service recorded its refusal
        command, params = _command_of(leaf)
        audit_refusal(store, viewer, "cli.command", {"command": command, "params": params, "reason": str(exc)},
                      "denied" if isinstance(exc, Forbidden) else "not found")
    except Exception as failure:  # noqa: BLE001 - the refusal stands, and is what the user is told
        Console(stderr=True).print(f"warning: this refusal could not be recorded in the audit trail: {failure}",
                                   highlight=False, markup=False, soft_wrap=True)


def _command_of(leaf: typer.Context | None) -> tuple[str, dict]:
    """The command as typed below `nexus` (travel unmask decide) and its arguments, without secrets."""
    names, ctx = [], leaf
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    params = {name: _plain(value) for name, value in (leaf.params.items() if leaf else ())
              if not any(word in name.lower() for word in _SECRET_WORDS)}
    return " ".join(reversed(names)), params


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    return str(value)  # a path, a date


app = typer.Typer(
    cls=AuditedCommands,
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
agencies.register(app)

err = Console(stderr=True)


def main() -> None:
    """Run the command; a refusal the user can act on is one line on stderr and a non-zero exit. What it writes
    is its user's alone (folders 0700, files 0600: `workspace.PRIVATE_UMASK`)."""
    os.umask(PRIVATE_UMASK)
    try:
        app()
    except Unavailable as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(3)
    except (NexusError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
