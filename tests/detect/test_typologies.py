"""Typologies on a hand-built AMLworld feed: each pattern found once, with its accounts, transactions and
words; noise not flagged; alerts that keep their review across re-runs; a viewer below the feed's
classification raises nothing (both databases)."""

import json

import pytest
from typer.testing import CliRunner

from nexus.cli import app
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.alerts import review_alert
from nexus.service.detect import detect
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions

runner = CliRunner()
HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering\n")
ANALYST = Viewer("a", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="weekly typologies")


def row(when, payer, payee, amount, currency="US Dollar", how="Wire"):
    return f"2022/09/{when},001,{payer},001,{payee},{amount},{currency},{amount},{currency},{how},0"


FEED = [
    # fan-out: F pays six accounts within a day
    *(row(f"01 0{h}:00", "F0", f"FO{h}", 1000 + h) for h in range(6)),
    # fan-in: six accounts pay G within two days
    *(row(f"0{2 + h // 4} 1{h}:00", f"GI{h}", "G0", 700 + h) for h in range(6)),
    # a cycle of three: C1 → C2 → C3 → C1, each later, amounts kept
    row("03 09:00", "C1", "C2", 50000), row("03 15:00", "C2", "C3", 49500), row("04 10:00", "C3", "C1", 49000),
    # structuring: S0 pays just under 10,000 four times in three days
    *(row(f"0{5 + d} 10:00", "S0", f"SX{d}", 9500 + 100 * d) for d in range(4)),
    # pass-through: P0 receives 20,000 and sends 19,500 on within six hours
    row("08 08:00", "PX", "P0", 20000), row("08 14:00", "P0", "PY", 19500),
    # noise: ordinary payments
    row("09 10:00", "N1", "N2", 120), row("09 11:00", "N2", "N3", 80), row("10 12:00", "N3", "N4", 3000),
]


@pytest.fixture
def ledger(store, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + "\n".join(FEED) + "\n")
    home = tmp_path / "home"
    ingest_transactions(store, ANALYST, path, "bank-a", home, LabelChanges(agency="FIU", classification="SECRET"))
    return store, home


def by_name(found):
    names = {}
    for alert in found:
        names.setdefault(alert["name"], []).append(alert)
    return names


def test_each_typology_finds_its_pattern_and_nothing_else(ledger):
    store, home = ledger
    found = by_name(detect(store, ANALYST, home))
    assert sorted(found) == ["cycle", "fan-in", "fan-out", "pass-through", "structuring"]
    (fan_out,) = found["fan-out"]
    assert fan_out["accounts"][0] == "F0" and len(fan_out["transactions"]) == 6
    assert fan_out["explanation"].startswith("account F0 paid 6 accounts within 5 hours")
    (fan_in,) = found["fan-in"]
    assert fan_in["accounts"][0] == "G0" and len(fan_in["accounts"]) == 7
    (cycle,) = found["cycle"]
    assert cycle["accounts"] == ["C1", "C2", "C3"] and len(cycle["transactions"]) == 3
    assert cycle["score"] == pytest.approx(49000 / 50000 * 0.9)
    (structuring,) = found["structuring"]
    assert structuring["accounts"][0] == "S0" and len(structuring["transactions"]) == 4
    assert structuring["explanation"].startswith("account S0 made 4 payments between 9,000 and 10,000 US Dollar")
    # P0 passes money through, and so do C2 and C3 on the legs of the cycle
    passing = {a["accounts"][0]: a for a in found["pass-through"]}
    assert sorted(passing) == ["C2", "C3", "P0"] and passing["P0"]["accounts"] == ["P0", "PX", "PY"]
    assert passing["P0"]["explanation"] == ("account P0 received 20,000.00 US Dollar from PX and sent 19,500.00 on to PY "
                                            "within 6 hours")
    assert not any(a.startswith("N") for alert in sum(found.values(), []) for a in alert["accounts"])


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
    assert {a["name"] for a in alerts} == {"cycle", "fan-in", "fan-out", "pass-through", "structuring"}
    assert all({"id", "kind", "name", "accounts", "transactions", "score", "explanation"} <= set(a) for a in alerts)
    assert {a["kind"] for a in alerts} == {"typology"}
