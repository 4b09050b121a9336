"""An FIU alert's cited transactions as FtM Payments (`nexus alerts export`), in the dissemination package of a case
opened from the alert with the alert's explanation, and goAML write-back of money received in another currency
(both databases)."""

import io
import json
import zipfile

import orjson
import pytest
from feed import ANALYST, HEADER, row
from lxml import etree
from sqlalchemy import select, update
from typer.testing import CliRunner

from nexus.cli import app
from nexus.errors import NotFound
from nexus.ingest import ingest
from nexus.model import Classification
from nexus.model.labels import Labels
from nexus.security import users
from nexus.security.viewer import Viewer
from nexus.service.alert_export import export_alert
from nexus.service.alerts import get_alert, list_alerts
from nexus.service.cases import disseminate, open_case
from nexus.service.detect import detect, goaml_report
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions
from nexus.service.retention import run_retention
from nexus.sources import get_format
from nexus.sources.goaml.schema import load_schema, schema_errors
from nexus.store.schema import audit_log, dissemination_items, sources

runner = CliRunner()
LEAD = Viewer("fiu-lead", "FIU", frozenset({"investigator"}), Classification.SECRET, purpose="cycle A")
LOW = Viewer("fiu-low", "FIU", frozenset({"investigator"}), Classification.RESTRICTED, purpose="cycle A")
# A cycle C1 -> C2 -> C3 -> C1; its last payment paid in US Dollar and received in Euro.
CYCLE = [row("03 09:00", "C1", "C2", 50000), row("03 15:30", "C2", "C3", 49500),
         "2022/09/04 10:45,001,C3,001,C1,45000.00,Euro,49000.00,US Dollar,ACH,0"]


@pytest.fixture
def fiu(store, tmp_path, monkeypatch):
    """The FIU's ledger (SECRET, releasable to POLICE) and a registry saying who holds C1 and C2 (C2's holding not
    releasable outside the FIU); (store, home, the cycle alert's id)."""
    home = tmp_path / "home"
    monkeypatch.setenv("NEXUS_HOME", str(home))
    for v in (LEAD, LOW):
        users.ensure_user(store, v.user, agency=v.agency, roles=v.roles, clearance=v.clearance)
    path = tmp_path / "bank.csv"
    path.write_text(HEADER + "\n".join(CYCLE) + "\n")
    ingest_transactions(store, ANALYST, path, "bank-a", home,
                        LabelChanges(agency="FIU", classification="SECRET", releasable_to="FIU,POLICE"))
    for name, releasable, entities in (
        ("registry", ("FIU", "POLICE"), [
            {"id": "p-carla", "schema": "Person", "properties": {"name": ["Carla Cycle"]}},
            {"id": "own-c1", "schema": "Ownership", "properties": {"owner": ["p-carla"], "asset": ["acct-001-C1"]}}]),
        ("fiu-only", ("FIU",), [
            {"id": "p-dan", "schema": "Person", "properties": {"name": ["Dan Dark"]}},
            {"id": "own-c2", "schema": "Ownership", "properties": {"owner": ["p-dan"], "asset": ["acct-001-C2"]}}])):
        source = tmp_path / f"{name}.ftm.json"
        source.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
        store.register_source(name, "ftm", Labels("FIU", Classification.CONFIDENTIAL, releasable_to=releasable))
        assert not ingest(store, name, source, get_format("ftm").read(source)).errors
    (cycle,) = [a for a in detect(store, ANALYST, home) if a["name"] == "cycle"]
    return store, home, cycle["id"]


def lines(data: bytes) -> list[dict]:
    return [orjson.loads(line) for line in data.splitlines()]


def test_an_alert_s_transactions_export_as_payments_between_accounts(fiu):
    store, home, alert_id = fiu
    out = io.BytesIO()
    written = export_alert(store, LEAD, home, alert_id, out)
    assert written["payments"] == 3 and written["accounts"] == 3 and written["classification"] == "SECRET"
    entities = lines(out.getvalue())
    payments = sorted((e for e in entities if e["schema"] == "Payment"), key=lambda e: e["properties"]["date"])
    assert [p["properties"]["date"][0] for p in payments] == ["2022-09-03T09:00:00", "2022-09-03T15:30:00",
                                                           "2022-09-04T10:45:00"]
    first, second, last = (p["properties"] for p in payments)
    assert first["payerAccount"] == ["acct-001-C1"] and first["beneficiaryAccount"] == ["acct-001-C2"]
    assert first["payer"] == ["p-carla"] and last["beneficiary"] == ["p-carla"] and "payer" not in last
    assert second["payer"] == ["p-dan"]  # the analyst sees who holds C2
    assert first["amount"] == ["50000.00"] and first["currency"] == ["USD"] and first["purpose"] == ["Wire payment"]
    assert last["amount"] == ["49000.00"] and last["purpose"] == ["ACH payment"]
    assert last["description"] == ["to foreign amount 45000.00 EUR at exchange rate 1.0888888889"]
    assert payments[0]["classification"] == "SECRET" and payments[0]["agencies"] == ["FIU"]  # its labels
    accounts = {e["id"]: e for e in entities if e["schema"] == "BankAccount"}
    assert sorted(accounts) == ["acct-001-C1", "acct-001-C2", "acct-001-C3"]
    assert accounts["acct-001-C1"]["properties"]["accountNumber"] == ["C1"]
    with store.engine.connect() as conn:
        (record,) = conn.execute(select(audit_log).where(audit_log.c.action == "alerts.export")).mappings()
    assert orjson.loads(record["query"])["purpose"] == "cycle A" and record["outcome"] == "ok"
    with pytest.raises(NotFound):  # below the ledger's classification: the alert is not there for them
        export_alert(store, LOW, home, alert_id, io.BytesIO())


def test_a_package_from_an_fiu_alert_carries_its_payments_and_its_explanation(fiu):
    store, home, alert_id = fiu
    case_id = open_case(store, LEAD, "cycle A", alert_id=alert_id)["id"]
    users.ensure_user(store, "pat", agency="POLICE", roles=("analyst",), clearance=Classification.SECRET)  # known
    package = disseminate(store, LEAD, case_id, "POLICE")
    archive = zipfile.ZipFile(package["path"])
    entities = lines(archive.read("entities.ftm.json"))
    payments = {e["id"]: e["properties"] for e in entities if e["schema"] == "Payment"}
    assert len(payments) == 3
    assert sorted(p["amount"][0] for p in payments.values()) == ["49000.00", "49500.00", "50000.00"]
    assert sorted(p["date"][0] for p in payments.values())[0] == "2022-09-03T09:00:00"
    by_payer = {p["payerAccount"][0]: p for p in payments.values()}
    assert by_payer["acct-001-C1"]["payer"] == ["p-carla"]
    assert "payer" not in by_payer["acct-001-C2"]  # who holds C2 may not go to POLICE: left off, not refused
    assert {e["id"] for e in entities if e["schema"] == "BankAccount"} == {"acct-001-C1", "acct-001-C2",
                                                                          "acct-001-C3"}
    html = archive.read("report.html").decode()
    assert f"Alert {alert_id} (typology" in html and "cycle" in html and "50,000.00" in html.replace("50000.00", "")
    with store.engine.connect() as conn:
        kinds = conn.execute(select(dissemination_items.c.ref_kind, dissemination_items.c.ref_id)
                             .where(dissemination_items.c.dissemination_id == package["id"])).all()
    assert sorted(ref for kind, ref in kinds if kind == "transaction") == sorted(payments)


def test_a_package_is_refused_whole_when_a_payment_may_not_go(fiu):
    store, home, alert_id = fiu
    # an agency of the workspace, to which the FIU's data may not go
    users.ensure_user(store, "customs", agency="CUSTOMS", roles=("analyst",), clearance=Classification.SECRET)
    case_id = open_case(store, LEAD, "cycle A", alert_id=alert_id)["id"]
    with pytest.raises(Exception, match="transaction tx-bank-a-.* is not releasable to CUSTOMS"):
        disseminate(store, LEAD, case_id, "CUSTOMS")


def test_goaml_write_back_states_money_received_in_another_currency(fiu, shared_data, tmp_path):
    store, home, alert_id = fiu
    path = tmp_path / "cycle.xml"
    path.write_bytes(goaml_report(store, LEAD, home, alert_id, rentity_id="4411"))
    schema = shared_data / "goaml" / "goAMLSchema-5.0.2.xsd"
    assert schema_errors(load_schema(schema), etree.parse(str(path))) == []
    (foreign,) = etree.parse(str(path)).findall("transaction/t_to/to_foreign_currency")
    assert [(c.tag, c.text) for c in foreign] == [("foreign_currency_code", "EUR"), ("foreign_amount", "45000.00"),
                                                  ("foreign_exchange_rate", "1.0888888889")]
    (record,) = get_format("goaml").read(path, schema=schema)
    payments = {p.first("amount"): p for p in record.entities if p.schema.name == "Payment"}
    assert payments["49000.00"].get("date") == ["2022-09-04T10:45:00"]
    assert "to foreign amount 45000.00 EUR at exchange rate 1.0888888889" in payments["49000.00"].get("description")
    assert not any("foreign" in d for d in payments["50000.00"].get("description"))


def test_nexus_alerts_export_writes_ftm_json_lines(workspace, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + "\n".join(CYCLE) + "\n")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "amlworld", str(path), "--source", "bank-a", "--agency", "FIU"]).exit_code == 0
    out = tmp_path / "alerts.jsonl"
    assert runner.invoke(app, ["detect", "--output", str(out), "--purpose", "weekly typologies"]).exit_code == 0
    (cycle,) = [a for a in map(json.loads, out.read_text().splitlines()) if a["name"] == "cycle"]
    target = tmp_path / "cycle.ftm.json"
    result = runner.invoke(app, ["alerts", "export", str(cycle["id"]), "--format", "ftm", "--output", str(target),
                                 "--purpose", "cycle A"])
    assert result.exit_code == 0, result.output
    entities = lines(target.read_bytes())
    assert sorted(e["schema"] for e in entities) == ["BankAccount"] * 3 + ["Payment"] * 3
    assert {e["properties"]["payerAccount"][0] for e in entities if e["schema"] == "Payment"} == {
        "acct-001-C1", "acct-001-C2", "acct-001-C3"}
    refused = runner.invoke(app, ["alerts", "export", str(cycle["id"]), "--format", "csv", "--purpose", "cycle A"])
    assert refused.exit_code != 0


def test_an_alert_on_transactions_retention_deleted_is_hidden_from_everyone(fiu):
    """The bank feed is kept 30 days: once its batches go, so does every alert citing their transactions."""
    store, home, alert_id = fiu
    with store.engine.begin() as conn:
        conn.execute(update(sources).where(sources.c.name == "bank-a").values(retention_days=30))
    assert get_alert(store, LEAD, alert_id)["id"] == alert_id
    oversight = Viewer("ollie", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET, purpose="retention")
    report = run_retention(store, oversight, now="2023-01-01", ledger_dir=home / "ledger")
    assert report["bank-a"]["ledger_batches"] >= 1 and report["bank-a"]["withheld_alerts"] >= 1
    with pytest.raises(NotFound):
        get_alert(store, LEAD, alert_id)
    assert all(a["id"] != alert_id for a in list_alerts(store, ANALYST))
