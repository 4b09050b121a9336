"""Lawful PIU data: free text in kept SSRs and billing lines is purged on reading; a feature the data cannot
know (one way, from an API message) matches no rule; no rule targets people for their origin alone."""

import pytest
import yaml

from nexus.detect.targeting import (
    BEHAVIOUR_FEATURES, FEATURES, ORIGIN_FEATURES, RuleRefused, lint, parse_rule, rule_hits,
)
from nexus.engine import DuckDBEngine
from nexus.sources.travel import parse_message
from nexus.sources.travel.features import feature_rows, subjects
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Traveller

PNR = """UNA:+.? '
UNB+IATA:1+ZZ++250301:1200+PP001'
UNH+1+PNRGOV:11:1:IA+ZZ123/020325'
MSG+:22'
ORG+ZZ'
TVL+020325:1000:020325:1100+CDG+BRU+ZZ+123'
EQN+1'
SRC'
RCI+ZZ:LOCP01::010325:0900'
TIF+DOE+JOHNMR:A:1'
SSR+DOCS:HK::ZZ:::::/P/FRA/AB1234567/FRA/15JAN80/M/01JAN30/DOE/JOHN'
SSR+TKNE:HK:1:ZZ:::::{ticket}'
FOP+CC::100:VI:XXXX1111:0130'
IFT+4:43+JOHN DOE+{billing}+33612345678'
TVL+020325:1000:020325:1100+CDG+BRU+ZZ+123:Y'
RPI+1+HK'
UNT+13+1'
UNZ+1+PP001'
"""


def read(ticket="0571234567890C1", billing="12 RUE DE LA PAIX 75002 PARIS"):
    parsed = parse_message(PNR.format(ticket=ticket, billing=billing).encode(), "pnrgov")
    ((_, booking),) = parsed.bookings
    stored = " ".join(str(e.to_dict()) for r in parsed.records for e in r.entities)
    return booking, stored


def test_a_ticket_ssr_keeps_its_ticket_number_and_purges_the_rest():
    clean, _ = read()
    booking, stored = read(ticket="0571234567890C1 PAX HIV POSITIVE NEEDS DIALYSIS")
    assert booking.travellers[0].tickets == ["0571234567890C1"]
    assert booking.purged == clean.purged + 1
    assert "HIV" not in stored and "DIALYSIS" not in stored
    text_only, stored = read(ticket="PAX HIV POSITIVE NEEDS DIALYSIS")
    assert text_only.travellers[0].tickets == [] and text_only.purged == clean.purged + 1
    assert "HIV" not in stored


def test_billing_text_that_is_no_address_is_purged():
    clean, stored = read()
    assert clean.payments[0].payer_address == "12 RUE DE LA PAIX 75002 PARIS" and "RUE DE LA PAIX" in stored
    booking, stored = read(billing="PAX DIABETIC NEEDS INSULIN")
    payment = booking.payments[0]
    assert (payment.payer, payment.payer_address, payment.payer_phone) == ("JOHN DOE", None, "33612345678")
    assert booking.purged == clean.purged + 1
    assert "DIABETIC" not in stored and "INSULIN" not in stored


LEG = Leg("TK", "1980", "IST", "CDG", "2025-03-02T10:00", "2025-03-02T13:00")
TRAVELLER = Traveller("LINDQVIST", "ANNA", birth_date="1990-02-02", nationality="EGY",
                      documents=[Document("P", "A778899", "EGY", "2031-05-05")])


def one_way_values(manifests, bookings):
    table = feature_rows(subjects(manifests, bookings)).to_pylist()
    return [row["text_value"] for row in table if row["feature"] == "one_way"]


def test_one_way_is_unknown_from_an_api_message_and_known_from_a_booking():
    assert one_way_values([Manifest("M1", [LEG], [TRAVELLER])], []) == []
    assert one_way_values([], [(LEG, Booking("B1", "1A", travellers=[TRAVELLER], legs=[LEG]))]) == ["true"]
    back = Leg("TK", "1981", "CDG", "IST", "2025-03-09T10:00", "2025-03-09T15:00")
    assert one_way_values([], [(LEG, Booking("B2", "1A", travellers=[TRAVELLER], legs=[LEG, back]))]) == ["false"]


def test_a_rule_on_one_way_raises_nothing_on_api_travellers():
    rule = parse_rule("""
name: one-way-from-ist
description: one-way tickets out of Istanbul
conditions:
  - {feature: one_way, op: is, value: true}
  - {feature: origin, op: in, value: [IST]}
""")
    api = subjects([Manifest("M1", [LEG], [TRAVELLER])], [])
    with DuckDBEngine() as engine:
        assert rule_hits(engine, [("r", rule)], feature_rows(api)).num_rows == 0
        booked = subjects([], [(LEG, Booking("B1", "1A", travellers=[TRAVELLER], legs=[LEG]))])
        assert rule_hits(engine, [("r", rule)], feature_rows(booked)).num_rows == 1


def rule(*conditions: str, name: str = "origin-rule") -> str:
    lines = "\n".join(f"  - {c}" for c in conditions)
    return f"name: {name}\ndescription: who the PIU looks for and why\nconditions:\n{lines}\n"


@pytest.mark.parametrize("conditions", [
    ["{feature: nationality, op: in, value: [EGY, YEM]}"],
    ["{feature: document_country, op: in, value: [EGY]}"],
    ["{feature: residence, op: not_in, value: [FRA]}"],
    ["{feature: nationality, op: in, value: [EGY]}", "{feature: age, op: '<', value: 30}"],
])
def test_the_linter_refuses_a_rule_on_origin_alone(conditions):
    problems = lint(yaml.safe_load(rule(*conditions, name="egyptians")))
    assert any("'egyptians'" in p and "origin" in p and "behavio" in p for p in problems), problems
    with pytest.raises(RuleRefused):
        parse_rule(rule(*conditions))


def test_origin_beside_a_behavioural_criterion_is_a_lawful_rule():
    assert lint(yaml.safe_load(rule("{feature: nationality, op: in, value: [EGY]}",
                                "{feature: payment, op: in, value: [cash]}"))) == []
    assert lint(yaml.safe_load(rule("{feature: origin, op: in, value: [IST]}"))) == []


def test_every_feature_is_behaviour_origin_or_neither_by_choice():
    neither = set(FEATURES) - BEHAVIOUR_FEATURES - ORIGIN_FEATURES
    assert neither == {"age", "crew", "data", "document_expires_days_after_departure"}  # they count as no behaviour
