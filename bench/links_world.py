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


def top_pairs(session, count: int, config=LINKS) -> list[tuple[str, str]]:
    """The ends of the `count` strongest bridges of the default nexus question: the top-N nexus alerts."""
    return [(b.source, b.target) for b in find_bridges(session, TERROR_SIDE, CRIME_SIDE, MAX_HOPS, count, config)]


def reachable_pairs(session, config=LINKS) -> set[frozenset]:
    """Every (terrorist, criminal) pair the default question joins within 4 hops at all (the ceiling of top-N)."""
    return {frozenset((b.source, b.target)) for b in find_bridges(session, TERROR_SIDE, CRIME_SIDE, MAX_HOPS, 10**6, config)}


@dataclass
class Outcome:
    ends: list[tuple[str, str]]  # canonical (terrorist, criminal) of each bridge
    found: list[bool]
    top_share: float
    on_sides: list[bool]  # whether the default question reaches the bridge at all (its ends carry the sides' topics)
    adjacency: pa.Table


def measure(snapshot, bridges: list[dict], label: str, config) -> Outcome:
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
        planted_pairs = {frozenset(pair) for pair in ends}
        top = [frozenset(pair) in planted_pairs for pair in top_pairs(session, len(bridges), config)]
        top_share = sum(top) / len(bridges)
        top_seconds = time.perf_counter() - started
        reachable = reachable_pairs(session, config)
        on_sides = [frozenset(pair) in reachable for pair in ends]
        adjacency = session.run("table_rows", names={"source_table": "link_adjacency"})
    print(f"\n{label}: {size.nodes:,} entities, {size.edges:,} edges, built in {built:.1f} s; paths from {len(starts)} "
          f"to {len(stops)} bridge ends in {path_seconds:.2f} s; top-{len(bridges)} question in {top_seconds:.2f} s")
    return Outcome(ends, found, top_share, on_sides, adjacency)


def report(bridges: list[dict], outcome: Outcome) -> None:
    planted = Counter(b["kind"] for b in bridges)
    by_kind = Counter(b["kind"] for b, hit in zip(bridges, outcome.found, strict=True) if hit)
    print("| kind | planted | found within 4 hops |\n|---|---|---|")
    for kind, n in sorted(planted.items()):
        print(f"| {kind} | {n} | {by_kind[kind]} ({by_kind[kind] / n:.2f}) |")
    print(f"recall within {MAX_HOPS} hops: **{sum(outcome.found) / len(bridges):.3f}**; "
          f"top-{len(bridges)} nexus alerts that are planted bridges: **{outcome.top_share:.3f}** "
          f"(ceiling {sum(outcome.on_sides) / len(bridges):.3f}: the planted bridges whose ends resolution put on "
          "the sides, i.e. merged with a record carrying the topic)")


def run(folder: Path, size: str, seed: int) -> bool:
    if not (folder / SNAPSHOT).is_file():
        build(folder, size, seed)
    snapshot = resolved_snapshot(folder)
    bridges = orjson.loads((folder / "world" / "truth" / "bridges.json").read_bytes())
    default = measure(snapshot, bridges, "down-weighted (default)", LINKS)
    report(bridges, default)
    try:
        report(bridges, measure(snapshot, bridges, "not down-weighted", replace(LINKS, damping=0.0, max_shared=10**9)))
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
