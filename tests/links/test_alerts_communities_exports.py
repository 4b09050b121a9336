"""Nexus alerts, communities and exports of the link graph on hand-built worlds, on both databases:
what each viewer gets, what a release withholds, what review state survives a re-run."""

import io

import networkx as nx
import orjson
import pytest
from sqlalchemy import select, update

from nexus.model import Classification, Labels
from nexus.model.alerts import alert_key
from nexus.security import audit
from nexus.security.viewer import Viewer
from nexus.service.alerts import list_alerts, review_alert
from nexus.service.links import neighbours, nexus_communities
from nexus.service.links_export import export_graph
from nexus.service.nexus_alerts import raise_nexus_alerts
from nexus.store.schema import alerts, audit_log, statements

from test_links import INTERCEPT, LEAD, OPEN, POLICE, entity, load, person

R = Classification.RESTRICTED
ORCON = Labels("INTEL", R, releasable_to=("POLICE",), orcon=True)


@pytest.fixture
def two_rings(store, tmp_path):
    """A terror cell (t1, t2) tied by an intercepted phone (CEDAR) to a middleman x, who is family of the
    trafficker y; y's gang (y, g1, g2) apart. A second, unrelated ring (a, b, c) knows one another only."""
    load(store, tmp_path, "registry", OPEN, [
        person("t1", "Tariq One", "crime.terror"), person("t2", "Tamim Two", "crime.terror"),
        person("x", "Xavier Middle"), person("y", "Yuri Trafficker", "crime.traffick.drug"),
        person("g1", "Gleb Gang"), person("g2", "Grigor Gang"),
        person("a", "Anna"), person("b", "Boris"), person("c", "Clara"),
        entity("f1", "Family", person="t1", relative="t2", relationship="brother"),
        entity("f2", "Family", person="x", relative="y", relationship="cousin"),
        entity("s1", "Associate", person="y", associate="g1"), entity("s2", "Associate", person="y", associate="g2"),
        entity("s3", "Associate", person="g1", associate="g2"),
        entity("ab", "Associate", person="a", associate="b"), entity("bc", "Associate", person="b", associate="c"),
        entity("ca", "Associate", person="c", associate="a"),
    ])
    load(store, tmp_path, "intercepts", INTERCEPT, [person("t1", "Tariq One", phone="+44 20 7946 0001"),
                                                    person("x", "Xavier Middle", phone="+442079460001")])
    return store


def test_a_bridge_is_one_alert_that_keeps_its_review_until_new_evidence_strengthens_it(two_rings, tmp_path):
    home = tmp_path / "home"
    (alert,) = raise_nexus_alerts(two_rings, LEAD, home, limit=1)
    assert (alert["from"], alert["to"], alert["new"], alert["state"]) == ("t1", "y", True, "open")
    assert alert["path"]["entities"] == ["t1", "phone:442079460001", "x", "y"]
    assert alert["words"] == "Tariq One —phone (phone 442079460001)→ Xavier Middle —Family→ Yuri Trafficker"
    review_alert(two_rings, LEAD, alert["alert_id"], "confirmed", "x is the cell's courier")
    (again,) = raise_nexus_alerts(two_rings, LEAD, home, limit=1)
    assert (again["alert_id"], again["state"], again["new"]) == (alert["alert_id"], "confirmed", False)
    # A resolution run gives its ends new canonical ids: the same evidence is the same bridge, still reviewed.
    with two_rings.engine.begin() as conn:
        for record in ("t1", "y"):
            conn.execute(update(statements).where(statements.c.entity_id == record).values(canonical_id=f"nx-{record}"))
    audit.log_event(two_rings, LEAD, "resolve", {}, [])
    (resolved,) = raise_nexus_alerts(two_rings, LEAD, home, limit=1)
    assert (resolved["from"], resolved["to"]) == ("nx-t1", "nx-y")
    assert (resolved["alert_id"], resolved["state"], resolved["new"]) == (alert["alert_id"], "confirmed", False)
    # An alert raised when subjects named the ends keeps its review too: it is found by its evidence.
    with two_rings.engine.begin() as conn:
        fingerprint = conn.execute(select(alerts.c.fingerprint).where(alerts.c.id == alert["alert_id"])).scalar_one()
        conn.execute(update(alerts).where(alerts.c.id == alert["alert_id"]).values(
            subject="nexus/t1:y", key=alert_key("nexus", "nexus/t1:y", fingerprint)))
    (upgraded,) = raise_nexus_alerts(two_rings, LEAD, home, limit=1)
    assert (upgraded["alert_id"], upgraded["state"], upgraded["new"]) == (alert["alert_id"], "confirmed", False)
    # New evidence on the same bridge (a payment from t1 to x) strengthens it: a new alert to review.
    load(two_rings, tmp_path, "fiu", OPEN, [entity("p1", "Payment", payer="t1", beneficiary="x", amount="9000",
                                                   date="2025-05-01")])
    (stronger,) = raise_nexus_alerts(two_rings, LEAD, home, limit=1)
    assert stronger["new"] and stronger["alert_id"] != alert["alert_id"] and stronger["score"] > alert["score"]
    assert [e["type"] for e in stronger["path"]["other_edges"]] == ["Payment"]  # beside the phone, t1 to x
    states = {a["id"]: a["state"] for a in list_alerts(two_rings, LEAD, kind="nexus")}
    assert states == {alert["alert_id"]: "confirmed", stronger["alert_id"]: "open"}


def test_a_viewer_without_the_compartment_gets_no_alert_community_or_export_edge_that_reveals_the_tie(two_rings, tmp_path):
    home = tmp_path / "home"
    raise_nexus_alerts(two_rings, LEAD, home)
    assert raise_nexus_alerts(two_rings, POLICE, home) == []
    assert list_alerts(two_rings, POLICE, kind="nexus") == []
    assert nexus_communities(two_rings, POLICE, home) == []
    out = io.BytesIO()
    export_graph(two_rings, Viewer("e", "POLICE", frozenset({"analyst"}), R), home, "csv", out)
    assert b"phone:" not in out.getvalue() and b"Family" in out.getvalue()


def test_an_alert_s_score_and_paths_rest_only_on_what_it_cites_and_a_viewer_who_sees_less_gets_their_own(
        two_rings, tmp_path):
    """t1 is also y's uncle in an open file: the police see one path to y, the lead two (one through the
    intercepted phone). The lead's alert counts both, so it cites both and only the compartment sees it."""
    home = tmp_path / "home"
    load(two_rings, tmp_path, "family-file", OPEN, [entity("f3", "Family", person="t1", relative="y", relationship="uncle")])
    (lead,) = raise_nexus_alerts(two_rings, LEAD, home, limit=1)
    assert (lead["from"], lead["to"], lead["paths"]) == ("t1", "y", 2) and len(lead["other_paths"]) == 1
    assert lead["path"]["entities"] == ["t1", "y"]  # the best path is the open one
    (police,) = raise_nexus_alerts(two_rings, POLICE, home, limit=1)
    assert police["paths"] == 1 and police["other_paths"] == [] and police["score"] < lead["score"]
    assert police["alert_id"] != lead["alert_id"]
    assert [a["id"] for a in list_alerts(two_rings, POLICE, kind="nexus")] == [police["alert_id"]]
    kept = {a["id"]: a for a in list_alerts(two_rings, LEAD, kind="nexus")}
    assert kept[lead["alert_id"]]["score"] == lead["score"]  # the police's run changed nothing of the lead's


def test_communities_separate_the_rings_and_the_one_holding_both_sides_comes_first(two_rings, tmp_path):
    home = tmp_path / "home"
    # The cell and the gang are apart, joined by one bridge: two communities, neither holding both sides.
    assert nexus_communities(two_rings, LEAD, home) == []
    # Both terrorists meet y, and t2 meets x: the cell, its middleman and the trafficker become one community.
    load(two_rings, tmp_path, "surveillance", OPEN, [entity("m1", "Associate", person="t2", associate="y"),
                                                     entity("m2", "Associate", person="t2", associate="x"),
                                                     entity("m3", "Associate", person="t1", associate="y")])
    (both,) = nexus_communities(two_rings, LEAD, home)
    assert both["both_sides"] and both["from_side"] == ["t1", "t2"] and both["to_side"] == ["y"]
    every = nexus_communities(two_rings, LEAD, home, both_sides=False)
    members = [frozenset(c["members"]) for c in every]
    assert every[0]["id"] == both["id"] and frozenset({"a", "b", "c"}) in members
    assert not any({"a", "t1"} <= m or {"a", "y"} <= m for m in members)
    assert nexus_communities(two_rings, LEAD, home, both_sides=False) == every  # partitioned once, kept


def test_exports_read_back_in_gephi_formats_and_withhold_orcon(two_rings, tmp_path):
    home = tmp_path / "home"
    load(two_rings, tmp_path, "liaison", ORCON, [entity("u", "UnknownLink", subject="a", object="t2")])
    analyst = Viewer("e", "POLICE", frozenset({"analyst"}), Classification.SECRET, frozenset({"CEDAR"}), purpose="case 9")
    graphs = {}
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"graph.{fmt}"
        with out.open("wb") as fh:
            size = export_graph(two_rings, analyst, home, fmt, fh)
        graphs[fmt] = read(out)
        assert (graphs[fmt].number_of_nodes(), graphs[fmt].number_of_edges()) == (size["nodes"], size["edges"])
    graph = graphs["graphml"]
    assert not graph.has_edge("a", "t2")  # the ORCON tie is read, never released
    assert "t2" in {t["neighbour"] for t in neighbours(two_rings, analyst, home, "a")["ties"]}
    phone = graph.edges["t1", "x"]
    assert (phone["type"], phone["via"], phone["sources"]) == ("phone", "phone:442079460001", "intercepts")
    assert graph.nodes["y"]["name"] == "Yuri Trafficker" and graph.nodes["y"]["topics"] == "crime.traffick.drug"
    assert set(graphs["gexf"].edges) == set(graph.edges) or {frozenset(e) for e in graphs["gexf"].edges} == {
        frozenset(e) for e in graph.edges}
    out = io.BytesIO()
    export_graph(two_rings, analyst, home, "anx", out, entity_ids=("x",))
    chart = out.getvalue().decode()
    assert chart.count("<Link ") == 2 and 'End1Id="t1" End2Id="x"' in chart and "Xavier Middle" in chart
    out = io.BytesIO()
    export_graph(two_rings, analyst, home, "ftm", out)
    schemata = {e["id"]: e["schema"] for e in map(orjson.loads, out.getvalue().splitlines())}
    assert schemata["f2"] == "Family" and "u" not in schemata and schemata["t1"] == "Person"
    with two_rings.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.action == "links.export")).scalars().all()
    assert len(actions) == 4
