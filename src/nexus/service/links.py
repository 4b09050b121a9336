"""Link analysis as service actions: the viewer's graph, built once per visibility and data version, and the
nexus questions over it (paths, brokers, neighbourhoods), each authorised and audited with its purpose.

A viewer's graph holds only what their statements and ledger rows show (`EngineSession.use_snapshot`,
`use_ledger`: the money between accounts), so
a path through evidence they may not see does not exist for them: not in paths, brokers,
counts or neighbourhoods. Graphs are kept under NEXUS_HOME/links, one per visibility key
(everything the policy decides on: agency, clearance, compartments, the warrants usable now)
and data version (`data_version`: ingests, registrations, resolutions, judgements, warrants),
and built again when either changes.
"""

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

import orjson
from followthemoney.types import registry
import pyarrow as pa
import pyarrow.parquet as pq

from nexus.config import load_settings
from nexus.engine import DuckDBEngine, EngineSession, Snapshot, open_engine, take_snapshot
from nexus.errors import InvalidInput, NotFound
from nexus.links.build import GRAPH_TABLES, build_graph, save_graph
from nexus.links.communities import find_communities, partition
from nexus.links.config import LINKS
from nexus.model.labels import Classification
from nexus.links.query import (
    CRIME_SIDE, TERROR_SIDE, Bridge, Edge, Side, canonical_id, find_bridges, find_brokers, find_crowded_hubs,
    find_hub_members, find_money_flows, find_neighbours, find_paths, node_details,
)
from nexus.security import audit
from nexus.security.policy import may, require, usable_warrants
from nexus.security.viewer import Viewer
from nexus.service.data_version import data_version
from nexus.store import Store
from nexus.store.ledger import ledger_files

TOPIC = re.compile(r"[a-z0-9]+(\.[a-z0-9]+)*")  # a topic is matched as written and as a prefix: no wildcards

CACHE = "links"
COMMUNITIES = "link_communities.parquet"
BUILDING = ".building-"  # a graph being built, renamed into place when done
#: The graph's tables as this code builds them: a graph kept by code that built other tables is not read.
GRAPH_FORMAT = "crowded12"


def visibility_key(store: Store, viewer: Viewer, action: str = "read") -> str:
    """Everything the statement policy decides on for this viewer and action (read; export, which ORCON limits), now."""
    with store.engine.connect() as conn:
        warrants = sorted(conn.execute(usable_warrants(viewer)).scalars())
    facts = [viewer.agency, int(viewer.clearance), sorted(viewer.compartments), may(viewer, action), warrants, action]
    return hashlib.sha256(orjson.dumps(facts)).hexdigest()[:20]


def graph_dir(store: Store, viewer: Viewer, home: Path, action: str = "read") -> tuple[Path, str]:
    """Where the viewer's graph is kept: by data version, the graph's format, visibility and the year (ties
    weaken with age)."""
    version = data_version(store)
    key = f"{version}-{GRAPH_FORMAT}-{visibility_key(store, viewer, action)}-{date.today().year}"
    return home / CACHE / key, version


def build_links(store: Store, viewer: Viewer, home: Path, rebuild: bool = False) -> dict:
    """Build the viewer's graph unless a current one is kept; returns its size, whether it was kept and the engine
    that built it (none when kept)."""
    require(viewer, "read")
    directory, version = graph_dir(store, viewer, home)
    kept = directory.is_dir() and not rebuild
    engine = None if kept else _build(store, viewer, home, directory, version, replace_kept=rebuild)
    with _open(directory) as session:
        size = session.run("links_size").to_pylist()[0]
    audit.log_event(store, viewer, "links.build",
                    {"purpose": viewer.purpose, "kept": kept, "engine": engine, **size}, [])
    return {**size, "kept": kept, "engine": engine}


def _build(store: Store, viewer: Viewer, home: Path, directory: Path, version: str, replace_kept: bool = False,
           action: str = "read") -> str:
    """Build the graph on the engine the settings name (NEXUS_ENGINE: questions read its files on DuckDB);
    returns that engine."""
    engine = load_settings().engine
    cache = home / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.iterdir():  # graphs of earlier data versions are stale for everyone (builds under way are not)
        if not old.name.startswith((version, BUILDING)):
            shutil.rmtree(old, ignore_errors=True)
    snapshot = current_snapshot(store, home, version)
    with store.engine.connect() as conn:
        ledger = ledger_files(conn, home)
    work = Path(tempfile.mkdtemp(prefix=BUILDING, dir=cache))
    try:
        with open_engine(engine) as session:
            session.use_snapshot(snapshot, viewer, action=action)
            if ledger:  # the FIU's money between accounts, as the viewer may see it
                session.use_ledger(ledger, snapshot.warrants, viewer, action=action)
            build_graph(session, LINKS, ledger=bool(ledger))
            save_graph(session, work)
        if replace_kept and directory.is_dir():  # moved aside, not deleted under a reader's feet
            directory.rename(Path(tempfile.mkdtemp(prefix=".replaced-", dir=cache)) / "graph")
        work.rename(directory)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)
        if not directory.is_dir():
            raise
        # else another process built the same graph meanwhile (renaming onto it fails): theirs is kept
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return engine


def current_snapshot(store: Store, home: Path, version: str | None = None) -> Snapshot:
    """Every statement at the data version, written once under NEXUS_HOME/links and read by every viewer's
    graph and by the FIU's red flags, each through the viewer's own view of it."""
    directory = home / CACHE / f"{version or data_version(store)}-snapshot"
    if not (directory / "statements.parquet").is_file():
        directory.parent.mkdir(parents=True, exist_ok=True)
        for stale in directory.parent.glob("*-snapshot"):
            if stale != directory:  # of earlier data versions: stale for everyone
                shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=BUILDING, dir=directory.parent))
        try:
            take_snapshot(store, work)
            work.rename(directory)
        except OSError:
            if not (directory / "statements.parquet").is_file():
                raise
            # else another process took the same snapshot meanwhile: theirs is kept
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return _snapshot(directory)


def _snapshot(directory: Path) -> Snapshot:
    return Snapshot(directory, "", pq.read_metadata(directory / "statements.parquet").num_rows)


@contextmanager
def _open(directory: Path) -> Iterator[EngineSession]:
    with DuckDBEngine() as session:
        for table in GRAPH_TABLES:
            session.register(table, directory / f"{table}.parquet")
        yield session


@contextmanager
def viewer_graph(store: Store, viewer: Viewer, home: Path, action: str = "read",
                 communities: bool = False) -> Iterator[EngineSession]:
    """An engine session over the viewer's current graph for ``action`` (built first if missing or
    stale), with `link_communities` when ``communities`` (partitioned once per graph)."""
    require(viewer, action)
    directory, version = graph_dir(store, viewer, home, action)
    if not directory.is_dir():
        _build(store, viewer, home, directory, version, action=action)
    with _open(directory) as session:
        if communities:
            session.register("link_communities", _partition(session, directory))
        yield session


def _partition(session: EngineSession, directory: Path) -> Path:
    """The graph's communities, kept beside it (written whole, then renamed into place)."""
    kept = directory / COMMUNITIES
    if not kept.is_file():
        fd, scratch = tempfile.mkstemp(prefix=BUILDING, suffix=".parquet", dir=directory)
        os.close(fd)
        try:
            pq.write_table(partition(session), scratch)
            os.replace(scratch, kept)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
    return kept


def _side(session: EngineSession, side: Side) -> Side:
    """A side with its entity ids as the viewer's canonical ids; an id the viewer cannot see is not found."""
    ids = []
    for entity_id in side.ids:
        found = canonical_id(session, entity_id)
        if found is None:
            raise NotFound(f"entity {entity_id!r} not found")
        ids.append(found)
    return replace(side, ids=tuple(ids))


def nexus_paths(store: Store, viewer: Viewer, home: Path, source: Side = TERROR_SIDE, target: Side = CRIME_SIDE,
                max_hops: int = 4, limit: int = 10) -> list[dict]:
    """The best paths between two sides, each with its entities, edges, evidence and a sentence."""
    _check(source, target, max_hops, limit)
    with viewer_graph(store, viewer, home) as session:
        paths = find_paths(session, _side(session, source), _side(session, target), max_hops, limit)
        nodes = node_details(session, [e for p in paths for e in p.entities])
    captions = {k: v["name"] or k for k, v in nodes.items()}
    result = [_path(p, captions, nodes) for p in paths]
    audit.log_event(store, viewer, "links.paths", {**_question(viewer, source, target), "max_hops": max_hops,
                                                   "limit": limit}, sorted({e for p in paths for e in p.entities}))
    return result


def nexus_brokers(store: Store, viewer: Viewer, home: Path, source: Side = TERROR_SIDE, target: Side = CRIME_SIDE,
                  max_hops: int = 4, limit: int = 20) -> list[dict]:
    """Entities bridging the two sides, with their brokerage roles and the best paths that make them brokers."""
    _check(source, target, max_hops, limit)
    with viewer_graph(store, viewer, home) as session:
        brokers = find_brokers(session, _side(session, source), _side(session, target), max_hops, limit)
        shown = sorted({e for b in brokers for e in (b.id, *(e for p in b.best for e in p.entities))})
        nodes = node_details(session, shown)
    captions = {k: v["name"] or k for k, v in nodes.items()}
    result = [{"id": b.id, "brokerage": round(b.brokerage, 6), "paths": b.paths, "roles": b.roles,
               "best_paths": [_path(p, captions, nodes) for p in b.best], "node": nodes.get(b.id)} for b in brokers]
    audit.log_event(store, viewer, "links.brokers", {**_question(viewer, source, target), "max_hops": max_hops,
                                                     "limit": limit}, shown)
    return result


def nexus_communities(store: Store, viewer: Viewer, home: Path, source: Side = TERROR_SIDE, target: Side = CRIME_SIDE,
                      both_sides: bool = True, limit: int = 20) -> list[dict]:
    """Communities of the viewer's graph, those holding both sides first (only those when ``both_sides``)."""
    _check(source, target, LINKS.max_hops, limit)
    with viewer_graph(store, viewer, home, communities=True) as session:
        found = find_communities(session, _side(session, source), _side(session, target), both_sides, limit)
        nodes = node_details(session, [n for c in found for n in (*c.from_side, *c.to_side, *c.members)])
    result = [{**asdict(c), "internal_weight": round(c.internal_weight, 6),
               "nodes": {n: nodes[n] for n in (*c.from_side, *c.to_side, *c.members) if n in nodes}} for c in found]
    audit.log_event(store, viewer, "links.communities", {**_question(viewer, source, target), "both_sides": both_sides,
                                                         "limit": limit},
                    sorted({n for c in found for n in (*c.from_side, *c.to_side, *c.members)}))
    return result


def bridges(store: Store, viewer: Viewer, home: Path, source: Side, target: Side, max_hops: int, limit: int) -> list[dict]:
    """The strongest bridges between two sides in the viewer's graph, each with its best path as data and in
    words (not audited here: the caller says why it asked)."""
    _check(source, target, max_hops, limit)
    with viewer_graph(store, viewer, home) as session:
        found = find_bridges(session, _side(session, source), _side(session, target), max_hops, limit)
        nodes = node_details(session, [e for b in found for p in (b.best, *b.others) for e in p.entities])
        ties = _entity_ties(session, {n for b in found for n in _entities_behind(b)})
    captions = {k: v["name"] or k for k, v in nodes.items()}
    return [{"source": b.source, "target": b.target, "score": b.score, "paths": b.paths,
             "path": _path(b.best, captions, nodes), "other_paths": [_path(p, captions, nodes) for p in b.others],
             **_rests_on(b, ties)}
            for b in found]


def _hub_ties(bridge: Bridge) -> list[Edge]:
    """The ties of the bridge's paths that go through a hub."""
    return [e for p in (bridge.best, *bridge.others) for e in (*p.edges, *p.others) if e.via]


def _inner(bridge: Bridge) -> list[list[str]]:
    """The inner entities of each of the bridge's paths, in order."""
    return [[e.target for e in p.edges[:-1]] for p in (bridge.best, *bridge.others)]


def _entities_behind(bridge: Bridge) -> set[str]:
    """The entities whose ties the bridge's score rests on: a member of each hub it goes through (whose ties
    through it reach every other) and the inner entities of its paths."""
    return {e.source for e in _hub_ties(bridge)} | {n for path in _inner(bridge) for n in path}


def _rests_on(bridge: Bridge, ties: dict[str, list[dict]]) -> dict:
    """What the bridge's score rests on beside its ties' own evidence: the evidence of every member of each hub it
    goes through (a tie's weight and count are the hub's), how many neighbours each inner entity of each path has
    (its degree factor) and the evidence of those entities' ties."""
    inner = _inner(bridge)
    hubs = [t for e in _hub_ties(bridge) for t in ties[e.source] if (t["via"], t["link_type"]) == (e.via, e.type)]
    around = [t for path in inner for n in path for t in ties[n]]
    return {"hub_evidence": sorted({ref for t in hubs for ref in t["evidence"]}),
            "degrees": [[len({b for t in ties[n] for b in t["neighbours"]}) for n in path] for path in inner],
            "degree_evidence": sorted({ref for t in around for ref in t["evidence"]})}


def _entity_ties(session: EngineSession, ids: set[str]) -> dict[str, list[dict]]:
    """Each entity's ties, one entry per hub they go through and type, with whom they reach and their evidence."""
    session.register("wanted_nodes", pa.table({"id": sorted(ids)}, schema=pa.schema([("id", pa.string())])))
    found: dict[str, list[dict]] = {}
    for row in session.run("links_entity_ties").to_pylist():
        found.setdefault(row["id"], []).append(row)
    return found


def _path(path, captions: dict[str, str], nodes: dict[str, dict]) -> dict:
    return {"score": round(path.score, 6), "hops": path.hops, "entities": path.entities, "words": path.in_words(captions),
            "edges": [_edge(e) for e in path.edges], "other_edges": [_edge(e) for e in path.others],
            "nodes": {k: nodes[k] for k in path.entities if k in nodes}}


def neighbours(store: Store, viewer: Viewer, home: Path, entity_id: str, per_type: int = 25,
               types: tuple[str, ...] = (), since: str = "", until: str = "", source: str = "",
               max_classification: str = "") -> dict:
    """An entity's ties in the viewer's graph, capped per type, with how many more there are; only those
    whose evidence is classified at most ``max_classification`` when it is given."""
    if per_type < 1:
        raise InvalidInput("must be at least 1", field="per_type")
    unknown = sorted(set(types) - LINKS.link_types())
    if unknown:
        raise InvalidInput(f"not a link type: {', '.join(unknown)} (one of {', '.join(sorted(LINKS.link_types()))})",
                           field="type")
    since, until = _day("since", since), _day("until", until)
    ceiling = _ceiling(max_classification)
    with viewer_graph(store, viewer, home) as session:
        node = canonical_id(session, entity_id)
        if node is not None:
            ties = [_classified(t) for t in find_neighbours(session, node, per_type, types, since, until, source, int(ceiling))]
            crowded = [_classified(c) for c in find_crowded_hubs(session, node, types, source, int(ceiling))]
        else:  # a shared identifier or address, as paths name it: who shares it
            ties = [_classified(_member_tie(t)) for t in find_hub_members(session, entity_id, per_type, types, source,
                                                                          int(ceiling))]
            if not ties:
                raise NotFound(f"entity or shared identifier {entity_id!r} not found")
            node, crowded = entity_id, []
        details = node_details(session, [node, *(t["neighbour"] for t in ties)])
    audit.log_event(store, viewer, "links.neighbours",
                    {"purpose": viewer.purpose, "entity": entity_id, "types": list(types), "since": since,
                     "until": until, "source": source, "max_classification": ceiling.name},
                    [node, *(t["neighbour"] for t in ties), *(c["hub"] for c in crowded)])
    shown = details.get(node) or {"id": node, "kind": "identifier", "shared_by": ties[0]["shared_by"]}
    return {"entity": node, "node": shown, "ties": [{**t, "node": details.get(t["neighbour"])} for t in ties],
            "crowded": crowded}


def _member_tie(member: dict) -> dict:
    """A hub's member in the shape of a tie (a hub's ties have no amount, dates or direction)."""
    return {"currency": None, "pieces": 1, "first_date": None, "last_date": None, "amount": None, "forward": None,
            **member}


def _day(name: str, text: str) -> str:
    """A date as the graph writes dates (YYYY-MM-DD, compared as text), or "" for none."""
    try:
        return date.fromisoformat(text).isoformat() if text else ""
    except ValueError:
        raise InvalidInput(f"must be a date (YYYY-MM-DD), not {text!r}", field=name) from None


def _ceiling(max_classification: str) -> Classification:
    """The highest classification of evidence asked for; the highest there is when none is given."""
    try:
        return Classification.parse(max_classification) if max_classification else max(Classification)
    except InvalidInput as exc:
        raise InvalidInput(str(exc), field="max_classification") from None


def money_flows(store: Store, viewer: Viewer, home: Path, entity_ids: list[str], limit: int = 50) -> list[dict]:
    """The largest payments into or out of the entities (ids of any of their records) in the viewer's graph, each
    with both parties' captions; for a case's money chart."""
    if not 1 <= limit <= 1000:
        raise InvalidInput("must be between 1 and 1000", field="limit")
    with viewer_graph(store, viewer, home) as session:
        ids = [found for e in entity_ids if (found := canonical_id(session, e)) is not None]
        flows = find_money_flows(session, ids, limit) if ids else []
        nodes = node_details(session, [f[k] for f in flows for k in ("source_id", "target_id")])
    result = [_classified(f) | {"payer": (nodes.get(f["source_id"]) or {}).get("name") or f["source_id"],
                                "beneficiary": (nodes.get(f["target_id"]) or {}).get("name") or f["target_id"]}
              for f in flows]
    audit.log_event(store, viewer, "links.money", {"purpose": viewer.purpose, "entities": sorted(entity_ids),
                                                   "limit": limit},
                    sorted({f[k] for f in flows for k in ("source_id", "target_id")}))
    return result


def _edge(edge) -> dict:
    return _classified({"type": edge.type, **{k: v for k, v in asdict(edge).items() if k != "type"}})


def _classified(tie: dict) -> dict:
    """A tie with its classification by name."""
    return tie | {"classification": Classification(tie["classification"]).name}


def _question(viewer: Viewer, source: Side, target: Side) -> dict:
    return {"purpose": viewer.purpose, "from": asdict(source), "to": asdict(target)}


def _check(source: Side, target: Side, max_hops: int, limit: int) -> None:
    if source.empty or target.empty:
        raise InvalidInput("a nexus question needs both sides: topics or entity ids")
    for field, side in (("from_topic", source), ("to_topic", target)):
        for topic in (*side.topics, *side.excluded):
            known = any(t == topic or t.startswith(f"{topic}.") for t in registry.topic.names)
            if not TOPIC.fullmatch(topic) or not known:
                raise InvalidInput(f"topic {topic!r} is not an FtM topic or the start of one (crime.terror, "
                                   "crime.traffick, sanction, …)", field=field)
    if not 1 <= max_hops <= LINKS.max_hops:
        raise InvalidInput(f"must be between 1 and {LINKS.max_hops}", field="max_hops")
    if limit < 1:
        raise InvalidInput("must be at least 1", field="limit")
