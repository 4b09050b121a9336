"""Nexus link analysis on the synthetic world: planted bridges found, against its ground truth.

The world (`nexus.synth.generate`) plants bridges of seven kinds (directorship, mule
payment, shared phone, shared address, family, co-travel, shared cell) at 1-4 hops from a
terrorist to an organised criminal, amid noise (hostel and formation-agent addresses,
common names, lookalikes), and writes `truth/bridges.json`. The world is ingested into a
temporary SQLite store with the UN list (as `er_world.py` does), resolved (`nexus.resolve`,
canonical ids written back), snapshotted, and the link graph built over every statement
(`nexus.links.build_graph`, DuckDB). Then:

- **recall within 4 hops**: a bridge is found when the graph's best paths from the bridges'
  terrorist ends to their criminal ends (`find_paths`, the production query) include one
  from its terrorist to its criminal (canonical ids of the first and last records of its
  planted path); per kind. Baseline in the same run: networkx, unweighted BFS to depth 4
  on the same (default) graph: whether a path exists at all, ignoring weights.
- **top-N nexus alerts**: the N strongest bridges of the default question (crime.terror
  against the organised-crime topics; `find_bridges`, what `nexus links alerts` raises), N =
  bridges planted, and the share of them that are planted bridges, beside its ceiling (the
  planted bridges the default question reaches at all: resolution must first merge each end's
  record with one carrying its side's topic); the same with mass-shared identifiers not down-weighted
  (damping 0, no cap), to show what the down-weighting buys (on the medium world the
  engine runs out of memory pairing the members of mass-shared addresses: that is printed).

    .venv/bin/python bench/links_world.py [--size small|medium] [--seed 7] [--keep DIR]
"""

import itertools
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import orjson
import pyarrow as pa
from er_world import SNAPSHOT, build

from _common import run_on_world, targets_met
from nexus.engine import EVERY_STATEMENT, DuckDBEngine, EngineError, Snapshot, take_snapshot
from nexus.links import LINKS, CRIME_SIDE, TERROR_SIDE, Side, build_graph, find_paths
from nexus.links.query import find_bridges
from nexus.resolve import resolve, write_resolution
from nexus.store import Store
from nexus.synth.evaluate import record_truth

TARGETS = {"recall": 0.95, "top_n": 0.85}
MAX_HOPS = 4


def resolved_snapshot(folder: Path):
    """Resolve the world's store once, write the canonical ids back and snapshot it (kept in ``folder``)."""
    target = folder / "resolved"
    if (target / "statements.parquet").is_file():
        return Snapshot(target, "", 0)
    started = time.perf_counter()
    resolution = resolve(folder / SNAPSHOT)
    store = Store.open(url=f"sqlite:///{folder / 'nexus.db'}")
    try:
        write_resolution(store, resolution)
        snapshot = take_snapshot(store, target)
    finally:
        store.close()
    print(f"resolved and snapshotted in {time.perf_counter() - started:.0f} s")
    return snapshot


def bridge_ends(session, bridges: list[dict]) -> list[tuple[str, str]]:
    ids = {r["entity_id"]: r["canonical_id"] for r in session.run("table_rows", names={"source_table": "link_ids"}).to_pylist()}
    return [(ids.get(b["path"][0]), ids.get(b["path"][-1])) for b in bridges]


def nexus_pairs(session, count: int, config=LINKS) -> list[tuple[str, str]]:
    """The ends of the `count` strongest bridges of the default nexus question (the top-N nexus alerts)."""
    return [(b.source, b.target) for b in find_bridges(session, TERROR_SIDE, CRIME_SIDE, MAX_HOPS, count, config)]


def true_people(session, world: Path) -> dict[str, set[str]]:
    """Canonical entity → the true people its records are (one, unless resolution merged two)."""
    truth = {r["id"]: r["true_id"] for r in record_truth(world).to_pylist()}
    people: dict[str, set[str]] = {}
    for row in session.run("table_rows", names={"source_table": "link_ids"}).to_pylist():
        if row["entity_id"] in truth:
            people.setdefault(row["canonical_id"], set()).add(truth[row["entity_id"]])
    return people


def planted_among(pairs: list[tuple[str, str]], bridges: list[dict], people: dict[str, set[str]]) -> set[str]:
    """The planted bridges that these (terror, crime) entity pairs are: by the true people at their ends, so
    a bridge found between two records resolution left apart from its path's records counts once."""
    by_ends = {}
    for bridge in bridges:
        by_ends.setdefault((bridge["persons"][0], bridge["persons"][-1]), []).append(bridge["id"])
    found = set()
    for a, b in pairs:
        for x, y in itertools.product(people.get(a, ()), people.get(b, ())):
            found.update(by_ends.get((x, y), ()), by_ends.get((y, x), ()))
    return found


@dataclass
class Outcome:
    ends: list[tuple[str, str]]  # canonical (terrorist, criminal) of each bridge
    found: list[bool]
    top_share: float  # distinct planted bridges among the top-N alerts, by their ends' true people
    ceiling: float  # the planted bridges the default question reaches at all
    strict_share: float  # the same, counting only alerts between the canonical entities of the planted path's end records
    adjacency: pa.Table


def measure(snapshot, world: Path, bridges: list[dict], label: str, config) -> Outcome:
    with DuckDBEngine() as session:
        session.use_snapshot(snapshot, EVERY_STATEMENT)
        started = time.perf_counter()
        size = build_graph(session, config)
        built = time.perf_counter() - started
        ends = bridge_ends(session, bridges)
        starts, stops = sorted({a for a, _ in ends if a}), sorted({b for _, b in ends if b})
        started = time.perf_counter()
        paths = find_paths(session, Side(ids=tuple(starts)), Side(ids=tuple(stops)), MAX_HOPS, limit=100_000, config=config)
        path_seconds = time.perf_counter() - started
        connected = {(p.edges[0].source, p.edges[-1].target) for p in paths}
        found = [pair in connected or pair[::-1] in connected for pair in ends]
        started = time.perf_counter()
        top = nexus_pairs(session, len(bridges), config)
        top_seconds = time.perf_counter() - started
        people = true_people(session, world)
        top_share = len(planted_among(top, bridges, people)) / len(bridges)
        ceiling = len(planted_among(nexus_pairs(session, 10**6, config), bridges, people)) / len(bridges)
        planted_pairs = {frozenset(pair) for pair in ends}
        strict_share = sum(frozenset(pair) in planted_pairs for pair in top) / len(bridges)
        adjacency = session.run("table_rows", names={"source_table": "link_adjacency"})
    print(f"\n{label}: {size.nodes:,} entities, {size.edges:,} edges, built in {built:.1f} s; paths from {len(starts)} "
          f"to {len(stops)} bridge ends in {path_seconds:.2f} s; top-{len(bridges)} question in {top_seconds:.2f} s")
    return Outcome(ends, found, top_share, ceiling, strict_share, adjacency)


def report(bridges: list[dict], outcome: Outcome) -> None:
    planted = Counter(b["kind"] for b in bridges)
    by_kind = Counter(b["kind"] for b, hit in zip(bridges, outcome.found, strict=True) if hit)
    print("| kind | planted | found within 4 hops |\n|---|---|---|")
    for kind, n in sorted(planted.items()):
        print(f"| {kind} | {n} | {by_kind[kind]} ({by_kind[kind] / n:.2f}) |")
    print(f"recall within {MAX_HOPS} hops: **{sum(outcome.found) / len(bridges):.3f}**; "
          f"top-{len(bridges)} nexus alerts that are distinct planted bridges: **{outcome.top_share:.3f}** "
          f"(ceiling {outcome.ceiling:.3f}: the planted bridges the default question reaches at all; "
          f"{outcome.strict_share:.3f} counting only alerts between the entities of the planted path's end records)")


def run(folder: Path, size: str, seed: int) -> bool:
    if not (folder / SNAPSHOT).is_file():
        build(folder, size, seed)
    snapshot = resolved_snapshot(folder)
    bridges = orjson.loads((folder / "world" / "truth" / "bridges.json").read_bytes())
    default = measure(snapshot, folder / "world", bridges, "down-weighted (default)", LINKS)
    report(bridges, default)
    try:
        report(bridges, measure(snapshot, folder / "world", bridges, "not down-weighted",
                                replace(LINKS, damping=0.0, max_shared=10**9)))
    except EngineError as error:
        print(f"\nnot down-weighted: {error}")
    graph = nx.Graph()
    graph.add_edges_from(zip(default.adjacency["a"].to_pylist(), default.adjacency["b"].to_pylist()))
    started = time.perf_counter()
    reachable = [bool(a and b and a in graph and b in nx.single_source_shortest_path_length(graph, a, cutoff=MAX_HOPS))
                 for a, b in default.ends]
    print(f"\nnetworkx baseline (unweighted BFS to depth {MAX_HOPS}, the default graph): "
          f"recall {sum(reachable) / len(bridges):.3f} in {time.perf_counter() - started:.2f} s")
    return targets_met({"recall": sum(default.found) / len(bridges), "top_n": default.top_share}, TARGETS)


def main() -> int:
    return 0 if run_on_world(__doc__.splitlines()[0], run) else 1


if __name__ == "__main__":
    sys.exit(main())
