"""Nexus questions over a built link graph (`build.build_graph`), in the engine's SQL.

Paths between two sides (topics, entity ids), the brokers on them with their
Gould–Fernandez roles, and an entity's neighbourhood. Python only shapes the few rows a
question returns (the k best paths, the top brokers, one entity's ties).
"""

import math
from dataclasses import dataclass, field

import pyarrow as pa

from nexus.engine import EngineSession
from nexus.links.config import LINKS, LinkConfig
from nexus.model.labels import Classification
from nexus.model.topics import CRIME_TOPICS, TERROR_TOPICS

#: Inner positions of a path's entity columns (p0 is the `from` end).
POSITIONS = ("p0", "p1", "p2", "p3", "p4")
#: The hub each hop of a path walks (NULL: none), from the `from` end.
HUBS = ("v1", "v2", "v3", "v4")
#: Paths read to rank brokers and bridges: this many best paths.
QUESTION_PATHS = 5000
#: No lower bound on a path's (log) score.
NO_FLOOR = -1e300


@dataclass(frozen=True)
class Side:
    """One end of a nexus question: entities with one of `topics` (prefixes match) or one of `ids`,
    leaving out those with one of `excluded` (prefixes match): an entity on both sides of the
    nexus stands on the terror side of the default question, not on the crime side too."""

    topics: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.topics and not self.ids


TERROR_SIDE = Side(topics=tuple(sorted(TERROR_TOPICS)))
CRIME_SIDE = Side(topics=tuple(sorted(CRIME_TOPICS - TERROR_TOPICS)), excluded=tuple(sorted(TERROR_TOPICS)))


@dataclass
class Edge:
    source: str
    target: str
    type: str
    weight: float
    strength: float  # the weight discounted by the age of the latest evidence: what a path's score multiplies
    via: str | None = None  # the identifier or hub the two share, if that is the tie
    currency: str | None = None  # of `amount`, for money the ledger sums within one currency
    evidence: list[str] = field(default_factory=list)  # relationship entity or statement ids
    sources: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    first_date: str | None = None
    last_date: str | None = None
    pieces: int = 1
    shared_by: int | None = None
    amount: float | None = None
    classification: int = 0  # the highest of its evidence
    forward: bool | None = None  # a relationship stated from `source` to `target` (the payer first); None: no direction


@dataclass
class Path:
    score: float
    hops: int
    entities: list[str]  # from end first; a shared identifier's hub id sits between the two sharing it
    edges: list[Edge]  # one per hop: the tie through the hub it walks, or its strongest plain relationship
    others: list[Edge] = field(default_factory=list)  # further ties between the same entities

    def in_words(self, captions: dict[str, str]) -> str:
        words = [captions.get(self.edges[0].source, self.edges[0].source)] if self.edges else []
        for edge in self.edges:
            tie = f"{edge.type}{_shared_or_paid(edge, captions)}"
            words.append(f"{'←' + tie + '—' if edge.forward is False else '—' + tie + '→'} "
                         f"{captions.get(edge.target, edge.target)}")
        return " ".join(words)


def _shared_or_paid(edge: Edge, captions: dict[str, str]) -> str:
    if edge.via:
        return f" ({captions.get(edge.via) or edge.via.replace(':', ' ', 1)})"
    if edge.currency and edge.amount is not None:
        return f" ({edge.amount:,.2f} {edge.currency} in {edge.pieces})"
    return ""


def mark_sides(session: EngineSession, source: Side, target: Side) -> None:
    """Materialise `link_sides`: the entities at each end of the question."""
    session.register("wanted_topics", pa.table({
        "side": ["from"] * len(source.topics) + ["to"] * len(target.topics),
        "topic": [*source.topics, *target.topics],
    }, schema=pa.schema([("side", pa.string()), ("topic", pa.string())])))
    session.register("excluded_topics", pa.table({
        "side": ["from"] * len(source.excluded) + ["to"] * len(target.excluded),
        "topic": [*source.excluded, *target.excluded],
    }, schema=pa.schema([("side", pa.string()), ("topic", pa.string())])))
    session.register("wanted_ids", pa.table({
        "side": ["from"] * len(source.ids) + ["to"] * len(target.ids),
        "id": [*source.ids, *target.ids],
    }, schema=pa.schema([("side", pa.string()), ("id", pa.string())])))
    session.materialise("link_sides", "links_sides")


def find_paths(session: EngineSession, source: Side, target: Side, max_hops: int = 4, limit: int = 10,
               config: LinkConfig = LINKS) -> list[Path]:
    """The `limit` best paths of at most `max_hops` from `source` to `target`, best first."""
    rows = session.run("links_paths", **_path_question(session, source, target, max_hops, limit, config))
    return [p for p in _paths(session, rows) if p is not None]


def _materialise_paths(session: EngineSession, source: Side, target: Side, max_hops: int, config: LinkConfig) -> None:
    """`link_paths`: the `QUESTION_PATHS` best paths, which brokers and bridges are read from."""
    session.materialise("link_paths", "links_paths", **_path_question(session, source, target, max_hops, QUESTION_PATHS, config))


def _path_question(session, source, target, max_hops, limit, config) -> dict:
    """Mark the sides; the parameters of `links_paths`, with the bound the paths of at most two hops set:
    the k-th best of them, below which no longer path can be among the k best."""
    mark_sides(session, source, target)
    question = {"max_hops": min(max_hops, config.max_hops), "limit": limit, "keep": config.keep, "floor": NO_FLOOR,
                "counterparty": math.log(config.counterparty_factor), "pass_days": config.pass_through_days}
    if question["max_hops"] > 2:
        short = session.run("links_paths", **(question | {"max_hops": 2}))["score"].to_pylist()
        if len(short) == limit and short[-1] > 0:
            question["floor"] = math.log(short[-1]) - 1e-9  # ties with the k-th best stay in
    return question


def _paths(session: EngineSession, rows: pa.Table) -> list[Path | None]:
    """The paths of ``rows`` with their ties, in order; None for one that is no simple path. Each hop shows
    the tie through the hub it walks (``rows``' v1..v4), or its strongest plain relationship."""
    chains = [[n for n in nodes if n is not None] for nodes in zip(*(rows[p].to_pylist() for p in POSITIONS), strict=True)]
    walked = list(zip(*(rows[v].to_pylist() for v in HUBS), strict=True))
    pairs = sorted({pair for chain in chains for pair in zip(chain, chain[1:])})
    session.register("wanted_pairs", pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]},
                                              schema=pa.schema([("a", pa.string()), ("b", pa.string())])))
    ties: dict[tuple[str, str], list[Edge]] = {}
    for row in session.run("links_path_edges").to_pylist():
        a, b = row.pop("a"), row.pop("b")
        ties.setdefault((a, b), []).append(Edge(source=a, target=b, type=row.pop("link_type"), **row))
    paths = []
    for chain, hubs, score, hops in zip(chains, walked, rows["score"].to_pylist(), rows["hops"].to_pylist(), strict=True):
        edges, others, entities = [], [], [chain[0]]
        for a, b, hub in zip(chain[:-1], chain[1:], hubs[: len(chain) - 1], strict=True):
            pair = ties[(a, b)]
            best = next(edge for edge in pair if edge.via == hub)  # the strongest first
            edges.append(best)
            others.extend(edge for edge in pair if edge is not best)
            entities.extend([best.via, b] if best.via else [b])
        simple = len(set(entities)) == len(entities)  # a company both shared and walked through is no simple path
        paths.append(Path(score=score, hops=hops, entities=entities, edges=edges, others=others) if simple else None)
    return paths


@dataclass
class Broker:
    id: str
    brokerage: float  # the summed scores of the best paths through it
    paths: int
    roles: dict[str, int]  # Gould–Fernandez role → paths on which it plays it
    best: list[Path] = field(default_factory=list)  # the best paths through it, that make it a broker


def find_brokers(session: EngineSession, source: Side, target: Side, max_hops: int = 4, limit: int = 20,
                 config: LinkConfig = LINKS, per_broker: int = 3) -> list[Broker]:
    """Entities that bridge the two sides, ranked by the best paths through them, each with its `per_broker`
    best paths."""
    _materialise_paths(session, source, target, max_hops, config)
    roles = ("liaison", "gatekeeper", "representative", "coordinator")
    brokers = [
        Broker(r["node"], r["brokerage"], r["paths"], {role: r[role] for role in roles if r[role]})
        for r in session.run("links_brokers", limit=limit).to_pylist()
    ]
    session.register("wanted_nodes", pa.table({"id": [b.id for b in brokers]}, schema=pa.schema([("id", pa.string())])))
    rows = session.run("links_broker_paths", per_broker=per_broker)
    by_id = {b.id: b for b in brokers}
    for broker, path in zip(rows["broker"].to_pylist(), _paths(session, rows), strict=True):
        if path is not None:
            by_id[broker].best.append(path)
    return brokers


def find_neighbours(session: EngineSession, entity_id: str, per_type: int = 25, types: tuple[str, ...] = (),
                    since: str = "", until: str = "", source: str = "",
                    max_classification: int = int(max(Classification))) -> list[dict]:
    """An entity's ties, strongest first, capped per type (`more_of_type` says how many were left out); only
    ties whose evidence is classified at most `max_classification`, and dated in the window ``since``..``until``
    (an undated tie, a shared phone, is in any window). An event's or trip's neighbourhood lists who took part."""
    return session.run(
        "links_neighbours", id=entity_id, per_type=per_type, any_type=not types, types=tuple(types) or ("",),
        since=since, until=until, source=source, max_classification=max_classification,
    ).to_pylist()


def find_hub_members(session: EngineSession, hub: str, per_type: int = 25, types: tuple[str, ...] = (), source: str = "",
                     max_classification: int = int(max(Classification))) -> list[dict]:
    """The members of a shared identifier or address (its id as paths name it: ``phone:4420…``), capped per type,
    each with the weight a tie through it has (none past the cap)."""
    return session.run("links_hub_neighbours", hub=hub, per_type=per_type, any_type=not types,
                       types=tuple(types) or ("",), source=source, max_classification=max_classification).to_pylist()


def find_crowded_hubs(session: EngineSession, entity_id: str, types: tuple[str, ...] = (), source: str = "",
                      max_classification: int = int(max(Classification))) -> list[dict]:
    """The identifiers, addresses, events and trips the entity shares with more than the cap (the graph's
    `link_crowded`, built with the config's `max_shared`): no tie, but worth knowing."""
    return session.run("links_crowded_hubs", id=entity_id, any_type=not types,
                       types=tuple(types) or ("",), source=source, max_classification=max_classification).to_pylist()


def find_money_flows(session: EngineSession, entity_ids: list[str], limit: int = 50) -> list[dict]:
    """The largest Payment ties into or out of the entities, payer to beneficiary."""
    session.register("wanted_nodes", pa.table({"id": sorted(set(entity_ids))}, schema=pa.schema([("id", pa.string())])))
    return session.run("links_money_flows", limit=limit).to_pylist()


def canonical_id(session: EngineSession, entity_id: str) -> str | None:
    rows = session.run("links_canonical_id", id=entity_id)["canonical_id"].to_pylist()
    return rows[0] if rows else None


def node_details(session: EngineSession, ids: list[str]) -> dict[str, dict]:
    """Caption, schema and topics of graph entities (hub ids are not entities and are left out)."""
    session.register("wanted_nodes", pa.table({"id": sorted(set(ids))}, schema=pa.schema([("id", pa.string())])))
    return {r["canonical_id"]: r for r in session.run("links_node_details").to_pylist()}


#: The other paths a bridge carries beside its best (what a nexus alert cites and counts): the strongest few, so
#: that paths far down the list, which come and go as unrelated data arrives, do not change the alert.
CORROBORATING = 9


@dataclass
class Bridge:
    """Two entities, one on each side, joined by paths; corroborated by every path that joins them."""

    source: str
    target: str
    score: float  # noisy-or of the scores of the paths joining the two
    paths: int
    best: Path
    others: list[Path]  # the next best (simple) paths that join the two, at most CORROBORATING


def find_bridges(session: EngineSession, source: Side, target: Side, max_hops: int = 4, limit: int = 50,
                 config: LinkConfig = LINKS) -> list[Bridge]:
    """The `limit` strongest bridges between the two sides, each with its best path and the others that
    corroborate it (what its score rests on)."""
    _materialise_paths(session, source, target, max_hops, config)
    rows = session.run("links_bridges", limit=limit).to_pylist()
    wanted = sorted({p for r in rows for p in r["all_paths"]})
    session.register("wanted_paths", pa.table({"path": wanted}, schema=pa.schema([("path", pa.int64())])))
    numbered = session.run("links_numbered_paths")
    found = dict(zip(numbered["path"].to_pylist(), _paths(session, numbered), strict=True))
    return [Bridge(r["source_id"], r["target_id"], r["score"], r["paths"], found[r["best_path"]],
                   [found[p] for p in r["all_paths"] if p != r["best_path"] and found[p] is not None][:CORROBORATING])
            for r in rows if found[r["best_path"]] is not None]
