"""Typologies on a hand-built AMLworld feed: each pattern found once, with its accounts, transactions and
words; noise not flagged; alerts that keep their review across re-runs; a viewer below the feed's
classification raises nothing (both databases)."""

import json

import pytest
from lxml import etree
from feed import ANALYST, FEED, HEADER, load_feed, row
from typer.testing import CliRunner

from nexus.cli import app
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.alerts import review_alert
from nexus.service.detect import detect, goaml_report
from nexus.sources import get_format
from nexus.sources.goaml.schema import load_schema, schema_errors

runner = CliRunner()
def by_name(found):
    names = {}
    for alert in found:
        names.setdefault(alert["name"], []).append(alert)
    return names


@pytest.mark.sqlite_only
def test_cycles_of_two_and_four_payments_and_one_that_closes_too_late(store, tmp_path):
    store, home = load_feed(store, tmp_path, [
        row("01 09:00", "D1", "D2", 8000), row("02 09:00", "D2", "D1", 7900),
        row("03 09:00", "E1", "E2", 30000), row("03 15:00", "E2", "E3", 29800), row("04 09:00", "E3", "E4", 29600),
        row("05 09:00", "E4", "E1", 29400),
        # the same ring, closed eleven days after it opened: outside the ten-day window
        row("10 09:00", "L1", "L2", 6000), row("11 09:00", "L2", "L3", 5900), row("12 09:00", "L3", "L4", 5800),
        row("21 10:00", "L4", "L1", 5700),
    ], "bank-c")
    cycles = sorted(by_name(detect(store, ANALYST, home))["cycle"], key=lambda c: c["accounts"])
    assert [c["accounts"] for c in cycles] == [["D1", "D2"], ["E1", "E2", "E3", "E4"]]
    assert [len(c["transactions"]) for c in cycles] == [2, 4]


@pytest.mark.sqlite_only
def test_a_cycle_in_two_currencies_says_each_amount_in_its_own(store, tmp_path):
    store, home = load_feed(store, tmp_path, [
        row("01 09:00", "X1", "X2", 5000), row("01 11:00", "X2", "X3", 4500, "Euro"),
        row("01 15:00", "X3", "X1", 4400, "Euro")], "bank-fx")
    (cycle,) = by_name(detect(store, ANALYST, home))["cycle"]
    assert cycle["explanation"].endswith("(5,000.00 US Dollar out, 4,400.00 Euro back)")


def test_each_typology_finds_its_pattern_and_nothing_else(ledger):
    store, home = ledger
    found = by_name(detect(store, ANALYST, home))
    assert sorted(found) == ["bipartite", "cycle", "fan-in", "fan-out", "gather-scatter", "pass-through", "scatter-gather",
                             "stack", "structuring"]
    subjects = {name: {a["accounts"][0]: a for a in alerts} for name, alerts in found.items()}
    assert sorted(subjects["fan-out"]) == ["F0", "H0"] and sorted(subjects["fan-in"]) == ["G0", "H0"]
    fan_out = subjects["fan-out"]["F0"]
    assert len(fan_out["transactions"]) == 6
    assert fan_out["explanation"].startswith("account F0 paid 6 accounts within 5 hours")
    assert len(subjects["fan-in"]["G0"]["accounts"]) == 7
    (cycle,) = found["cycle"]
    assert cycle["accounts"] == ["C1", "C2", "C3"] and len(cycle["transactions"]) == 3
    assert cycle["score"] == pytest.approx(49000 / 50000 * 0.9)
    (structuring,) = found["structuring"]
    assert structuring["accounts"][0] == "S0" and len(structuring["transactions"]) == 4
    assert structuring["explanation"].startswith("account S0 made 4 payments between 9,000 and 10,000 US Dollar")
    scatter = subjects["scatter-gather"]["Q0"]  # each of the stack's first payers scatters too, over its middle layer
    assert sorted(subjects["scatter-gather"]) == ["K1", "K2", "K3", "Q0"] and len(found["scatter-gather"]) == 10
    assert scatter["accounts"] == ["Q0", "QM0", "QM1", "QM2", "Q9"] and len(scatter["transactions"]) == 6
    assert scatter["explanation"].startswith("Q0 scattered 12,000.00 over 3 accounts that gathered 11,700.00 into Q9")
    (gather,) = found["gather-scatter"]
    assert gather["accounts"][0] == "H0" and len(gather["transactions"]) == 12
    # P0 passes money through, and so do the cycle's and the scatter's intermediaries
    passing = subjects["pass-through"]
    assert sorted(passing) == ["C2", "C3", "P0", "QM0", "QM1", "QM2"] and passing["P0"]["accounts"] == ["P0", "PX", "PY"]
    assert passing["P0"]["explanation"] == ("account P0 received 20,000.00 US Dollar from PX and sent 19,500.00 on to PY "
                                            "within 6 hours")
    assert not any(a.startswith("N") for alert in sum(found.values(), []) for a in alert["accounts"])
    layers = {tuple(a["accounts"][:3]): a for a in found["bipartite"]}
    assert sorted(layers) == [("B1", "B2", "B3"), ("K1", "K2", "K3"), ("KM1", "KM2", "KM3")]
    bipartite = layers[("B1", "B2", "B3")]
    assert bipartite["accounts"][3:] == ["BT1", "BT2", "BT3"] and len(bipartite["transactions"]) == 9
    assert bipartite["explanation"].startswith("3 accounts (B1, B2, B3) each paid several of the same 3 accounts (BT1, BT2, BT3)")
    (stack,) = found["stack"]
    assert stack["accounts"] == ["K1", "K2", "K3", "KM1", "KM2", "KM3", "KT1", "KT2", "KT3"]
    assert len(stack["transactions"]) == 18 and stack["explanation"].startswith(
        "money paid by 3 accounts to 3 was paid on by 3 of those to 3 more")


def test_a_re_run_keeps_the_review_and_a_viewer_below_the_classification_gets_nothing(ledger):
    store, home = ledger
    first = {a["name"]: a for a in detect(store, ANALYST, home)}
    review_alert(store, ANALYST, first["cycle"]["id"], "confirmed", "round-tripping via C2 and C3")
    again = {a["name"]: a for a in detect(store, ANALYST, home)}
    assert again["cycle"]["id"] == first["cycle"]["id"] and again["cycle"]["state"] == "confirmed"
    assert detect(store, Viewer("p", "FIU", frozenset({"analyst"}), Classification.RESTRICTED), home) == []


def test_nexus_detect_writes_json_lines(workspace, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + "\n".join(FEED) + "\n")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "amlworld", str(path), "--source", "bank-a", "--agency", "FIU"]).exit_code == 0
    out = tmp_path / "alerts.jsonl"
    result = runner.invoke(app, ["detect", "--output", str(out), "--purpose", "weekly typologies"])
    assert result.exit_code == 0, result.output
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    assert {a["name"] for a in alerts} == {"bipartite", "cycle", "fan-in", "fan-out", "gather-scatter", "pass-through",
                                           "scatter-gather", "stack", "structuring"}
    assert all({"id", "kind", "name", "accounts", "transactions", "score", "explanation"} <= set(a) for a in alerts)
    assert {a["kind"] for a in alerts} == {"typology"}
    cycle = next(a for a in alerts if a["name"] == "cycle")
    report = tmp_path / "cycle.xml"
    written = runner.invoke(app, ["alerts", "goaml", str(cycle["id"]), "--rentity-id", "4411", "--output", str(report)])
    assert written.exit_code == 0, written.output
    assert report.read_text().count("<transaction>") == 3 and "<entity_reference>NEXUS-ALERT-" in report.read_text()


def test_a_typology_alert_becomes_a_goaml_report_valid_against_5_0_2(ledger, shared_data, tmp_path):
    store, home = ledger
    alerts = {a["name"]: a for a in detect(store, ANALYST, home)}
    path = tmp_path / "cycle.xml"
    path.write_bytes(goaml_report(store, ANALYST, home, alerts["cycle"]["id"], rentity_id="4411"))
    schema = shared_data / "goaml" / "goAMLSchema-5.0.2.xsd"
    assert schema_errors(load_schema(schema), etree.parse(str(path))) == []
    (record,) = get_format("goaml").read(path, schema=schema)
    payments = [e for e in record.entities if e.schema.name == "Payment"]
    assert sorted(p.first("amount") for p in payments) == ["49000.00", "49500.00", "50000.00"]
    assert {p.first("currency") for p in payments} == {"USD"}
    assert {p.first("transactionNumber") for p in payments} == set(alerts["cycle"]["transactions"])


def test_a_span_is_never_said_shorter_than_it_was():
    from datetime import datetime, timedelta

    from nexus.detect.typologies import _span

    start = datetime(2024, 3, 5, 9)
    said = [_span({"start": start, "finish": start + timedelta(hours=h)}) for h in (0, 0.5, 1, 4.5, 47, 48, 55, 72)]
    assert said == ["1 hour", "1 hour", "1 hour", "5 hours", "47 hours", "2 days", "2 days 7 hours", "3 days"]
