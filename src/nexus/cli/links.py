"""`nexus links build|paths|brokers|communities|neighbours|alerts|export`: the link graph and the nexus questions over it."""

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nexus.cli.context import current_viewer, write_output
from nexus.config import load_settings
from nexus.service.links import (
    CRIME_SIDE, TERROR_SIDE, Side, build_links, neighbours, nexus_brokers, nexus_communities, nexus_paths,
)
from nexus.service.links_export import FORMATS, export_graph
from nexus.service.nexus_alerts import raise_nexus_alerts
from nexus.service.workspace import open_store

console = Console()
links_app = typer.Typer(help="Link analysis: paths, brokers and neighbourhoods between terrorism and organised crime.",
                        no_args_is_help=True)
PURPOSE = typer.Option("", "--purpose", help="why you are looking (recorded in the audit trail)")
FROM_TOPIC = typer.Option([], "--from-topic", help="a topic of the one side (a prefix matches its children); repeatable")
TO_TOPIC = typer.Option([], "--to-topic", help="a topic of the other side; repeatable")
FROM_ENTITY = typer.Option([], "--from-entity", help="an entity id of the one side; repeatable")
TO_ENTITY = typer.Option([], "--to-entity", help="an entity id of the other side; repeatable")
MAX_HOPS = typer.Option(4, "--max-hops", help="at most this many hops (1-4); two entities sharing an identifier are one hop apart")
AS_JSON = typer.Option(False, "--json", help="print JSON")


def register(app: typer.Typer) -> None:
    app.add_typer(links_app, name="links")


def _ask(question, purpose: str, from_topic, to_topic, from_entity, to_entity, *args) -> list[dict]:
    """Ask a nexus question between the sides given; a side given neither topics nor ids is the nexus default
    (terror, or organised crime)."""
    source = Side(tuple(from_topic), tuple(from_entity))
    target = Side(tuple(to_topic), tuple(to_entity))
    store = open_store()
    return question(store, current_viewer(store, purpose, reading=True), load_settings().home, TERROR_SIDE if source.empty else source,
                    CRIME_SIDE if target.empty else target, *args)


@links_app.command("build")
def build_command(rebuild: bool = typer.Option(False, "--rebuild", help="build even if a current graph is kept"),
                  purpose: str = PURPOSE) -> None:
    """Build your link graph (queries build it themselves when it is missing or stale)."""
    store = open_store()
    size = build_links(store, current_viewer(store, purpose, reading=True), load_settings().home, rebuild)
    state = "kept, current" if size["kept"] else "built"
    console.print(f"link graph {state}: {size['nodes']:,} entities, {size['edges']:,} edges (what you may see)")


@links_app.command("paths")
def paths_command(
    from_topic: list[str] = FROM_TOPIC, to_topic: list[str] = TO_TOPIC,
    from_entity: list[str] = FROM_ENTITY, to_entity: list[str] = TO_ENTITY,
    max_hops: int = MAX_HOPS, limit: int = typer.Option(10, "--limit", help="the k best paths"),
    as_json: bool = AS_JSON, purpose: str = PURPOSE,
) -> None:
    """The best paths between two sides (default: crime.terror to the organised-crime topics), best first."""
    paths = _ask(nexus_paths, purpose, from_topic, to_topic, from_entity, to_entity, max_hops, limit)
    if as_json:
        print(json.dumps(paths, ensure_ascii=False, indent=1))
        return
    table = Table("score", "hops", "path")
    for path in paths:
        table.add_row(f"{path['score']:.3f}", str(path["hops"]), Text(path["words"]))
    console.print(table if paths else "no path between the two sides in what you may see")


@links_app.command("brokers")
def brokers_command(
    from_topic: list[str] = FROM_TOPIC, to_topic: list[str] = TO_TOPIC,
    from_entity: list[str] = FROM_ENTITY, to_entity: list[str] = TO_ENTITY,
    max_hops: int = MAX_HOPS, limit: int = typer.Option(20, "--limit"), as_json: bool = AS_JSON,
    purpose: str = PURPOSE,
) -> None:
    """Entities that bridge the two sides, ranked by the best paths through them, with their brokerage roles."""
    brokers = _ask(nexus_brokers, purpose, from_topic, to_topic, from_entity, to_entity, max_hops, limit)
    if as_json:
        print(json.dumps(brokers, ensure_ascii=False, indent=1))
        return
    table = Table("entity", "name", "brokerage", "paths", "roles", "best path through it")
    for b in brokers:
        roles = ", ".join(f"{role} {n}" for role, n in b["roles"].items())
        best = b["best_paths"][0]["words"] if b["best_paths"] else ""
        table.add_row(b["id"], Text((b["node"] or {}).get("name") or ""), f"{b['brokerage']:.3f}", str(b["paths"]), roles,
                      Text(best))
    console.print(table if brokers else "no broker between the two sides in what you may see")


@links_app.command("neighbours")
def neighbours_command(
    entity_id: str = typer.Argument(..., help="an entity id (as in `nexus export ftm`) or canonical id"),
    per_type: int = typer.Option(25, "--per-type", help="at most this many ties of each type (hubs say how many more)"),
    link_type: list[str] = typer.Option([], "--type", help="only ties of this type; repeatable"),
    since: str = typer.Option("", "--since", help="only ties with evidence on or after this date (undated ties, a "
                              "shared phone, always; a pair's payments whole, their count and total over all time)"),
    until: str = typer.Option("", "--until", help="only ties with evidence on or before this date (as --since)"),
    source: str = typer.Option("", "--source", help="only ties with evidence from this source"),
    max_classification: str = typer.Option("", "--max-classification",
                                           help="only ties whose evidence is classified at most this (e.g. RESTRICTED)"),
    as_json: bool = AS_JSON, purpose: str = PURPOSE,
) -> None:
    """An entity's ties in your link graph, strongest first; or, for a shared identifier as paths name it
    (phone:…, address:…), who shares it."""
    store = open_store()
    found = neighbours(store, current_viewer(store, purpose, reading=True), load_settings().home, entity_id, per_type,
                       tuple(link_type), since, until, source, max_classification)
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    table = Table("neighbour", "name", "type", "weight", "via", "sources", "more of type")
    for t in found["ties"]:
        table.add_row(t["neighbour"], Text((t["node"] or {}).get("name") or ""), t["link_type"], f"{t['weight']:.2f}",
                      Text(t["via"] or t["currency"] or ""), ", ".join(t["sources"]), str(t["more_of_type"] or ""))
    console.print(table)
    for hub in found["crowded"]:
        console.print(Text(f"also shares {hub['hub']} with {hub['shared_by'] - 1:,} others: too many to bind anyone"))


@links_app.command("communities")
def communities_command(
    from_topic: list[str] = FROM_TOPIC, to_topic: list[str] = TO_TOPIC,
    from_entity: list[str] = FROM_ENTITY, to_entity: list[str] = TO_ENTITY,
    every: bool = typer.Option(False, "--all", help="every community, not only those holding both sides"),
    limit: int = typer.Option(20, "--limit"), as_json: bool = AS_JSON, purpose: str = PURPOSE,
) -> None:
    """Communities of your link graph (Leiden), those holding both sides of the question first."""
    found = _ask(nexus_communities, purpose, from_topic, to_topic, from_entity, to_entity, not every, limit)
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    table = Table("community", "size", "ties", "from side", "to side", "most connected")
    for c in found:
        names = [(c["nodes"].get(n) or {}).get("name") or n for n in c["members"][:5]]
        table.add_row(str(c["id"]), str(c["size"]), str(c["ties"]), str(len(c["from_side"])), str(len(c["to_side"])),
                      Text(", ".join(names)))
    console.print(table if found else "no community holds both sides in what you may see")


@links_app.command("alerts")
def alerts_command(
    from_topic: list[str] = FROM_TOPIC, to_topic: list[str] = TO_TOPIC,
    from_entity: list[str] = FROM_ENTITY, to_entity: list[str] = TO_ENTITY,
    max_hops: int = MAX_HOPS, limit: int = typer.Option(25, "--limit", help="raise the strongest this many bridges"),
    as_json: bool = AS_JSON, purpose: str = PURPOSE,
) -> None:
    """Raise the strongest bridges between the two sides as nexus alerts (new ones and those that new
    evidence strengthened are open for review; review them with `nexus alerts review`)."""
    found = _ask(raise_nexus_alerts, purpose, from_topic, to_topic, from_entity, to_entity, max_hops, limit)
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    table = Table("alert", "state", "new", "score", "paths", "bridge")
    for a in found:
        table.add_row(str(a["alert_id"]), a["state"], "new" if a["new"] else "", f"{a['score']:.3f}", str(a["paths"]),
                      Text(a["words"]))
    console.print(table if found else "no bridge between the two sides in what you may see")


@links_app.command("export")
def export_command(
    fmt: str = typer.Option(..., "--format", help=f"one of {', '.join(FORMATS)}"),
    output: Path = typer.Option(..., "--output", "-o", help="the file to write ('-' for standard output)"),
    entity: list[str] = typer.Option([], "--entity", help="only the ties of this entity; repeatable"),
    purpose: str = PURPOSE,
) -> None:
    """Export your link graph (what you may export: ORCON withheld) for Gephi, Aleph, a spreadsheet or i2."""
    store = open_store()
    viewer = current_viewer(store, purpose, reading=True)
    home = load_settings().home
    size = write_output(output, lambda out: export_graph(store, viewer, home, fmt, out, tuple(entity)))
    print(f"exported {size['nodes']:,} entities and {size['edges']:,} edges as {fmt}", file=sys.stderr)
