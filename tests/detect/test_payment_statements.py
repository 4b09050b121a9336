"""FtM Payments among the statements (goAML reports' transactions, FtM-mapped files' payments) reach the detectors
as rows of `transactions` beside the ledger's: `EngineSession.use_transactions`, `transactions_from_payments.sql`."""

import json
from datetime import date
from collections import Counter
from pathlib import Path

import pytest
from feed import ANALYST, FEED, HEADER, load_feed
from typer.testing import CliRunner

from nexus.cli import app
from nexus.engine import EngineError
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert
from nexus.service.detect import alert_transactions, detect
from nexus.service.ingest import LabelChanges, ingest_file, ingest_reports
from nexus.service.ledger import ingest_transactions, ledger_session

runner = CliRunner()
#: A viewer cleared below SECRET, of the same agency.
CLERK = Viewer("c", "FIU", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="weekly typologies")

MAPPING = """
queries:
  - entities:
      payer:
        schema: BankAccount
        keys: [payer_iban]
        properties:
          iban: {column: payer_iban}
      payee:
        schema: BankAccount
        keys: [payee_iban]
        properties:
          iban: {column: payee_iban}
      payment:
        schema: Payment
        keys: [ref]
        properties:
          payerAccount: {entity: payer}
          beneficiaryAccount: {entity: payee}
          amount: {column: amount}
          currency: {column: currency}
          date: {column: booked}
          purpose: {column: purpose}
"""


def iban(account: int) -> str:
    """A valid German IBAN (bank 37040044) for an account number."""
    bban = f"37040044{account:010d}"
    digits = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(digits) % 97:02d}{bban}"


FAN = iban(1000)
FANNED = [iban(1001 + n) for n in range(6)]
CYCLE = [iban(2001 + n) for n in range(3)]


def payments_csv(path: Path) -> Path:
    """Six EUR payments from one IBAN to six within 25 minutes, and a cycle of three accounts."""
    rows = [(f"F{n}", FAN, payee, f"{1500 + n}.50", "EUR", f"2024-05-01T10:{5 * n:02d}:00", "invoice")
            for n, payee in enumerate(FANNED)]
    rows += [("C1", CYCLE[0], CYCLE[1], "50000.00", "EUR", "2024-05-03T09:00:00", "loan"),
             ("C2", CYCLE[1], CYCLE[2], "49500", "EUR", "2024-05-03T15:00:00", "loan"),
             ("C3", CYCLE[2], CYCLE[0], "49,000.00", "EUR", "2024-05-04", "loan")]  # a day: midnight
    path.write_text("ref,payer_iban,payee_iban,amount,currency,booked,purpose\n"
                    + "".join(",".join(f'"{v}"' if "," in v else v for v in row) + "\n" for row in rows))
    return path


def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "other.yml"
    path.write_text(MAPPING)
    return path


def load_csv(store, tmp_path, classification="CONFIDENTIAL", source="bank-k"):
    ingest_file(store, ANALYST, "csv", payments_csv(tmp_path / "other.csv"), source,
                LabelChanges(agency="FIU", classification=classification), mapping=mapping_file(tmp_path))


def alerts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_ftm_mapped_csv_s_payments_are_checked_for_typologies(workspace, tmp_path):
    """The tester's repro: `ingest csv --mapping` and nothing in the ledger, then `detect --output`."""
    csv, mapping = payments_csv(tmp_path / "other.csv"), mapping_file(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    loaded = runner.invoke(app, ["ingest", "csv", str(csv), "--mapping", str(mapping), "--source", "bank-k",
                                 "--agency", "FIU"])
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path / "a.jsonl"
    found = runner.invoke(app, ["detect", "--output", str(out), "--purpose", "test"])
    assert found.exit_code == 0, found.output
    assert "no transactions" not in found.output
    by_name = {}
    for alert in alerts(out):
        by_name.setdefault(alert["name"], []).append(alert)
    (fan,) = by_name["fan-out"]
    assert fan["accounts"][0] == FAN and sorted(fan["accounts"][1:]) == sorted(FANNED)
    assert len(fan["transactions"]) == 6
    assert fan["currency"] == "Euro" and fan["total"] == pytest.approx(sum(1500.5 + n for n in range(6)))
    (cycle,) = by_name["cycle"]
    assert cycle["accounts"] == CYCLE and len(cycle["transactions"]) == 3
    assert cycle["finish"] == "2024-05-04T00:00:00"  # a date without a time is midnight
    # the alert's page lists the payments it cites, resolved from the statements
    shown = runner.invoke(app, ["alerts", "show", str(cycle["id"]), "--purpose", "test"])
    assert shown.exit_code == 0, shown.output


def test_the_cited_payments_resolve_back_with_their_numbers_amounts_and_labels(store, tmp_path):
    load_csv(store, tmp_path)
    home = tmp_path / "home"
    found = detect(store, ANALYST, home)
    (cycle,) = [f for f in found if f["name"] == "cycle"]
    alert = get_alert(store, ANALYST, cycle["id"])
    rows = alert_transactions(store, ANALYST, home, alert)
    assert [(r["from_account"], r["to_account"], r["amount_paid"], r["payment_currency"], r["payment_format"])
            for r in rows] == [(CYCLE[0], CYCLE[1], 50000.0, "Euro", "loan"), (CYCLE[1], CYCLE[2], 49500.0, "Euro", "loan"),
                               (CYCLE[2], CYCLE[0], 49000.0, "Euro", "loan")]
    assert [r["id"] for r in rows] == cycle["transactions"]
    assert {e["ref_kind"] for e in alert["evidence"]} == {"transaction"}
    assert alert["labels"]["classification"] == "CONFIDENTIAL"  # the statements' labels


def test_a_viewer_who_may_not_see_the_statements_gets_nothing_from_them(store, tmp_path):
    load_csv(store, tmp_path, classification="SECRET")
    home = tmp_path / "home"
    with pytest.raises(EngineError, match="no transactions yet"):
        detect(store, CLERK, home)
    # with a ledger the clerk may see, they get its findings and none of the statements'
    feed = tmp_path / "bank-r.csv"
    feed.write_text(HEADER + "\n".join(FEED[:6]) + "\n")  # F0's fan-out
    ingest_transactions(store, ANALYST, feed, "bank-r", home, LabelChanges(agency="FIU", classification="RESTRICTED"))
    seen = detect(store, CLERK, home)
    assert [(a["name"], a["accounts"][0]) for a in seen] == [("fan-out", "F0")]
    with ledger_session(store, CLERK, home) as session:
        assert all(i.startswith("tx-bank-r-") for i in session.run("detect_transfers")["id"].to_pylist())
    names = Counter((a["name"], a["accounts"][0]) for a in detect(store, ANALYST, home))
    assert names[("fan-out", FAN)] == 1 and names[("cycle", CYCLE[0])] == 1


def test_a_payment_the_ledger_holds_already_is_not_counted_twice(store, tmp_path):
    """A file restating the ledger's cycle C1 → C2 → C3 → C1 (same numbers, days and amounts) adds no cycle; its
    payment the ledger lacks is read."""
    store, home = load_feed(store, tmp_path, FEED, "bank-a")
    restated = tmp_path / "restated.csv"
    restated.write_text("ref,payer_iban,payee_iban,amount,currency,booked,purpose\n"
                        "R1,C1,C2,50000,US Dollar,2022-09-03,x\nR2,C2,C3,49500.00,US Dollar,2022-09-03,x\n"
                        "R3,C3,C1,49000,US Dollar,2022-09-04,x\nR4,C3,C9,777,US Dollar,2022-09-05,x\n")
    numbers = tmp_path / "numbers.yml"  # account numbers, not IBANs
    numbers.write_text(MAPPING.replace("iban:", "accountNumber:"))
    ingest_file(store, ANALYST, "csv", restated, "bank-s", LabelChanges(agency="FIU", classification="SECRET"),
                mapping=numbers)
    with ledger_session(store, ANALYST, home) as session:
        ids = session.run("detect_transfers")["id"].to_pylist()
    (new,) = [i for i in ids if not i.startswith("tx-")]  # R4 alone: the ledger does not hold it
    assert Counter(a["name"] for a in detect(store, ANALYST, home))["cycle"] == 1


# goAML: a suspicious transaction report whose transactions go round three accounts

def account(side: str, number: str) -> str:
    return (f"<{side}_account><institution_name>Gulf Bank</institution_name><swift>GULFAEAD</swift>"
            f"<non_bank_institution>false</non_bank_institution><account>{number}</account>"
            f"<currency_code>AED</currency_code><account_name>Holder of {number}</account_name></{side}_account>")


def transaction(number: int, day: str, amount: str, payer: str, payee: str) -> str:
    return (f"<transaction><transactionnumber>TXN-{number}</transactionnumber>"
            f"<transaction_location>Dubai Main Branch</transaction_location>"
            f"<transaction_description>Transfer</transaction_description>"
            f"<date_transaction>{day}T10:00:00</date_transaction><transmode_code>ELCFT</transmode_code>"
            "<transmode_comment>E</transmode_comment>"
            f"<amount_local>{amount}</amount_local>"
            f"<t_from><from_funds_code>BANKD</from_funds_code>{account('from', payer)}<from_country>AE</from_country></t_from>"
            f"<t_to><to_funds_code>BANKD</to_funds_code>{account('to', payee)}<to_country>AE</to_country></t_to>"
            "</transaction>")


def cycle_report(goaml: Path, path: Path) -> Path:
    text = (goaml / "samples" / "STR.xml").read_text()
    start, end = text.index("<transaction>"), text.index("</transaction>") + len("</transaction>")
    cycle = (transaction(1, "2026-05-20", "300000.00", "A001", "A002")
             + transaction(2, "2026-05-21", "295000.00", "A002", "A003")
             + transaction(3, "2026-05-22", "290000.00", "A003", "A001"))
    path.write_text(text[:start] + cycle + text[end:])
    return path


@pytest.fixture
def goaml(shared_data):
    return shared_data / "goaml"


def test_a_goaml_report_s_cycle_is_found_with_its_account_numbers(goaml, store, tmp_path):
    report = cycle_report(goaml, tmp_path / "str-cycle.xml")
    ((_, result),) = ingest_reports(store, ANALYST, report, "fiu", goaml / "goAMLSchema-5.0.2.xsd",
                                    LabelChanges(agency="FIU"))
    assert not result.errors, result.errors
    home = tmp_path / "home"
    found = detect(store, ANALYST, home)
    (cycle,) = [f for f in found if f["name"] == "cycle"]
    assert cycle["accounts"] == ["A001", "A002", "A003"] and cycle["currency"] == "AED"
    assert cycle["start"].startswith("2026-05-20") and len(cycle["transactions"]) == 3


def test_the_str_sample_s_payment_between_two_people_is_a_transaction(goaml, store, tmp_path):
    """No accounts in it: its ends are the payer and the beneficiary themselves, named."""
    ingest_reports(store, ANALYST, goaml / "samples" / "STR.xml", "fiu", goaml / "goAMLSchema-5.0.2.xsd",
                   LabelChanges(agency="FIU"))
    with ledger_session(store, ANALYST, tmp_path / "home") as session:
        (row,) = session.run("detect_transfers").to_pylist()
    assert (row["from_account"], row["to_account"], row["amount"], row["currency"]) == (
        "Layla Hassan", "John Smith", 120000.0, "AED")
    assert row["timestamp"].date() == date(2026, 5, 24)


@pytest.mark.spark
@pytest.mark.sqlite_only
@pytest.mark.xdist_group("spark")
def test_spark_turns_the_statements_payments_into_the_transactions_duckdb_does(store, tmp_path, spark_session):
    """Without a ledger, and beside one (whose rows they are compared with); the typologies over `transactions`
    are the same SQL on both engines (test_typologies_on_spark)."""
    load_csv(store, tmp_path)
    home = tmp_path / "home"
    for expected in (9, len(FEED) + 9):
        rows = {}
        for engine in ("duckdb", "spark"):
            with ledger_session(store, ANALYST, home, engine=engine) as session:
                rows[engine] = sorted(session.run("detect_transfers").drop_columns(["k", "from_n", "to_n"]).to_pylist(),
                                      key=lambda r: r["id"])
        assert rows["spark"] == rows["duckdb"] and len(rows["duckdb"]) == expected
        load_feed(store, tmp_path, FEED, "bank-a")


def test_a_payment_resting_on_statements_of_narrower_release_is_released_no_wider(store, tmp_path):
    # TAX's account records (TAX only) beside POLICE's payment records (any agency), both RESTRICTED: the rows read
    # the account numbers, so they are TAX's only, whatever order the agencies sort in
    taxman = Viewer("t", "TAX", frozenset({"analyst"}), Classification.SECRET, purpose="weekly typologies")
    accounts = tmp_path / "accounts.json"
    accounts.write_text("".join(json.dumps({"id": f"b{n}", "schema": "BankAccount", "properties": {"iban": [number]}})
                                + "\n" for n, number in enumerate([FAN, *FANNED])))
    payments = tmp_path / "payments.json"
    payments.write_text("".join(json.dumps({"id": f"p{n}", "schema": "Payment", "properties": {
        "payerAccount": ["b0"], "beneficiaryAccount": [f"b{n + 1}"], "amount": ["1500"], "currency": ["EUR"],
        "date": [f"2024-05-01T10:{5 * n:02d}:00"]}}) + "\n" for n in range(6)))
    loader = Viewer("local", "LOCAL", frozenset({"analyst", "administrator"}), Classification.TOP_SECRET)
    ingest_file(store, loader, "ftm", accounts, "tax-accounts",
                LabelChanges(agency="TAX", classification="RESTRICTED", releasable_to="TAX"))
    ingest_file(store, loader, "ftm", payments, "police-reports",
                LabelChanges(agency="POLICE", classification="RESTRICTED", releasable_to="*"))
    with ledger_session(store, taxman, tmp_path / "home") as session:
        rows = session.conn.execute("SELECT DISTINCT agency, releasable_to FROM transactions").fetchall()
    assert rows == [("TAX", "TAX")]
