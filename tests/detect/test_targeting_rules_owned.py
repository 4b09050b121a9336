"""Targeting rules are their agency's (listed, changed, approved, retired and run within it; to anyone else no such
rule); the linter refuses sensitive data in any language and form, and nationality beside a condition every
traveller meets."""

import importlib.resources

import orjson
import pytest
import yaml

from sqlalchemy import select

from nexus.detect.targeting import BEHAVIOUR_FEATURES, FEATURES, RANGES, lint
from nexus.errors import NotFound
from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.alerts import get_alert
from nexus.service.targeting import active_rules, decide_rule, list_rules, propose_rule, retire_rule
from nexus.service.travel import receive_message
from nexus.sources.travel.features import feature_rows, subjects
from nexus.sources.travel.records import Booking, Document, Leg, Payment, Traveller
from nexus.store.schema import audit_log
from nexus.sources.travel.write import write_pnrgov

PIU_TARGETER = Viewer("tina", "PIU", frozenset({"targeter"}), Classification.SECRET)
PIU_LEAD = Viewer("sam", "PIU", frozenset({"supervisor"}), Classification.SECRET)
POL_ANALYST = Viewer("paul", "POLICE", frozenset({"analyst"}), Classification.SECRET)
POL_LEAD = Viewer("pat", "POLICE", frozenset({"supervisor"}), Classification.SECRET)
LEG = Leg("TK", "1980", "LOS", "IST", "2025-03-02T10:00", "2025-03-02T17:00")


def rule(name: str, *conditions: str, description: str = "who the PIU looks for and why") -> str:
    lines = "\n".join(f"  - {c}" for c in conditions)
    return f"name: {name}\ndescription: {description}\nconditions:\n{lines}\n"


CASH = rule("cash-late", "{feature: payment, op: in, value: [cash]}",
            "{feature: booked_hours_before_departure, op: '<=', value: 72}")


def cash_pnr(locator: str) -> bytes:
    booking = Booking(locator, "1A", created="2025-03-01T20:00", legs=[LEG],
                      payments=[Payment("CA", amount="640.00")],
                      travellers=[Traveller("LINDQVIST", "ANNA", birth_date="1990-02-02", nationality="SWE",
                                            documents=[Document("P", "SE778899", "SWE", "2031-05-05")])])
    return write_pnrgov(LEG, [booking], locator).encode()


def message(call) -> str:
    with pytest.raises(NotFound) as refused:
        call()
    return str(refused.value)


def test_another_agencys_supervisor_finds_no_rule_to_approve_reject_or_retire(store):
    propose_rule(store, PIU_TARGETER, CASH)
    assert message(lambda: decide_rule(store, POL_LEAD, "cash-late", 1, True, "police approves")) == \
        message(lambda: decide_rule(store, POL_LEAD, "no-such-rule", 1, True, "police approves")).replace(
            "no-such-rule", "cash-late")
    with pytest.raises(NotFound):
        decide_rule(store, POL_LEAD, "cash-late", 1, False, "police rejects")
    decide_rule(store, PIU_LEAD, "cash-late", 1, True, "proportionate")
    assert message(lambda: retire_rule(store, POL_LEAD, "cash-late", "police stops it")) == \
        message(lambda: retire_rule(store, POL_LEAD, "no-such-rule", "police stops it")).replace(
            "no-such-rule", "cash-late")
    assert [key for key, _ in active_rules(store, "PIU")] == ["cash-late@1"]
    rows = list_rules(store, PIU_LEAD)
    assert [(r["version"], r["state"], r["decided_by"]) for r in rows] == [(1, "approved", "sam")]


def test_a_rule_name_is_its_agencys_and_another_agency_may_have_one_of_the_same_name(store):
    propose_rule(store, PIU_TARGETER, CASH)
    assert list_rules(store, POL_ANALYST) == []
    theirs = propose_rule(store, POL_ANALYST, CASH.replace("72", "24"))  # nothing tells them the PIU has one
    assert (theirs["name"], theirs["version"], theirs["agency"]) == ("cash-late", 1, "POLICE")
    propose_rule(store, PIU_TARGETER, CASH.replace("72", "48"))
    decide_rule(store, POL_LEAD, "cash-late", 1, True, "police wants it")  # the police's version 1, not the PIU's
    assert [(r["name"], r["version"], r["state"]) for r in list_rules(store, PIU_LEAD)] == [
        ("cash-late", 1, "proposed"), ("cash-late", 2, "proposed")]
    assert [(r["version"], r["state"], "24" in r["definition"]) for r in list_rules(store, POL_LEAD)] == [
        (1, "approved", True)]
    decide_rule(store, PIU_LEAD, "cash-late", 2, True, "proportionate")
    retire_rule(store, POL_LEAD, "cash-late", "police stops it")  # the police's; the PIU's runs on
    assert [(k, r.conditions[1].values) for k, r in active_rules(store, "PIU")] == [("cash-late@2", (48,))]
    assert active_rules(store, "POLICE") == []


def test_a_refusal_on_another_agencys_rule_is_audited_as_for_an_absent_one(store):
    propose_rule(store, PIU_TARGETER, CASH)
    for name in ("cash-late", "no-such-rule"):
        with pytest.raises(NotFound):
            decide_rule(store, POL_LEAD, name, 1, True, "police approves")
    decide_rule(store, PIU_LEAD, "cash-late", 1, True, "proportionate")
    for name in ("cash-late", "no-such-rule"):
        with pytest.raises(NotFound):
            retire_rule(store, POL_LEAD, name, "police stops it")
    with store.engine.connect() as conn:
        records = conn.execute(select(audit_log).where(audit_log.c.outcome == "not found").order_by(
            audit_log.c.seq)).mappings().all()
    seen = [(r["username"], r["agency"], r["action"], orjson.loads(r["query"]), r["result_ids"]) for r in records]
    assert [(action, query["name"]) for _, _, action, query, _ in seen] == [
        ("rules.decide", "cash-late"), ("rules.decide", "no-such-rule"),
        ("rules.retire", "cash-late"), ("rules.retire", "no-such-rule")]
    hidden = [(u, a, act, {**q, "name": "?"}, ids) for u, a, act, q, ids in seen]
    assert hidden[0] == hidden[1] and hidden[2] == hidden[3]
    assert hidden[0][:2] == ("pat", "POLICE")
    assert [(r["version"], r["state"]) for r in list_rules(store, PIU_LEAD)] == [(1, "approved")]


def test_two_agencies_rules_of_one_name_each_raise_their_own_agencys_alerts(listed):
    for who, lead in ((PIU_TARGETER, PIU_LEAD), (POL_ANALYST, POL_LEAD)):
        propose_rule(listed, who, CASH)
        decide_rule(listed, lead, "cash-late", 1, True, "wanted")
    (ours,) = receive_message(listed, PIU_TARGETER, cash_pnr("CASH01"), "p.edi", "pnrgov", "piu-pnr").rule_alerts
    (theirs,) = receive_message(listed, POL_ANALYST, cash_pnr("CASH02"), "q.edi", "pnrgov", "pol-pnr").rule_alerts
    assert get_alert(listed, PIU_TARGETER, ours)["subject"].startswith("rule/PIU/cash-late/")
    assert get_alert(listed, POL_ANALYST, theirs)["subject"].startswith("rule/POLICE/cash-late/")
    with pytest.raises(NotFound):
        get_alert(listed, POL_ANALYST, ours)


def test_an_agencys_rule_runs_on_its_own_intake_and_raises_its_own_alerts(listed):
    propose_rule(listed, POL_ANALYST, rule("pol-cash", "{feature: payment, op: in, value: [cash]}"))
    decide_rule(listed, POL_LEAD, "pol-cash", 1, True, "police wants it")
    assert receive_message(listed, PIU_TARGETER, cash_pnr("CASH01"), "p.edi", "pnrgov", "piu-pnr").rule_alerts == []
    assert active_rules(listed, "PIU") == []
    (theirs,) = receive_message(listed, POL_ANALYST, cash_pnr("CASH02"), "q.edi", "pnrgov", "pol-pnr").rule_alerts
    assert get_alert(listed, POL_ANALYST, theirs)["subject"].startswith("rule/POLICE/pol-cash/")


@pytest.mark.parametrize("text", [
    "Muslims returning from the hajj or umrah via Istanbul", "muslims, jews, christians, hindus, catholics",
    "followers of islam", "passagers musulmans et juifs", "Muslime, Juden und Christen", "Glaubensgemeinschaft",
    "musulmanes y judíos, religión", "diabetic", "HIV positive", "cancer patients, dialysis, oxygen users", "blind",
    "homosexual or bisexual couples", "LGBT travellers", "Arab", "Roma", "Roma families", "gypsy", "Kurdish", "African",
    "SSRcode", "WCHRpassenger", "HIVpositive", "HALALfood", "passengerWCHRrequest",
    "members of a union", "trade unions", "communists", "specialMeal", "religiousBeliefs", "special_meal",
    "travellers flying to Jeddah or Medina during Dhul Hijjah", "Dhū al-Ḥijjah", "Ramadan", "Yom Kippur",
    "Shi'ite pilgrims", "sexuelle Orientierung", "Rollstuhl", "embarazada", "المسلمين", "الحج", "syndicat",
])
def test_the_linter_refuses_sensitive_words_in_any_form_and_language(text):
    problems = lint(yaml.safe_load(rule("late-cash", "{feature: payment, op: in, value: [cash]}", description=text)))
    assert any("sensitive data" in p for p in problems), text


@pytest.mark.parametrize("code", ["NBML", "LPML", "PPOC", "EXST", "WCLB", "MAAS", "KSML", "VJML", "DPNA", "STCR"])
def test_the_linter_refuses_meal_and_special_service_codes(code):
    problems = lint(yaml.safe_load(rule("by-agency", f"{{feature: agency, op: in, value: [{code}]}}")))
    assert [p for p in problems if f"sensitive data ({code.lower()!r})" in p], problems


@pytest.mark.parametrize("text", [
    "paid through Western Union", "nationals of the European Union", "via the United Arab Emirates",
    "a crime syndicate's couriers", "politically exposed persons", "trafficking for sexual exploitation",
    "from Islamabad to Rome", "a union of two bookings", "booked by a travel agency, paid in cash",
    "one way to Roma Fiumicino", "flights from Roma to Lagos", "flying South African Airways",
    "via the Central African Republic", "HTMLParser", "USAtoday",
])
def test_the_linter_lets_through_what_only_looks_sensitive(text):
    assert lint(yaml.safe_load(rule("late-cash", "{feature: payment, op: in, value: [cash]}", description=text))) == []


def test_an_airport_code_is_a_place_not_a_word():  # HAJ is Hannover
    assert lint(yaml.safe_load(rule("via-hannover", "{feature: transit, op: in, value: [HAJ]}"))) == []
    assert lint(yaml.safe_load(rule("via-hannover", "{feature: agency, op: in, value: [HAJ]}"))) != []


def test_the_vocabulary_is_package_data():
    assert importlib.resources.files("nexus.detect").joinpath("sensitive.yml").is_file()


@pytest.mark.parametrize("always", [
    "{feature: legs, op: '>=', value: 1}", "{feature: legs, op: '>', value: 0}", "{feature: bags, op: '>=', value: 0}",
    "{feature: travellers_in_booking, op: '>=', value: 1}", "{feature: travellers_in_booking, op: '<=', value: 99}",
    "{feature: booking_changes, op: '>=', value: 0}", "{feature: booked_hours_before_departure, op: '<', value: 9000}",
    "{feature: payment, op: not_in, value: [BITCOIN]}", "{feature: transit, op: not_in, value: [ZZZ]}",
    "{feature: payment, op: in, value: [cash, card, cheque, miscellaneous, other]}",
    "{feature: legs, op: '<=', value: 99}", "{feature: bags, op: '<', value: 100}",
    "{feature: booking_changes, op: '<=', value: 100000}",
])
def test_nationality_beside_a_condition_every_traveller_meets_is_nationality_alone(always):
    problems = lint(yaml.safe_load(rule("fig-leaf", "{feature: nationality, op: in, value: [SYR]}", always)))
    assert any("'fig-leaf' targets people on nationality" in p for p in problems), problems


@pytest.mark.parametrize("criterion", [
    "{feature: legs, op: '>=', value: 2}", "{feature: bags, op: '>', value: 0}",
    "{feature: payment, op: in, value: [cash]}",
    "{feature: payment, op: in, value: [cash, card, cheque, miscellaneous]}",  # OTHER is left out
    "{feature: payment, op: not_in, value: [CARD]}", "{feature: booking_changes, op: '<=', value: 3}",
    "{feature: bags, op: '<', value: 3}", "{feature: legs, op: '<=', value: 2}",
    "{feature: booked_hours_before_departure, op: '<=', value: 72}",
    "{feature: one_way, op: is, value: true}", "{feature: transit, op: in, value: [IST]}",
])
def test_nationality_beside_a_criterion_some_travellers_fail_is_lawful(criterion):
    assert lint(yaml.safe_load(rule("narrowed", "{feature: nationality, op: in, value: [SYR]}", criterion))) == []


def test_every_numeric_behaviour_feature_is_bounded_both_ways():
    numeric = {f for f in BEHAVIOUR_FEATURES if FEATURES[f] == "number"}
    assert numeric <= set(RANGES)
    assert all(None not in RANGES[f] for f in numeric), {f: RANGES[f] for f in numeric}


def test_a_payment_of_a_kind_without_a_name_is_other():
    booking = Booking("PAY001", "1A", created="2025-03-01T20:00", legs=[LEG],
                      payments=[Payment("XX", amount="10.00"), Payment("CA", amount="5.00")],
                      travellers=[Traveller("LINDQVIST", "ANNA", nationality="SWE")])
    rows = feature_rows(subjects([], [(LEG, booking)])).to_pylist()
    assert sorted(r["text_value"] for r in rows if r["feature"] == "payment") == ["CASH", "OTHER"]
