"""`nexus cases`: open and work cases across agencies, attach evidence under chain of custody, disseminate them."""

import json
import mimetypes
import shutil
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer, print_json_lines, write_output
from nexus.service.cases import (
    STATES, add_agency, add_case_entity, add_evidence, add_note, add_task, custody_log, disseminate, get_case,
    lift_evidence_orcon, list_cases, open_case, open_evidence, remove_agency, set_case_state, set_task_done,
)
from nexus.service.workspace import open_store

console = Console()
cases_app = typer.Typer(help="Cases: joint investigations, their evidence and dissemination packages.",
                        no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence files of a case, kept by their SHA-256 under chain of custody.",
                           no_args_is_help=True)
cases_app.add_typer(evidence_app, name="evidence")
PURPOSE = typer.Option("", "--purpose", help="why (recorded in the audit trail and the chain of custody)")
AS_JSON = typer.Option(False, "--json", help="print JSON")


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")


def say(text: str) -> None:
    console.print(text, highlight=False, markup=False)


@cases_app.command("open")
def open_command(
    title: str = typer.Argument(...),
    summary: str = typer.Option("", "--summary"),
    agency: list[str] = typer.Option([], "--agency", help="an agency of the joint investigation team (repeat)"),
    alert: int | None = typer.Option(None, "--alert", help="open it from this alert: the entities it cites join"),
    entity: list[str] = typer.Option([], "--entity", help="an entity id to add (repeat)"),
    as_json: bool = AS_JSON,
    purpose: str = PURPOSE,
) -> None:
    """Open a case of your agency."""
    store = open_store()
    case = open_case(store, current_viewer(store, purpose, reading=True), title, summary, agency, alert, entity)
    if as_json:
        print(json.dumps(case))
        return
    say(f"case {case['id']} opened: {case['title']} (team {', '.join(case['agencies'])}; "
        f"{len(case['entities'])} entities)")


@cases_app.command("list")
def list_command(
    state: str | None = typer.Option(None, help=f"one of {', '.join(STATES)}"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
    purpose: str = PURPOSE,
) -> None:
    """The cases your agency is on, latest activity first."""
    store = open_store()
    rows = list_cases(store, current_viewer(store, purpose, reading=True), state, limit, offset)
    if as_json:
        print_json_lines(rows)
        return
    table = Table("case", "state", "owner", "team", "entities", "evidence", "open tasks", "title")
    for c in rows:
        counts = c["counts"]
        table.add_row(str(c["id"]), c["state"], c["owner_agency"], ", ".join(c["agencies"]), str(counts["entities"]),
                      str(counts["evidence"]), str(counts["open_tasks"]), Text(c["title"]))
    console.print(table)
    console.print(f"{len(rows)} case(s)")


@cases_app.command("show")
def show_command(case_id: int = typer.Argument(...), as_json: bool = AS_JSON, purpose: str = PURPOSE) -> None:
    """One case: its team, entities, notes, tasks, evidence and disseminations (what you may see of them)."""
    store = open_store()
    case = get_case(store, current_viewer(store, purpose, reading=True), case_id)
    if as_json:
        print(json.dumps(case))
        return
    console.print(Text(f"case {case['id']}: {case['title']} ({case['state']})", style="bold"))
    say(f"owner {case['owner_agency']}; team {', '.join(case['agencies'])}; opened by {case['created_by']} "
        f"{case['created_at'][:16]}" + (f" from alert {case['alert_id']}" if case["alert_id"] else ""))
    if case["summary"]:
        say(case["summary"])
    entities = Table("entity", "type", "name")
    for e in case["entities"]:
        entities.add_row(e["id"], e["schema"], Text(e["caption"]))
    console.print(entities)
    for n in case["notes"]:
        say(f"note {n['id']} {n['at'][:16]} {n['author']} ({n['agency']}): {n['text']}")
    for t in case["tasks"]:
        say(f"task {t['id']} [{'x' if t['done'] else ' '}] {t['title']}"
            + (f" → {t['assignee']}" if t["assignee"] else "") + (f", due {t['due']}" if t["due"] else ""))
    evidence = Table("evidence", "file", "bytes", "sha256", "labels")
    for e in case["evidence"]:
        labels = e["labels"]
        evidence.add_row(str(e["id"]), Text(e["filename"]), f"{e['size']:,}", e["sha256"],
                         f"{labels['classification']}, to {','.join(labels['releasable_to'])}"
                         + (", ORCON" if labels["orcon"] else ""))
    console.print(evidence)
    for d in case["disseminations"]:
        say(f"dissemination {d['id']} to {d['recipient']} {d['created_at'][:16]} by {d['created_by']}: "
            f"{d['filename']} sha256 {d['sha256']}")
    for d in case["withdrawn_disseminations"]:
        withdrawn = d["withdrawn"]
        say(f"dissemination {d['id']} to {d['recipient']} {d['created_at'][:16]} by {d['created_by']}: withdrawn "
            f"{withdrawn['at'][:16]} by {withdrawn['by']} ({withdrawn['why']})")


@cases_app.command("add-entity")
def add_entity_command(case_id: int = typer.Argument(...), entity_ids: list[str] = typer.Argument(...),
                       purpose: str = PURPOSE) -> None:
    """Add entities you may see (canonical or source ids)."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    for entity_id in entity_ids:
        entity = add_case_entity(store, viewer, case_id, entity_id)
        say(f"{entity['id']} ({entity['caption']}): {'added' if entity['added'] else 'already in the case'}")


@cases_app.command("note")
def note_command(case_id: int = typer.Argument(...), text: str = typer.Argument(...), purpose: str = PURPOSE) -> None:
    """Add a note."""
    store = open_store()
    note = add_note(store, current_viewer(store, purpose, reading=True), case_id, text)
    say(f"note {note['id']} added to case {case_id}")


@cases_app.command("task")
def task_command(
    case_id: int = typer.Argument(...),
    title: str | None = typer.Argument(None, help="a new task's title"),
    assignee: str | None = typer.Option(None, "--assignee", help="a user of an agency on the team"),
    due: str | None = typer.Option(None, "--due", help="YYYY-MM-DD"),
    done: int | None = typer.Option(None, "--done", help="mark this task done"),
    undone: int | None = typer.Option(None, "--undone", help="mark this task not done"),
    purpose: str = PURPOSE,
) -> None:
    """Add a task (TITLE), or mark one done (--done ID) or not done (--undone ID)."""
    if sum(x is not None for x in (title, done, undone)) != 1:
        raise typer.BadParameter("give a TITLE, --done TASK or --undone TASK")
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    if title is not None:
        task = add_task(store, viewer, case_id, title, assignee, due)
        say(f"task {task['id']} added to case {case_id}")
    else:
        task = set_task_done(store, viewer, case_id, done if done is not None else undone, done is not None)
        say(f"task {task['id']}: {'done' if task['done'] else 'not done'}")


@cases_app.command("agency")
def agency_command(
    case_id: int = typer.Argument(...),
    add: list[str] = typer.Option([], "--add", help="put an agency on the team (repeat)"),
    remove: list[str] = typer.Option([], "--remove", help="take an agency off the team (repeat)"),
    purpose: str = PURPOSE,
) -> None:
    """Change the joint investigation team (the case's opener or a supervisor of its agency)."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    result = None
    for agency in add:
        result = add_agency(store, viewer, case_id, agency)
    for agency in remove:
        result = remove_agency(store, viewer, case_id, agency)
    if result is None:
        raise typer.BadParameter("give --add AGENCY or --remove AGENCY")
    say(f"case {case_id} team: {', '.join(result['agencies'])}")


@cases_app.command("close")
def close_command(case_id: int = typer.Argument(...), purpose: str = PURPOSE) -> None:
    """Close a case: it takes nothing new until re-opened."""
    store = open_store()
    set_case_state(store, current_viewer(store, purpose, reading=True), case_id, "closed")
    say(f"case {case_id}: closed")


@cases_app.command("reopen")
def reopen_command(case_id: int = typer.Argument(...), purpose: str = PURPOSE) -> None:
    """Re-open a closed case."""
    store = open_store()
    set_case_state(store, current_viewer(store, purpose, reading=True), case_id, "open")
    say(f"case {case_id}: open")


@evidence_app.command("add")
def evidence_add_command(
    case_id: int = typer.Argument(...),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    description: str = typer.Option("", "--description"),
    media_type: str | None = typer.Option(None, "--media-type", help="default: guessed from the file name"),
    classification: str | None = typer.Option(None, "--classification", help="default RESTRICTED"),
    releasable_to: str | None = typer.Option(None, "--releasable-to",
                                             help="agencies, comma-separated ('*': any; default: the case's team)"),
    orcon: bool = typer.Option(False, "--orcon", help="only your agency may release it further"),
    purpose: str = PURPOSE,
) -> None:
    """Attach a file as evidence; its SHA-256 is its identity and its arrival the first custody event."""
    store = open_store()
    guessed = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    evidence = add_evidence(store, current_viewer(store, purpose, reading=True), case_id, path.name, path.read_bytes(), guessed,
                            description, classification, releasable_to, orcon)
    say(f"evidence {evidence['id']}: {evidence['filename']}, {evidence['size']:,} bytes, sha256 {evidence['sha256']}")


@evidence_app.command("get")
def evidence_get_command(
    case_id: int = typer.Argument(...),
    evidence_id: int = typer.Argument(...),
    output: Path = typer.Option(..., "--output", "-o", help="where to write it ('-' for standard output)"),
    purpose: str = PURPOSE,
) -> None:
    """Write an evidence file out, after checking it against its SHA-256 (a custody event)."""
    store = open_store()
    _, path = open_evidence(store, current_viewer(store, purpose, reading=True), case_id, evidence_id)
    with path.open("rb") as source:
        write_output(output, lambda out: shutil.copyfileobj(source, out))


@evidence_app.command("lift-orcon")
def evidence_lift_orcon_command(
    case_id: int = typer.Argument(...),
    evidence_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="why your agency releases it (kept in the audit trail)"),
    purpose: str = PURPOSE,
) -> None:
    """Lift the ORCON caveat from a file your agency added, so that a dissemination package may carry it."""
    store = open_store()
    lift_evidence_orcon(store, current_viewer(store, purpose, reading=True), case_id, evidence_id, reason)
    say(f"evidence {evidence_id} of case {case_id}: ORCON lifted")


@cases_app.command("custody")
def custody_command(case_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json", help="JSON lines"),
                    purpose: str = PURPOSE) -> None:
    """The chain of custody: who added, viewed, exported or disseminated which file, when and why."""
    store = open_store()
    rows = custody_log(store, current_viewer(store, purpose, reading=True), case_id)
    if as_json:
        print_json_lines(rows)
        return
    table = Table("at", "action", "who", "agency", "file", "sha256", "purpose", "detail")
    for r in rows:
        what = r["filename"] or (f"package {r['dissemination_id']}" if r["dissemination_id"] else "")
        table.add_row(r["at"][:19], r["action"], r["username"], r["agency"], Text(what), r["sha256"][:16] + "…",
                      Text(r["purpose"]), Text(r["detail"]))
    console.print(table)


@cases_app.command("disseminate")
def disseminate_command(
    case_id: int = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="the recipient agency"),
    output: Path | None = typer.Option(None, "--output", "-o", help="also copy the package here"),
    purpose: str = PURPOSE,
) -> None:
    """Build the case's dissemination package for an agency (refused when anything in it may not go there)."""
    store = open_store()
    package = disseminate(store, current_viewer(store, purpose, reading=True), case_id, to)
    if output is not None:
        with open(package["path"], "rb") as source:
            write_output(output, lambda out: shutil.copyfileobj(source, out))
    say(f"dissemination {package['id']} to {package['recipient']}: {package['filename']} "
        f"({package['size']:,} bytes, {package['classification']}), sha256 {package['sha256']}")
    say(f"kept at {package['path']}")
