"""The FIU's ledger in the link graph: money between accounts is a Payment tie (one per pair of accounts,
with its count, total and dates), so a path runs from a terrorist through their account, the money and
the receiving account to a trafficker; a viewer who may not see the transactions has no such path."""

import io

import orjson
import pytest

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions
from nexus.service.links import nexus_paths
from nexus.service.links_export import export_graph
from nexus.service.nexus_alerts import raise_nexus_alerts
from nexus.sources import get_format
from nexus.sources.amlworld import account_id

HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering\n")
FIU = Viewer("fiona", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="case 7")
POLICE = Viewer("pat", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="case 7")


def owner(person_id, name, topic, account):
    return [
        {"id": person_id, "schema": "Person", "properties": {"name": [name], "topics": [topic]}},
        {"id": account, "schema": "BankAccount", "properties": {"accountNumber": [account.split("-")[-1]]}},
        {"id": f"own-{person_id}", "schema": "Ownership", "properties": {"owner": [person_id], "asset": [account]}},
    ]


@pytest.fixture
def money(store, tmp_path):
    a, b = account_id("001", "8000A1"), account_id("002", "9000B2")
    path = tmp_path / "kyc.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in owner("t1", "Abu Talha", "crime.terror", a)
                              + owner("c1", "Marco Rossi", "crime.traffick", b)))
    store.register_source("kyc", "ftm", Labels("FIU", Classification.RESTRICTED, releasable_to=("*",)))
    ingest(store, "kyc", path, get_format("ftm").read(path))
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "".join(f"2024/03/0{d} 10:00,001,8000A1,002,9000B2,{900 + d},US Dollar,{900 + d},"
                                     "US Dollar,Wire,0\n" for d in range(1, 4)))
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", classification="SECRET",
                                                                      releasable_to="FIU"))
    return store, home


def test_money_between_accounts_makes_the_path_and_the_alert_cites_the_transactions(money):
    store, home = money
    (path,) = [p for p in nexus_paths(store, FIU, home, limit=5) if p["entities"][0] == "t1"]
    a, b = account_id("001", "8000A1"), account_id("002", "9000B2")
    assert path["entities"] == ["t1", a, b, "c1"] and path["hops"] == 3  # the currency is no hub between them
    tie = path["edges"][1]
    assert tie["type"] == "Payment" and tie["sources"] == ["bank"] and tie["amount"] == pytest.approx(2706)
    assert tie["currency"] == "US Dollar" and tie["via"] is None
    assert tie["pieces"] == 3 and tie["weight"] == pytest.approx(1 - 0.4 ** 3)  # as three FtM Payments would weigh
    assert "2,706.00 US Dollar in 3" in path["words"]
    assert (tie["first_date"], tie["last_date"]) == ("2024-03-01", "2024-03-03")
    assert tie["classification"] == "SECRET"
    (alert,) = raise_nexus_alerts(store, FIU, home, limit=5)
    cited = get_alert(store, FIU, alert["alert_id"])["evidence"]
    assert {e["ref_kind"] for e in cited} >= {"transaction", "statement"}
    assert sum(e["ref_kind"] == "transaction" for e in cited) == 2  # the first and the last payment


def test_no_money_tie_for_a_viewer_who_may_not_see_the_transactions(money):
    store, home = money
    assert not [p for p in nexus_paths(store, POLICE, home, limit=5) if p["entities"][0] == "t1"]


def test_a_money_tie_alert_cites_every_kind_of_payment_it_sums(money, tmp_path):
    """A tie that sums payments under other labels cites one of those too: whoever may not see them does not
    see the alert, its total or its classification."""
    store, home = money
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "2024/03/02 12:00,001,8000A1,002,9000B2,777777,US Dollar,777777,US Dollar,Wire,0\n")
    ingest_transactions(store, FIU, other, "other-bank", home, LabelChanges(agency="FIU", classification="CONFIDENTIAL",
                                                                            releasable_to="FIU"))
    (alert,) = raise_nexus_alerts(store, FIU, home, limit=5)
    cited = [e["ref_id"] for e in get_alert(store, FIU, alert["alert_id"])["evidence"] if e["ref_kind"] == "transaction"]
    assert len(cited) == 3 and sum("other-bank" in ref for ref in cited) == 1


def test_money_passed_on_through_a_third_account_is_one_path(store, tmp_path):
    """Two payments in one currency, from the terrorist's account through a third account to the trafficker's:
    a four-hop path (the shared currency is not a hub the path would walk through twice)."""
    a, m, b = account_id("001", "8000A1"), account_id("003", "7000M3"), account_id("002", "9000B2")
    kyc = tmp_path / "kyc.json"
    kyc.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [
        *owner("t1", "Abu Talha", "crime.terror", a), *owner("c1", "Marco Rossi", "crime.traffick", b),
        {"id": m, "schema": "BankAccount", "properties": {"accountNumber": ["7000M3"]}}]))
    store.register_source("kyc", "ftm", Labels("FIU", Classification.RESTRICTED, releasable_to=("*",)))
    ingest(store, "kyc", kyc, get_format("ftm").read(kyc))
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "2024/03/01 10:00,001,8000A1,003,7000M3,5000,US Dollar,5000,US Dollar,Wire,0\n"
                             "2024/03/02 10:00,003,7000M3,002,9000B2,4900,US Dollar,4900,US Dollar,Wire,0\n")
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", classification="SECRET",
                                                                      releasable_to="FIU"))
    (path,) = [p for p in nexus_paths(store, FIU, home, limit=5) if p["entities"][0] == "t1"]
    assert path["entities"] == ["t1", a, m, b, "c1"]
    assert [e["type"] for e in path["edges"]] == ["Ownership", "Payment", "Payment", "Ownership"]


def test_the_ftm_export_sums_a_money_tie_as_one_link_between_the_accounts(money):
    store, home = money
    out = io.BytesIO()
    export_graph(store, FIU, home, "ftm", out)
    (link,) = [e for e in map(orjson.loads, out.getvalue().splitlines()) if e["schema"] == "UnknownLink"]
    props = link["properties"]
    assert props["subject"] == [account_id("001", "8000A1")] and props["object"] == [account_id("002", "9000B2")]
    assert props["role"] == ["Payment: US Dollar"] and props["summary"] == ["2,706.00 US Dollar in 3 payments"]
    assert (props["startDate"], props["endDate"]) == (["2024-03-01"], ["2024-03-03"])


def test_money_in_one_currency_spelled_two_ways_is_one_tie(store, tmp_path):
    a = account_id("001", "8000A1")
    path = tmp_path / "kyc.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in owner("t1", "Abu Talha", "crime.terror", a)))
    store.register_source("kyc", "ftm", Labels("FIU", Classification.RESTRICTED, releasable_to=("*",)))
    ingest(store, "kyc", path, get_format("ftm").read(path))
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "2024/03/01 10:00,001,8000A1,002,9000B2,900,Euro,900,Euro,Wire,0\n"
                    "2024/03/02 10:00,001,8000A1,002,9000B2,100,EUR,100,EUR,Wire,0\n")
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", releasable_to="FIU"))
    out = io.BytesIO()
    export_graph(store, FIU, home, "csv", out)
    ties = [line for line in out.getvalue().decode().splitlines() if ",Payment," in line]
    assert len(ties) == 1 and "Euro" in ties[0] and "EUR," not in ties[0]
