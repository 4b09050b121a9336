"""Passenger screening alerts on both databases: each agency's own, one per trip of a listed traveller naming the
flight, every document a traveller carries screened; held-record and targeting-rule alerts are each agency's too."""

import re

import orjson
import pytest

from nexus.errors import NotFound
from nexus.ingest import ingest
from nexus.model import Classification, Labels
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert, list_alerts, review_alert
from nexus.service.screening import screen_holdings
from nexus.service.targeting import decide_rule, propose_rule
from nexus.service.travel import receive_message
from nexus.sources import get_format
from nexus.sources.travel.entities import flight_id
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Payment, Traveller
from nexus.sources.travel.write import write_paxlst, write_pnrgov

LOCAL = Viewer("local", "LOCAL", frozenset({"targeter"}), Classification.SECRET)
COP = Viewer("cop", "POLICE", frozenset({"targeter"}), Classification.SECRET)
SUPERVISOR = Viewer("sam", "PIU", frozenset({"supervisor"}), Classification.SECRET)
ZAWAHIRI = Traveller("AL-ZAWAHIRI", "AYMAN", birth_date="1951-06-19", gender="male", nationality="EGY",
                     documents=[Document("P", "1084010", "EGY", "2030-01-01")])
AL_RIMI = Traveller("AL RIMI", "QASIM", birth_date="1980-01-01", gender="male", nationality="YEM",
                    documents=[Document("P", "X9999999", "YEM", "2030-01-01"), Document("P", "00344994", "YEM", "2030-01-01")])
FLIGHT = Leg("ZZ", "777", "IST", "BRU", "2025-03-02T10:00", "2025-03-02T13:00")
LATER = Leg("ZZ", "888", "IST", "BRU", "2025-03-09T10:00", "2025-03-09T13:00")
RULE = """
name: one-way-cash
description: one-way ticket paid in cash
conditions:
  - {feature: one_way, op: is, value: true}
  - {feature: payment, op: in, value: [cash]}
"""


@pytest.fixture
def un(store, shared_data, tmp_path):
    """The UN list cut to Ayman al-Zawahiri (QDi.006) and Qasim al-Rimi (QDi.282, passport 00344994)."""
    text = (shared_data / "sanctions" / "un_consolidated_2017.xml").read_text(encoding="utf-8")
    wanted = [x for x in re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", text, re.DOTALL) if re.search(r"QDi\.(006|282)<", x)]
    path = tmp_path / "un.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST><INDIVIDUALS>' + "".join(wanted)
                    + "</INDIVIDUALS></CONSOLIDATED_LIST>", encoding="utf-8")
    store.register_source("un", "un-sc", Labels("UNSC", Classification.UNCLASSIFIED), is_list=True)
    ingest(store, "un", path, get_format("un-sc").read(path))
    return store


def api(reference, *travellers, leg=FLIGHT):
    return write_paxlst(Manifest(reference, [leg], list(travellers))).encode()


def evidence_agencies(store, viewer, alert_id):
    return {e["agency"] for e in get_alert(store, viewer, alert_id)["evidence"]}


def test_each_agency_keeps_its_own_alert_on_the_same_passenger(un):
    (mine,) = receive_message(un, LOCAL, api("REFH001", ZAWAHIRI), "api_hit.edi", "paxlst", "api").screening_alerts
    review_alert(un, LOCAL, mine, "confirmed", "same passport as the listing")
    (theirs,) = receive_message(un, COP, api("REFP001", ZAWAHIRI), "api_hit_p.edi", "paxlst", "police-api").screening_alerts
    assert theirs != mine
    assert get_alert(un, LOCAL, mine)["state"] == "confirmed" and evidence_agencies(un, LOCAL, mine) == {"LOCAL", "UNSC"}
    assert get_alert(un, COP, theirs)["state"] == "open" and evidence_agencies(un, COP, theirs) == {"POLICE", "UNSC"}
    for viewer, other in ((LOCAL, theirs), (COP, mine)):
        with pytest.raises(NotFound):
            get_alert(un, viewer, other)
    assert [a["id"] for a in list_alerts(un, LOCAL, kind="travel")] == [mine]
    assert [a["id"] for a in list_alerts(un, COP, kind="travel")] == [theirs]


def test_an_agencys_decision_on_a_held_record_does_not_silence_anothers_hit(un, tmp_path):
    police, local = (Viewer(user, agency, frozenset({"analyst"}), Classification.SECRET)
                     for user, agency in (("ana", "POLICE"), ("lou", "LOCAL")))
    path = tmp_path / "suspects.json"
    path.write_bytes(orjson.dumps({"id": "p1", "schema": "Person", "properties": {
        "name": ["Ayman al-Zawahiri"], "birthDate": ["1951-06-19"]}}))
    un.register_source("suspects", "ftm", Labels("POLICE", releasable_to=("POLICE", "LOCAL")))
    ingest(un, "suspects", path, get_format("ftm").read(path))
    (theirs,) = screen_holdings(un, police)[1].column("alert_id").to_pylist()
    review_alert(un, police, theirs, "dismissed", "not him, by the photograph")
    (mine,) = screen_holdings(un, local)[1].to_pylist()
    assert mine["alert_id"] != theirs and mine["alert_state"] == "open"
    assert get_alert(un, police, theirs)["state"] == "dismissed"


def test_targeting_rule_alerts_are_each_agencys(un):
    """A rule is its agency's: LOCAL's runs on LOCAL's intake only; POLICE's own rule raises POLICE's alert."""
    propose_rule(un, LOCAL, RULE)
    with pytest.raises(NotFound):  # another agency's supervisor does not approve it
        decide_rule(un, SUPERVISOR, "one-way-cash", 1, True, "proportionate")
    decide_rule(un, Viewer("lee", "LOCAL", frozenset({"supervisor"}), Classification.SECRET), "one-way-cash", 1, True,
                "proportionate")
    booking = Booking("CASH01", "1A", created="2025-03-01T20:00", travellers=[AL_RIMI], legs=[FLIGHT],
                      payments=[Payment("CA", amount="640.00")])
    message = write_pnrgov(FLIGHT, [booking], booking.locator).encode()
    (mine,) = receive_message(un, LOCAL, message, "pnr.edi", "pnrgov", "pnr").rule_alerts
    review_alert(un, LOCAL, mine, "dismissed", "a known commuter")
    assert receive_message(un, COP, message, "pnr.edi", "pnrgov", "police-pnr").rule_alerts == []
    propose_rule(un, COP, RULE.replace("name: one-way-cash", "name: police-one-way-cash"))
    decide_rule(un, Viewer("pat", "POLICE", frozenset({"supervisor"}), Classification.SECRET), "police-one-way-cash", 1,
                True, "proportionate")
    (theirs,) = receive_message(un, COP, message, "pnr.edi", "pnrgov", "police-pnr-2").rule_alerts
    assert theirs != mine and get_alert(un, COP, theirs)["state"] == "open"
    assert get_alert(un, LOCAL, mine)["state"] == "dismissed" and evidence_agencies(un, LOCAL, mine) == {"LOCAL"}
    with pytest.raises(NotFound):
        get_alert(un, COP, mine)


def test_every_trip_of_a_listed_traveller_is_an_alert_of_its_own_naming_the_flight(un):
    (first,) = receive_message(un, LOCAL, api("REFH001", ZAWAHIRI), "api_hit.edi", "paxlst", "api").screening_alerts
    review_alert(un, LOCAL, first, "confirmed", "same passport as the listing")
    (second,) = receive_message(un, LOCAL, api("REFH002", ZAWAHIRI, leg=LATER), "api_hit2.edi", "paxlst",
                                "api").screening_alerts
    assert second != first and get_alert(un, LOCAL, first)["state"] == "confirmed"
    alert = get_alert(un, LOCAL, second)
    assert alert["state"] == "open" and alert["title"].startswith("ZZ888 IST-BRU 2025-03-09: AYMAN AL-ZAWAHIRI ↔ ")
    assert alert["explanation"]["trip"] == "ZZ888 IST-BRU 2025-03-09"
    assert alert["explanation"]["trip_id"] == flight_id(LATER)
    assert {"statement"} == {e["ref_kind"] for e in alert["evidence"] if e["entity_id"] == flight_id(LATER)}

    review_alert(un, LOCAL, second, "dismissed", "a namesake")
    resent = receive_message(un, LOCAL, api("REFH003", ZAWAHIRI, leg=LATER), "api_hit2b.edi", "paxlst", "api")
    assert resent.screening_alerts == []  # that trip's decision holds
    third_leg = Leg("ZZ", "999", "BRU", "IST", "2025-03-12T10:00", "2025-03-12T15:00")
    (third,) = receive_message(un, LOCAL, api("REFH004", ZAWAHIRI, leg=third_leg), "api_hit3.edi", "paxlst",
                               "api").screening_alerts
    assert third not in (first, second) and get_alert(un, LOCAL, third)["state"] == "open"


def test_every_document_a_traveller_carries_is_screened_without_duplicate_alerts(un):
    intake = receive_message(un, LOCAL, api("REFD001", AL_RIMI), "rimi.edi", "paxlst", "api")
    (alert_id,) = intake.screening_alerts
    alert = get_alert(un, LOCAL, alert_id)
    assert "AL-RIMI" in alert["title"] and alert["explanation"]["query"]["document"] == "00344994"
    both = Traveller("AL-ZAWAHIRI", "AYMAN", birth_date="1951-06-19", nationality="EGY",
                     documents=[Document("P", "1084010", "EGY"), Document("I", "EG-ID-77", "EGY")])
    assert len(receive_message(un, LOCAL, api("REFD002", both), "both.edi", "paxlst", "api").screening_alerts) == 1
