"""AMLworld transaction feeds into the ledger: every row with its labels, bad rows by line and field,
accounts as entities, re-runs that change nothing, and a viewer who sees only what their clearance allows
(both databases)."""

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nexus.cli import app
from nexus.config import load_settings
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges
from nexus.service import ledger
from nexus.service.ledger import ingest_transactions, ledger_session
from nexus.sources.amlworld import account_id
from nexus.model.statements import statement_id
from nexus.store.schema import ledger_batches, statements

runner = CliRunner()
HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering\n")
ROWS = [
    "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0",
    "2022/09/01 00:20,03208,8000F4580,001,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0",
    "2022/13/01 00:00,03209,8000F4670,03209,8000F4670,14675.57,US Dollar,14675.57,US Dollar,Reinvestment,0",
    "2022/09/01 00:02,012,8000F5030,012,8000F5030,2806.97,US Dollar,abc,US Dollar,Reinvestment,1",
    "2022/10/03 09:06,020,,020,800104D70,20.0,Euro,20.0,Euro,Cash,0",
    "2022/10/04 11:15,03208,8000F4580,0115,80A1B2C30,9500.00,Euro,9500.00,Euro,ACH,1",
    "2022/10/04 11:16,03208,,8000F4580,0115,80A1B2C30,9500.00,Euro,9500.00,Euro,ACH,1",
    "2022/10/05 08:00,0115,80A1B2C30,010,8000EBD30,120.50,Euro,120.50,Euro,Wire,0",
]
ANALYST = Viewer("a", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="typologies")


@pytest.fixture
def feed(tmp_path):
    path = tmp_path / "HI-Small_Trans.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    return path


def test_a_feed_lands_in_the_ledger_with_its_bad_rows_named(store, feed, tmp_path):
    home = tmp_path / "home"
    result = ingest_transactions(store, ANALYST, feed, "bank-a", home, LabelChanges(agency="FIU", classification="SECRET"))
    assert [(e.location, e.field) for e in result.errors] == [
        ("line 4", "timestamp"), ("line 5", "amount_paid"), ("line 6", "from_account"), ("line 8", None)]
    assert result.errors[-1].message == "expected 11 fields, found 12"
    assert result.records == 8 and result.entities == 4  # four distinct accounts in the four good rows
    with ledger_session(store, ANALYST, home) as session:
        rows = session.conn.execute("SELECT line, from_account, to_account, amount_paid, payment_currency, "
                                    "is_laundering, agency, classification, from_account_id FROM transactions "
                                    "ORDER BY line").fetchall()
    assert [r[:6] for r in rows] == [
        (2, "8000EBD30", "8000EBD30", 3697.34, "US Dollar", False), (3, "8000F4580", "8000F5340", 0.01, "US Dollar", False),
        (7, "8000F4580", "80A1B2C30", 9500.0, "Euro", True), (9, "80A1B2C30", "8000EBD30", 120.5, "Euro", False)]
    assert {(r[6], r[7]) for r in rows} == {("FIU", int(Classification.SECRET))}
    assert rows[1][8] == rows[2][8] == account_id("03208", "8000F4580")  # one account, one id, in every feed
    with store.engine.connect() as conn:  # September and October: one file each
        paths = conn.execute(select(ledger_batches.c.path).order_by(ledger_batches.c.path)).scalars().all()
        assert [path.split("/")[1] for path in paths] == ["month=2022-09", "month=2022-10"]
        account = account_id("03208", "8000F4580")
        kept = conn.execute(select(statements.c.id, statements.c.schema, statements.c.prop, statements.c.value)
                            .where(statements.c.entity_id == account)).all()
    # the ids FtM gives these statements, so any other load of the same facts meets them
    assert sorted(kept) == sorted((statement_id("bank-a", account, prop, value), "BankAccount", prop, value)
                                  for prop, value in (("id", account), ("accountNumber", "8000F4580"), ("bankName", "03208")))


def test_a_viewer_below_the_feeds_classification_sees_no_transaction(store, feed, tmp_path):
    home = tmp_path / "home"
    ingest_transactions(store, ANALYST, feed, "bank-a", home, LabelChanges(agency="FIU", classification="SECRET"))
    police = Viewer("p", "FIU", frozenset({"analyst"}), Classification.RESTRICTED)
    with ledger_session(store, police, home) as session:
        assert session.conn.execute("SELECT count(*) FROM transactions").fetchone() == (0,)


def test_loading_a_feed_again_changes_nothing_and_a_forced_reload_replaces_it(store, feed, tmp_path):
    home = tmp_path / "home"
    first = ingest_transactions(store, ANALYST, feed, "bank-a", home)
    assert ingest_transactions(store, ANALYST, feed, "bank-a", home).skipped_unchanged
    again = ingest_transactions(store, ANALYST, feed, "bank-a", home, force=True)
    assert again.run_id != first.run_id
    with ledger_session(store, ANALYST, home) as session:
        assert session.conn.execute("SELECT count(*), count(DISTINCT id) FROM transactions").fetchone() == (4, 4)
    assert len(list((home / "ledger").rglob("*.parquet"))) == 2  # the first run's files are gone


def test_the_cli_loads_a_feed_and_names_a_wrong_file(workspace, feed, tmp_path):
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "amlworld", str(feed), "--source", "bank-a", "--agency", "FIU"])
    assert result.exit_code == 1, result.output  # loaded in part: not to be taken for a whole load
    assert "4 errors" in result.output and "line 5, field amount_paid: not a valid value: 'abc'" in " ".join(result.output.split())
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    refused = runner.invoke(app, ["ingest", "amlworld", str(wrong), "--source", "bank-b"])
    assert refused.exit_code == 1 and "line 1: not an AMLworld transactions file" in str(refused.exception)
    shown = runner.invoke(app, ["entity", account_id("03208", "8000F4580")])
    assert shown.exit_code == 0, shown.output
    assert "BankAccount" in shown.output and "8000F4580" in shown.output
    assert list(load_settings().home.joinpath("ledger", "bank-a").glob("month=*"))


def test_strict_loads_nothing_of_a_feed_with_a_bad_row_and_flags_for_other_formats_are_refused(workspace, feed, tmp_path,
                                                                                                monkeypatch):
    import nexus.sources.amlworld as amlworld

    monkeypatch.setattr(amlworld, "BLOCK_BYTES", 160)  # the good rows before the first bad one are a batch of their own
    assert runner.invoke(app, ["init"]).exit_code == 0
    strict = runner.invoke(app, ["ingest", "amlworld", str(feed), "--source", "bank-s", "--strict"])
    assert strict.exit_code == 1 and "bad record(s); first:" in str(strict.exception)
    assert not list(load_settings().home.joinpath("ledger").rglob("*.parquet"))
    assert runner.invoke(app, ["entity", account_id("03208", "8000F4580")]).exit_code != 0  # no account either
    monkeypatch.setenv("NEXUS_GOAML_SCHEMA", str(feed))  # a server's setting for goAML: no bearing on a feed
    for flag in (["--mapping", str(feed)], ["--partial"], ["--list"]):
        refused = runner.invoke(app, ["ingest", "amlworld", str(feed), "--source", "bank-s", *flag])
        assert refused.exit_code == 1 and "not for amlworld feeds" in str(refused.exception)
    loaded = runner.invoke(app, ["ingest", "amlworld", str(feed), "--source", "bank-s"])  # afresh, in part
    assert loaded.exit_code == 1 and "4 errors" in loaded.output
    assert list(load_settings().home.joinpath("ledger").rglob("*.parquet"))


def test_a_run_killed_part_way_resumes_and_its_accounts_arrive_with_its_transactions(store, feed, tmp_path, monkeypatch):
    import nexus.service.ledger as ledger
    import nexus.sources.amlworld as amlworld

    home = tmp_path / "home"
    monkeypatch.setattr(amlworld, "BLOCK_BYTES", 200)  # two or three rows a batch
    written = ledger.write_ledger_batch

    def dies_at_the_second_batch(conn, home, run_id, source, number, *rest):
        if number == 1:
            raise KeyboardInterrupt
        return written(conn, home, run_id, source, number, *rest)

    monkeypatch.setattr(ledger, "write_ledger_batch", dies_at_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        ingest_transactions(store, ANALYST, feed, "bank-a", home)
    with store.engine.connect() as conn:
        assert conn.execute(select(ledger_batches.c.path)).all()  # the first batch committed
        assert not conn.execute(select(statements.c.id).where(statements.c.source == "bank-a")).all()
    monkeypatch.setattr(ledger, "write_ledger_batch", written)
    resumed = ingest_transactions(store, ANALYST, feed, "bank-a", home)
    assert resumed.resumed_from > 0 and resumed.entities == 4
    with ledger_session(store, ANALYST, home) as session:
        assert session.conn.execute("SELECT count(*) FROM transactions").fetchone() == (4,)
    with store.engine.connect() as conn:
        accounts = conn.execute(select(statements.c.entity_id).distinct().where(statements.c.source == "bank-a")).scalars()
        assert sorted(accounts) == sorted({account_id("010", "8000EBD30"), account_id("03208", "8000F4580"),
                                           account_id("001", "8000F5340"), account_id("0115", "80A1B2C30")})


@pytest.mark.parametrize("block", [160, 200, 400, 1 << 20])
def test_bad_rows_keep_their_line_numbers_whatever_the_batch_a_row_falls_in(feed, monkeypatch, block):
    """The CSV reader parses ahead and reports a row it skips before the batch that holds it is handed out."""
    import nexus.sources.amlworld as amlworld

    monkeypatch.setattr(amlworld, "BLOCK_BYTES", block)
    batches = list(amlworld.read_transactions(feed))
    assert [line for b in batches for line in b.rows["line"].to_pylist()] == [2, 3, 7, 9]
    assert [(e.location, e.field) for b in batches for e in b.errors] == [
        ("line 4", "timestamp"), ("line 5", "amount_paid"), ("line 6", "from_account"), ("line 8", None)]
    assert batches[-1].lines == 8


@pytest.mark.parametrize("block", [160, 1 << 20])
def test_a_file_cut_short_reports_its_last_line(feed, monkeypatch, block):
    import nexus.sources.amlworld as amlworld

    monkeypatch.setattr(amlworld, "BLOCK_BYTES", block)
    with feed.open("a") as fh:
        fh.write("2022/10/05 08:00,0115,80A1")
    batches = list(amlworld.read_transactions(feed))
    assert [line for b in batches for line in b.rows["line"].to_pylist()] == [2, 3, 7, 9]
    assert [e.location for b in batches for e in b.errors][-1] == "line 10"
    assert batches[-1].lines == 9


@pytest.mark.parametrize("block", [160, 1 << 20])
def test_blank_lines_are_skipped_and_every_line_keeps_its_number(tmp_path, monkeypatch, block):
    import nexus.sources.amlworld as amlworld

    monkeypatch.setattr(amlworld, "BLOCK_BYTES", block)
    path = tmp_path / "blank.csv"  # lines 3, 6 and 7 are blank; line 5 has a field too many
    path.write_text(HEADER + ROWS[0] + "\n\n" + ROWS[1] + "\n" + ROWS[6] + "\n\n\n" + ROWS[7] + "\n")
    batches = list(amlworld.read_transactions(path))
    assert [line for b in batches for line in b.rows["line"].to_pylist()] == [2, 4, 8]
    assert [(e.location, e.field) for b in batches for e in b.errors] == [("line 5", None)]
    assert batches[-1].lines == 7


def test_a_negative_or_endless_amount_and_an_unknown_laundering_flag_are_not_valid_values(tmp_path):
    from nexus.sources.amlworld import read_transactions

    path = tmp_path / "odd.csv"
    odd = ["2022/09/01 00:20,010,8000EBD30,011,8000EBD31,-50.00,US Dollar,-50.00,US Dollar,Wire,0",
           "2022/09/01 00:21,010,8000EBD30,011,8000EBD31,1e999,US Dollar,10.00,US Dollar,Wire,0",
           "2022/09/01 00:22,010,8000EBD30,011,8000EBD31,10.00,US Dollar,10.00,US Dollar,Wire,maybe",
           "2022/09/01 00:23,010,8000EBD30,011,8000EBD31,0,US Dollar,0,US Dollar,Wire,",
           "2022/09/01 00:24,010,8000EBD30,011,8000EBD31, 10.5 ,US Dollar,10.5,US Dollar,Wire, 1 "]
    path.write_text(HEADER + "\n".join(odd) + "\n")
    batches = list(read_transactions(path))
    assert [(e.location, e.field, e.message) for b in batches for e in b.errors] == [
        ("line 2", "amount_received", "not a valid value: '-50.00'"), ("line 2", "amount_paid", "not a valid value: '-50.00'"),
        ("line 3", "amount_received", "not a valid value: '1e999'"),
        ("line 4", "is_laundering", "not a valid value: 'maybe'")]
    rows = [r for b in batches for r in b.rows.select(["line", "amount_paid", "is_laundering"]).to_pylist()]
    assert rows == [{"line": 5, "amount_paid": 0.0, "is_laundering": None},
                    {"line": 6, "amount_paid": 10.5, "is_laundering": True}]


def test_a_feed_saved_with_a_byte_order_mark_loads(tmp_path):
    from nexus.sources.amlworld import check_header, read_transactions

    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff".encode() + (HEADER + ROWS[0] + "\r\n" + ROWS[1] + "\r\n").encode())
    check_header(path)
    rows = [r for b in read_transactions(path) for r in b.rows.select(["line", "from_account", "amount_paid"]).to_pylist()]
    assert rows == [{"line": 2, "from_account": "8000EBD30", "amount_paid": 3697.34},
                    {"line": 3, "from_account": "8000F4580", "amount_paid": 0.01}]


def test_a_row_with_two_bad_fields_is_one_record(store, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text(HEADER + "2022/09/01 00:20,010,8000EBD30,011,8000EBD31,-5,US Dollar,-5,US Dollar,Wire,0\n" + ROWS[0] + "\n")
    result = ingest_transactions(store, ANALYST, path, "bank-two", tmp_path / "home")
    assert result.records == 2 and len(result.errors) == 2


def test_an_overlapping_extract_delivered_again_adds_only_what_is_new(store, tmp_path):
    # A bank re-sends the last days of an extract with its next one: those transactions are in the ledger once.
    home = tmp_path / "home"
    twice = "2022/09/02 10:00,010,8000EBD30,020,800104D70,50.00,Euro,50.00,Euro,Cash,0"
    august = [
        "2022/08/31 09:00,010,8000EBD30,020,800104D70,75.00,Euro,75.00,Euro,Wire,0",
        "2022/09/01 08:00,010,8000EBD30,020,800104D70,120.50,Euro,120.50,Euro,Wire,0",
        twice, twice,  # two alike payments in one delivery are two payments
    ]
    september = [
        "2022/09/01 08:00,010,8000EBD30,020,800104D70,120.50,Euro,120.50,Euro,Wire,1",  # flagged since: still one
        twice, twice, twice,  # a third alike payment, new
        "2022/09/01 08:00,010,8000EBD30,020,800104D70,120.51,Euro,120.51,Euro,Wire,0",  # a cent apart: new
        "2022/09/03 12:00,020,800104D70,010,8000EBD30,10.00,Euro,10.00,Euro,Cheque,0",
    ]
    first, second = tmp_path / "aug.csv", tmp_path / "sep.csv"
    first.write_text(HEADER + "\n".join(august) + "\n")
    second.write_text(HEADER + "\n".join(september) + "\n")
    assert ingest_transactions(store, ANALYST, first, "bank-a", home).redelivered == 0
    result = ingest_transactions(store, ANALYST, second, "bank-a", home)
    assert result.redelivered == 3 and result.records == 6
    with ledger_session(store, ANALYST, home) as session:
        amounts = session.conn.execute("SELECT amount_paid, count(*) FROM transactions GROUP BY 1 ORDER BY 1").fetchall()
    assert amounts == [(10.0, 1), (50.0, 3), (75.0, 1), (120.5, 1), (120.51, 1)]
    # another source's feed is its own delivery, and a forced reload of a file does not count itself as earlier
    assert ingest_transactions(store, ANALYST, second, "bank-b", home).redelivered == 0
    assert ingest_transactions(store, ANALYST, second, "bank-a", home, force=True).redelivered == 3


def test_two_overlapping_extracts_delivered_at_once_store_each_transaction_once(store, tmp_path, at_once):
    # Each delivery reads what the earlier ones hold, then loads: the first to read waits here for the other to read
    # too, as two deliveries at once would (before, both read that nothing was held and both loaded the overlap).
    home = tmp_path / "home"
    rows = ["2022/09/01 08:00,010,8000EBD30,020,800104D70,120.50,Euro,120.50,Euro,Wire,0",
            "2022/09/02 10:00,010,8000EBD30,020,800104D70,50.00,Euro,50.00,Euro,Cash,0"]
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text(HEADER + "\n".join(rows) + "\n")
    second.write_text(HEADER + "\n".join([*rows, rows[1].replace("50.00", "60.00")]) + "\n")
    at_once(ledger, "delivered_files", *(lambda path=path: ingest_transactions(store, ANALYST, path, "bank-a", home)
                                         for path in (first, second)))
    with ledger_session(store, ANALYST, home) as session:
        amounts = session.conn.execute("SELECT amount_paid, count(*) FROM transactions GROUP BY 1 ORDER BY 1").fetchall()
    assert amounts == [(50.0, 1), (60.0, 1), (120.5, 1)]


def test_an_unknown_currency_or_payment_format_is_a_bad_row_named_by_line_and_field(tmp_path):
    """AMLworld names a fixed set of currencies and payment formats; an ISO 4217 code is a currency too."""
    from nexus.sources.amlworld import read_transactions

    path = tmp_path / "martian.csv"
    rows = ["2022/09/01 00:20,010,8000EBD30,011,8000EBD31,100.00,Martian Dollar,100.00,Martian Dollar,Wire,0",
            "2022/09/01 00:21,010,8000EBD30,011,8000EBD31,100.00,US Dollar,100.00,US Dollar,Teleport,0",
            "2022/09/01 00:22,010,8000EBD30,011,8000EBD31,100.00,EUR,90.00,Yen,Bitcoin,0",
            "2022/09/01 00:23,010,8000EBD30,011,8000EBD31,100.00,Saudi Riyal,100.00,Brazil Real,Credit Card,0",
            "2022/09/01 00:24,010,8000EBD30,011,8000EBD31,100.00,Euro,100.00,us dollar,Wire,0"]
    path.write_text(HEADER + "\n".join(rows) + "\n")
    batches = list(read_transactions(path))
    errors = [(e.location, e.field, e.message) for b in batches for e in b.errors]
    assert [e[:2] for e in errors] == [("line 2", "receiving_currency"), ("line 2", "payment_currency"),
                                       ("line 3", "payment_format"), ("line 6", "payment_currency")]
    assert errors[0][2].startswith("not a valid value: 'Martian Dollar'") and "ISO 4217" in errors[0][2]
    assert errors[2][2].startswith("not a valid value: 'Teleport'") and "Reinvestment" in errors[2][2]
    assert [r for b in batches for r in b.rows.column("line").to_pylist()] == [4, 5]
