"""The stable command-line interfaces, end to end on a workspace (SQLite and PostgreSQL)."""

import csv
import json

import orjson
from typer.testing import CliRunner

from nexus.cli import app

runner = CliRunner()


def nexus(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_export_stats_and_screen(workspace, shared_data, tmp_path):
    zala = shared_data / "ftm" / "zala_entities.ftm.json"
    un_list = shared_data / "sanctions" / "un_consolidated_2017.xml"
    nexus("ingest", "ftm", str(zala), "--source", "zala", "--agency", "OPENSANCTIONS")
    nexus("ingest", "un-sc", str(un_list), "--source", "un-sc", "--list", "--classification", "UNCLASSIFIED")
    assert "unchanged" in nexus("ingest", "ftm", str(zala), "--source", "zala")

    stats = json.loads(nexus("stats", "--json"))
    assert stats["entities"]["Person"] == 650 + 6
    assert stats["entities"]["Organization"] == 371
    assert set(stats["sources"]) == {"zala", "un-sc"}

    out = tmp_path / "all.ftm.json"
    nexus("export", "ftm", "--output", str(out))
    exported = {e["id"]: e for e in map(orjson.loads, out.read_bytes().splitlines())}
    source_ids = {orjson.loads(line)["id"] for line in zala.read_bytes().splitlines()}
    assert source_ids <= set(exported)  # FtM entities keep their ids before resolution
    assert sum(1 for e in exported.values() if e["schema"] == "Person") == 656
    # each with its provenance beside its properties
    assert {(tuple(e["sources"]), e["classification"]) for e in exported.values()} >= {(("zala",), "RESTRICTED")}
    assert all(e["agencies"] and e["first_seen"] <= e["last_seen"] for e in exported.values())

    queries = tmp_path / "queries.csv"
    queries.write_text("id,name,birth_date\nq1,ABU MOHAMMED AL-JAWLANI,\nq2,Zzyzx Qwerty,1990\n"
                       "=cmd|' /C calc'!A0,ABU MOHAMMED AL-JAWLANI,\n", encoding="utf-8")
    hits = tmp_path / "hits.csv"
    nexus("screen", "--input", str(queries), "--output", str(hits))
    rows = list(csv.DictReader(hits.open(encoding="utf-8")))
    assert list(rows[0]) == ["query_id", "entity_id", "score", "caption", "explanation"]
    assert {r["query_id"] for r in rows} == {"q1", "'=cmd|' /C calc'!A0"}  # no spreadsheet runs a query's id
    rows = [r for r in rows if r["query_id"] == "q1"]
    assert rows[0]["entity_id"] in exported and float(rows[0]["score"]) >= 0.68
