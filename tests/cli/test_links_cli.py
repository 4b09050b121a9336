"""`nexus links …` as a user runs it: the JSON interfaces other tools read, and errors in one line (both databases)."""

import json

import orjson
import pytest
from typer.testing import CliRunner

from nexus.cli import app, main

runner = CliRunner()


def nexus(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def holdings(workspace, tmp_path):
    entities = [
        {"id": "t", "schema": "Person", "properties": {"name": ["Tariq Terror"], "topics": ["crime.terror"],
                                                       "phone": ["+44 20 7946 0001"]}},
        {"id": "x", "schema": "Person", "properties": {"name": ["Xavier Middle"], "phone": ["+442079460001"]}},
        {"id": "y", "schema": "Person", "properties": {"name": ["Yuri Trafficker"], "topics": ["crime.traffick.drug"]}},
        {"id": "f", "schema": "Family", "properties": {"person": ["x"], "relative": ["y"]}},
    ]
    path = tmp_path / "police.ftm.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    nexus("init")
    nexus("ingest", "ftm", str(path), "--source", "police")
    return workspace


def test_paths_as_json_with_topic_prefixes_and_the_shared_identifier_between(holdings):
    paths = json.loads(nexus("links", "paths", "--from-topic", "crime.terror", "--to-topic", "crime.traffick",
                             "--max-hops", "4", "--limit", "5", "--json", "--purpose", "case 7"))
    (path,) = paths
    assert path["entities"] == ["t", "phone:442079460001", "x", "y"]
    assert [(e["type"], round(e["weight"], 2)) for e in path["edges"]] == [("phone", 0.8), ("Family", 0.9)]
    assert path["score"] > 0
    by_id = json.loads(nexus("links", "paths", "--from-entity", "t", "--to-entity", "y", "--json"))
    assert [p["entities"] for p in by_id] == [path["entities"]]
    assert json.loads(nexus("links", "paths", "--from-entity", "t", "--to-entity", "y", "--max-hops", "1", "--json")) == []


def test_build_brokers_and_neighbours(holdings):
    assert "link graph built" in nexus("links", "build")
    assert "kept, current" in nexus("links", "build")
    (broker,) = json.loads(nexus("links", "brokers", "--json"))
    assert broker["id"] == "x" and broker["roles"] == {"liaison": 1}
    found = json.loads(nexus("links", "neighbours", "x", "--json"))
    assert {t["neighbour"]: t["link_type"] for t in found["ties"]} == {"t": "phone", "y": "Family"}
    assert [t["neighbour"] for t in json.loads(nexus("links", "neighbours", "x", "--type", "Family", "--json"))["ties"]] == ["y"]


def test_an_unknown_entity_is_one_line_naming_it(holdings, capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["nexus", "links", "neighbours", "nobody"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == "error: entity or shared identifier 'nobody' not found"


def test_communities_hold_both_sides(holdings):
    (community,) = json.loads(nexus("links", "communities", "--json"))
    assert community["both_sides"] and community["from_side"] == ["t"] and community["to_side"] == ["y"]
    assert set(community["members"]) == {"t", "x", "y"} and community["size"] == 3
    assert "no community holds both sides" in nexus("links", "communities", "--to-topic", "crime.fin")


def test_alerts_are_raised_once_and_keep_their_review(holdings):
    (alert,) = json.loads(nexus("links", "alerts", "--json", "--purpose", "weekly nexus review"))
    assert alert["new"] and alert["state"] == "open"
    assert (alert["from"], alert["to"], alert["paths"]) == ("t", "y", 1)
    assert alert["words"].startswith("Tariq Terror —phone") and alert["words"].endswith("Yuri Trafficker")
    assert [n["id"] for n in alert["subgraph"]["nodes"]] == ["t", "phone:442079460001", "x", "y"]
    nexus("alerts", "review", str(alert["alert_id"]), "--decision", "confirmed", "--reason", "known courier")
    (again,) = json.loads(nexus("links", "alerts", "--json"))
    assert (again["alert_id"], again["state"], again["new"]) == (alert["alert_id"], "confirmed", False)
    listed = [json.loads(line) for line in nexus("alerts", "list", "--kind", "nexus", "--json").splitlines()]
    assert [a["id"] for a in listed] == [alert["alert_id"]]


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv", "anx", "ftm"])
def test_exports_carry_every_edge_with_its_provenance(holdings, tmp_path, fmt):
    out = tmp_path / f"graph.{fmt}"
    nexus("links", "export", "--format", fmt, "--output", str(out))
    text = out.read_text()
    if fmt == "ftm":
        entities = [json.loads(line) for line in text.splitlines()]
        assert {e["id"] for e in entities if e["schema"] == "Person"} == {"t", "x", "y"}
        (link,) = [e for e in entities if e["schema"] == "UnknownLink"]
        assert link["properties"]["role"] == ["phone: phone:442079460001"]
        assert link["properties"]["publisher"] == ["police"]
        assert any(e["id"] == "f" and e["schema"] == "Family" for e in entities)
        return
    assert all(word in text for word in ("phone:442079460001", "police", "Family", "Xavier Middle", "Tariq Terror"))


def test_a_shells_standing_purpose_is_recorded_and_a_shared_identifier_lists_who_shares_it(holdings, monkeypatch):
    from sqlalchemy import select

    from nexus.service.workspace import open_store
    from nexus.store.schema import audit_log

    monkeypatch.setenv("NEXUS_PURPOSE", "operation cedar")
    shared = json.loads(nexus("links", "neighbours", "phone:442079460001", "--json"))
    assert shared["node"]["kind"] == "identifier" and [t["neighbour"] for t in shared["ties"]] == ["t", "x"]
    nexus("links", "neighbours", "x", "--purpose", "case 7")
    with open_store().engine.connect() as conn:
        purposes = conn.execute(select(audit_log.c.purpose).where(audit_log.c.action == "links.neighbours")
                                .order_by(audit_log.c.seq)).scalars().all()
    assert purposes == ["operation cedar", "case 7"]


def test_an_export_into_a_folder_that_does_not_exist_is_one_line_naming_it(holdings, capsys, monkeypatch, tmp_path):
    target = tmp_path / "missing" / "graph.csv"
    monkeypatch.setattr("sys.argv", ["nexus", "links", "export", "--format", "csv", "--output", str(target)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == f"error: {target}: the folder {target.parent} does not exist"
