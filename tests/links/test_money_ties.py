"""The FIU's ledger in the link graph: money between accounts is a Payment tie (one per pair of accounts,
with its count, total and dates), so a path runs from a terrorist through their account, the money and
the receiving account to a trafficker; a viewer who may not see the transactions has no such path."""

import orjson
import pytest

from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions
from nexus.service.links import nexus_paths
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
    assert path["entities"][-1] == "c1" and path["hops"] == 3
    tie = path["edges"][1]
    assert tie["type"] == "Payment" and tie["sources"] == ["bank"] and tie["amount"] == pytest.approx(2706)
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
