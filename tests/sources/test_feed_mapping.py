"""A bank's own transaction export reaches the ledger through a mapping of its columns: a statement of one account
(direction from the amount's sign or a debit/credit column) or rows of payer and payee; decimal commas and the
bank's date format; bad rows named by line and the bank's column; a bad mapping refused naming its field; and the
detectors find what such a feed holds (both databases)."""

import json

from typer.testing import CliRunner

from nexus.cli import app
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.ledger import ingest_transactions, ledger_session

runner = CliRunner()
ANALYST = Viewer("a", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="feeds")

STATEMENT_MAPPING = """transactions:
  delimiter: ";"
  timestamp: {column: Buchungstag, format: ["%d.%m.%Y %H:%M", "%d.%m.%Y"]}
  amount: {column: Betrag, decimal: ",", thousands: "."}
  currency: Waehrung
  account: Konto
  bank: {value: BANK-B}
  counterparty: Gegenkonto
  counterparty_bank: Gegen-BIC
  payment_format: Art
"""
STATEMENT = """Buchungstag;Konto;Gegenkonto;Gegen-BIC;Betrag;Waehrung;Art
01.09.2022 10:00;DE001;FR777;BNPAFR;-1.250,50;EUR;Ueberweisung
02.09.2022;DE001;GB555;BARCGB;300,00;EUR;Gutschrift
03.09.2022 09:30;DE001;FR777;BNPAFR;zwölf;EUR;Ueberweisung
"""


def mapped(tmp_path, mapping: str, feed: str) -> tuple:
    (tmp_path / "bank.yml").write_text(mapping)
    (tmp_path / "feed.csv").write_text(feed)
    return tmp_path / "bank.yml", tmp_path / "feed.csv"


def rows(store, home) -> list[tuple]:
    with ledger_session(store, ANALYST, home) as session:
        return session.conn.execute(
            "SELECT strftime(timestamp, '%Y-%m-%d %H:%M'), from_bank, from_account, to_bank, to_account, amount_paid, "
            "payment_currency, amount_received, receiving_currency, payment_format, line "
            "FROM transactions ORDER BY line").fetchall()


def test_a_statement_export_goes_to_the_ledger_its_direction_read_from_the_amounts_sign(store, tmp_path):
    mapping, feed = mapped(tmp_path, STATEMENT_MAPPING, STATEMENT)
    result = ingest_transactions(store, ANALYST, feed, "bank-b", tmp_path / "home", mapping=mapping)
    assert result.records == 3 and [(e.location, e.field) for e in result.errors] == [("line 4", "Betrag")]
    assert "not a valid value: 'zwölf'" in result.errors[0].message
    assert rows(store, tmp_path / "home") == [
        ("2022-09-01 10:00", "BANK-B", "DE001", "BNPAFR", "FR777", 1250.5, "Euro", 1250.5, "Euro", "Ueberweisung", 2),
        ("2022-09-02 00:00", "BARCGB", "GB555", "BANK-B", "DE001", 300.0, "Euro", 300.0, "Euro", "Gutschrift", 3),
    ]
    assert store.get_source("bank-b")["format"] == "transactions"


def test_a_debit_credit_column_says_which_way_the_money_went(store, tmp_path):
    mapping = STATEMENT_MAPPING.replace("  payment_format: Art\n", "  direction: {column: SH, debit: [S]}\n")
    feed = """Buchungstag;Konto;Gegenkonto;Gegen-BIC;Betrag;Waehrung;SH
01.09.2022 10:00;DE001;FR777;BNPAFR;1.250,50;EUR;S
02.09.2022;DE001;GB555;BARCGB;300,00;EUR;H
03.09.2022 09:30;DE001;FR777;BNPAFR;12,00;EUR; s
"""
    mapping_path, feed_path = mapped(tmp_path, mapping, feed)
    ingest_transactions(store, ANALYST, feed_path, "bank-b", tmp_path / "home", mapping=mapping_path)
    assert [(r[2], r[4], r[5]) for r in rows(store, tmp_path / "home")] == [
        ("DE001", "FR777", 1250.5), ("GB555", "DE001", 300.0), ("DE001", "FR777", 12.0)]


TRANSFER_MAPPING = """transactions:
  timestamp: When
  amount: Amount
  currency: Ccy
  from_bank: {value: "001"}
  from_account: Payer
  to_bank: {value: "001"}
  to_account: Payee
"""


def test_the_detectors_find_a_cycle_in_a_mapped_feed(workspace, tmp_path):
    feed = "Payee,Payer,Amount,Ccy,When\n" + "".join(
        f"{payee},{payer},{amount},USD,2022-09-0{day}T{hour}:00:00\n" for payer, payee, amount, day, hour in (
            ("C1", "C2", 50000, 3, "09"), ("C2", "C3", 49500, 3, 15), ("C3", "C1", 49000, 4, 10)))
    mapping, feed_path = mapped(tmp_path, TRANSFER_MAPPING, feed)
    assert runner.invoke(app, ["init"]).exit_code == 0
    refused = runner.invoke(app, ["ingest", "transactions", str(feed_path), "--source", "bank-c"])
    assert refused.exit_code != 0 and "--mapping" in str(refused.exception)
    loaded = runner.invoke(app, ["ingest", "transactions", str(feed_path), "--mapping", str(mapping),
                                 "--source", "bank-c", "--agency", "FIU"])
    assert loaded.exit_code == 0, loaded.output
    assert "3 records" in loaded.output
    out = tmp_path / "alerts.jsonl"
    assert runner.invoke(app, ["detect", "--output", str(out), "--purpose", "test"]).exit_code == 0
    (cycle,) = [alert for line in out.read_text().splitlines() if (alert := json.loads(line))["name"] == "cycle"]
    assert cycle["accounts"] == ["C1", "C2", "C3"] and len(cycle["transactions"]) == 3


def test_a_mapping_that_names_no_column_of_the_file_is_one_error_naming_it(workspace, tmp_path):
    mapping, feed = mapped(tmp_path, TRANSFER_MAPPING.replace("Payee", "Beneficiary"),
                           "Payee,Payer,Amount,Ccy,When\nB,A,1,USD,2022-09-01\n")
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "transactions", str(feed), "--mapping", str(mapping), "--source", "bank-c"])
    assert result.exit_code != 0
    assert "the mapping bank.yml reads to_account from column 'Beneficiary'" in str(result.exception)
    for broken, field in ((TRANSFER_MAPPING.replace("  currency: Ccy\n", ""), "transactions.currency: missing"),
                          (TRANSFER_MAPPING + "  account: X\n", "transactions.account: a mapping names a payer"),
                          (TRANSFER_MAPPING + "  colour: red\n", "transactions.colour: not a field of the ledger"),
                          (TRANSFER_MAPPING.replace("When", "{column: When, format: yesterday}"),
                           "transactions.timestamp: format")):
        (tmp_path / "bank.yml").write_text(broken)
        result = runner.invoke(app, ["ingest", "transactions", str(feed), "--mapping", str(mapping),
                                     "--source", "bank-c"])
        assert result.exit_code != 0 and field in str(result.exception), (field, result.exception)


def test_a_mapped_feed_s_currency_is_an_iso_code_or_an_amlworld_name_and_its_payment_formats_are_its_own(store, tmp_path):
    mapping, feed = mapped(tmp_path, STATEMENT_MAPPING, STATEMENT.replace(";-1.250,50;EUR;", ";-1.250,50;Martian Dollar;")
                           + "04.09.2022 09:30;DE001;FR777;BNPAFR;5,00;Euro;Barauszahlung\n")
    result = ingest_transactions(store, ANALYST, feed, "bank-b", tmp_path / "home", mapping=mapping)
    assert [(e.location, e.field) for e in result.errors] == [("line 2", "Waehrung"), ("line 4", "Betrag")]
    assert "not a valid value: 'Martian Dollar'" in result.errors[0].message
    # one currency, one spelling, whichever the bank gave
    assert [(r[6], r[9]) for r in rows(store, tmp_path / "home")] == [("Euro", "Gutschrift"), ("Euro", "Barauszahlung")]
