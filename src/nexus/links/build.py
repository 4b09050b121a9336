"""The link graph, built in SQL by the engine from the statements the viewer may see.

`build_graph` materialises, over an engine session whose `statements` is a viewer's view
(`EngineSession.use_snapshot`), the tables the graph queries read: `link_ids` (entity id →
canonical id), `link_node_topics`, `link_nodes` (one row per canonical entity) and
`link_edges` (relationships, shared identifiers and hubs, co-location, and the ledger's money
between accounts, aggregated per pair). Which FtM schemata are relationships, which property types are identifiers
and which properties make participants of an event come from the FtM model and `LinkConfig`,
registered as small parameter tables, so the SQL holds no list of schemata.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from followthemoney import model

from nexus.engine import EngineSession
from nexus.links.config import LINKS, LinkConfig

#: The graph's tables, in the order they are built; `GRAPH_TABLES` are those a query needs.
BUILD_STEPS = (
    ("link_ids", "entity_ids"), ("link_refs", "links_refs"), ("link_dates", "links_dates"),
    ("link_ledger_edges", "links_ledger_edges"),
    ("link_relationship_edges", "links_relationship_edges"), ("link_addresses", "links_addresses"),
    ("hub_members", "links_hub_members"),
    ("link_hub_edges", "links_hub_edges"), ("link_memberships", "links_memberships"), ("link_crowded", "links_crowded"),
    ("link_co_location_edges", "links_co_location"),
    ("link_edges", "links_edges"), ("link_ties", "links_ties"), ("link_adjacency", "links_adjacency"),
    ("link_hops", "links_hops"), ("link_node_topics", "links_node_topics"), ("link_nodes", "entity_summary"),
)
GRAPH_TABLES = (
    "link_ids", "link_node_topics", "link_nodes", "link_edges", "link_ties", "link_adjacency", "link_hops",
    "link_memberships", "link_crowded",
)
#: Rows per Parquet row group of a kept graph: its tables are in id order, so a lookup by id reads one group.
ROW_GROUP = 100_000


@dataclass(frozen=True)
class GraphSize:
    nodes: int
    edges: int


def parameter_tables(config: LinkConfig = LINKS) -> dict[str, pa.Table]:
    """The FtM model and the configuration as the tables the build SQL joins."""
    events = sorted(s.name for s in model.schemata.values() if s.is_a("Event"))
    edges = [s for s in model.schemata.values() if s.edge]
    owners = [(s.name, "holder") for s in model.schemata.values() if s.is_a("Identification")]
    # the properties whose values people share, by their type or, where FtM gives one, their format (an IBAN)
    shared = sorted({(s.name, p.name, kind) for s in model.schemata.values() for p in s.properties.values()
                     for kind in [p.format if p.format in config.identifier_weights else p.type.name]
                     if kind in config.identifier_weights})
    return {
        "link_schemas": pa.table({
            "schema": [s.name for s in edges], "source_prop": [s.edge_source for s in edges],
            "target_prop": [s.edge_target for s in edges], "link_type": [s.name for s in edges],
            "weight": [float(config.relationship_weights.get(s.name, config.default_weight)) for s in edges],
        }),
        "hub_props": pa.table({
            "schema": [schema for schema, _, _ in shared], "prop": [prop for _, prop, _ in shared],
            "link_type": [kind for _, _, kind in shared],
        }),
        "hub_weights": pa.table({
            "link_type": list(config.identifier_weights),
            "weight": [float(w) for w in config.identifier_weights.values()],
        }),
        "hub_participants": pa.table({
            "schema": [schema for schema, _ in config.participation],
            "prop": [prop for _, prop in config.participation],
            "link_type": [kind for kind, _ in config.participation.values()],
            "weight": [float(w) for _, w in config.participation.values()],
        }),
        "hub_relationships": pa.table({
            "schema": list(config.co_relationships),
            "member_prop": [member for member, _, _, _ in config.co_relationships.values()],
            "hub_prop": [hub for _, hub, _, _ in config.co_relationships.values()],
            "link_type": [kind for _, _, kind, _ in config.co_relationships.values()],
            "weight": [float(w) for _, _, _, w in config.co_relationships.values()],
        }),
        "hub_schemas": pa.table({"schema": ["Address", *events]}),
        "link_owners": pa.table({"schema": [s for s, _ in owners], "owner_prop": [p for _, p in owners]},
                                schema=pa.schema([("schema", pa.string()), ("owner_prop", pa.string())])),
    }


#: What the graph reads of the ledger's `transactions`, for a session without a ledger (no money ties).
NO_TRANSACTIONS = pa.table({
    "id": pa.array([], pa.string()), "timestamp": pa.array([], pa.timestamp("s")), "line": pa.array([], pa.int64()),
    "from_account_id": pa.array([], pa.string()), "to_account_id": pa.array([], pa.string()),
    "amount_paid": pa.array([], pa.float64()), "payment_currency": pa.array([], pa.string()),
    "source": pa.array([], pa.string()), "agency": pa.array([], pa.string()),
    "classification": pa.array([], pa.int64()), "releasable_to": pa.array([], pa.string()),
    "compartment": pa.array([], pa.string()), "orcon": pa.array([], pa.bool_()), "warrant": pa.array([], pa.string()),
})


def build_graph(session: EngineSession, config: LinkConfig = LINKS, today: date | None = None,
                ledger: bool = False) -> GraphSize:
    """Materialise the graph's tables in ``session`` from its ``statements`` (the viewer's view) and, with
    ``ledger``, its ``transactions`` (`EngineSession.use_ledger`): money between accounts as Payment ties.
    Ties are discounted by the age of their evidence in years before ``today``'s."""
    for name, table in parameter_tables(config).items():
        session.register(name, table)
    if not ledger:
        session.register("transactions", NO_TRANSACTIONS)
    params = {
        "links_ledger_edges": {"weight": float(config.relationship_weights.get("Payment", config.default_weight))},
        "links_hub_members": {"min_identifier_length": config.min_identifier_length},
        "links_hub_edges": {"max_shared": config.max_shared, "damping": config.damping},
        "links_memberships": {"max_shared": config.max_shared, "damping": config.damping},
        "links_crowded": {"max_shared": config.max_shared},
        "links_co_location": {"max_shared": config.max_shared, "damping": config.damping,
                              "weight": config.co_location_weight, "max_ever": config.co_location_max_ever},
        "links_edges": {"recency_floor": config.recency_floor, "half_life": config.half_life,
                        "this_year": (today or date.today()).year},
    }
    for name, query in BUILD_STEPS:
        session.materialise(name, query, **params.get(query, {}))
    counts = session.run("links_size")
    return GraphSize(nodes=counts["nodes"][0].as_py(), edges=counts["edges"][0].as_py())


def save_graph(session: EngineSession, directory: Path) -> None:
    """Keep the graph built in ``session`` as Parquet files in ``directory``, one per table a query needs, in
    their order and zstd-compressed (a path question scans `link_hops` whole: a third fewer bytes than snappy)."""
    for table in GRAPH_TABLES:
        pq.write_table(session.run("table_rows", names={"source_table": table}), directory / f"{table}.parquet",
                       row_group_size=ROW_GROUP, compression="zstd")
