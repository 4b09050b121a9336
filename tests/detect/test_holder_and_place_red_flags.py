"""Red flags on where cash is drawn and on what the statements say about accounts' holders (both databases):
cash drawn in or beside a conflict zone away from the account's home; savings drained just before the holder
travels, from the PIU's trips and the account's ownership; money swept from accounts whose holders share a phone.
Each is found from the statements as the viewer sees them, and cites them besides the payments."""

from datetime import date

import orjson
import pytest
from feed import workspace_rule

from nexus.detect.red_flags import FOLDER, _jurisdictions
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
FIU = Viewer("fiona", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="travel red flags")
#: may read the bank feed (CONFIDENTIAL) but not the passenger data (SECRET)
JUNIOR = Viewer("june", "FIU", frozenset({"analyst"}), Classification.CONFIDENTIAL, purpose="travel red flags")
BELGIAN, TURKISH = "BE71096123456769", "TR330006100519786457841326"


def write_feed(tmp_path, rows, name="feed"):
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "".join(f"{when},{fb},{a},{tb},{b},{x},US Dollar,{x},US Dollar,{how},0\n"
                                     for when, fb, a, tb, b, x, how in rows))
    return path


def load(store, tmp_path, rows):
    home = tmp_path / "home"
    ingest_transactions(store, FIU, write_feed(tmp_path, rows), "bank", home,
                        LabelChanges(agency="FIU", classification="CONFIDENTIAL"))
    return home


def test_cash_drawn_beside_a_conflict_zone_away_from_home_is_flagged(store, tmp_path):
    home = load(store, tmp_path, [
        # a Belgian account draws cash three times at a Turkish cash desk near the border
        ("2024/06/03 10:00", "734", BELGIAN, "000100", TURKISH, 900, "Cash"),
        ("2024/06/06 10:00", "734", BELGIAN, "000100", TURKISH, 700, "Cash"),
        ("2024/06/09 10:00", "734", BELGIAN, "000100", TURKISH, 600, "Cash"),
        ("2024/06/01 09:00", "734", "BE10001000000001", "734", BELGIAN, 2500, "ACH"),  # its salary, not cited
        # a Turkish account drawing cash at home is no flag
        ("2024/06/03 11:00", "000100", "TR120006200000000000001234", "000100", TURKISH, 2000, "Cash"),
        ("2024/06/05 11:00", "000100", "TR120006200000000000001234", "000100", TURKISH, 2000, "Cash"),
        # nor is one withdrawal there, nor a wire to Türkiye
        ("2024/06/04 12:00", "734", "BE68539007547034", "000100", TURKISH, 5000, "Cash"),
        ("2024/06/04 12:00", "734", "BE62510007547061", "000100", TURKISH, 5000, "Wire"),
        ("2024/06/05 12:00", "734", "BE62510007547061", "000100", TURKISH, 5000, "Wire"),
    ])
    (flag,) = [a for a in detect(store, FIU, home) if a["name"] == "cash-near-conflict"]
    assert flag["accounts"] == [BELGIAN] and len(flag["transactions"]) == 3 and flag["kind"] == "rule"
    assert flag["total"] == 2200  # the withdrawals it cites, nothing else of the account's
    assert "cash_near_conflict_count 3" in flag["explanation"] and "cash_near_conflict 2,200" in flag["explanation"]


def test_a_bank_s_country_places_cash_where_the_feed_has_no_iban(store, tmp_path, monkeypatch):
    """AMLworld names banks by code: the configured country of the bank that paid the cash out places it."""
    config = tmp_path / "jurisdictions.yml"
    config.write_text("high_risk: [SY]\nconflict_zones: [SY, LB]\nbank_countries: {'001': BE, '777': LB}\n")
    monkeypatch.setenv("NEXUS_HIGH_RISK_FILE", str(config))
    home = load(store, tmp_path, [("2024/06/0%d 10:00" % d, "001", "C0", "777", "C0", 800, "Cash") for d in (1, 4)]
                + [("2024/06/0%d 10:00" % d, "777", "L0", "777", "L0", 800, "Cash") for d in (1, 4)])
    assert [a["accounts"] for a in detect(store, FIU, home) if a["name"] == "cash-near-conflict"] == [["C0"]]
    config.write_text("high_risk: [SY]\nconflict_zones: [Lebanon]\n")
    _jurisdictions.cache_clear()
    with pytest.raises(InvalidInput, match=r"jurisdictions.yml: conflict_zones: a list of two-letter country codes"):
        detect(store, FIU, home)
    _jurisdictions.cache_clear()


@pytest.fixture
def travelling(store, tmp_path):
    """H1 holds LQ0 and flies on 20 May 2024; H2 holds LQ1 and flies in August; the trips are SECRET."""
    entities = [
        {"id": "h1", "schema": "Person", "properties": {"name": ["Harun Yilmaz"]}},
        {"id": "h2", "schema": "Person", "properties": {"name": ["Petra Novak"]}},
        {"id": "own-h1", "schema": "Ownership", "properties": {"owner": ["h1"], "asset": [account_id("001", "LQ0")]}},
        {"id": "own-h2", "schema": "Ownership", "properties": {"owner": ["h2"], "asset": [account_id("001", "LQ1")]}},
    ]
    trips = [
        {"id": "flight-1", "schema": "Trip", "properties": {"startDate": ["2024-05-20"], "involved": ["h1"]}},
        {"id": "flight-2", "schema": "Trip", "properties": {"startDate": ["2024-08-20"], "involved": ["h2"]}},
    ]
    for source, level, rows in (("kyc", Classification.CONFIDENTIAL, entities), ("pnr", Classification.SECRET, trips)):
        path = tmp_path / f"{source}.json"
        path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in rows))
        store.register_source(source, "ftm", Labels("FIU", level))
        ingest(store, source, path, get_format("ftm").read(path))
    drained = [("2024/05/01 09:00", "001", "EMPLOYER", "001", "{a}", 2000, "ACH"),
               ("2024/05/08 10:00", "001", "{a}", "001", "{a}", 4000, "Cash"),
               ("2024/05/10 10:00", "001", "{a}", "001", "SY2100000000000000001234", 3000, "Wire")]
    rows = [tuple(v.format(a=a) if isinstance(v, str) else v for v in r) for a in ("LQ0", "LQ1") for r in drained]
    return store, load(store, tmp_path, rows)


def test_savings_drained_before_the_holder_flies_are_flagged_and_cite_the_trip(travelling):
    store, home = travelling
    (flag,) = [a for a in detect(store, FIU, home) if a["name"] == "liquidation-before-travel"]
    assert flag["accounts"] == ["LQ0"] and len(flag["transactions"]) == 3  # LQ1's holder flies months later
    assert "holder_departs 1" in flag["explanation"] and "net_outflow 5,000" in flag["explanation"]
    alert = get_alert(store, FIU, flag["id"])
    cited = {(e["ref_kind"], e["entity_id"]) for e in alert["evidence"]}
    assert ("statement", "flight-1") in cited and ("statement", "own-h1") in cited
    assert alert["explanation"]["departures"] == [
        {"trip_id": "flight-1", "holder_id": "h1", "ownership_id": "own-h1", "departure": "2024-05-20"}]
    assert alert["labels"]["classification"] == "SECRET"  # as high as the passenger data it rests on


def test_an_alert_shows_only_its_own_rule_s_features(travelling, tmp_path):
    """Another 30-day rule on the same account shows nothing of the holder's trip, which it does not cite."""
    store, home = travelling
    workspace_rule(home, "cash-heavy", 30, "{feature: cash_out, op: '>=', value: 3000}")
    (heavy,) = [a for a in detect(store, FIU, home) if a["name"] == "cash-heavy" and a["accounts"] == ["LQ0"]]
    shown = get_alert(store, FIU, heavy["id"])
    assert set(shown["explanation"]["features"]) == {"cash_out", "inflow_total"}
    assert shown["labels"]["classification"] == "CONFIDENTIAL" and "departures" not in shown["explanation"]


def test_a_departure_counts_for_windows_shorter_than_the_fortnight_before_it(travelling):
    store, home = travelling
    workspace_rule(home, "weekly", 7, "{feature: holder_departs, op: '>=', value: 1}",
                   "{feature: cash_out, op: '>=', value: 4000}")
    assert [a["accounts"] for a in detect(store, FIU, home) if a["name"] == "weekly"] == [["LQ0"]]


def test_a_viewer_who_may_not_see_the_trip_gets_no_such_flag(travelling):
    store, home = travelling
    assert [a for a in detect(store, JUNIOR, home) if a["name"] == "liquidation-before-travel"] == []
    assert [a for a in detect(store, FIU, home) if a["name"] == "liquidation-before-travel"]
    assert [a for a in list_alerts(store, JUNIOR, kind="rule") if "liquidation" in a["title"]] == []


def test_back_testing_liquidation_before_travel(travelling):
    store, home = travelling
    rule = FOLDER / "liquidation-before-travel.yml"
    (hit,) = backtest_rule(store, FIU, home, rule, date(2024, 5, 1), date(2024, 5, 31))
    assert hit["account"] == "LQ0" and hit["features"]["holder_departs"] == 1
    assert backtest_rule(store, FIU, home, rule, date(2024, 3, 1), date(2024, 3, 31)) == []


@pytest.fixture
def sweeping(store, tmp_path):
    """MU1–MU3 were opened by three people with one phone, which their controller C1 gave; each pays CTRL. Three of
    a hostel's 25 residents, who share its address, pay their landlord; the KYC is SECRET."""
    phone, hostel = "+32 470 11 22 33", "Rue Haute 1, 1000 Brussels"
    people = [{"id": f"m{i}", "schema": "Person", "properties": {"name": [f"Mule {i}"], "phone": [phone]}} for i in (1, 2, 3)]
    people += [{"id": f"h{i}", "schema": "Person", "properties": {"name": [f"Guest {i}"], "address": [hostel]}}
               for i in range(25)]
    owned = [(f"m{i}", f"MU{i}") for i in (1, 2, 3)] + [(f"h{i}", f"HO{i}") for i in range(25)]
    people += [{"id": f"own-{account}", "schema": "Ownership",
                "properties": {"owner": [holder], "asset": [account_id("001", account)]}} for holder, account in owned]
    path = tmp_path / "kyc.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in people))
    store.register_source("kyc", "ftm", Labels("FIU", Classification.SECRET))
    ingest(store, "kyc", path, get_format("ftm").read(path))
    rows = [(f"2024/07/0{i + 1} 10:00", "001", f"MU{i}", "001", "CTRL", 2000 + i, "Wire") for i in (1, 2, 3)]
    rows += [("2024/07/05 10:00", "001", "OTHER", "001", "CTRL", 9000, "Wire")]
    rows += [(f"2024/07/0{i + 1} 11:00", "001", f"HO{i}", "001", "LANDLORD", 2500, "ACH") for i in range(3)]
    return store, load(store, tmp_path, rows)


def test_money_swept_from_accounts_sharing_one_phone_is_flagged_and_cites_the_phone(sweeping):
    store, home = sweeping
    (flag,) = [a for a in detect(store, FIU, home) if a["name"] == "shared-contact-sweep"]  # not the hostel's
    assert flag["accounts"] == ["CTRL"] and len(flag["transactions"]) == 3  # not OTHER's payment
    assert flag["total"] == 6006 and "shared_contact_holders 3" in flag["explanation"]
    alert = get_alert(store, FIU, flag["id"])
    cited = {(e["ref_kind"], e["entity_id"]) for e in alert["evidence"]}
    assert {("statement", f"m{i}") for i in (1, 2, 3)} <= cited and ("statement", "own-MU1") in cited
    assert {e["contact"] for e in alert["explanation"]["shared_contacts"]} == {"phone:+32470112233"}
    assert set(alert["explanation"]["features"]) == {"shared_contact_holders", "shared_contact_in"}  # not OTHER's money
    assert alert["labels"]["classification"] == "SECRET"  # as high as the KYC it rests on
    assert [a for a in detect(store, JUNIOR, home) if a["name"] == "shared-contact-sweep"] == []


def test_a_rule_that_mixes_shared_contacts_with_other_features_cites_them_too(sweeping):
    store, home = sweeping
    workspace_rule(home, "mixed", 14, "{feature: shared_contact_holders, op: '>=', value: 3}",
                   "{feature: inflows, op: '>=', value: 1}")
    (mixed,) = [a for a in detect(store, FIU, home) if a["name"] == "mixed"]
    alert = get_alert(store, FIU, mixed["id"])
    assert alert["labels"]["classification"] == "SECRET" and alert["explanation"]["shared_contacts"]
    assert len(mixed["transactions"]) == 4  # every payment it counts, OTHER's too
    assert not [a for a in list_alerts(store, JUNIOR, kind="rule") if a["title"].startswith("mixed")]


def test_one_person_s_own_accounts_sharing_a_phone_are_no_sweep(store, tmp_path):
    """Adam moves money between his four accounts; Bea, whose SECRET record has his phone, pays nothing in."""
    phone = "+32 470 99 88 77"
    entities = [{"id": "adam", "schema": "Person", "properties": {"name": ["Adam"], "phone": [phone]}},
                {"id": "bea", "schema": "Person", "properties": {"name": ["Bea"], "phone": [phone]}}]
    entities += [{"id": f"own-A{i}", "schema": "Ownership",
                  "properties": {"owner": ["adam"], "asset": [account_id("001", f"A{i}")]}} for i in (1, 2, 3, 4)]
    entities += [{"id": "own-B1", "schema": "Ownership", "properties": {"owner": ["bea"], "asset": [account_id("001", "B1")]}}]
    path = tmp_path / "kyc.json"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    store.register_source("kyc", "ftm", Labels("FIU", Classification.SECRET))
    ingest(store, "kyc", path, get_format("ftm").read(path))
    home = load(store, tmp_path, [(f"2024/07/0{i} 10:00", "001", f"A{i}", "001", "A4", 2000, "Wire") for i in (1, 2, 3)]
                + [("2024/07/01 09:00", "001", "B1", "001", "ELSEWHERE", 10, "Wire")])
    assert [a for a in detect(store, FIU, home) if a["name"] == "shared-contact-sweep"] == []
