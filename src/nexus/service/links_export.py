"""Exporting the link graph in the formats analysts already use: GraphML and GEXF (Gephi), FtM JSON lines
(Aleph), a CSV edge list and an i2 Analyst's Notebook chart (ANX).

An export is a release: it needs the export role and is built from the statements the viewer
may export (ORCON withheld, as `nexus export ftm` withholds it), so an edge resting only on
originator-controlled evidence is not in the file. Every edge carries its provenance: type,
weight, the identifier or hub shared, sources, agencies, evidence ids, dates and classification; every
entity its sources, agencies and classification (`export_marks`), and every file the highest classification it
holds. Text is written as the format can hold it: what XML forbids is replaced, a CSV cell a spreadsheet would
run is quoted.
"""

import csv
import functools
import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import IO

import orjson
import pyarrow as pa
from followthemoney import EntityProxy, model
from lxml import etree
from sqlalchemy import Connection, func

from nexus.errors import InvalidInput, NotFound
from nexus.links.query import canonical_id, node_details
from nexus.model.labels import Classification
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.entities import S, visible_statements
from nexus.service.export_marks import csv_cell, highest, marked_entities, provenance, xml_text
from nexus.service.links import viewer_graph
from nexus.store import Store

CHUNK = 1000
GRAPH_FIELDS = ("schema", "name", "topics")  # what the graph knows of an entity; the store adds its marks
NODE_FIELDS = (*GRAPH_FIELDS, "classification", "sources", "agencies")
EDGE_FIELDS = ("type", "weight", "via", "currency", "pieces", "shared_by", "amount", "first_date", "last_date",
               "classification", "sources", "agencies", "evidence")
NUMERIC = {"weight": "double", "pieces": "long", "shared_by": "long", "amount": "double"}


def export_graph(store: Store, viewer: Viewer, home: Path, fmt: str, out: IO[bytes],
                 entity_ids: tuple[str, ...] = ()) -> dict:
    """Write the viewer's exportable graph (or the ties of ``entity_ids``) to ``out`` in ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"must be one of {', '.join(FORMATS)}, not {fmt!r}", field="format")
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
    nodes = {k: {f: _text(v[f]) for f in GRAPH_FIELDS} for k, v in sorted(nodes.items())}
    if fmt == "ftm":  # the graph's entities, as the store holds them
        _ftm(store, viewer, nodes, edges, out)
    else:
        WRITERS[fmt](_marked_nodes(store, viewer, nodes), edges, out)
    audit.log_event(store, viewer, "links.export", {"purpose": viewer.purpose, "format": fmt, "entities": list(entity_ids),
                                                    "nodes": len(nodes), "edges": len(edges)}, sorted(nodes))
    return {"nodes": len(nodes), "edges": len(edges)}


def _edge(row: dict) -> dict:
    edge = {"source": row["source_id"], "target": row["target_id"], "type": row["link_type"]}
    edge |= {f: _text(row[f]) if f not in NUMERIC else row[f] for f in EDGE_FIELDS if f != "type"}
    return edge | {"classification": Classification(row["classification"]).name}


def _text(value) -> str | None:
    return "; ".join(value) if isinstance(value, list) else value


def _split(text: str | None) -> list[str]:
    return text.split("; ") if text else []


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _marked_nodes(store: Store, viewer: Viewer, nodes: dict) -> dict:
    """``nodes`` with the marks of the statements the viewer may export about each entity: its name, schema and
    topics rest on them, and its being in the graph at all, so a name only a SECRET source gives is SECRET."""
    with store.engine.connect() as conn:
        marks = {k: v for chunk in _chunks(list(nodes)) for k, v in _provenance(conn, viewer, chunk).items()}
    return {k: v | {f: _text(marks.get(k, {}).get(f)) for f in NODE_FIELDS if f not in GRAPH_FIELDS}
            for k, v in nodes.items()}


def _provenance(conn: Connection, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
    labels = (S.canonical_id, S.source, S.agency, S.classification)
    query = visible_statements(viewer, "export").where(S.canonical_id.in_(ids)).with_only_columns(
        *labels, func.min(S.first_seen).label("first_seen"), func.max(S.last_seen).label("last_seen"),
    ).group_by(*labels).order_by(S.canonical_id)
    return {k: provenance(rows) for k, rows in groupby(conn.execute(query), key=attrgetter("canonical_id"))}


def _highest(nodes: dict, edges: list[dict]) -> str:
    return highest(item["classification"] for item in (*nodes.values(), *edges))


def _xml_safe(write: Callable) -> Callable:
    """``write`` given only text XML 1.0 allows: lxml refuses the rest (a control character, or U+FFFE, which FtM
    keeps in names) and the export would stop half-written."""
    def clean(values: dict) -> dict:
        return {k: xml_text(v) if isinstance(v, str) else v for k, v in values.items()}

    @functools.wraps(write)
    def safe(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
        write({xml_text(k): clean(v) for k, v in nodes.items()}, [clean(e) for e in edges], out)
    return safe


@_xml_safe
def _graphml(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    ns = "http://graphml.graphdrawing.org/xmlns"
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("graphml", xmlns=ns):
            for scope, fields in (("graph", ("classification",)), ("node", NODE_FIELDS), ("edge", EDGE_FIELDS)):
                for name in fields:
                    xf.write(etree.Element("key", id=f"{scope}_{name}", attrib={
                        "for": scope, "attr.name": name, "attr.type": NUMERIC.get(name, "string")}))
            with xf.element("graph", id="nexus", edgedefault="undirected"):
                marking = etree.Element("data", key="graph_classification")
                marking.text = _highest(nodes, edges)
                xf.write(marking)
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


@_xml_safe
def _gexf(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    types = {"double": "double", "long": "long"}
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("gexf", xmlns="http://gexf.net/1.3", version="1.3"):
            meta = etree.Element("meta", lastmodifieddate=datetime.now(UTC).date().isoformat())
            etree.SubElement(meta, "creator").text = "Nexus"
            etree.SubElement(meta, "description").text = f"classification: {_highest(nodes, edges)}"
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
    """One row per edge with the names of its ends. A row's classification is the highest of its edge's and its
    ends' (it shows their names), so the highest in the file is the file's; a text cell a spreadsheet would run
    is quoted."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(["source", "source_name", "target", "target_name", *EDGE_FIELDS])
    for edge in edges:
        source, target = nodes.get(edge["source"], {}), nodes.get(edge["target"], {})
        marked = edge | {"classification": highest([edge["classification"], source.get("classification"),
                                                    target.get("classification")])}
        row = [edge["source"], source.get("name"), edge["target"], target.get("name"), *(marked[f] for f in EDGE_FIELDS)]
        writer.writerow([csv_cell(value) for value in row])
    text.flush()
    text.detach()


def _ftm(store: Store, viewer: Viewer, nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    """The graph's entities and the relationship entities its edges rest on, as exported by `nexus export ftm`,
    each marked with its provenance; a tie through a shared identifier, hub or place, and the ledger's money
    between two accounts become UnknownLinks naming what they are. A ledger tie sums many payments (total, count,
    first and last day, per currency), which no one FtM Payment states; a Payment holds one payment between
    accounts well (`payerAccount`, `beneficiaryAccount`), and `nexus alerts export` writes an alert's that way."""
    relationships = {ref for e in edges if not _unknown(e) for ref in _split(e["evidence"])}
    for entity in _entities(store, viewer, sorted(set(nodes) | relationships)):
        out.write(orjson.dumps(entity.to_dict()) + b"\n")
    for edge in filter(_unknown, edges):
        out.write(orjson.dumps(_unknown_link(edge).to_dict()) + b"\n")


def _unknown(edge: dict) -> bool:
    """Whether no relationship entity holds the edge: a shared identifier, hub or place, or the ledger's money."""
    return edge["via"] is not None or edge["currency"] is not None


def _unknown_link(edge: dict) -> EntityProxy:
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
    link.add("publisher", _split(edge["sources"]))
    link.context.update(sources=_split(edge["sources"]), agencies=_split(edge["agencies"]),
                        classification=edge["classification"])  # marked as `marked_entities` marks the others
    return link


def _entities(store: Store, viewer: Viewer, ids: list[str]) -> Iterator[EntityProxy]:
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            query = visible_statements(viewer, "export").where(S.canonical_id.in_(chunk))
            yield from marked_entities(conn.execute(query.order_by(S.canonical_id, S.prop, S.value)))


ANX_ICONS = {"Person": "Person", "Company": "Organisation", "Organization": "Organisation", "LegalEntity": "Organisation",
             "BankAccount": "Bank Account", "Address": "Address", "Vessel": "Boat", "Vehicle": "Car"}


@_xml_safe
def _anx(nodes: dict, edges: list[dict], out: IO[bytes]) -> None:
    """An i2 Analyst's Notebook chart: one icon per entity, one link per edge, provenance as attributes, the highest
    classification as a custom property of the chart's summary."""
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Chart", IdReferenceLinking="false"):
            for element in _anx_definitions(edges):
                xf.write(element)
            xf.write(_anx_summary(_highest(nodes, edges)))
            with xf.element("ChartItemCollection"):
                for node_id, node in nodes.items():
                    xf.write(_anx_entity(node_id, node))
                for edge in edges:
                    xf.write(_anx_link(edge))


def _anx_definitions(edges: list[dict]) -> Iterator:
    """The chart's attribute classes (one per name: entities and links share classification, sources and
    agencies), icons and link types."""
    classes = etree.Element("AttributeClassCollection")
    for name in dict.fromkeys((*NODE_FIELDS, *EDGE_FIELDS)):
        etree.SubElement(classes, "AttributeClass", Name=name, Type="AttNumber" if name in NUMERIC else "AttText",
                         ShowValue="true", Visible="false")
    yield classes
    icons = etree.Element("EntityTypeCollection")
    for icon in sorted(set(ANX_ICONS.values()) | {"Entity"}):
        etree.SubElement(icons, "EntityType", Name=icon, IconFile=icon)
    yield icons
    links = etree.Element("LinkTypeCollection")
    for link_type in sorted({e["type"] for e in edges}):
        etree.SubElement(links, "LinkType", Name=link_type, Colour="0")
    yield links


def _anx_summary(classification: str):
    summary = etree.Element("Summary")
    properties = etree.SubElement(summary, "CustomPropertyCollection")
    etree.SubElement(properties, "CustomProperty", Name="classification", Type="String", Value=classification)
    return summary


def _anx_entity(node_id: str, node: dict):
    item = etree.Element("ChartItem", Label=node["name"] or node_id)
    entity = etree.SubElement(etree.SubElement(item, "End"), "Entity", EntityId=node_id, Identity=node_id,
                              LabelIsIdentity="false")
    etree.SubElement(etree.SubElement(entity, "Icon"), "IconStyle", Type=ANX_ICONS.get(node["schema"] or "", "Entity"))
    return _with_attributes(item, node)


def _anx_link(edge: dict):
    item = etree.Element("ChartItem", Label=edge["type"], SourceReference=edge["evidence"] or "",
                         SourceType=edge["sources"] or "")
    link = etree.SubElement(item, "Link", End1Id=edge["source"], End2Id=edge["target"])
    etree.SubElement(link, "LinkStyle", Type=edge["type"], ArrowStyle="ArrowNone",
                     Strength="1" if float(edge["weight"]) >= 0.5 else "2")
    return _with_attributes(item, edge, skip=("source", "target"))


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
