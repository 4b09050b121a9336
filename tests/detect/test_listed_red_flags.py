"""Red flags on sanctions lists: money to or from an account whose holder is listed, or through one
intermediary to one, and a listed account paying out; found from the statements the viewer may see, and
citing the listing as well as the payments."""

from datetime import date

import orjson
import pytest
from feed import workspace_rule

from nexus.detect.red_flags import FOLDER, LISTED_FEATURES
from nexus.errors import InvalidInput
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert, list_alerts
from nexus.service.detect import backtest_rule, detect
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions
from nexus.sources import get_format
from nexus.sources.amlworld import account_id

HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering\n")
FIU = Viewer("fiona", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="sanctions red flags")
#: may read the bank feed (CONFIDENTIAL) but not the treasury's designations (SECRET)
JUNIOR = Viewer("june", "FIU", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="sanctions red flags")
PAYMENTS = [
    ("2024/03/01 10:00", "A0", "L0", 900),  # straight to the listed person
    ("2024/03/05 10:00", "B0", "M0", 5000), ("2024/03/07 10:00", "M0", "L0", 4800),  # through M0
    ("2024/03/10 10:00", "L0", "Z0", 3000),  # the listed account pays out
    ("2024/03/12 10:00", "B0", "N0", 100), ("2024/04/20 10:00", "N0", "L0", 90),  # on, weeks later: not B0's hop
]


@pytest.fixture
def listed(store, tmp_path):
    account = account_id("001", "L0")
    path = tmp_path / "designations.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        {"id": "l1", "schema": "Person", "properties": {"name": ["Abu Listed"], "topics": ["sanction"]}},
        {"id": account, "schema": "BankAccount", "properties": {"accountNumber": ["L0"]}},
        {"id": "own-l1", "schema": "Ownership", "properties": {"owner": ["l1"], "asset": [account]}},
    ]))
    store.register_source("treasury", "ftm", Labels("FIU", Classification.SECRET))
    ingest(store, "treasury", path, get_format("ftm").read(path))
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "".join(f"{when},001,{a},001,{b},{x},US Dollar,{x},US Dollar,Wire,0\n"
                                     for when, a, b, x in PAYMENTS))
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", classification="CONFIDENTIAL"))
    return store, home


def test_payments_to_from_and_through_a_listed_account_are_flagged(listed):
    store, home = listed
    found = [a for a in detect(store, FIU, home) if a["name"].startswith("listed-")]
    by_account = {(a["name"], a["accounts"][0]): a for a in found}
    assert set(by_account) == {("listed-counterparty", "A0"), ("listed-counterparty", "B0"),
                               ("listed-counterparty", "M0"), ("listed-counterparty", "Z0"),
                               ("listed-counterparty", "N0"), ("listed-account-active", "L0")}
    active = by_account[("listed-account-active", "L0")]  # what it paid out, not the money it received
    assert get_alert(store, FIU, active["id"])["explanation"]["total"] == 3000 and len(active["transactions"]) == 1
    through = by_account[("listed-counterparty", "B0")]
    assert "listed_money 5,000" in through["explanation"]  # only the payment M0 paid on within the week
    assert len(through["transactions"]) == 2  # B0's payment to M0 and M0's onward payment to L0 (not that to N0)
    alert = get_alert(store, FIU, through["id"])
    cited = {(e["ref_kind"], e["entity_id"]) for e in alert["evidence"]}
    assert ("statement", "l1") in cited and ("statement", "own-l1") in cited  # the listing, and whose account
    assert alert["labels"]["classification"] == "SECRET"  # as high as the designation it rests on


def test_a_viewer_who_may_not_see_the_listing_gets_no_such_flag(listed):
    store, home = listed
    assert [a for a in detect(store, JUNIOR, home) if a["name"].startswith("listed-")] == []
    assert {a["name"] for a in detect(store, FIU, home)} >= {"listed-counterparty"}
    assert [a for a in detect(store, JUNIOR, home) if a["name"].startswith("listed-")] == []  # nor the FIU's alerts


def test_back_testing_the_listed_counterparty_rule(listed):
    store, home = listed
    hits = backtest_rule(store, FIU, home, FOLDER / "listed-counterparty.yml", date(2024, 3, 1), date(2024, 3, 31))
    assert sorted(h["account"] for h in hits) == ["A0", "B0", "M0", "Z0"]  # N0 paid L0 in April
    assert backtest_rule(store, FIU, home, "listed-counterparty", date(2024, 3, 1), date(2024, 3, 31)) == hits  # as listed
    with pytest.raises(InvalidInput, match="no such rule"):
        backtest_rule(store, FIU, home, "no-such-rule", date(2024, 3, 1), date(2024, 3, 31))
    assert backtest_rule(store, JUNIOR, home, FOLDER / "listed-counterparty.yml", date(2024, 3, 1),
                         date(2024, 3, 31)) == []


def test_an_alert_on_a_tie_shows_nothing_of_the_account_s_other_money(store, tmp_path):
    """The designation and the tie are CONFIDENTIAL; a SECRET payment into the same account in the same window
    is neither cited nor counted in what the alert shows, so a CONFIDENTIAL viewer may see the alert."""
    account = account_id("001", "L0")
    path = tmp_path / "designations.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        {"id": "l1", "schema": "Person", "properties": {"name": ["Abu Listed"], "topics": ["sanction"]}},
        {"id": "own-l1", "schema": "Ownership", "properties": {"owner": ["l1"], "asset": [account]}},
    ]))
    store.register_source("treasury", "ftm", Labels("FIU", Classification.CONFIDENTIAL))
    ingest(store, "treasury", path, get_format("ftm").read(path))
    home = tmp_path / "home"
    for source, level, rows in (("bank", "CONFIDENTIAL", [("2024/03/01 10:00", "A0", "L0", 900)]),
                                ("vault", "SECRET", [("2024/03/02 10:00", "V0", "A0", 1234567)])):
        feed = tmp_path / f"{source}.csv"
        feed.write_text(HEADER + "".join(f"{when},001,{a},001,{b},{x},US Dollar,{x},US Dollar,Wire,0\n"
                                         for when, a, b, x in rows))
        ingest_transactions(store, FIU, feed, source, home, LabelChanges(agency="FIU", classification=level))
    raised = {a["accounts"][0]: a for a in detect(store, FIU, home) if a["name"] == "listed-counterparty"}
    seen = {a["id"]: a for a in list_alerts(store, JUNIOR, kind="rule")}
    alert = seen[raised["A0"]["id"]]
    assert alert["labels"]["classification"] == "CONFIDENTIAL"
    shown = get_alert(store, JUNIOR, alert["id"])["explanation"]
    assert shown["total"] == 900 and set(shown["features"]) <= LISTED_FEATURES and "1234567" not in str(shown)


def test_a_workspace_rule_on_no_listed_money_raises_without_failing(listed):
    store, home = listed
    workspace_rule(home, "unlisted-inflows", 30, "{feature: listed_money, op: '<=', value: 0}",
                   "{feature: inflow_total, op: '>=', value: 1000}")
    found = [a for a in detect(store, FIU, home) if a["name"] == "unlisted-inflows"]
    assert found and all(a["transactions"] for a in found)


def test_an_alert_on_a_one_hop_tie_names_the_intermediary_and_the_listed_account_and_spans_the_onward_payment(
        store, tmp_path):
    """E001 pays E002 at 10:00, E002 pays the listed E003 at 14:00: the alert on E001 names all three and runs
    from 10:00 to 14:00, the time of the onward payment it cites."""
    account = account_id("080", "80000E003")
    path = tmp_path / "designations.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        {"id": "l1", "schema": "Person", "properties": {"name": ["Abu Listed"], "topics": ["sanction"]}},
        {"id": "own-l1", "schema": "Ownership", "properties": {"owner": ["l1"], "asset": [account]}},
    ]))
    store.register_source("treasury", "ftm", Labels("FIU", Classification.SECRET))
    ingest(store, "treasury", path, get_format("ftm").read(path))
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "2022/09/05 10:00,080,80000E001,080,80000E002,5000.00,US Dollar,5000.00,US Dollar,Wire,0\n"
                    "2022/09/05 14:00,080,80000E002,080,80000E003,4900.00,US Dollar,4900.00,US Dollar,Wire,0\n")
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", classification="CONFIDENTIAL"))
    raised = {a["accounts"][0]: a for a in detect(store, FIU, home) if a["name"] == "listed-counterparty"}
    through = raised["80000E001"]
    assert through["accounts"] == ["80000E001", "80000E002", "80000E003"]
    assert through["start"] == "2022-09-05T10:00:00" and through["finish"] == "2022-09-05T14:00:00"
    assert len(through["transactions"]) == 2
    shown = get_alert(store, FIU, through["id"])["explanation"]
    assert shown["account_ids"] == [account_id("080", "80000E001"), account_id("080", "80000E002"), account]
    assert shown["finish"] == "2022-09-05T14:00:00"
    assert raised["80000E002"]["accounts"] == ["80000E002", "80000E003"]  # its own payment to the listed account
