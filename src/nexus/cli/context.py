"""What every command needs besides the store (`nexus.service.workspace.open_store`): the viewer acting.

The acting user is, in order: the owner of the API token in NEXUS_TOKEN (a program),
the user of the login session in NEXUS_HOME (`nexus login`), or — in laptop mode —
the workspace's local owner. NEXUS_REQUIRE_LOGIN=1 turns laptop mode off.
"""

import json
import os
import sys
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import IO, TypeVar

import typer

from typer._click.globals import get_current_context  # the click Typer runs commands with: its own copy (pinned)

from nexus.config import load_settings
from nexus.errors import InvalidInput
from nexus.service.identity import LOCAL_USER, Viewer, acting_viewer
from nexus.service.workspace import Store

# Who the running command acts as, once resolved, its store and its own context (its name and arguments): the CLI
# records a refusal with them (`nexus.cli`).
ACTING: ContextVar[tuple[Store, Viewer, typer.Context | None] | None] = ContextVar("acting", default=None)


def current_viewer(store: Store, purpose: str = "", reading: bool = False, otherwise: str = "") -> Viewer:
    """Who runs the command, working for `purpose` (`--purpose`), else for NEXUS_PURPOSE (a shell's standing duty),
    else for what the command is (`otherwise`: "screening", "ingest"). A command `reading` intelligence needs a purpose
    stated by anyone but a laptop's own workspace owner (a program's token or a person's login, as the API refuses a
    token's request without one): the command's own name is not one."""
    stated = (purpose or os.environ.get("NEXUS_PURPOSE", "")).strip()
    viewer = acting_viewer(
        store, load_settings().home, stated or otherwise, token=os.environ.get("NEXUS_TOKEN"),
        require_login=os.environ.get("NEXUS_REQUIRE_LOGIN", "") not in ("", "0"),
        local_agency=os.environ.get("NEXUS_AGENCY", "LOCAL"),
    )
    ACTING.set((store, viewer, get_current_context(silent=True)))
    if reading and not stated and viewer.user != LOCAL_USER:
        raise InvalidInput("state why you are looking (--purpose \"case 42\", or NEXUS_PURPOSE for a shell's work): it "
                           "is recorded with everything this command reads", field="purpose")
    return viewer


Written = TypeVar("Written")


def write_output(output: Path, write: Callable[[IO[bytes]], Written]) -> Written:
    """Run ``write`` on standard output ('-') or on a scratch file renamed onto ``output`` once whole,
    so a failed export leaves no half-written file."""
    if str(output) == "-":
        return write(sys.stdout.buffer)
    if not output.parent.is_dir():
        raise InvalidInput(f"{output}: the folder {output.parent} does not exist")
    scratch = output.with_name(f".{output.name}.partial")
    try:
        with scratch.open("wb") as fh:
            result = write(fh)
        scratch.replace(output)
    finally:
        scratch.unlink(missing_ok=True)
    return result


def print_json_lines(rows: list[dict]) -> None:
    """One JSON object per line on standard output, for scripts."""
    for row in rows:
        print(json.dumps(row))
