"""Lists by default, screening the holdings into alerts and reviewing them, errors in one line (both databases)."""

import csv
import json
import re

import orjson
import pytest
from typer.testing import CliRunner

from nexus.cli import app, main

runner = CliRunner()


def nexus(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def refused(capsys, monkeypatch, *args: str) -> str:
    """Run `nexus ARGS` as the console script does; returns its one-line error."""
    monkeypatch.setattr("sys.argv", ["nexus", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    return line


@pytest.fixture
def un_list(shared_data, tmp_path):
    """The UN list cut to two listings (one of them Abu Mohammed al-Jawlani), for speed."""
    text = (shared_data / "sanctions" / "un_consolidated_2017.xml").read_text(encoding="utf-8")
    listings = re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", text, re.DOTALL)
    wanted = [x for x in listings if "AL-JAWLANI" in x][:1] + listings[:1]
    path = tmp_path / "un.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST><INDIVIDUALS>'
                    + "".join(wanted) + "</INDIVIDUALS></CONSOLIDATED_LIST>", encoding="utf-8")
    return path


def test_screening_with_no_list_sources_is_an_error_that_says_how_to_fix_it(workspace, un_list, capsys, monkeypatch):
    nexus("ingest", "un-sc", str(un_list), "--source", "un", "--not-list")
    assert "un-sc" in nexus("sources") and "yes" not in nexus("sources")
    message = refused(capsys, monkeypatch, "screen")
    assert message.startswith("error: no list sources") and "nexus ingest un-sc" in message and "--list" in message


def test_a_sanctions_list_is_a_list_and_its_hits_are_alerts_to_review(workspace, un_list, tmp_path, capsys, monkeypatch):
    nexus("ingest", "un-sc", str(un_list), "--source", "un", "--classification", "UNCLASSIFIED")
    holdings = tmp_path / "holdings.json"
    holdings.write_bytes(orjson.dumps({"id": "c1", "schema": "Person", "properties": {"name": ["Abu Mohammed al-Jawlani"]}}))
    nexus("ingest", "ftm", str(holdings), "--source", "customers", "--agency", "BANK")
    assert re.search(r"un\s.*un-sc.*yes", nexus("sources"))

    out = runner.invoke(app, ["screen"], catch_exceptions=False)
    assert out.exit_code == 0 and "1 hits for 1 names" in out.output and "1 open" in out.output
    (alert,) = [json.loads(line) for line in nexus("alerts", "list", "--json", "--kind", "screening").splitlines()]
    assert alert["state"] == "open" and "al-Jawlani" in alert["title"]
    shown = nexus("alerts", "show", str(alert["id"]))
    assert "state: open" in shown and "c1" in shown

    assert "needs its reason" in refused(capsys, monkeypatch, "alerts", "review", str(alert["id"]), "--decision", "dismissed")
    nexus("alerts", "review", str(alert["id"]), "--decision", "dismissed", "--reason", "a customer of the same name")
    out = runner.invoke(app, ["screen"], catch_exceptions=False)
    assert "0 hits" in out.output
    assert "open → dismissed: a customer of the same name" in nexus("alerts", "show", str(alert["id"]))
    assert refused(capsys, monkeypatch, "alerts", "show", "999999") == "error: no alert 999999"


def test_file_screening_raises_alerts_when_asked_and_judge_hit_reviews_them(workspace, un_list, tmp_path):
    nexus("ingest", "un-sc", str(un_list), "--source", "un")
    queries = tmp_path / "queries.csv"
    queries.write_text("id,name\nq1,ABU MOHAMMED AL-JAWLANI\n", encoding="utf-8")
    hits = tmp_path / "hits.csv"
    nexus("screen", "--input", str(queries), "--output", str(hits), "--details")
    assert nexus("alerts", "list", "--json") == ""
    nexus("screen", "--input", str(queries), "--output", str(hits), "--details", "--alerts")
    (hit,) = csv.DictReader(hits.open(encoding="utf-8"))
    assert hit["alert_state"] == "open"
    nexus("judge-hit", hit["query_key"], hit["entity_id"], hit["fingerprint"], "--decision", "confirmed", "--reason", "same date of birth")
    (alert,) = [json.loads(line) for line in nexus("alerts", "list", "--json").splitlines()]
    assert alert["id"] == int(hit["alert_id"]) and alert["state"] == "confirmed"
