"""Communities of the link graph (Leiden, graspologic-native) and those that hold both sides of the nexus.

The partition is computed once per graph (`partition`) from the ties the engine weighs
(`link_adjacency`); which communities hold both sides, and who is in them, is SQL over it.
"""

from dataclasses import dataclass, field

import graspologic_native as gn
import pyarrow as pa

from nexus.engine import EngineSession
from nexus.links.query import Side, mark_sides

#: A fixed seed: the same graph always yields the same communities.
SEED = 20201754
COMMUNITY_SCHEMA = pa.schema([("canonical_id", pa.string()), ("community", pa.int64())])


@dataclass
class Community:
    id: int
    size: int
    from_side: list[str]  # members on the `from` side of the question
    to_side: list[str]
    members: list[str]  # the most connected members (weighted degree inside the community), at most `shown`
    internal_weight: float
    ties: int = 0
    both_sides: bool = field(init=False)

    def __post_init__(self) -> None:
        self.both_sides = bool(self.from_side and self.to_side)


def partition(session: EngineSession, resolution: float = 1.0) -> pa.Table:
    """Leiden communities (modularity) of the graph's entities: canonical_id → community."""
    ties = session.run("links_undirected_ties")
    edges = list(zip(ties["a"].to_pylist(), ties["b"].to_pylist(), ties["weight"].to_pylist(), strict=True))
    if not edges:
        return COMMUNITY_SCHEMA.empty_table()
    _, found = gn.leiden(edges, resolution=resolution, seed=SEED, trials=1, iterations=2)
    return pa.table({"canonical_id": list(found), "community": list(found.values())}, schema=COMMUNITY_SCHEMA)


def find_communities(session: EngineSession, source: Side, target: Side, both_sides: bool = True, limit: int = 20,
                     shown: int = 10) -> list[Community]:
    """Communities of `link_communities` (from `partition`), those holding both sides first (only those
    when ``both_sides``), then by how many of the sides' entities they hold."""
    mark_sides(session, source, target)
    rows = session.run("links_communities", both_sides=both_sides, limit=limit, shown=shown).to_pylist()
    return [Community(r["community"], r["size"], r["from_side"], r["to_side"], r["members"], r["internal_weight"],
                      r["ties"]) for r in rows]
