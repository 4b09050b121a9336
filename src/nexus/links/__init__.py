"""The links stage: the link graph built in SQL from what a viewer may see, and the nexus questions over it."""

from nexus.links.build import GRAPH_TABLES, GraphSize, build_graph, save_graph
from nexus.links.config import LINKS, LinkConfig
from nexus.links.query import CRIME_SIDE, TERROR_SIDE, Broker, Edge, Path, Side, find_brokers, find_neighbours, find_paths

__all__ = [
    "CRIME_SIDE", "GRAPH_TABLES", "LINKS", "TERROR_SIDE", "Broker", "Edge", "GraphSize", "LinkConfig", "Path", "Side",
    "build_graph", "find_brokers", "find_neighbours", "find_paths", "save_graph",
]
