"""Exporting the link graph in the formats analysts already use: GraphML and GEXF (Gephi), FtM JSON lines
(Aleph), a CSV edge list and an i2 Analyst's Notebook chart (ANX).

An export is a release: it needs the export role and is built from the statements the viewer
may export (ORCON withheld, as `nexus export ftm` withholds it), so an edge resting only on
originator-controlled evidence is not in the file. Every edge carries its provenance: type,
weight, the identifier or hub shared, sources, agencies, evidence ids and dates.
"""

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson
import pyarrow as pa
from followthemoney import model
from lxml import etree

from nexus.errors import InvalidInput, NotFound
from nexus.links.query import canonical_id, node_details
from nexus.model.labels import Classification
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.entities import S, group_entities, visible_statements
from nexus.service.links import viewer_graph
from nexus.store import Store

CHUNK = 1000
NODE_FIELDS = ("schema", "name", "topics")
EDGE_FIELDS = ("type", "weight", "via", "currency", "pieces", "shared_by", "amount", "first_date", "last_date",
               "classification", "sources", "agencies", "evidence")
NUMERIC = {"weight": "double", "pieces": "long", "shared_by": "long", "amount": "double"}


def export_graph(store: Store, viewer: Viewer, home: Path, fmt: str, out: IO[bytes],
                 entity_ids: tuple[str, ...] = ()) -> dict:
    """Write the viewer's exportable graph (or the ties of ``entity_ids``) to ``out`` in ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    require(viewer, "export")
    with viewer_graph(store, viewer, home, action="export") as session:
        wanted = []
        for entity_id in entity_ids:
            found = canonical_id(session, entity_id)
            if found is None:
                raise NotFound(f"entity {entity_id!r} not found")
            wanted.append(found)
        session.register("wanted_nodes", pa.table({"id": wanted}, schema=pa.schema([("id", pa.string())])))
        edges = session.run("links_export_edges", everything=not entity_ids).to_pylist()
        nodes = node_details(session, [n for e in edges for n in (e["source_id"], e["target_id"])] + wanted)
    edges = [_edge(e) for e in edges]
    nodes = {k: {f: _text(v[f]) for f in NODE_FIELDS} for k, v in sorted(nodes.items())}
    if fmt == "ftm":  # the graph's entities, as the store holds them
        _ftm(store, viewer, nodes, edges, out)
    else:
        WRITERS[fmt](nodes, edges, out)
    audit.log_event(store, viewer, "links.export", {"purpose": viewer.purpose, "format": fmt, "entities": list(entity_ids),
                                                    "nodes": len(nodes), "edges": len(edges)}, sorted(nodes))
    return {"nodes": len(nodes), "edges": len(edges)}


def _edge(row: dict) -> dict:
    edge = {"source": row["source_id"], "target": row["target_id"], "type": row["link_type"]}
    edge |= {f: _text(row[f]) if f not in NUMERIC else row[f] for f in EDGE_FIELDS if f != "type"}
    return edge | {"classification": Classification(row["classification"]).name}


def _text(value) -> str | None:
    return "; ".join(value) if isinstance(value, list) else value


def _graphml(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    ns = "http://graphml.graphdrawing.org/xmlns"
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("graphml", xmlns=ns):
            for scope, fields in (("node", NODE_FIELDS), ("edge", EDGE_FIELDS)):
                for name in fields:
                    xf.write(etree.Element("key", id=f"{scope}_{name}", attrib={
                        "for": scope, "attr.name": name, "attr.type": NUMERIC.get(name, "string")}))
            with xf.element("graph", id="nexus", edgedefault="undirected"):
                for node_id, node in nodes.items():
                    xf.write(_with_data(etree.Element("node", id=node_id), "node", node))
                for number, edge in enumerate(edges):
                    element = etree.Element("edge", id=f"e{number}", source=edge["source"], target=edge["target"])
                    xf.write(_with_data(element, "edge", edge))


def _with_data(element, scope: str, values: dict):
    for name, value in values.items():
        if value is not None and name in (NODE_FIELDS if scope == "node" else EDGE_FIELDS):
            etree.SubElement(element, "data", key=f"{scope}_{name}").text = str(value)
    return element


def _gexf(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    types = {"double": "double", "long": "long"}
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("gexf", xmlns="http://gexf.net/1.3", version="1.3"):
            meta = etree.Element("meta", lastmodifieddate=datetime.now(UTC).date().isoformat())
            etree.SubElement(meta, "creator").text = "Nexus"
            xf.write(meta)
            with xf.element("graph", defaultedgetype="undirected", mode="static"):
                for scope, fields in (("node", NODE_FIELDS), ("edge", EDGE_FIELDS)):
                    attributes = etree.Element("attributes", attrib={"class": scope})
                    for name in fields:
                        etree.SubElement(attributes, "attribute", id=name, title=name,
                                         type=types.get(NUMERIC.get(name, ""), "string"))
                    xf.write(attributes)
                with xf.element("nodes"):
                    for node_id, node in nodes.items():
                        element = etree.Element("node", id=node_id, label=node["name"] or node_id)
                        xf.write(_with_values(element, node))
                with xf.element("edges"):
                    for number, edge in enumerate(edges):
                        element = etree.Element("edge", id=str(number), source=edge["source"], target=edge["target"],
                                                label=edge["type"], weight=repr(float(edge["weight"])))
                        xf.write(_with_values(element, edge, skip=("source", "target")))


def _with_values(element, values: dict, skip: tuple[str, ...] = ()):
    attvalues = etree.SubElement(element, "attvalues")
    for name, value in values.items():
        if value is not None and name not in skip:
            etree.SubElement(attvalues, "attvalue", attrib={"for": name, "value": str(value)})
    return element


def _csv(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(["source", "source_name", "target", "target_name", *EDGE_FIELDS])
    for edge in edges:
        writer.writerow([edge["source"], nodes.get(edge["source"], {}).get("name"), edge["target"],
                         nodes.get(edge["target"], {}).get("name"), *(edge[f] for f in EDGE_FIELDS)])
    text.flush()
    text.detach()


def _ftm(store: Store, viewer: Viewer, nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    """The graph's entities and the relationship entities its edges rest on, as exported by `nexus export ftm`;
    a tie through a shared identifier, hub or place, and the ledger's money between two accounts (which FtM's
    Payment, payer to beneficiary, cannot hold between accounts), become UnknownLinks naming what they are."""
    relationships = {ref for e in edges if e["via"] is None and e["currency"] is None
                     for ref in (e["evidence"] or "").split("; ") if ref}
    for entity in _entities(store, viewer, sorted(set(nodes) | relationships)):
        out.write(orjson.dumps(entity.to_dict()) + b"\n")
    for edge in edges:
        if edge["via"] is None and edge["currency"] is None:
            continue
        link = model.make_entity("UnknownLink")
        key = f"{edge['source']}|{edge['target']}|{edge['type']}|{edge['via'] or edge['currency']}"
        link.id = "nexus-link-" + hashlib.sha256(key.encode()).hexdigest()[:24]
        link.add("subject", edge["source"])
        link.add("object", edge["target"])
        if edge["via"] is not None:
            link.add("role", f"{edge['type']}: {edge['via']}")
            link.add("summary", f"shared by {edge['shared_by']}" if edge["shared_by"] else None)
        else:
            link.add("role", f"{edge['type']}: {edge['currency']}")
            link.add("summary", f"{edge['amount']:,.2f} {edge['currency']} in {edge['pieces']} payments")
        link.add("startDate", edge["first_date"])
        link.add("endDate", edge["last_date"])
        link.add("publisher", (edge["sources"] or "").split("; "))
        out.write(orjson.dumps(link.to_dict()) + b"\n")


def _entities(store: Store, viewer: Viewer, ids: list[str]) -> Iterator:
    with store.engine.connect() as conn:
        for start in range(0, len(ids), CHUNK):
            query = visible_statements(viewer, "export").where(S.canonical_id.in_(ids[start : start + CHUNK]))
            yield from group_entities(conn.execute(query.order_by(S.canonical_id, S.prop, S.value)))


ANX_ICONS = {"Person": "Person", "Company": "Organisation", "Organization": "Organisation", "LegalEntity": "Organisation",
             "BankAccount": "Bank Account", "Address": "Address", "Vessel": "Boat", "Vehicle": "Car"}


def _anx(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    """An i2 Analyst's Notebook chart: one icon per entity, one link per edge, provenance as attributes."""
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Chart", IdReferenceLinking="false"):
            classes = etree.Element("AttributeClassCollection")
            for name in (*NODE_FIELDS, *EDGE_FIELDS):
                etree.SubElement(classes, "AttributeClass", Name=name, Type="AttNumber" if name in NUMERIC else "AttText",
                                 ShowValue="true", Visible="false")
            xf.write(classes)
            icons = etree.Element("EntityTypeCollection")
            for icon in sorted(set(ANX_ICONS.values()) | {"Entity"}):
                etree.SubElement(icons, "EntityType", Name=icon, IconFile=icon)
            xf.write(icons)
            links = etree.Element("LinkTypeCollection")
            for link_type in sorted({e["type"] for e in edges}):
                etree.SubElement(links, "LinkType", Name=link_type, Colour="0")
            xf.write(links)
            with xf.element("ChartItemCollection"):
                for node_id, node in nodes.items():
                    item = etree.Element("ChartItem", Label=node["name"] or node_id)
                    entity = etree.SubElement(etree.SubElement(item, "End"), "Entity", EntityId=node_id, Identity=node_id,
                                              LabelIsIdentity="false")
                    etree.SubElement(etree.SubElement(entity, "Icon"), "IconStyle",
                                     Type=ANX_ICONS.get(node["schema"] or "", "Entity"))
                    xf.write(_with_attributes(item, node))
                for edge in edges:
                    item = etree.Element("ChartItem", Label=edge["type"],
                                         SourceReference=edge["evidence"] or "", SourceType=edge["sources"] or "")
                    link = etree.SubElement(item, "Link", End1Id=edge["source"], End2Id=edge["target"])
                    etree.SubElement(link, "LinkStyle", Type=edge["type"], ArrowStyle="ArrowNone",
                                     Strength="1" if float(edge["weight"]) >= 0.5 else "2")
                    xf.write(_with_attributes(item, edge, skip=("source", "target")))


def _with_attributes(item, values: dict, skip: tuple[str, ...] = ()):
    attributes = etree.SubElement(item, "AttributeCollection")
    for name, value in values.items():
        if value is not None and name not in skip:
            etree.SubElement(attributes, "Attribute", AttributeClass=name, Value=str(value))
    return item


WRITERS: dict[str, Callable[[dict, list[dict], IO[bytes]], None]] = {
    "graphml": _graphml, "gexf": _gexf, "csv": _csv, "anx": _anx,
}
FORMATS = ("graphml", "gexf", "ftm", "csv", "anx")
