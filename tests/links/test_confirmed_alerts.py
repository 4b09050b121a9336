"""Confirmed FIU alerts reach the link graph (both databases): confirming a typology or red-flag alert writes, in
the review's transaction, `alerts` statements marking its account with a nexus topic (`crime.fin`; a
terrorist-financing red flag `crime.terror`) under the alert's labels; the graph, built from statements, then has the
account on that side of the nexus, a path from a terrorist's account to it, and the topic in its neighbourhood. A
viewer who may not see the alert does not see the topic; a review away from `confirmed` retires the alert's
statements (and no other alert's)."""

import orjson
import pytest
from sqlalchemy import select

from nexus.ingest import ingest
from nexus.links.query import Side
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, get_alert, raise_alerts, review_alert
from nexus.service.data_version import data_version
from nexus.service.detect import detect
from nexus.service.entities import entity_record
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions
from nexus.service.links import neighbours, nexus_paths
from nexus.sources import get_format
from nexus.sources.amlworld import account_id
from nexus.store.schema import audit_log, statements

HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering\n")
FIU = Viewer("fiona", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="case 7")
FIU_LOW = Viewer("carl", "FIU", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="case 7")
POLICE = Viewer("pat", "POLICE", frozenset({"analyst"}), Classification.SECRET, purpose="case 7")
TERROR, FIN = Side(topics=("crime.terror",)), Side(topics=("crime.fin",))
F0, FO0, CF0 = account_id("001", "F0"), account_id("001", "FO0"), account_id("001", "CF0")


def row(day, hour, payer, payee, amount, how="Wire"):
    return f"2024/05/{day:02d} {hour:02d}:00,001,{payer},001,{payee},{amount},US Dollar,{amount},US Dollar,{how},0"


FEED = [
    # fan-out: F0 pays six accounts within a day, the first of them the terrorist's
    *(row(1, 9 + h, "F0", f"FO{h}", 1000 + h) for h in range(6)),
    # crowdfunding then out (a terrorist-financing red flag): twelve donors give CF0 small sums, then cash and Syria
    *(row(1 + d % 9, 9 + d % 8, f"DONOR{d}", "CF0", 80 + 10 * d) for d in range(12)),
    row(11, 10, "CF0", "CF0", 1000, "Cash"), row(12, 10, "CF0", "SY2100000000000000001234", 400),
]


def owner(person_id, name, topics, account):
    return [
        {"id": person_id, "schema": "Person", "properties": {"name": [name], "topics": topics}},
        {"id": account, "schema": "BankAccount", "properties": {"accountNumber": [account.split("-")[-1]]}},
        {"id": f"own-{person_id}", "schema": "Ownership", "properties": {"owner": [person_id], "asset": [account]}},
    ]


@pytest.fixture
def flagged(store, tmp_path):
    """Know-your-customer records any agency may read (a terrorist holds FO0, a plain customer F0 and CF0), a SECRET
    ledger of the FIU alone, and the detectors' alerts on it: (store, home, alerts by name)."""
    kyc = tmp_path / "kyc.json"
    kyc.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in owner("t1", "Abu Talha", ["crime.terror"], FO0)
                             + owner("h1", "Hana Berg", [], F0) + owner("h2", "Ivo Marek", [], CF0)))
    store.register_source("kyc", "ftm", Labels("FIU", Classification.RESTRICTED, releasable_to=("*",)))
    ingest(store, "kyc", kyc, get_format("ftm").read(kyc))
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "\n".join(FEED) + "\n")
    home = tmp_path / "home"
    ingest_transactions(store, FIU, feed, "bank", home, LabelChanges(agency="FIU", classification="SECRET",
                                                                      releasable_to="FIU"))
    found = {(a["name"], a["accounts"][0]): a for a in detect(store, FIU, home)}
    return store, home, found


def topics(store, viewer, entity_id) -> list[dict]:
    record = entity_record(store, viewer, entity_id)
    return record["properties"].get("topics", []) if record else []


def test_a_confirmed_typology_alert_puts_its_account_on_the_crime_side_of_the_graph(flagged):
    store, home, found = flagged
    fan = found[("fan-out", "F0")]
    assert nexus_paths(store, FIU, home, TERROR, FIN) == []  # nothing is on the crime side yet
    assert neighbours(store, FIU, home, F0)["node"]["topics"] in (None, [])
    before = data_version(store)

    review = review_alert(store, FIU, fan["id"], "confirmed", reason="the fan-out pays a known cell's account")
    assert review["nexus_evidence"]["topic"] == "crime.fin" and review["nexus_evidence"]["entities"] == [F0]
    assert data_version(store) != before  # the kept graphs are stale

    (path,) = nexus_paths(store, FIU, home, TERROR, FIN)
    assert path["entities"] == ["t1", FO0, F0]  # the terrorist, their account, the money, the confirmed account
    assert "crime.fin" in neighbours(store, FIU, home, F0)["node"]["topics"]
    (topic,) = topics(store, FIU, F0)
    assert topic["value"] == "crime.fin" and topic["source"] == "alerts"
    assert (topic["classification"], topic["agency"], topic["releasable_to"]) == ("SECRET", "FIU", "FIU")
    assert "FIU analysis" in topic["legal_basis"]
    (note,) = entity_record(store, FIU, F0)["properties"]["notes"]
    assert f"alert {fan['id']}" in note["value"]
    with store.engine.connect() as conn:  # audited with the review, in its record
        (details,) = conn.execute(select(audit_log.c.query).where(audit_log.c.action == "alerts.review")).scalars()
    assert orjson.loads(details)["nexus_evidence"]["written"] == 2


def test_a_viewer_who_may_not_see_the_alert_does_not_see_its_evidence(flagged):
    store, home, found = flagged
    review_alert(store, FIU, found[("fan-out", "F0")]["id"], "confirmed", reason="confirmed")
    assert [t["value"] for t in topics(store, FIU, F0)] == ["crime.fin"]  # the FIU's own analyst sees it
    for viewer in (FIU_LOW, POLICE):  # below the alert's classification; not an agency it may go to
        assert entity_record(store, viewer, F0) is not None  # the customer record they may read
        assert topics(store, viewer, F0) == []
        assert neighbours(store, viewer, home, F0)["node"]["topics"] in (None, [])
        assert nexus_paths(store, viewer, home, Side(ids=("t1",)), FIN) == []


def test_a_confirmed_terrorist_financing_flag_puts_its_account_on_the_terror_side(flagged):
    store, home, found = flagged
    crowd = found[("crowdfunding-then-out", "CF0")]
    assert crowd["kind"] == "rule"
    review_alert(store, FIU, crowd["id"], "confirmed", reason="donations drawn in cash and sent to Syria")
    assert [t["value"] for t in topics(store, FIU, CF0)] == ["crime.terror"]
    assert "crime.terror" in neighbours(store, FIU, home, CF0)["node"]["topics"]
    assert CF0 in {p["entities"][0] for p in nexus_paths(store, FIU, home, TERROR, Side(ids=("h2",)))}


def test_a_review_away_from_confirmed_retires_the_evidence(flagged):
    store, home, found = flagged
    fan = found[("fan-out", "F0")]
    review_alert(store, FIU, fan["id"], "confirmed", reason="confirmed")
    assert nexus_paths(store, FIU, home, TERROR, FIN)
    confirmed = data_version(store)

    review = review_alert(store, FIU, fan["id"], "dismissed", reason="the bank explained the payroll on appeal")
    assert review["nexus_evidence"]["retired"] == 2 and review["nexus_evidence"]["written"] == 0
    assert data_version(store) != confirmed
    assert topics(store, FIU, F0) == [] and "notes" not in entity_record(store, FIU, F0)["properties"]
    assert nexus_paths(store, FIU, home, TERROR, FIN) == []
    with store.engine.connect() as conn:  # retired, never deleted
        rows = conn.execute(select(statements.c.retired_at).where(statements.c.source == "alerts")).scalars().all()
    assert len(rows) == 2 and all(rows)

    review_alert(store, FIU, fan["id"], "confirmed", reason="new evidence: confirmed again")
    assert [t["value"] for t in topics(store, FIU, F0)] == ["crime.fin"]
    # a decision that neither confirms nor takes a confirmation back writes nothing
    assert "nexus_evidence" not in review_alert(store, FIU, found[("crowdfunding-then-out", "CF0")]["id"],
                                                "unsure", reason="asking the bank")


def test_two_alerts_on_one_account_each_keep_their_own_evidence(flagged):
    """An alert any agency may see (it cites the customer record) and the SECRET fan-out, both on F0: each writes
    its own statements under its own labels, and dismissing one leaves the other's."""
    store, home, found = flagged
    fan = found[("fan-out", "F0")]
    with store.engine.connect() as conn:
        (cited,) = conn.execute(select(statements.c.id).where(statements.c.entity_id == F0,
                                                               statements.c.prop == "accountNumber",
                                                               statements.c.source == "kyc")).scalars()
    raised = raise_alerts(store, FIU, [NewAlert(
        kind="rule", subject=f"rule/FIU/kyc-review/{F0}", fingerprint="1", title="kyc-review: account reviewed",
        score=1.0, explanation={"rule": "kyc-review", "account_ids": [F0]},
        evidence=(Evidence("statement", cited, F0, Labels("FIU", Classification.RESTRICTED)),))], "judge")
    ((other_id, _),) = raised.values()
    assert get_alert(store, FIU, other_id)["labels"]["classification"] == "RESTRICTED"
    review_alert(store, FIU, fan["id"], "confirmed", reason="confirmed")
    review_alert(store, FIU, other_id, "confirmed", reason="confirmed")
    assert sorted((t["value"], t["classification"]) for t in topics(store, FIU, F0)) == [
        ("crime.fin", "RESTRICTED"), ("crime.fin", "SECRET")]
    assert [t["classification"] for t in topics(store, POLICE, F0)] == ["RESTRICTED"]  # the alert POLICE may see

    review_alert(store, FIU, fan["id"], "dismissed", reason="explained")
    assert [t["classification"] for t in topics(store, FIU, F0)] == ["RESTRICTED"]
    assert "crime.fin" in neighbours(store, FIU, home, F0)["node"]["topics"]
